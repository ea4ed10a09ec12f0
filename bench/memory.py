"""A worker's memory under a long mixed workload (issue 20: under 300 MB after 100,000 requests).

    .venv/bin/python bench/memory.py [--requests 100000] [--every 5000] [--concurrency 8]

One uvicorn worker (httptools, uvloop, as ``talent-portal serve`` runs) serves the portal on a
fresh PostgreSQL database loaded like bench/run.py's. httpx clients send the mix below, and the
worker's resident set (VmRSS in /proc) is sampled every ``--every`` requests. Printed: the
curve, the growth over the second half (a leak keeps growing once the caches are warm; a
process that is only warming up flattens), and the final figure against the 300 MB bound. The
curve is also written to var/bench/memory-<timestamp>.json. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cases import ADMIN, free_port, setup  # noqa: E402
from bench.run import bench_targets  # noqa: E402

OUT = ROOT / "var" / "bench"
BOUND_MB = 300.0
# Out of every 100 requests; the submissions use a fresh draft each, until they run out.
MIX = {
    "public page": 25,
    "applicant case read": 30,
    "queue page": 15,
    "eligibility check": 28,
    "submission": 2,
}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def requests_of(data: dict[str, object], url: str, tmp: Path) -> dict[str, dict[str, object]]:
    """Method, path, headers and body per kind, from bench/run.py's targets (its wrk flags)."""
    found: dict[str, dict[str, object]] = {}
    for name, target in bench_targets(url, data, tmp).items():
        flags: list[str] = list(target["extra"])  # type: ignore[call-overload]
        headers = dict(flags[i + 1].split(": ", 1) for i, flag in enumerate(flags) if flag == "-H")
        found[name] = {"method": "GET", "path": target["path"], "headers": headers, "body": None}
    from app.rules import samples

    found["eligibility check"].update(
        method="POST",
        body=json.dumps({"facts": samples.renting_returnee(), "district": "changning"}),
        headers={"Content-Type": "application/json"},
    )
    return found


async def drive(
    base: str, pid: int, kinds: dict[str, dict[str, object]], drafts: list, args: argparse.Namespace
) -> tuple[list[tuple[int, float]], dict[str, dict[int, int]]]:
    schedule = list(itertools.chain.from_iterable([k] * n for k, n in MIX.items()))
    counter = itertools.count()
    statuses: dict[str, dict[int, int]] = {k: {} for k in MIX}
    curve = [(0, rss_mb(pid))]
    draft_iter = iter(drafts)

    async def one(http: httpx.AsyncClient, n: int) -> None:
        kind = schedule[(n * 37) % len(schedule)]  # spread the kinds through the run
        if kind == "submission":
            draft = next(draft_iter, None)
            if draft is None:
                kind = "public page"
            else:
                response = await http.post(
                    f"/api/v1/applications/{draft[0]}/submit",
                    headers={"Authorization": f"Bearer {draft[1]}", "Idempotency-Key": draft[0]},
                    json={"declaration": True, "sensitive_consent": True},
                )
        if kind != "submission":
            spec = kinds[kind]
            response = await http.request(
                str(spec["method"]),
                str(spec["path"]),
                headers=spec["headers"],  # type: ignore[arg-type]
                content=spec["body"],  # type: ignore[arg-type]
            )
        statuses[kind][response.status_code] = statuses[kind].get(response.status_code, 0) + 1

    async def client(http: httpx.AsyncClient) -> None:
        while (n := next(counter)) < args.requests:
            await one(http, n)
            if (n + 1) % args.every == 0:
                curve.append((n + 1, rss_mb(pid)))
                print(f"{n + 1:>8} requests  RSS {curve[-1][1]:7.1f} MB", flush=True)

    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(args.concurrency)))
    return curve, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=5_000, help="requests between samples")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cases", type=int, default=20_000, help="generated cases loaded")
    args = parser.parse_args()
    submits = args.requests * MIX["submission"] // 100 + 10
    name = f"talent_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    proc = None
    try:
        data = setup(url, args.cases, submits)
        drafts: list[tuple[str, str]] = list(data["drafts"])  # type: ignore[call-overload]
        # The reader's draft (the last of the first cases' applicants) is never submitted.
        reader = min(len(drafts), args.cases) - 1
        spare = drafts.pop(reader)
        data["drafts"] = [*drafts, spare]
        kinds = requests_of(data, url, tmp)
        env = {
            **os.environ,
            "TALENT_DATABASE_URL": url,
            "TALENT_LOG_LEVEL": "WARNING",
            "TALENT_RATE_LIMIT_PUBLIC": "100000000/minute",
        }
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.asgi:app", "--port", str(port)]
            + ["--http", "httptools", "--loop", "uvloop", "--no-access-log"]
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
        started = time.perf_counter()
        curve, statuses = asyncio.run(drive(base, proc.pid, kinds, drafts, args))
        took = time.perf_counter() - started
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(args, curve, statuses, took)


def report(
    args: argparse.Namespace,
    curve: list[tuple[int, float]],
    statuses: dict[str, dict[int, int]],
    took: float,
) -> None:
    final = curve[-1][1]
    half = min(curve, key=lambda point: abs(point[0] - curve[-1][0] / 2))
    growth = final - half[1]
    per_10k = growth / max(curve[-1][0] - half[0], 1) * 10_000
    print(
        f"\n{curve[-1][0]} requests in {took:.0f} s ({curve[-1][0] / took:.0f}/s), "
        f"{args.concurrency} clients, one worker; load average {os.getloadavg()[0]:.2f}"
    )
    for kind, counts in statuses.items():
        print(f"  {kind:<22} {sum(counts.values()):>7}  statuses {dict(sorted(counts.items()))}")
    print(f"RSS at start {curve[0][1]:.1f} MB, at {half[0]} requests {half[1]:.1f} MB")
    print(
        f"final RSS {final:.1f} MB against the bound {BOUND_MB:.0f} MB: "
        f"{'within' if final < BOUND_MB else 'OVER'}; second half grew {growth:+.1f} MB "
        f"({per_10k:+.2f} MB per 10,000 requests)"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"memory-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(
        json.dumps(
            {"config": vars(args), "curve": curve, "statuses": statuses, "seconds": took},
            indent=2,
        )
    )
    print(f"written: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
