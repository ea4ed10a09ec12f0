"""A tiny SMS gateway over real HTTP on 127.0.0.1, recording every request it gets.

Like a real idempotent gateway it accepts a repeated ``Idempotency-Key`` without sending the
text again, so tests can tell deliveries (every request) from messages (distinct keys).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Hit:
    key: str | None
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class SmsGateway:
    url: str = ""
    delay_seconds: float = 0.0
    # mobile number -> HTTP status the gateway answers for it
    fail_for: dict[str, int] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def idempotency_keys(self) -> list[str]:
        """One entry per request, repeats included."""
        with self.lock:
            return [h.key for h in self.hits if h.key is not None]


def _handler(gateway: SmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            key = self.headers.get("idempotency-key")
            with gateway.lock:
                gateway.hits.append(Hit(key, body, {k.lower(): v for k, v in self.headers.items()}))
            gateway.received.set()
            if gateway.delay_seconds:
                time.sleep(gateway.delay_seconds)
            status = gateway.fail_for.get(str(body.get("to")), 200)
            payload = json.dumps({"id": f"gw-{key}"} if status == 200 else {"error": status})
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A killed worker leaves the gateway answering into a closed socket; that is expected.
        pass


@contextmanager
def running_gateway(delay_seconds: float = 0.0) -> Iterator[SmsGateway]:
    gateway = SmsGateway(delay_seconds=delay_seconds)
    server = _QuietServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    thread = threading.Thread(target=server.serve_forever, name="sms-gateway", daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
