"""CPU per request of this checkout against an earlier commit, side by side on one database.

    .venv/bin/python bench/ab.py --against <commit> ["applicant case read" ...]

Throughput ratios (bench/run.py) move with whatever else the machine runs; the CPU a request
costs moves much less. The earlier commit is exported (git archive) to a temporary directory;
both trees are served by one uvicorn worker each on the same generated PostgreSQL database
(bench/cases.py's setup), so both read the very same case. wrk loads them in turn, A-B per
round, and the CPU seconds the server process and PostgreSQL spent (from /proc) are divided by
the requests answered. Printed per endpoint and tree: median req/s, portal CPU ms and
PostgreSQL CPU ms per request.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
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

from bench.cases import ADMIN, CpuMeter, free_port, setup  # noqa: E402
from bench.run import ENDPOINTS, bench_targets  # noqa: E402

SECONDS = 5


def export(commit: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def serve(tree: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.asgi:app", "--port", str(port)]
        + ["--http", "httptools", "--no-access-log", "--log-level", "warning"],
        cwd=tree,
        # The tree's own app package, not the one the virtualenv installed.
        env={**env, "PYTHONPATH": str(tree)},
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
    parser.add_argument("--against", required=True, help="the earlier commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("endpoints", nargs="*", default=["applicant case read", "staff case read"])
    args = parser.parse_args()
    # Submissions need fresh drafts for each tree: bench/run.py measures them.
    unknown = (set(args.endpoints) - set(ENDPOINTS)) | (set(args.endpoints) & {"submission"})
    if unknown:
        sys.exit(f"not measured here: {sorted(unknown)}")
    old = export(args.against)
    name = f"talent_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        data = setup(url, args.cases, 10)
        drafts: list[tuple[str, str]] = list(data["drafts"])  # type: ignore[call-overload]
        reader = drafts.pop(min(len(drafts), args.cases) - 1)  # has a case; read last
        data["drafts"] = [*drafts, reader]
        targets = bench_targets(url, data, Path(tempfile.mkdtemp(prefix="bench-")))
        env = {
            **os.environ,
            "TALENT_DATABASE_URL": url,
            "TALENT_LOG_LEVEL": "WARNING",
            "TALENT_RATE_LIMIT_PUBLIC": "100000000/minute",
        }
        servers = {}
        for label, tree in ((args.against[:10], old), ("this tree", ROOT)):
            proc, base = serve(tree, env)
            procs.append(proc)
            servers[label] = (base, proc.pid)
        print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, one worker each")
        for endpoint in args.endpoints:
            target = targets[endpoint]
            flags = [*target["extra"]]  # type: ignore[misc]
            rows: dict[str, list[tuple[float, float, float]]] = {k: [] for k in servers}
            for base, _pid in servers.values():  # warm-up
                subprocess.run(
                    ["wrk", "-t1", "-c4", "-d2s", *flags, base + str(target["path"])],
                    capture_output=True,
                )
            for _ in range(args.rounds):
                for label, (base, pid) in servers.items():
                    meter = CpuMeter(pid)
                    meter.start()
                    out = subprocess.run(
                        ["wrk", "-t1", "-c8", f"-d{SECONDS}s", *flags, base + str(target["path"])],
                        capture_output=True,
                        text=True,
                    ).stdout
                    cpu = meter.stop()
                    found = re.search(r"(\d+) requests in", out)
                    n = int(found.group(1)) if found else 0
                    if n and "Non-2xx" not in out:
                        rows[label].append(
                            (n / SECONDS, cpu["server"] / n * 1000, cpu["database"] / n * 1000)
                        )
            for label, measured in rows.items():
                if not measured:
                    print(f"{endpoint:<22} {label:<12} no clean round (errors)")
                    continue
                rps, portal, database = (
                    statistics.median(m[i] for m in measured) for i in range(3)
                )
                print(
                    f"{endpoint:<22} {label:<12} req/s {rps:6.0f}  portal CPU {portal:5.2f} "
                    f"ms/req  PostgreSQL CPU {database:5.2f} ms/req  (load "
                    f"{os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":
    main()
