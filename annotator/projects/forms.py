"""Forms of the project page: adding a member, removing one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from annotator.projects.models import PROJECT_ROLES


class MemberForm(FlaskForm):
    username = StringField("User", validators=[DataRequired(), Length(max=80)])
    role = SelectField(
        "Role in the project",
        choices=[SelectChoice(role) for role in PROJECT_ROLES],
        default="annotator",
    )


class RemoveMemberForm(FlaskForm):
    """Only the CSRF token: the member is in the URL."""
