"""The portal under overload (issue 20): far more clients than the workers serve.

    .venv/bin/python bench/overload.py [--connections 400] [--seconds 10] [--workers 2]

The portal runs as bench/run.py runs it (uvicorn, httptools, PostgreSQL with generated
applicants and cases) and wrk sends the applicant case read from ``--connections`` clients
at once, each asking again the moment it has an answer (wrk ignores Retry-After: the worst
case). Measured twice, with load shedding as configured (TALENT_MAX_CONCURRENT_REQUESTS and
TALENT_SHED_WAIT_SECONDS, their defaults unless set) and with it off, and printed for each:
answers per second, the share shed (503), and latency percentiles over all answers. With
shedding every answer comes within about a second; without it the queue sets the latency.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cases import ADMIN, free_port, setup  # noqa: E402
from bench.run import _duration_ms, bench_targets  # noqa: E402

PERCENTILES = ("50%", "75%", "90%", "99%")


def load(base: str, target: dict[str, object], args: argparse.Namespace) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
        + ["--timeout", "120s", *target["extra"], base + str(target["path"])],  # type: ignore[misc]
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {"requests": 0.0, "rps": 0.0, "non2xx": 0.0, "errors": 0.0, "max_ms": 0.0}
    for raw in out.splitlines():
        line = raw.strip()
        if line.startswith("Requests/sec:"):
            found["rps"] = float(line.split()[1])
        elif re.match(r"\d+ requests in", line):
            found["requests"] = float(line.split()[0])
        elif line.startswith("Non-2xx or 3xx responses:"):
            found["non2xx"] = float(line.split()[-1])
        elif line.startswith("Socket errors:"):
            found["errors"] = float(sum(int(n) for n in re.findall(r"\d+", line)))
        elif line.startswith("Latency") and len(line.split()) >= 4:
            found["max_ms"] = _duration_ms(line.split()[3])
        elif line.startswith(PERCENTILES):
            found[f"p{line.split('%')[0]}_ms"] = _duration_ms(line.split()[1])
    return found


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.asgi:app", "--port", str(port)]
        + ["--workers", str(workers), "--http", "httptools", "--no-access-log"]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            httpx.get(base + "/healthz", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    return proc, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=400)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cases", type=int, default=2_000)
    args = parser.parse_args()
    name = f"talent_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    rows: list[tuple[str, dict[str, float]]] = []
    try:
        data = setup(url, args.cases, args.cases)
        target = bench_targets(url, data, Path(tempfile.mkdtemp(prefix="bench-"))).get(
            "applicant case read"
        )
        assert target is not None
        base_env = {
            **os.environ,
            "TALENT_DATABASE_URL": url,
            "TALENT_LOG_LEVEL": "WARNING",
            "TALENT_RATE_LIMIT_PUBLIC": "100000000/minute",
        }
        for label, extra in (
            ("shedding on", {}),
            ("shedding off", {"TALENT_MAX_CONCURRENT_REQUESTS": "0"}),
        ):
            proc, base = serve({**base_env, **extra}, args.workers)
            try:
                warm = argparse.Namespace(**{**vars(args), "connections": 8, "seconds": 2})
                load(base, target, warm)
                rows.append((label, load(base, target, args)))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    limit = os.environ.get("TALENT_MAX_CONCURRENT_REQUESTS", "default")
    wait = os.environ.get("TALENT_SHED_WAIT_SECONDS", "default")
    print(
        f"\napplicant case read, wrk -t{args.threads} -c{args.connections} for {args.seconds} s, "
        f"{args.workers} workers, {os.cpu_count()} CPUs; per-worker limit {limit}, admission "
        f"wait {wait}; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'':<14}{'answers/s':>10}{'served/s':>10}{'shed':>8}"
        + "".join(f"{'p' + p[:-1]:>9}" for p in PERCENTILES)
        + f"{'max':>9}  (ms)  socket errors"
    )
    for label, r in rows:
        shed = r["non2xx"] / r["requests"] if r["requests"] else 0.0
        served = r["rps"] * (1 - shed)
        print(
            f"{label:<14}{r['rps']:10.0f}{served:10.0f}{shed:8.1%}"
            + "".join(f"{r.get(f'p{p[:-1]}_ms', 0.0):9.0f}" for p in PERCENTILES)
            + f"{r['max_ms']:9.0f}        {int(r['errors'])}"
        )


if __name__ == "__main__":
    main()
