"""The text the suite sends: exact lengths in UTF-16 code units, realistic characters, and the
lengths it assumes (the server's FieldProperties first, then the spec)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.fuzzing.rules import prepare_body
from contracts.options import DEFAULT_SPEC
from contracts.properties.strategies import comments
from contracts.properties.texts import (
    beyond,
    cut_utf16,
    first_difference,
    ladder,
    realistic_texts,
    samples,
    text_of_length,
    utf16_len,
    xml_safe,
)
from contracts.safety.references import Links, ReferencePool, announced_lengths, build_pool
from contracts.spec import entity_shape, load_spec

SHAPE = entity_shape(load_spec(DEFAULT_SPEC))


def _units(text: str) -> int:
    """The count a .NET string's Length gives, independently of the code under test."""
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("text, units", [("", 0), ("æøå", 3), ("株式会社", 4), ("👍🏽", 4), ("e\u0301", 2)])
def test_length_is_counted_in_utf16_code_units(text: str, units: int) -> None:
    assert utf16_len(text) == units == _units(text)


@pytest.mark.parametrize("units", [0, 1, 2, 3, 50, 254, 255, 256, 2000, 4000])
def test_text_of_a_length_has_exactly_that_many_units_and_more_than_ascii(units: int) -> None:
    text = text_of_length(units)
    assert _units(text) == units
    if units >= 50:
        assert any(ord(char) > 0xFFFF for char in text), "an emoji outside the BMP"
        assert any(unicodedata.combining(char) for char in text), "a combining mark"
        assert {"Å", "ø", "株"} <= set(text) and "&" in text


@pytest.mark.parametrize("limit", [1, 255, 2000])
def test_one_past_the_limit_is_too_long_however_a_server_counts(limit: int) -> None:
    text = beyond(limit)
    assert _units(text) == len(text) == limit + 1, "UTF-16 units and code points agree"
    assert len(text.encode("utf-8")) > limit
    assert not any(unicodedata.combining(char) for char in text)
    assert not text_of_length(limit).startswith(text[:limit]), "a cut value is told from the last one"


def test_cutting_never_splits_a_surrogate_pair() -> None:
    assert cut_utf16("ab👍c", 3) == "ab"
    assert cut_utf16("ab👍c", 4) == "ab👍"
    assert cut_utf16("abc", 0) == ""


def test_the_ladder_holds_the_common_lengths_up_to_the_limit_and_the_limit() -> None:
    assert ladder(2000) == (0, 1, 50, 254, 255, 256, 2000)
    assert ladder(1000) == (0, 1, 50, 254, 255, 256, 1000)
    assert ladder(255) == (0, 1, 50, 254, 255)
    assert ladder(10**6) == (0, 1, 50, 254, 255, 256, 2000, 4000, 10_000)


def test_the_samples_cover_what_real_data_holds_and_xml_gets_only_what_it_can_carry() -> None:
    labels = {label for label, _ in samples(2000)}
    assert {"Norwegian", "CJK", "emoji", "combining marks", "leading and trailing whitespace",
            "line breaks", "XML-special characters", "Word soft line break"} <= labels  # fmt: skip
    for_xml = dict(samples(2000, for_xml=True))
    assert "Word soft line break" not in for_xml and "line breaks" in for_xml
    assert all(xml_safe(text) for text in for_xml.values())
    assert not xml_safe("a\x0bb") and not xml_safe("a\x00") and xml_safe("a\tb\r\n<&>")
    assert all(_units(text) <= 20 for _, text in samples(20))


def test_the_properties_draw_realistic_text_within_the_limit_that_xml_can_carry() -> None:
    assert "" in realistic_texts(2000) and text_of_length(2000) in realistic_texts(2000)
    assert max(map(_units, realistic_texts(255))) == 255
    seen: list[str] = []

    @settings(max_examples=80, database=None, derandomize=True)
    @given(comments(300))
    def draw(text: str) -> None:
        seen.append(text)

    draw()
    assert all(_units(text) <= 300 and xml_safe(text) for text in seen)
    assert any(text != text.strip() for text in seen), "edge whitespace is drawn"
    assert any(any(ord(char) > 127 for char in text) for text in seen), "non-ASCII is drawn"


def test_a_difference_is_shown_where_it_starts() -> None:
    assert first_difference("Bjørn", "Bjørn".encode().decode("latin-1")) == (
        "at unit 2: sent 'ø' (U+00F8), stored 'Ã' (U+00C3) (5 units sent, 6 stored)"
    )
    assert first_difference("abc", "ab").startswith("at unit 2: sent 'c' (U+0063), stored nothing more")
    assert first_difference("x", "x") == "same text (1 unit sent, 1 stored)"


@settings(max_examples=50, database=None, derandomize=True)
@given(st.text())
def test_cut_and_length_agree_with_utf16(text: str) -> None:
    for units in (0, 1, 5):
        cut = cut_utf16(text, units)
        assert text.startswith(cut) and _units(cut) <= units
        assert _units(cut) >= min(units, _units(text)) - 1


def test_the_spec_documents_the_lengths_the_mock_announces() -> None:
    assert SHAPE.lengths["Comment"] == 2000
    assert SHAPE.lengths["SourceContactName"] == SHAPE.lengths["PassiveText"] == 255
    assert "Reversed" not in SHAPE.lengths


def test_the_server_announcement_wins_and_the_spec_fills_in() -> None:
    answer = {
        "SourceContactId": 381,
        "DestinationContactId": 262,
        "FieldProperties": {
            "Comment": {"FieldLength": 1000},
            "Reversed": {"FieldLength": 0},
            "ActiveText": None,
        },
    }
    assert announced_lengths(answer) == {"Comment": 1000}
    pool, _ = build_pool(answer, declared_lengths=SHAPE.lengths)
    assert pool.lengths == {"Comment": 1000}
    pool, _ = build_pool({**answer, "FieldProperties": {}}, declared_lengths=SHAPE.lengths)
    assert pool.lengths == {"Comment": 2000}


def test_schemathesis_text_is_cut_to_the_limit_in_utf16_units() -> None:
    pool = ReferencePool((Links(381, 272, 262, 492, 47),), "test", {"Comment": 4})
    body = {"Comment": "ab👍🏽c"}
    prepare_body(
        body, positive=True, media_type="application/json", pool=pool, relation_id=1, keep_body_id=False
    )
    assert body["Comment"] == "ab👍"
