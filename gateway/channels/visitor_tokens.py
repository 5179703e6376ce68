"""Signed visitor tokens: the only thing that ties a browser to its conversation."""
from __future__ import annotations

import uuid

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidVisitorToken(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class VisitorTokens:
    def __init__(self, secret_key: str, ttl_seconds: int):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="cs-gateway.visitor")
        self._ttl = ttl_seconds

    def new_visitor(self) -> tuple[str, str]:
        visitor_id = uuid.uuid4().hex
        return visitor_id, self.issue(visitor_id)

    def issue(self, visitor_id: str) -> str:
        return self._serializer.dumps({"v": visitor_id})

    def verify(self, token: object) -> str:
        # Tokens we issue are ASCII; anything else (a lone surrogate cannot even be
        # encoded) would blow up inside itsdangerous instead of failing the signature.
        if not isinstance(token, str) or not token or len(token) > 512 or not token.isascii():
            raise InvalidVisitorToken("invalid_token", "visitor_token must be a token this server issued")
        try:
            data = self._serializer.loads(token, max_age=self._ttl)
        except SignatureExpired:
            raise InvalidVisitorToken("expired_token", "visitor_token has expired; connect without one") from None
        except BadSignature:
            raise InvalidVisitorToken("invalid_token", "visitor_token was not issued by this server") from None
        visitor_id = data.get("v") if isinstance(data, dict) else None
        if not isinstance(visitor_id, str):
            raise InvalidVisitorToken("invalid_token", "visitor_token carries no visitor")
        return visitor_id
