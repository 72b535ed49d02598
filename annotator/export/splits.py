"""Train/dev/test split of a corpus by document, deterministic for a seed (pure)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

SPLIT_NAMES: dict[int, tuple[str, ...]] = {2: ("train", "test"), 3: ("train", "dev", "test")}
ALL_SPLIT_NAMES = ("train", "dev", "test")
SPLIT_RE = re.compile(r"^\d{1,3}(/\d{1,3}){1,2}$")
MAX_SEED = 2**63 - 1


class SplitError(ValueError):
    """A split specification is malformed; the message says how to write it."""


def parse_split(text: str) -> tuple[int, ...]:
    """Parse "80/10/10" (train/dev/test) or "90/10" (train/test) into whole percentages.

    Raises:
        SplitError: not 2 or 3 whole numbers separated by '/', or they do not add up to 100.
    """
    text = text.strip()
    if not SPLIT_RE.match(text):
        raise SplitError(
            f"split {text!r} must be 2 or 3 whole percentages like 80/10/10 (train/dev/test) "
            "or 90/10 (train/test)"
        )
    parts = tuple(int(p) for p in text.split("/"))
    if sum(parts) != 100:
        raise SplitError(f"split {text!r} must add up to 100, not {sum(parts)}")
    return parts


def split_names(ratios: tuple[int, ...]) -> tuple[str, ...]:
    """Return the split names for ``ratios``: train/test or train/dev/test."""
    return SPLIT_NAMES[len(ratios)]


def document_rank_key(seed: int, document_id: int) -> bytes:
    """A key that orders documents pseudo-randomly for ``seed``, independently of the others.

    Each document's place depends on (seed, id) only, so adding documents to the corpus
    leaves the order of the existing ones unchanged (see ``assign_splits``).
    """
    return hashlib.sha256(f"{seed}:{document_id}".encode()).digest()


def part_sizes(total: int, ratios: tuple[int, ...]) -> tuple[int, ...]:
    """Split ``total`` documents by ``ratios`` percent with the largest-remainder method.

    Ties in the remainder go to the earlier part (train before dev before test), so the sizes
    are deterministic and always add up to ``total``.
    """
    exact = [total * r / 100 for r in ratios]
    sizes = [int(x) for x in exact]
    short = total - sum(sizes)
    by_remainder = sorted(range(len(ratios)), key=lambda i: (-(exact[i] - sizes[i]), i))
    for i in by_remainder[:short]:
        sizes[i] += 1
    return tuple(sizes)


def assign_splits(
    document_ids: Iterable[int], ratios: tuple[int, ...], seed: int
) -> dict[int, str]:
    """Assign every document to exactly one split name.

    The documents are ordered by ``document_rank_key(seed, id)`` and cut into consecutive
    runs of ``part_sizes`` documents: train first, then dev, then test. The result depends
    only on the set of ids, the ratios and the seed. Because each document's rank key is
    independent of the others, adding one document shifts the cut points by at most one place,
    so at most one document per boundary changes split (tested).
    """
    ids = sorted(set(document_ids), key=lambda d: document_rank_key(seed, d))
    names = split_names(ratios)
    assigned: dict[int, str] = {}
    position = 0
    for name, size in zip(names, part_sizes(len(ids), ratios), strict=True):
        for document_id in ids[position : position + size]:
            assigned[document_id] = name
        position += size
    return assigned
