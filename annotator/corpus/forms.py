"""Upload form for article files."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired
from wtforms import MultipleFileField


class ImportForm(FlaskForm):
    files = MultipleFileField("Article files (.txt or .jsonl)", validators=[FileRequired()])


class ExclusionForm(FlaskForm):
    """Only carries the CSRF token; the action is in the URL."""


__all__ = ["ImportForm", "ExclusionForm"]
