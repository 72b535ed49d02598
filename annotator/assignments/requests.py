"""A new batch asked for in JSON (the API), checked as the batch form checks it: every problem
named at once, before anything is written (the service then checks the users, the documents
and the selection, as it does for the form)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from annotator.assignments.services import SOURCES
from annotator.errors import Invalid
from annotator.inputs import MAX_ROW_ID

MAX_CHOSEN_DOCUMENTS = 100_000  # more than this: "remaining" or a sample
MAX_NAME = 200
BATCH_FIELDS = {"name", "source", "annotators", "overlap", "seed", "documents", "sample"}


def _whole(value: Any, minimum: int, maximum: int = MAX_ROW_ID) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)
            and minimum <= value <= maximum)


@dataclass(frozen=True)
class BatchIn:
    annotators: list[str]
    overlap: int = 1
    source: str = "remaining"
    name: str | None = None
    seed: int = 0
    documents: list[int] = field(default_factory=list)
    sample: int | None = None

    @classmethod
    def from_json(cls, body: Any) -> BatchIn:
        """Check the body's shape and the rules between its fields; ``Invalid`` (422) lists
        every problem found."""
        if not isinstance(body, dict):
            raise Invalid("body must be a JSON object with annotators and overlap")
        unknown = set(body) - BATCH_FIELDS
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        problems: list[str] = []
        source = body.get("source", "remaining")
        if source not in SOURCES:
            problems.append(f"source must be one of {', '.join(SOURCES)}")
        name = body.get("name")
        if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME):
            problems.append(f"name must be a string of at most {MAX_NAME} characters")
        annotators = body.get("annotators")
        if (not isinstance(annotators, list) or not annotators
                or not all(isinstance(a, str) and a.strip() for a in annotators)):
            problems.append("annotators must be a non-empty list of user names")
            annotators = []
        overlap = body.get("overlap", 1)
        if not _whole(overlap, 1):
            problems.append("overlap must be a whole number, 1 or more")
        elif overlap > max(len(annotators), 1):
            problems.append(f"overlap {overlap} needs at least {overlap} annotators; "
                            f"{len(annotators)} given")
        seed = body.get("seed", 0)
        if not _whole(seed, 0):
            problems.append("seed must be a whole number, 0 or more")
        sample = body.get("sample")
        if sample is not None and not _whole(sample, 1):
            problems.append("sample must be a whole number, 1 or more")
        elif source == "sample" and sample is None:
            problems.append("source 'sample' needs the sample size: how many sentences")
        documents = body.get("documents", [])
        if (not isinstance(documents, list) or len(documents) > MAX_CHOSEN_DOCUMENTS
                or not all(_whole(d, 1) for d in documents)):
            problems.append(f"documents must be a list of at most {MAX_CHOSEN_DOCUMENTS:,} "
                            "document ids")
            documents = []
        elif source == "documents" and not documents:
            problems.append("source 'documents' needs the ids of the documents to take")
        if problems:
            raise Invalid("; ".join(problems))
        return cls(annotators=[a.strip() for a in annotators], overlap=overlap, source=source,
                   name=name.strip() or None if isinstance(name, str) else None, seed=seed,
                   documents=sorted(set(documents)), sample=sample)
