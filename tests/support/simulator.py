"""The outside-systems simulator (``simulator``) served over real HTTP on 127.0.0.1 for a test.

Runs uvicorn in a daemon thread of the test process, on a socket bound to port 0 before the
server starts, so parallel test workers never race for a port and the URL is known up front.
Control calls are synchronous so tests can use them between awaits without ceremony.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from simulator.app import create_app


@dataclass
class RunningSimulator:
    base_url: str

    def url(self, system: str) -> str:
        """The base URL a client of ``system`` is configured with."""
        prefix = {"social_insurance": "social-insurance"}.get(system, system)
        return f"{self.base_url}/{prefix}/v1"

    def control(self, system: str, mode: str, **options: Any) -> dict[str, Any]:
        """Switch a system's mode, e.g. ``control("hukou", "down", duration_ms=500)``."""
        body = {"system": system, "mode": mode, **options}
        return self._post("/_control", body)

    def reset(self) -> None:
        self._post("/_control/reset", {})

    def state(self) -> dict[str, Any]:
        response = httpx.get(self.base_url + "/_control", timeout=5)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def requests(self, system: str) -> int:
        return int(self.state()["requests"][system])

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(self.base_url + path, json=body, timeout=5)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data


@contextmanager
def running_simulator(
    *, seed: int | None = 7, token: str | None = None
) -> Iterator[RunningSimulator]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(seed=seed, token=token), log_level="warning", lifespan="off", access_log=False
    )
    # uvicorn leaves signal handling alone outside the main thread, which is what pytest needs.
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="simulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start")
        time.sleep(0.01)
    try:
        yield RunningSimulator(base_url=f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
