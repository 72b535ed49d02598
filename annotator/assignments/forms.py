"""Forms for creating, reassigning and removing batches."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from annotator.web_input import WholeNumberField, row_id


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BatchForm(FlaskForm):
    name = StringField("Name", validators=[Optional()])
    source = RadioField(
        "Sentences",
        choices=[
            SelectChoice("remaining", "All remaining (not yet in a batch)"),
            SelectChoice("sample", "A random sample of N remaining sentences"),
            SelectChoice("documents", "The remaining sentences of chosen documents"),
        ],
        default="remaining",
    )
    sample = WholeNumberField("N (sample size)", validators=[Optional(), NumberRange(min=1)])
    documents = MultiCheckboxField("Documents", coerce=row_id, validate_choice=False)
    annotators = MultiCheckboxField("Annotators", validate_choice=False)
    overlap = WholeNumberField(
        "Overlap k (annotators per sentence)", default=1,
        validators=[InputRequired(), NumberRange(min=1)],
    )
    seed = WholeNumberField("Seed", default=0, validators=[Optional()])


class ReassignForm(FlaskForm):
    leaving = StringField("Annotator who leaves", validators=[InputRequired()])
    to = MultiCheckboxField("Give the unfinished work to", validate_choice=False)


class RemoveBatchForm(FlaskForm):
    confirm = BooleanField("Yes, archive it and keep its annotations")
