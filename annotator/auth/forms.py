"""Log-in form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    role = SelectField(
        "Role",
        choices=[SelectChoice(role) for role in ("annotator", "curator", "admin")],
        default="annotator",
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=200)])


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=200)])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role) for role in ("annotator", "curator",
                                                                        "admin")])
