"""The project forms: the guidelines editor (the definitions' fields are drawn per label and
value), a new project, the label schema editor, and adding or removing a member."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from annotator.projects.guidelines import MAX_BODY
from annotator.projects.models import PROJECT_ROLES
from annotator.projects.schema_changes import MAX_SCHEMA_TEXT


class GuidelinesForm(FlaskForm):
    body = TextAreaField("Guidelines (Markdown)", validators=[Length(max=MAX_BODY)])


class NewProjectForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    source = RadioField("Label schema", default="default", choices=[
        SelectChoice("default", "The default conflict-events schema"),
        SelectChoice("copy", "A copy of another project's schema"),
        SelectChoice("upload", "A JSON file"),
    ])
    copy_from = SelectField("Project to copy from", coerce=int, validate_choice=False)
    schema_file = FileField("Schema file (.json)")


class SchemaForm(FlaskForm):
    document = TextAreaField("Label schema (JSON)",
                             validators=[DataRequired(), Length(max=MAX_SCHEMA_TEXT)])
    mappings = TextAreaField("Mappings for removed keys, one per line (OLD=NEW)",
                             validators=[Length(max=10_000)])
    # The preview's confirmation box carries the number of relations it showed: a different
    # number at saving time (someone linked meanwhile) is refused, not silently deleted.
    drop_relations = IntegerField(validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])


class MemberForm(FlaskForm):
    username = StringField("User", validators=[DataRequired(), Length(max=80)])
    role = SelectField(
        "Role in the project",
        choices=[SelectChoice(role) for role in PROJECT_ROLES],
        default="annotator",
    )


class RemoveMemberForm(FlaskForm):
    """Only the CSRF token: the member is in the URL."""
