"""Log-in, user, password and API token forms. The password rules themselves are in
``auth.passwords`` (applied by the services, so the command line and every form share them)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional


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
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role) for role in ("annotator", "curator",
                                                                        "admin")])


class TokenForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=100)],
                       description="What the token is for, e.g. the script that will use it.")
    scope = SelectField("Scope", default="read", choices=[
        SelectChoice("read", "read: GET only (reading data, exports)"),
        SelectChoice("write", "write: also saving annotations, uploads and every other change"),
    ])
    expires_days = IntegerField(
        "Expires after (days)", default=90,
        validators=[Optional(), NumberRange(min=1, max=3650,
                                            message="Between 1 and 3650 days, or empty.")],
        description="Empty: never expires.")
