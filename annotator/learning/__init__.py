"""The trained model: spaCy NER trained on the project's gold as a background job, kept by
version, scored on the dev part, and the active one's predictions as suggestions.

``annotator.learning.predict(session, project_id, text, tokens)`` is the suggestion source
(``prediction.predict``); it is reached lazily so that importing a module of this package
loads neither spaCy nor the database layer.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "predict":
        # Imported on first use: the prediction module brings SQLAlchemy (and, when it runs,
        # spaCy); pure modules of this package (records, store, charts) stay light.
        from annotator.learning.prediction import predict

        return predict
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
