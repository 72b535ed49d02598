"""Item validation, the vectorised tokenizer and per-token labels."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement.build import build_corpus
from annotator.agreement.data import AgreementInputError
from annotator.agreement.tokenizing import char_classes, token_bounds
from annotator.corpus.tokens import token_offsets


def test_char_classes_match_the_regex_for_every_code_point() -> None:
    text = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF)
    classes = char_classes(text)
    word = np.zeros(len(text), dtype=bool)
    word[[m.start() for m in re.finditer(r"\w", text)]] = True
    space = np.zeros(len(text), dtype=bool)
    space[[m.start() for m in re.finditer(r"\s", text)]] = True
    mark = np.zeros(len(text), dtype=bool)
    mark[[i for i, ch in enumerate(text) if unicodedata.category(ch)[0] == "M"]] = True
    assert np.array_equal(classes == 1, word)
    assert np.array_equal(classes == 0, space)
    assert np.array_equal(classes == 3, mark)  # combining marks join the token before them
    assert np.array_equal(classes == 2, ~(word | space | mark))


MARKED = st.lists(st.one_of(
    st.sampled_from(["a", "_", "7", " ", "!", ".", "\u0301", "\u0308", "\u064e", "\u0651",
                     "\u093e", "\u094d", "\ufe0f", "\u20e3", "\u200d", "\U0001F468",
                     "\u0939", "\u0642"]),
    st.characters(codec="utf-8")), max_size=50).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_vectorised_tokenizer_equals_the_shared_tokenizer(text) -> None:
    starts, ends = token_bounds(text)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == token_offsets(text)


@settings(max_examples=400, deadline=None)
@given(MARKED)
def test_vectorised_tokenizer_equals_the_shared_tokenizer_around_marks(text) -> None:
    starts, ends = token_bounds(text)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == token_offsets(text)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", []),
        ("   ", []),
        ("The 25th Brigade, near al-Numan.", ["The", "25th", "Brigade", ",", "near", "al", "-",
                                              "Numan", "."]),
        ("3.5 km", ["3", ".", "5", "km"]),
        ("Kafr_Tala 🙂 x", ["Kafr_Tala", "🙂", "x"]),
        ("cafe\u0301 au lait", ["cafe\u0301", "au", "lait"]),
        ("\u0642\u064e\u0635\u064e\u0641\u064e \u0627\u0644\u062c\u064e\u064a\u0652\u0634\u064f",
         ["\u0642\u064e\u0635\u064e\u0641\u064e",
          "\u0627\u0644\u062c\u064e\u064a\u0652\u0634\u064f"]),
        ("\u0939\u093f\u0928\u094d\u0926\u0940.", ["\u0939\u093f\u0928\u094d\u0926\u0940", "."]),
        ("\u2764\ufe0f!\u0301a \u0301b", ["\u2764\ufe0f", "!\u0301", "a", "\u0301b"]),
        ("\U0001F468\u200d\U0001F469", ["\U0001F468", "\u200d", "\U0001F469"]),
    ],
)
def test_token_examples(text, tokens) -> None:
    starts, ends = token_bounds(text)
    assert [text[s:e] for s, e in zip(starts, ends, strict=True)] == tokens


def _item(spans_a, spans_b=None, text="Rebels shelled the town of Kafr Tala.", **kw):
    annotations = {"a": spans_a}
    if spans_b is not ...:
        annotations["b"] = spans_b
    return {"id": kw.get("id", 1), "text": text, "annotations": annotations,
            "group": kw.get("group")}


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"id": 1, "text": 5, "annotations": {}}, "'text' must be a string"),
        ({"id": 1, "text": "x", "annotations": []}, "'annotations' must be an object"),
        (_item([{"start": 0, "end": 99, "label": "ACTOR"}]), "outside 0 <= start < end <= 37"),
        (_item([{"start": 3, "end": 3, "label": "ACTOR"}]), "outside"),
        (_item([{"start": -1, "end": 3, "label": "ACTOR"}]), "outside"),
        (_item([{"start": 0, "end": 2.5, "label": "ACTOR"}]), "must be integers"),
        (_item([{"start": True, "end": 2, "label": "ACTOR"}]), "must be integers"),
        (_item([{"start": 0, "end": 2, "label": 7}]), "label must be a string"),
        (_item([{"start": 0, "end": 6, "label": "ACTOR"}, {"start": 4, "end": 9, "label": "UNIT"}]),
         "overlap"),
        (_item("nope"), "spans must be a list or null"),
        (_item([{"start": 0, "end": 2, "label": "EVENT", "attributes": {"event_type": 3}}]),
         "event_type must be a string"),
        (_item([{"start": 0, "end": 2, "label": "EVENT", "attributes": [1]}]),
         "attributes must be an object"),
    ],
)
def test_bad_items_are_refused_with_a_message_naming_them(item, fragment) -> None:
    with pytest.raises(AgreementInputError) as err:
        build_corpus([item])
    assert fragment in str(err.value)
    assert "item" in str(err.value)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(AgreementInputError, match="duplicate id"):
        build_corpus([_item([]), _item([])])


def test_token_labels_missing_and_empty() -> None:
    text = "Rebels shelled the town of Kafr Tala."
    corpus = build_corpus([
        {"id": 1, "text": text, "annotations": {
            "a": [{"start": 27, "end": 36, "label": "LOCATION"}, {"start": 0, "end": 6,
                                                                   "label": "ACTOR"}],
            "b": [],
            "c": None,
        }},
    ])
    assert corpus.labels == ["ACTOR", "LOCATION"]
    assert corpus.annotators == ["a", "b", "c"]
    # Tokens: Rebels shelled the town of Kafr Tala .
    assert corpus.values[0].tolist() == [1, 0, 0, 0, 0, 2, 2, 0]
    assert corpus.values[1].tolist() == [0] * 8  # read, nothing marked: every token O
    assert corpus.values[2].tolist() == [-1] * 8  # did not annotate: missing


def test_a_span_covers_every_token_it_touches_and_the_earlier_span_keeps_a_shared_token() -> None:
    corpus = build_corpus([
        {"id": 1, "text": "al-Numan and Kafrtala", "annotations": {
            "a": [{"start": 1, "end": 4, "label": "X"}, {"start": 13, "end": 17, "label": "X"},
                  {"start": 17, "end": 21, "label": "Y"}]}},
    ])
    # al - Numan and Kafrtala: [1,4) touches "al", "-" and "Numan"; "Kafrtala" is cut in two
    # by the X/Y boundary and goes to the earlier span (X).
    assert corpus.values[0].tolist() == [1, 1, 1, 0, 1]


def test_groups_are_contiguous_and_keep_input_order() -> None:
    items = [
        {"id": i, "text": f"s{i}", "annotations": {"a": []}, "group": g}
        for i, g in enumerate(["x", "y", "x", None, "y"])
    ]
    corpus = build_corpus(items)
    assert corpus.ids == [0, 2, 1, 4, 3]
    assert corpus.group_order == ["x", "y", None]
    assert corpus.group_bounds == [(0, 2), (2, 4), (4, 5)]
    # Offsets are global and sentences never touch: one separator character between them.
    assert corpus.base.tolist() == [0, 3, 6, 9, 12]


def test_labels_follow_the_given_list_and_unknown_ones_are_appended() -> None:
    corpus = build_corpus([_item([{"start": 0, "end": 6, "label": "ZED"}], [])],
                          labels=["ACTOR", "LOCATION"])
    assert corpus.labels == ["ACTOR", "LOCATION", "ZED"]
    assert corpus.unknown_labels == ["ZED"]
