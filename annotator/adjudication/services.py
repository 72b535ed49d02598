"""Writes to gold, as the pages and the API call them; each lives in the room for its subject.

``automatic`` (the automatic pass), ``decisions`` (deciding a conflict), ``gold_edits`` (the
curator's gold editor, close, reopen, restore), ``settings``; requests are parsed by
``requests``.
"""

from __future__ import annotations

from annotator.adjudication.automatic import AutoResult, auto_adjudicate
from annotator.adjudication.decisions import decide
from annotator.adjudication.gold_changes import Saved
from annotator.adjudication.gold_edits import close_gold, reopen_gold, restore_gold, save_gold
from annotator.adjudication.requests import DecisionIn, GoldIn
from annotator.adjudication.settings import set_show_names

__all__ = [
    "AutoResult", "DecisionIn", "GoldIn", "Saved", "auto_adjudicate", "close_gold", "decide",
    "reopen_gold", "restore_gold", "save_gold", "set_show_names",
]
