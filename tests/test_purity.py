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
    "annotator.projects.schema",
    "annotator.projects.guidelines",
    "annotator.projects.schema_changes",
    "annotator.corpus.tokens",
    "annotator.corpus.folding",
    "annotator.projects.navigation",
    "annotator.corpus.splitting",
    "annotator.export.alignment",
    "annotator.export.card",
    "annotator.export.conll",
    "annotator.export.events",
    "annotator.export.formats",
    "annotator.export.gold_json",
    "annotator.export.jsonl",
    "annotator.export.options",
    "annotator.export.records",
    "annotator.export.splits",
    "annotator.export.tally",
    "annotator.adjudication.conflicts",
    "annotator.adjudication.arguments",
    "annotator.assignments.allocation",
    "annotator.auth.names",
    "annotator.auth.passwords",
    "annotator.learning.records",
    "annotator.learning.store",
    "annotator.learning.charts",
    "annotator.learning.training",
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
        "print([m for m in ('flask', 'sqlalchemy', 'wtforms', 'werkzeug') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
