"""Inter-annotator agreement: pure metrics on plain data (no web or database imports).

Public API: ``agreement_report`` (the JSON-ready report), ``list_disagreements`` (drill-down),
``reading`` (plain-words summary) and ``AgreementInputError``; see docs/agreement.md.
"""

from annotator.agreement.data import AgreementInputError, ItemColumns
from annotator.agreement.matching import DISAGREEMENT_KINDS, KINDS
from annotator.agreement.report import agreement_report, list_disagreements, reading

__all__ = [
    "DISAGREEMENT_KINDS",
    "KINDS",
    "AgreementInputError",
    "ItemColumns",
    "agreement_report",
    "list_disagreements",
    "reading",
]
