"""Splitting a long reply for a channel's size limit: every part fits, nothing but the
whitespace at a cut is lost, and the parts come in order."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.channels.text_parts import BREAKS, split_text, utf16_length

# Words, break marks and characters of every width: CJK, emoji (two UTF-16 units), spaces.
PIECES = st.sampled_from(list(BREAKS) + ["运费", "😀", "a", "word", "  ", "\t"]) | st.characters(exclude_categories=("Cs",))
TEXTS = st.lists(PIECES, max_size=400).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, limit=st.integers(2, 120))
def test_parts_fit_the_limit_and_give_back_the_text(text, limit):
    parts = split_text(text, limit)
    assert parts and all(utf16_length(part) <= limit for part in parts)
    # Each part is the next stretch of the text; only whitespace lies between them.
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0 and not text[at:found].strip(), (text, parts)
        at = found + len(part)
    assert not text[at:].strip()
    if text.strip():
        assert all(part.strip() for part in parts), parts


@settings(max_examples=100, deadline=None)
@given(text=TEXTS, limit=st.integers(2, 120))
def test_a_text_within_the_limit_is_one_part_unchanged(text, limit):
    if utf16_length(text) <= limit:
        assert split_text(text, limit) == [text]


def test_a_limit_too_small_for_an_emoji_is_refused_rather_than_looping():
    with pytest.raises(ValueError):
        split_text("😀", 1)
