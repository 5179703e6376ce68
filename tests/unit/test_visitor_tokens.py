import pytest

from gateway.channels.visitor_tokens import InvalidVisitorToken, VisitorTokens
from tests.tokens import token_signed_long_ago


def test_a_token_names_its_visitor():
    tokens = VisitorTokens("k1", ttl_seconds=60)
    visitor_id, token = tokens.new_visitor()
    assert tokens.verify(token) == visitor_id


@pytest.mark.parametrize(
    "token", ["", "garbage", 42, None, "x" * 600, {"v": "abc"}, "\ud800", "abc.\udfff.def", "vïsitor.tökén.sig"]
)
def test_malformed_tokens_are_refused(token):
    with pytest.raises(InvalidVisitorToken) as info:
        VisitorTokens("k1", 60).verify(token)
    assert info.value.code == "invalid_token"


def test_a_token_signed_with_another_key_is_refused():
    _, token = VisitorTokens("someone-else", 60).new_visitor()
    with pytest.raises(InvalidVisitorToken) as info:
        VisitorTokens("k1", 60).verify(token)
    assert info.value.code == "invalid_token"


def test_a_tampered_token_is_refused():
    tokens = VisitorTokens("k1", 60)
    _, token = tokens.new_visitor()
    body, sig = token.rsplit(".", 1)
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + sig
    with pytest.raises(InvalidVisitorToken):
        tokens.verify(forged)


def test_an_expired_token_is_refused_as_expired():
    with pytest.raises(InvalidVisitorToken) as info:
        VisitorTokens("k1", ttl_seconds=3600).verify(token_signed_long_ago("k1", "abc"))
    assert info.value.code == "expired_token"

