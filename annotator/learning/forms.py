"""Forms of the model page: train a model, make one active."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from annotator.learning.train_job import MAX_EPOCHS


class TrainForm(FlaskForm):
    epochs = IntegerField("Epochs (passes over the training data)",
                          validators=[Optional(), NumberRange(1, MAX_EPOCHS)])


class ActivateForm(FlaskForm):
    """Only carries the CSRF token; the model is in the URL."""


__all__ = ["TrainForm", "ActivateForm"]
