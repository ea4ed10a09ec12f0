"""Listening sockets that the test process makes and hands to the portal servers it starts
(``uvicorn --fd``).

Asking the kernel for a free port, closing it and telling a server to bind it later is a race:
two parallel test workers can be handed the same port, one server then fails to bind, and both
workers' health checks are answered by the other one. A browser run once registered every
applicant of one worker on the other worker's database and found none of their emails. A
socket bound before the server starts is the server's from the start, and one held by the test
process survives the server: a fault test that kills it with SIGKILL restarts it on the same
address.
"""

from __future__ import annotations

import socket
import sys


def listening_socket() -> socket.socket:
    """A TCP socket listening on 127.0.0.1 at a port the kernel chose, for a child to inherit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


def uvicorn_argv(sock: socket.socket) -> list[str]:
    """The portal served on ``sock`` as production serves it (httptools); start the process with
    ``pass_fds=[sock.fileno()]``."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "app.asgi:app",
        "--fd",
        str(sock.fileno()),
        "--http",
        "httptools",
        "--no-access-log",
    ]
