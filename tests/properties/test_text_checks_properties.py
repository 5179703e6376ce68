"""The bot's intent lexicons, the reply guard and the language and token helpers read
whatever customers and agents type: none of them may raise on any text."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intents import complaint, wants_person
from handoff.reply_guard import check_reply, personal_data
from gateway.texts.languages import detect_language
from knowledge_base.tokenize import tokens

# Digits, separators and lexicon words mixed into arbitrary text, so the number and phrase
# patterns get exercised rather than only skipped.
PIECES = st.sampled_from(["1", "3", "8", "X", " ", "-", "@", ".", "¥", "元", "万", "转人工", "agent", "投诉",
                          "refund", "138", "6222", "qq.com", "不知道", "\n"]) | st.characters()
TEXTS = st.lists(PIECES, max_size=200).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_intents_read_any_text(text):
    assert isinstance(wants_person(text), bool)
    found = complaint(text)
    assert found is None or found.severity in ("ordinary", "major")


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, own=st.lists(TEXTS, max_size=3))
def test_the_reply_guard_reads_any_text(text, own):
    hits = check_reply(text, own)
    assert all(hit.kind and hit.message for hit in hits)
    assert all(isinstance(item, str) for item in personal_data(text))


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_language_and_tokens_of_any_text(text):
    assert detect_language(text) in ("zh", "en")
    assert all(isinstance(token, str) and token for token in tokens(text))
