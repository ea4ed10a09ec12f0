"""Compares a bench/run.py result with the run before it: each ratio's median, old and new.

    .venv/bin/python bench/compare.py [NEW.json [OLD.json]]   # default: the two latest runs

A ratio that fell by more than 10% is printed in red and makes the exit status 1; ratios, not
requests per second, are compared, since each has its baseline from its own run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "var" / "bench"
RED, GREEN, RESET = "\033[31m", "\033[32m", "\033[0m"
THRESHOLD = 0.10


def runs() -> list[Path]:
    return sorted(p for p in RUNS.glob("*.json") if p.stem[:8].isdigit())


def compare(new: dict, old: dict) -> list[tuple[str, float | None, float | None, float | None]]:
    rows = []
    for endpoint, row in new["endpoints"].items():
        before = old["endpoints"].get(endpoint, {}).get("median")
        now = row.get("median")
        change = (now - before) / before if before and now is not None else None
        rows.append((endpoint, before, now, change))
    return rows


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] if argv else runs()[-2:][::-1]
    if len(paths) < 2:
        older = [p for p in runs() if p not in paths]
        if not paths or not older:
            print("need two runs of bench/run.py under var/bench/")
            return 0
        paths.append(older[-1])
    new, old = (json.loads(p.read_text()) for p in paths[:2])
    print(f"new {paths[0].name} against old {paths[1].name} (median ratio to the baseline)")
    regressed = False
    for endpoint, before, now, change in compare(new, old):
        if change is None:
            shown = f"{now:9.4f}" if now is not None else f"{'-':>9}"
            old_shown = f"{before:9.4f}" if before is not None else f"{'-':>9}"
            print(f"{endpoint:<30} {old_shown} -> {shown}  (no change to compute)")
            continue
        line = f"{endpoint:<30} {before:9.4f} -> {now:9.4f}  {change:+7.1%}"
        if change < -THRESHOLD:
            regressed = True
            print(f"{RED}{line}  regression of more than {THRESHOLD:.0%}{RESET}")
        elif change > THRESHOLD:
            print(f"{GREEN}{line}{RESET}")
        else:
            print(line)
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
