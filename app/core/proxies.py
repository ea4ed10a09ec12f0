"""The client's address behind reverse proxies that the settings name, and only those.

``X-Forwarded-For`` is whatever the sender wrote, so it is read only when the peer is a trusted
proxy, from the right: the first address not itself a trusted proxy is the client (the left part
is the client's own claim). With no trusted proxy (the default) the peer address is the client,
and a client cannot pick its own rate-limit bucket by sending the header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxyMiddleware:
    def __init__(self, app: ASGIApp, *, trusted: Iterable[str]) -> None:
        self.app = app
        self.trusted: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(entry, strict=False) for entry in trusted
        )

    def _is_trusted(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.trusted)

    def client_host(self, peer: str, forwarded_for: list[str]) -> str:
        if not self._is_trusted(peer):
            return peer
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        for hop in reversed(hops):
            if _address(hop) is None:
                return peer  # a malformed chain: believe none of it
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.trusted and scope["type"] in ("http", "websocket") and scope.get("client"):
            peer, port = scope["client"]
            forwarded = [
                value.decode("latin-1")
                for key, value in scope.get("headers", [])
                if key == b"x-forwarded-for"
            ]
            if forwarded:
                scope = {**scope, "client": (self.client_host(peer, forwarded), port)}
        await self.app(scope, receive, send)
