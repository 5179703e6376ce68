"""Headers every response carries unless its route chose its own: nothing of ours may be
framed (the widget draws in a shadow root on the host page, never in a frame), sniffed into
another type, or cached when it is an API answer that may hold a customer's words."""
from __future__ import annotations

from aiohttp import web

# API answers and other non-pages: no content of any kind may load from them.
DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000"


def secure_headers(is_https):
    """`is_https(request)`: whether the browser reached us over HTTPS (directly or through a
    trusted proxy); only then is HSTS meaningful."""

    def apply(request: web.Request, headers) -> None:
        for name, value in COMMON.items():
            headers.setdefault(name, value)
        headers.setdefault("Content-Security-Policy", DEFAULT_POLICY)
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        if is_https(request):
            headers.setdefault("Strict-Transport-Security", HSTS)

    @web.middleware
    async def security_headers(request: web.Request, handler):
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            apply(request, exc.headers)
            raise
        # A WebSocket's headers went out with the upgrade; there is nothing left to add to.
        if not response.prepared:
            apply(request, response.headers)
        return response

    return security_headers
