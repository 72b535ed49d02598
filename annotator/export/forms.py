"""The form of the annotation import page: files, their format, and what they become."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired
from wtforms import (
    BooleanField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional

from annotator.export.foreign_import import FORMAT_NAMES
from annotator.export.importing import MODES


class ImportAnnotationsForm(FlaskForm):
    files = MultipleFileField(
        "Files", validators=[FileRequired()],
        description="brat: each .txt with its .ann (select both), or one .zip of them.",
    )
    format = SelectField("Format", choices=[SelectChoice(k, v) for k, v in FORMAT_NAMES.items()],
                         default="ours")
    mode = RadioField(
        "Import as",
        choices=[
            SelectChoice("pre", "Pre-annotations of one annotator (in progress, to check)"),
            SelectChoice("gold", "Gold (complete, recorded as curated by you)"),
        ],
        default="pre",
    )
    annotator = StringField(
        "Annotator (user name)", validators=[Optional(), Length(max=80)],
        description="Whose pre-annotations these are; they become a member of the project.",
    )
    text_key = StringField(
        "Label Studio text field", validators=[Optional(), Length(max=200)],
        description="The task data field holding the text (empty: text, or the task's only "
                    "text field).",
    )
    skip_invalid = BooleanField("Skip invalid items: store the rest and list what was left out")

    def keep_options(self, params: dict[str, Any]) -> None:
        """Start from the options of the import shown above the form (this person's last one),
        so that a refused import is sent again with its files mended, not its options chosen
        again."""
        if params.get("format") in FORMAT_NAMES:
            self.format.data = params["format"]
        if params.get("mode") in MODES:
            self.mode.data = params["mode"]
        self.annotator.data = params.get("annotator") or ""
        self.text_key.data = params.get("text_key") or ""
        self.skip_invalid.data = bool(params.get("skip_invalid"))

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, then an annotator for pre-annotations."""
        valid = super().validate(extra_validators)
        if self.mode.data == "pre" and not (self.annotator.data or "").strip():
            self.annotator.errors = [*self.annotator.errors,
                                     "Name the annotator whose pre-annotations these are."]
            valid = False
        return valid


__all__ = ["ImportAnnotationsForm"]
