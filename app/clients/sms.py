"""SMS through an HTTP gateway: one JSON POST per message, idempotent by outbox id."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import httpx

from app.clients import ChannelError

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
# 408/425/429 ask to come back later; 409 is "same key still in flight" (IETF idempotency draft).
_TRANSIENT_4XX = frozenset({408, 409, 425, 429})


class SmsGatewayError(ChannelError):
    pass


@dataclass(frozen=True)
class SmsReceipt:
    gateway_message_id: str | None


def make_http_client(timeout_seconds: float) -> httpx.AsyncClient:
    """The client the gateway client is given: bounded timeouts, no redirects to other hosts."""
    timeout = httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds))
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False)


class SmsGatewayClient:
    def __init__(self, http: httpx.AsyncClient, *, url: str, token: str | None = None) -> None:
        self._http = http
        self._url = url
        self._token = token

    async def send(self, *, message_id: uuid.UUID, mobile: str, text: str) -> SmsReceipt:
        headers = {IDEMPOTENCY_HEADER: str(message_id)}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        body = {"to": mobile, "text": text, "reference": str(message_id)}
        try:
            response = await self._http.post(self._url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise SmsGatewayError(f"gateway timed out: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise SmsGatewayError(f"gateway unreachable: {type(exc).__name__}") from exc
        status = response.status_code
        if status >= 500 or status in _TRANSIENT_4XX:
            raise SmsGatewayError(f"gateway answered {status}")
        if status >= 400:
            # The gateway refused this message itself (bad number, blocked content): final.
            raise SmsGatewayError(f"gateway refused the message: {status}", permanent=True)
        if status not in (200, 201, 202):
            raise SmsGatewayError(f"unexpected gateway answer {status}")
        return SmsReceipt(gateway_message_id=_gateway_id(response))


def _gateway_id(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict):
        value = data.get("id") or data.get("message_id")
        return str(value) if value is not None else None
    return None
