"""Forms for creating, reassigning and removing batches."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from annotator.assignments.requests import MAX_CHOSEN_DOCUMENTS
from annotator.db import MAX_ROW_ID
from annotator.web_input import WholeNumberField

ID_OR_RANGE = re.compile(r"([0-9]{1,10})(?:-([0-9]{1,10}))?")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def parse_document_ids(text: str) -> list[int]:
    """Document ids typed as ``3, 7-12 15``: sorted, without repeats.

    Raises:
        ValueError: with a message for the form, on anything else or too many documents.
    """
    ids: set[int] = set()
    for part in re.split(r"[,\s]+", re.sub(r"\s*-\s*", "-", text.strip())):
        if not part:
            continue
        match = ID_OR_RANGE.fullmatch(part)
        if match is None:
            raise ValueError(f"{part[:20]!r} is not a document id or a range such as 7-12")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        if not 1 <= low <= high <= MAX_ROW_ID:
            raise ValueError(f"{part} is not a range of document ids (low-high, from 1)")
        if len(ids) + high - low + 1 > MAX_CHOSEN_DOCUMENTS:
            raise ValueError(f"at most {MAX_CHOSEN_DOCUMENTS:,} documents per batch; "
                             "use all remaining sentences or a sample for more")
        ids.update(range(low, high + 1))
    return sorted(ids)


class DocumentIdsField(Field):
    """A text box of document ids and ranges (``3, 7-12``): the documents page lists the ids.

    Takes every submitted value (several boxes, or one per id) and joins them.
    """

    widget = TextInput()

    def _value(self) -> str:
        return self.raw_text

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_text = ", ".join(v for v in valuelist if v.strip())
        self.data = []
        try:
            self.data = parse_document_ids(self.raw_text)
        except ValueError as err:
            raise ValueError(str(err)) from None

    def process_data(self, value: object) -> None:
        self.raw_text = ""
        self.data = []


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
    documents = DocumentIdsField("Document ids (for \"chosen documents\"), e.g. 3, 7-12")
    annotators = MultiCheckboxField("Annotators", validate_choice=False)
    overlap = WholeNumberField(
        "Overlap k (annotators per sentence)", default=1,
        validators=[InputRequired(), NumberRange(min=1)],
    )
    suggestions = BooleanField(
        "Show suggestions (gazetteer, patterns) in the editor",
        description="Off by default: leave it off for batches meant to measure agreement, "
                    "so that suggestions cannot make annotators agree.")
    order = RadioField(
        "Order of each annotator's queue",
        choices=[
            SelectChoice("reading", "Reading order (documents, then sentences)"),
            SelectChoice("uncertain", "Most uncertain first: the sentences the active model "
                                      "is least sure about (a sample takes the N most "
                                      "uncertain)"),
        ],
        default="reading",
    )
    seed = WholeNumberField(
        "Seed", default=0, validators=[Optional()],
        description="Any whole number. It fixes the random choices, which sentences a sample "
                    "takes and which annotator gets which run, so the same seed on the same "
                    "sentences gives the same batch again; change it for a different draw.",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then those between fields, so that every problem is
        listed at once (not one per submission)."""
        valid = super().validate(extra_validators)
        problems = {
            self.sample: self.source.data == "sample" and self.sample.data is None
            and "Give the sample size N: how many sentences to draw (1 or more).",
            self.documents: self.source.data == "documents" and not self.documents.data
            and "Give the ids of the documents to take, e.g. 3, 7-12.",
            self.annotators: not self.annotators.data and "Choose at least one annotator.",
            self.overlap: (self.overlap.data or 0) > max(len(self.annotators.data or []), 1)
            and (f"Overlap {self.overlap.data} needs at least {self.overlap.data} annotators; "
                 f"{len(self.annotators.data or [])} chosen."),
        }
        for field, message in problems.items():
            if message and not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid


class ReassignForm(FlaskForm):
    leaving = StringField("Annotator who leaves", validators=[InputRequired()])
    to = MultiCheckboxField("Give the unfinished work to", validate_choice=False)


class RemoveBatchForm(FlaskForm):
    confirm = BooleanField("Yes, archive it and keep its annotations")
