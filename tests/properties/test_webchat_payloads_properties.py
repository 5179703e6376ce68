"""What a web-chat client sends is untrusted: any JSON value, any visitor token. Parsing it
gives a model or an error ack, never an exception that would drop the connection."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.channels.visitor_tokens import InvalidVisitorToken, VisitorTokens
from gateway.channels.webchat_payloads import ChatMessageIn, CsatIn, TypingIn
from gateway.socket_acks import parse
from gateway.conversations.model import MAX_TEXT_LENGTH

MODELS = (ChatMessageIn, CsatIn, TypingIn)
KEYS = ("text", "client_msg_id", "score", "comment", "typing")
# What python-socketio hands a handler: anything JSON can carry, plus binary attachments.
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50) | st.binary(max_size=20)
           | st.text(min_size=4090, max_size=4100))
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), inner, max_size=6),
                       max_leaves=10)
PAYLOADS = JSONISH | st.fixed_dictionaries({}, optional={key: JSONISH for key in KEYS})


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(MODELS), data=PAYLOADS)
def test_any_payload_parses_to_a_model_or_an_error_ack(model, data):
    payload, problem = parse(model, data)
    assert (payload is None) != (problem is None)
    if problem is not None:
        assert problem["error"]["code"] == "invalid_payload"
        assert isinstance(problem["error"]["message"], str) and problem["error"]["message"]
    else:
        assert isinstance(payload, model)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=MAX_TEXT_LENGTH + 5), client_msg_id=st.text(max_size=105))
def test_an_accepted_chat_message_keeps_the_contract(text, client_msg_id):
    payload, _ = parse(ChatMessageIn, {"text": text, "client_msg_id": client_msg_id})
    if payload is not None:
        assert 1 <= len(payload.text) <= MAX_TEXT_LENGTH and "\x00" not in payload.text
        assert payload.text == text.strip()
        assert payload.client_msg_id == client_msg_id


TOKENS = VisitorTokens("test-secret-key", ttl_seconds=3600)


@settings(max_examples=200, deadline=None)
@given(token=JSONISH | st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.", max_size=120))
def test_any_visitor_token_is_a_visitor_or_refused_with_a_code(token):
    try:
        visitor = TOKENS.verify(token)
    except InvalidVisitorToken as exc:
        assert exc.code in ("invalid_token", "expired_token") and exc.message
    else:
        assert isinstance(visitor, str)


@settings(max_examples=50, deadline=None)
@given(visitor=st.text(min_size=1, max_size=64))
def test_an_issued_token_names_its_visitor_and_an_altered_one_is_refused(visitor):
    token = TOKENS.issue(visitor)
    assert TOKENS.verify(token) == visitor
    # The first character of the signature: a change in the last one can fall in base64's
    # padding bits and leave the signature's bytes as they were.
    at = token.rindex(".") + 1
    altered = token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]
    with pytest.raises(InvalidVisitorToken):
        TOKENS.verify(altered)
