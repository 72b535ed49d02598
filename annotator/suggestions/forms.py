"""Forms of the suggestion settings page: a gazetteer upload, a token pattern, the case option."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from annotator.suggestions.models import MAX_NAME


class GazetteerForm(FlaskForm):
    name = StringField("List name", validators=[Optional(), Length(max=MAX_NAME)],
                       description="Default: the file's name.")
    file = FileField("CSV file: text,label[,event_type] (a header line is optional)",
                     validators=[FileRequired()])


class PatternForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=MAX_NAME)])
    label = SelectField("Label", validate_choice=False)
    event_type = StringField("Event type (EVENT patterns, optional)", validators=[Optional()])
    pattern = TextAreaField(
        "Token pattern (spaCy Matcher JSON)", validators=[InputRequired()],
        description='A list of token objects, e.g. [{"TEXT": {"REGEX": "^\\\\d+(st|nd|rd|th)$"}},'
                    ' {"LOWER": {"IN": ["brigade", "division", "regiment"]}}]')


class CaseForm(FlaskForm):
    ignore_case = BooleanField("Match gazetteer names regardless of letter case")


class DeleteForm(FlaskForm):
    """A bare form: its CSRF token guards the delete buttons."""
