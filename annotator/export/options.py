"""What an export is asked for (options checked from text) and what it decided (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from annotator.errors import Invalid
from annotator.export.docbin import spacy_installed
from annotator.export.formats import FORMATS, NEEDS_SPACY
from annotator.export.records import ExportHeader
from annotator.export.splits import SplitError, parse_split, split_names

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class ExportOptions:
    """The options of one export, checked (``parse_options``)."""

    format: str = "gold-json"
    split: tuple[int, ...] | None = None
    seed: int | None = None
    part: str | None = None  # one split only (train | dev | test)
    include_annotations: bool = False
    complete_only: bool = False

    @property
    def split_text(self) -> str | None:
        return "/".join(map(str, self.split)) if self.split else None

    def to_json(self) -> dict[str, Any]:
        names = list(split_names(self.split)) if self.split else None
        return {
            "split": self.split_text,
            "seed": self.seed,
            "part": self.part,
            "include_annotations": self.include_annotations,
            "complete_only": self.complete_only,
            # The split names this file can hold (only the part, if one was asked for).
            "split_names": [self.part] if self.part else names,
        }


@dataclass(frozen=True)
class PreparedExport:
    """Everything decided before the first byte is written: header, documents and splits."""

    header: ExportHeader
    options: ExportOptions
    project_id: int
    # (document id, exported gold sentences) in export order, only the chosen part.
    plan: tuple[tuple[int, int], ...]
    splits: dict[int, str] | None
    # Blind adjudication: user name -> the pseudonym this export shows ("Annotator 3") for a
    # curator of a project that hides names; None: real names (admins, the command line).
    pseudonyms: dict[str, str] | None = None


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise Invalid(f"{name} must be 1 or 0, not {value!r}")


def parse_options(
    format: str | None,
    *,
    split: str | None = None,
    seed: Any = None,
    part: str | None = None,
    include_annotations: Any = False,
    complete_only: Any = False,
) -> ExportOptions:
    """Check export options given as text (query string or command line).

    Raises:
        Invalid: naming the bad option and what it accepts.
    """
    if format not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if format in NEEDS_SPACY and not spacy_installed():
        raise Invalid(f"the {format} format needs spaCy, which is not installed here "
                      "(pip install spacy)")
    ratios = _split_ratios(split)
    return ExportOptions(
        format=str(format),
        split=ratios,
        seed=_seed(seed, ratios),
        part=_part(part, ratios),
        include_annotations=_flag("include_annotations", include_annotations),
        complete_only=_flag("complete_only", complete_only),
    )


def _split_ratios(split: str | None) -> tuple[int, ...] | None:
    if split in (None, ""):
        return None
    try:
        return parse_split(str(split))
    except SplitError as err:
        raise Invalid(str(err)) from None


def _seed(seed: Any, ratios: tuple[int, ...] | None) -> int | None:
    if seed in (None, ""):
        return None if ratios is None else 0
    if ratios is None:
        raise Invalid("seed is only meaningful with split (e.g. split=80/10/10&seed=7)")
    text = str(seed).strip()
    if not re.fullmatch(r"-?\d{1,19}", text) or abs(int(text)) > MAX_SEED:
        raise Invalid(f"seed must be a whole number, not {seed!r}")
    return int(text)


def _part(part: str | None, ratios: tuple[int, ...] | None) -> str | None:
    if part in (None, ""):
        return None
    if ratios is None:
        raise Invalid("part needs split (e.g. split=80/10/10&part=train)")
    if part not in split_names(ratios):
        raise Invalid(f"part must be one of {', '.join(split_names(ratios))}, not {part!r}")
    return str(part)
