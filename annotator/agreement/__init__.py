"""Inter-annotator agreement: pure metrics on plain data (no web or database imports).

Public API: ``agreement_report`` (an ``AgreementReport``; ``to_json()`` gives the JSON),
``list_disagreements`` and ``list_argument_disagreements`` (drill-down), ``reading``
(plain-words summary) and ``AgreementInputError``; see docs/agreement.md.
"""

from annotator.agreement.argument_disagreements import list_argument_disagreements
from annotator.agreement.arguments import ARGUMENT_DISAGREEMENT_KINDS
from annotator.agreement.blocks import AgreementReport
from annotator.agreement.data import AgreementInputError, ItemColumns
from annotator.agreement.disagreements import list_disagreements
from annotator.agreement.matching import DISAGREEMENT_KINDS, KINDS
from annotator.agreement.reading import reading
from annotator.agreement.report import agreement_report

__all__ = [
    "ARGUMENT_DISAGREEMENT_KINDS",
    "DISAGREEMENT_KINDS",
    "KINDS",
    "AgreementInputError",
    "AgreementReport",
    "ItemColumns",
    "agreement_report",
    "list_argument_disagreements",
    "list_disagreements",
    "reading",
]
