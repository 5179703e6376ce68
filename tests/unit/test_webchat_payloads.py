import pytest

from gateway.channels.rate_limit import TokenBucket
from gateway.channels.webchat_payloads import ChatMessageIn
from gateway.socket_acks import parse


def test_a_good_message_is_parsed_and_trimmed():
    payload, problem = parse(ChatMessageIn, {"text": "  运费怎么算？ ", "client_msg_id": "c-1"})
    assert problem is None and payload.text == "运费怎么算？"


@pytest.mark.parametrize(
    "data,field",
    [
        ({"text": "x" * 4097, "client_msg_id": "c"}, "text"),
        ({"text": "   ", "client_msg_id": "c"}, "text"),
        ({"text": "", "client_msg_id": "c"}, "text"),
        ({"text": 12, "client_msg_id": "c"}, "text"),
        ({"text": "hi", "client_msg_id": 7}, "client_msg_id"),
        ({"text": "hi"}, "client_msg_id"),
        ({"text": "hi", "client_msg_id": "has space"}, "client_msg_id"),
        ({"text": "a\x00b", "client_msg_id": "c"}, "text"),
    ],
)
def test_bad_messages_get_an_error_naming_the_field(data, field):
    payload, problem = parse(ChatMessageIn, data)
    assert payload is None
    assert problem["error"]["code"] == "invalid_payload"
    assert problem["error"]["message"].startswith(field)


def test_exactly_4096_characters_is_allowed():
    payload, problem = parse(ChatMessageIn, {"text": "字" * 4096, "client_msg_id": "c"})
    assert problem is None and len(payload.text) == 4096


@pytest.mark.parametrize("data", ["text", ["text"], 3, None])
def test_a_payload_that_is_not_an_object_is_refused(data):
    payload, problem = parse(ChatMessageIn, data)
    assert payload is None and problem["error"]["code"] == "invalid_payload"


def test_the_bucket_allows_a_burst_then_says_how_long_to_wait():
    now = [0.0]
    bucket = TokenBucket(capacity=10, refill_per_second=0.5, clock=lambda: now[0])
    assert all(bucket.take() == 0 for _ in range(10))
    assert bucket.take() == pytest.approx(2.0)
    now[0] += 2.0
    assert bucket.take() == 0
