"""The guidelines editor's form (the definitions' fields are drawn per label and value)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from annotator.projects.guidelines import MAX_BODY


class GuidelinesForm(FlaskForm):
    body = TextAreaField("Guidelines (Markdown)", validators=[Length(max=MAX_BODY)])
