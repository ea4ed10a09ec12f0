"""Portal against a bare Starlette baseline, same uvicorn, same workers, same connections.

    .venv/bin/python bench/run.py [--seconds 3] [--rounds 3] [--workers 2] [--connections 32]
    make bench-http                       # the quick run, about two minutes
    .venv/bin/python bench/run.py --seconds 30 --warmup 10   # the anchors' protocol (long)

A fresh PostgreSQL database is made by Alembic and loaded with generated applicants, cases,
drafts and sessions (bench/cases.py's setup). Then the bare app (bench/baseline_app.py) and the
portal run side by side under uvicorn with httptools, and wrk loads them A-B-A-B: for each
endpoint in each round the baseline first, then the portal, so every ratio (portal req/s over
baseline req/s) has its baseline from the same minute. Printed per endpoint: each round's ratio,
median, best and worst, and the machine's load average; written to var/bench/<timestamp>.json
for bench/compare.py. With pgbench installed, submissions are also set against one-row INSERT
transactions (issue 20's second target). The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cases import ADMIN, free_port, libpq, setup  # noqa: E402

OUT = ROOT / "var" / "bench"
ENDPOINTS = [
    "public page",
    "applicant case read",
    "staff case read",
    "queue page",
    "submission",
    "eligibility check",
]


SERVERS: dict[str, int] = {}


@contextmanager
def server(app: str, env: dict[str, str], workers: int) -> Iterator[str]:
    """uvicorn with the flags both apps share; yields the base URL once it answers (the
    master's pid is in SERVERS, for the profiler)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--workers", str(workers)]
        + ["--http", "httptools", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    SERVERS[base] = proc.pid
    try:
        for _ in range(150):
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, args: argparse.Namespace, seconds: int, extra: list[str]) -> dict[str, float]:
    """One wrk run: requests/s, answers that were not 2xx/3xx, socket errors, p50/p99 ms."""
    # A script's own arguments follow "--", after the URL.
    cut = extra.index("--") if "--" in extra else len(extra)
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency"]
        + ["--timeout", "30s", *extra[:cut], url, *extra[cut:]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {"rps": 0.0, "non2xx": 0.0, "errors": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            found["rps"] = float(line.split()[1])
        elif line.startswith("Non-2xx or 3xx responses:"):
            found["non2xx"] = float(line.split()[-1])
        elif line.startswith("Socket errors:"):
            found["errors"] = float(sum(int(n) for n in re.findall(r"\d+", line)))
        elif line.startswith(("50%", "99%")):
            found[f"p{line[:2]}_ms"] = _duration_ms(line.split()[1])
    return found


def lua_script(directory: Path, name: str, method: str, body: str, headers: dict[str, str]) -> str:
    lines = [f'wrk.method = "{method}"', f"wrk.body = [==[{body}]==]"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    path = directory / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def bench_targets(url: str, data: dict[str, object], tmp: Path) -> dict[str, dict[str, object]]:
    """What each endpoint sends: path and wrk flags; tokens and ids come from the database."""
    from app.core.access import session_cookie
    from app.rules import samples
    from app.security.crypto import token_digest

    drafts: list[tuple[str, str]] = data["drafts"]  # type: ignore[assignment]
    staff_token = str(data["staff_token"])
    reader = drafts[-1]  # run_rounds keeps this draft out of the submissions
    web_token = uuid.uuid4().hex + uuid.uuid4().hex
    now = datetime.now(UTC)
    with psycopg.connect(libpq(url)) as c:
        own_case = c.execute(
            "SELECT c.id FROM service_case c JOIN application a ON a.applicant_id = c.applicant_id"
            " WHERE a.id = %s LIMIT 1",
            (reader[0],),
        ).fetchone()
        staff_case = c.execute(
            "SELECT id FROM service_case WHERE district = 'changning' AND department = 'housing'"
            " LIMIT 1"
        ).fetchone()
        staff_user = c.execute(
            "SELECT id FROM \"user\" WHERE email = 'bench.staff@example.cn'"
        ).fetchone()
        assert own_case and staff_case and staff_user, "the generated data lacks a case"
        # A page session for the same clerk: the queue page reads the cookie, not a bearer.
        c.execute(
            "INSERT INTO auth_session (id, user_id, kind, token_hash, created_at, last_seen_at,"
            " token_expires_at, expires_at) VALUES (%s, %s, 'web', %s, %s, %s, %s, %s)",
            (uuid.uuid4(), staff_user[0], token_digest(web_token), now, now)
            + (now + timedelta(hours=8), now + timedelta(hours=8)),
        )
    check = json.dumps({"facts": samples.renting_returnee(), "district": "changning"})
    return {
        "public page": {"path": "/", "extra": []},
        "applicant case read": {
            "path": f"/api/v1/cases/{own_case[0]}",
            "extra": ["-H", f"Authorization: Bearer {reader[1]}"],
        },
        "staff case read": {
            "path": f"/api/v1/staff/cases/{staff_case[0]}",
            "extra": ["-H", f"Authorization: Bearer {staff_token}"],
        },
        "queue page": {
            "path": "/staff/cases",
            "extra": ["-H", f"Cookie: {session_cookie()}={web_token}"],
        },
        "submission": {"path": "", "extra": []},  # bench/submit.lua, drafts given per round
        "eligibility check": {
            "path": "/api/v1/eligibility/check",
            "extra": [
                "-s",
                lua_script(tmp, "check", "POST", check, {"Content-Type": "application/json"}),
            ],
        },
    }


def submission_flags(drafts: list[tuple[str, str]], args: argparse.Namespace, tmp: Path) -> list:
    path = tmp / f"drafts-{uuid.uuid4().hex[:6]}.txt"
    path.write_text("".join(f"{d} {t}\n" for d, t in drafts))
    return ["-s", str(ROOT / "bench" / "submit.lua"), "--", str(path), str(args.threads)]


def pgbench_insert(url: str, args: argparse.Namespace, tmp: Path) -> float:
    """One-row INSERT transactions per second (fsync and synchronous_commit as configured)."""
    script = tmp / "insert.sql"
    script.write_text("INSERT INTO bench_insert (payload) VALUES ('x');\n")
    out = subprocess.run(
        ["pgbench", "-n", f"-c{min(args.connections, 16)}", f"-j{args.threads}"]
        + [f"-T{args.seconds}", "-f", str(script), libpq(url)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+)", out)
    return float(match.group(1)) if match else 0.0


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "best": max(values), "worst": min(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=3, help="each measurement's length")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cases", type=int, default=20_000, help="generated cases loaded")
    parser.add_argument("--submits", type=int, default=0, help="drafts (default: enough)")
    parser.add_argument("--only", nargs="*", choices=ENDPOINTS, help="measure only these")
    parser.add_argument(
        "--profile",
        choices=ENDPOINTS,
        help="after the rounds, py-spy the portal's workers under this endpoint's load",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    endpoints = args.only or ENDPOINTS
    # Each submission round uses fresh drafts: at 1,000/s the rounds need this many.
    submits = args.submits or 1000 * (args.seconds * args.rounds + args.warmup) + 500
    if args.profile == "submission":
        submits += submits // 3  # the quarter run_rounds holds back for the profile
    name = f"talent_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    loads = [os.getloadavg()]
    try:
        started = time.perf_counter()
        data = setup(url, args.cases, submits)
        took = time.perf_counter() - started
        print(f"setup: {args.cases} cases, {submits} drafts in {took:.0f} s")
        with psycopg.connect(libpq(url), autocommit=True) as c:
            c.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text)")
        env = {
            **os.environ,
            "TALENT_DATABASE_URL": url,
            "TALENT_LOG_LEVEL": "WARNING",
            "TALENT_RATE_LIMIT_PUBLIC": "100000000/minute",
            # Throughput of served requests: no connection is ever beyond the bound (overload
            # and its shedding are bench/overload.py's).
            "TALENT_MAX_CONCURRENT_REQUESTS": str(args.connections),
        }
        results = run_rounds(args, endpoints, url, env, data)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    loads.append(os.getloadavg())
    report(args, results, loads)


def run_rounds(
    args: argparse.Namespace,
    endpoints: list[str],
    url: str,
    env: dict[str, str],
    data: dict[str, object],
) -> dict[str, dict[str, list[float]]]:
    drafts: list[tuple[str, str]] = list(data["drafts"])  # type: ignore[call-overload]
    # The applicant who reads their case: one of the first, who all have a generated case.
    reader = min(len(drafts), int(args.cases)) - 1
    spare = [drafts.pop(reader)]
    # The profile's submissions need drafts of their own: the rounds use up theirs.
    held_for_profile: list[tuple[str, str]] = []
    if args.profile == "submission":
        cut = len(drafts) // 4
        held_for_profile, drafts = drafts[-cut:], drafts[:-cut]
    results: dict[str, dict[str, list[float]]] = {
        e: {k: [] for k in ("baseline", "portal", "ratio", "p50_ms", "p99_ms", "non2xx", "load")}
        for e in endpoints
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    data["drafts"] = drafts + spare
    targets = bench_targets(url, data, tmp)
    use_pgbench = "submission" in endpoints and shutil.which("pgbench") is not None
    if use_pgbench:
        results["submission vs pgbench INSERT"] = {"pgbench": [], "ratio": []}
    baseline_env = {**os.environ}
    with (
        server("bench.baseline_app:app", baseline_env, args.workers) as base_a,
        server("app.asgi:app", env, args.workers) as base_b,
    ):
        # Warm-up (not measured): statement caches, prepared statements, compiled rules.
        wrk(base_a + "/json", args, args.warmup, [])
        for endpoint in endpoints:
            target = targets[endpoint]
            if endpoint == "submission":
                take, drafts = drafts[: 300 * args.warmup], drafts[300 * args.warmup :]
                wrk(base_b, args, args.warmup, submission_flags(take, args, tmp))
            else:
                wrk(base_b + str(target["path"]), args, args.warmup, list(target["extra"]))
        for n in range(args.rounds):
            for endpoint in endpoints:
                target = targets[endpoint]
                a = wrk(base_a + "/json", args, args.seconds, [])
                if endpoint == "submission":
                    share = len(drafts) // (args.rounds - n)
                    take, drafts = drafts[:share], drafts[share:]
                    b = wrk(base_b, args, args.seconds, submission_flags(take, args, tmp))
                else:
                    b = wrk(base_b + str(target["path"]), args, args.seconds, list(target["extra"]))
                row = results[endpoint]
                row["baseline"].append(a["rps"])
                row["portal"].append(b["rps"])
                row["ratio"].append(b["rps"] / a["rps"] if a["rps"] else 0.0)
                row["p50_ms"].append(b["p50_ms"])
                row["p99_ms"].append(b["p99_ms"])
                row["non2xx"].append(b["non2xx"] + b["errors"])
                row["load"].append(os.getloadavg()[0])
                print(
                    f"round {n + 1} {endpoint:<20} baseline {a['rps']:8.0f}/s  portal "
                    f"{b['rps']:7.0f}/s  ratio {row['ratio'][-1]:.4f}  p50 {b['p50_ms']:.1f} ms"
                    f"  p99 {b['p99_ms']:.1f} ms  not-2xx {int(row['non2xx'][-1])}"
                    f"  load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
                if endpoint == "submission" and use_pgbench:
                    tps = pgbench_insert(url, args, tmp)
                    extra = results["submission vs pgbench INSERT"]
                    extra["pgbench"].append(tps)
                    extra["ratio"].append(b["rps"] / tps if tps else 0.0)
                    print(
                        f"round {n + 1} pgbench one-row INSERT {tps:.0f} tps  ratio "
                        f"{extra['ratio'][-1]:.4f}",
                        flush=True,
                    )
        if args.profile:
            target = targets[args.profile]
            flags = list(target["extra"])
            if args.profile == "submission":
                flags = submission_flags(held_for_profile, args, tmp)
            profile(base_b, str(target["path"]), flags, args)
    shutil.rmtree(tmp, ignore_errors=True)
    return results


def profile(base: str, path: str, flags: list[str], args: argparse.Namespace) -> None:
    """py-spy (sampling, all worker processes) while wrk loads one endpoint; prints the
    functions with the most samples, inclusive, and the collapsed stacks' file for a flame
    graph (var/bench/profile-<endpoint>.txt)."""
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        print("py-spy not installed (pip install py-spy): no profile")
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = OUT / f"profile-{args.profile.replace(' ', '-')}.txt"
    OUT.mkdir(parents=True, exist_ok=True)
    seconds = max(args.seconds, 5)
    recorder = subprocess.Popen(
        [spy, "record", "--pid", str(SERVERS[base]), "--subprocesses", "--format", "raw"]
        + ["--duration", str(seconds), "--rate", "200", "--nonblocking", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wrk(base + path, args, seconds, flags)
    recorder.wait(timeout=60)
    inclusive: dict[str, int] = {}
    total = 0
    for stack_line in out.read_text().splitlines():
        stack, _, count = stack_line.rpartition(" ")
        n = int(count)
        total += n
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + n
    print(f"\nprofile of {args.profile} ({total} samples), inclusive share; stacks: {out}")
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:40]:
        print(f"{n / total:6.1%}  {frame[:150]}")


def report(
    args: argparse.Namespace, results: dict[str, dict[str, list[float]]], loads: list
) -> None:
    print(
        f"\nportal / bare Starlette req/s, {args.rounds} rounds of {args.seconds} s, "
        f"{args.workers} workers, wrk -t{args.threads} -c{args.connections}, "
        f"{os.cpu_count()} CPUs; load average {loads[0][0]:.2f} before, {loads[-1][0]:.2f} after"
    )
    print(f"{'endpoint':<30}{'median':>9}{'best':>9}{'worst':>9}  portal req/s (median)")
    document: dict[str, object] = {
        "timestamp": datetime.now(UTC).isoformat(),
        "config": vars(args),
        "cpus": os.cpu_count(),
        "loadavg": {"before": loads[0], "after": loads[-1]},
        "endpoints": {},
    }
    for endpoint, row in results.items():
        s = summary(row["ratio"])
        rps = statistics.median(row.get("portal") or row.get("pgbench") or [0.0])
        print(f"{endpoint:<30}{s['median']:9.4f}{s['best']:9.4f}{s['worst']:9.4f}  {rps:9.0f}")
        document["endpoints"][endpoint] = {**row, **s}  # type: ignore[index]
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(document, indent=2))
    print(f"written: {path.relative_to(ROOT)} (compare: .venv/bin/python bench/compare.py)")


if __name__ == "__main__":
    main()
