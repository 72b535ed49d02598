"""Pure modules import no web or database framework."""

from __future__ import annotations

import subprocess
import sys

PURE = [
    "annotator.paging",
    "annotator.wording",
    "annotator.audit.diffing",
    "annotator.spans",
    "annotator.relations",
    "annotator.spreadsheet",
    "annotator.inputs",
    "annotator.caching",
    "annotator.cache_stores",
    "annotator.projects.schema",
    "annotator.projects.guidelines",
    "annotator.projects.schema_changes",
    "annotator.corpus.tokens",
    "annotator.corpus.folding",
    "annotator.projects.navigation",
    "annotator.corpus.splitting",
    "annotator.export.alignment",
    "annotator.export.brat",
    "annotator.export.card",
    "annotator.export.conll",
    "annotator.export.docbin",
    "annotator.export.events",
    "annotator.export.formats",
    "annotator.export.gold_json",
    "annotator.export.jsonl",
    "annotator.export.labelstudio",
    "annotator.export.options",
    "annotator.export.records",
    "annotator.export.readers.shape",
    "annotator.export.readers.doccano",
    "annotator.export.readers.labelstudio",
    "annotator.export.readers.brat",
    "annotator.export.readers.conll",
    "annotator.export.readers.placing",
    "annotator.export.splits",
    "annotator.export.tally",
    "annotator.export.zipstream",
    "annotator.adjudication.conflicts",
    "annotator.adjudication.arguments",
    "annotator.assignments.allocation",
    "annotator.auth.names",
    "annotator.auth.passwords",
    "annotator.apidoc.document",
    "annotator.apidoc.page",
    "annotator.learning.records",
    "annotator.learning.store",
    "annotator.learning.charts",
    # (annotator.learning.training is pure but is spaCy training itself: it imports spaCy, so
    # it is checked by the import-linter contract only, not by this start-up probe.)
    "annotator.agreement",
    "annotator.agreement.blocks",
    "annotator.agreement.bootstrap",
    "annotator.agreement.build",
    "annotator.agreement.context",
    "annotator.agreement.data",
    "annotator.agreement.disagreements",
    "annotator.agreement.event_types",
    "annotator.agreement.layout",
    "annotator.agreement.matching",
    "annotator.agreement.metrics",
    "annotator.agreement.pair_figures",
    "annotator.agreement.patterns",
    "annotator.agreement.reading",
    "annotator.agreement.reasons",
    "annotator.agreement.report",
    "annotator.agreement.section",
    "annotator.agreement.summary",
    "annotator.agreement.textio",
    "annotator.agreement.token_figures",
    "annotator.agreement.tokenizing",
    "annotator.agreement.unitizing",
    "annotator.reports.charts",
    "annotator.reports.drilldown",
    "annotator.reports.figures",
]


def test_pure_modules_import_no_framework() -> None:
    probe = (
        f"import importlib, sys; [importlib.import_module(m) for m in {PURE!r}]; "
        # spaCy too: the spacy export imports it lazily, only when it writes (seconds of start-up).
        "print([m for m in ('flask', 'sqlalchemy', 'wtforms', 'werkzeug', 'spacy') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
