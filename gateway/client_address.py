"""The address a request really came from, for per-address limits.

Behind a reverse proxy every peer is the proxy; its X-Forwarded-For is believed only when the
peer is one of the configured trusted proxies, and then the right-most address that is not a
trusted proxy is the client (anything further left was written by the client and may be forged).
"""
from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(text: str) -> tuple[Network, ...]:
    """"10.0.0.5, 192.168.0.0/24" → networks; a typo fails at start-up, not per request."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


class ClientAddress:
    def __init__(self, trusted: tuple[Network, ...] = ()):
        self._trusted = trusted

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def of(self, peer: str | None, forwarded_for: str | None) -> str:
        peer = peer or "unknown"
        if not forwarded_for or not self._is_trusted(peer):
            return peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if not self._is_trusted(hop):
                return hop[:64]
        return peer

    def of_request(self, request) -> str:
        return self.of(request.remote, request.headers.get("X-Forwarded-For"))

    def of_environ(self, environ: dict) -> str:
        """The same for a Socket.IO connection, whose WSGI-style environ carries the request."""
        request = environ.get("aiohttp.request")
        peer = request.remote if request is not None else environ.get("REMOTE_ADDR")
        return self.of(peer, environ.get("HTTP_X_FORWARDED_FOR"))

    def is_https(self, request) -> bool:
        if request.secure:
            return True
        return self._is_trusted(request.remote or "") and \
            request.headers.get("X-Forwarded-Proto", "").lower() == "https"
