"""The delivery signature, checked the way the README tells a receiver to check it."""
import hashlib
import hmac

from gateway.conversations.webhook_events import signature


def receiver_accepts(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_a_receiver_verifies_the_signature_and_refuses_any_change():
    body = b'{"id":"e1","type":"csat.received","created_at":"2026-12-07T12:00:00+00:00","data":{"score":5}}'
    header = signature("whsec-0123456789abcdef", 1796644800, body)
    # Computed apart from Python: printf '1796644800.<body>' | openssl dgst -sha256 -hmac '<secret>'
    assert header == "sha256=f9986ddeb148f69eaea6d1cd653861ebdda6b62de53eb40b8ceae645792de7e9"
    assert receiver_accepts("whsec-0123456789abcdef", "1796644800", body, header)
    assert not receiver_accepts("whsec-0123456789abcdef", "1796644801", body, header)  # a replay with a new time
    assert not receiver_accepts("whsec-0123456789abcdef", "1796644800", body.replace(b"5", b"1"), header)
    assert not receiver_accepts("another-secret-000000", "1796644800", body, header)
