"""Cross-site request forgery: a page elsewhere must not make a logged-in browser act.

The session cookie is SameSite=Strict already; on top of that every cookie-authenticated write
under /api must carry `X-CSRF-Token`, a keyed hash of the session token that pages read from
the `cs_csrf` cookie (a forger's page can neither read that cookie nor compute the hash), and
a request that names a foreign Origin is refused outright. Bearer-token calls carry no ambient
credential, so they need neither.
"""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from aiohttp import web

from gateway.json_api.errors import ApiError

COOKIE = "cs_csrf"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Logging in replaces whatever session the browser had, so it cannot need the old one's
# token; the Origin check still keeps other sites from logging a browser in.
EXEMPT = frozenset({"/api/auth/login"})


class CsrfTokens:
    def __init__(self, secret: str):
        self._key = hashlib.sha256(b"cs-gateway.csrf:" + secret.encode()).digest()

    def token_for(self, session_token: str) -> str:
        return hmac.new(self._key, session_token.encode(), hashlib.sha256).hexdigest()

    def valid(self, session_token: str, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(self.token_for(session_token), candidate)


CSRF = web.AppKey("csrf", CsrfTokens)


def _cross_site(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc.lower() != request.host.lower()
    # Browsers that send no Origin still say where a request came from.
    return request.headers.get("Sec-Fetch-Site") == "cross-site"


def protect(session_cookie: str):
    @web.middleware
    async def csrf_protect(request: web.Request, handler):
        if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
            return await handler(request)
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return await handler(request)
        if _cross_site(request):
            raise ApiError(403, "cross-site request refused", "csrf")
        session = request.cookies.get(session_cookie)
        if session and request.path not in EXEMPT and not request.app[CSRF].valid(session, request.headers.get(HEADER)):
            raise ApiError(403, f"missing or wrong {HEADER} header (the page reads it from the {COOKIE} cookie)",
                           "csrf")
        return await handler(request)

    return csrf_protect
