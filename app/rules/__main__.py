"""Small command line for policy authors: ``python -m app.rules <command>``.

- ``check``: load every policy file, run every YAML case, report coverage gaps, then every
  value or citation its source does not back (app/rules/audit.py), with counts per kind and
  policy; exits 1 on any problem;
- ``assumptions``: list the versions and parameters that are assumptions (what staff must
  confirm first);
- ``warm-cache``: parse every expression once so the next cold start skips the CEL parser
  (run it in an image build).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from app.rules.audit import audit_library, summary
from app.rules.engine import load_library
from app.rules.testing import condition_coverage, read_test_files, run_case


def _check() -> int:
    library = load_library()
    files = read_test_files()
    failures = 0
    for file in files:
        for case in file.cases:
            _, problems = run_case(library, file, case)
            for problem in problems:
                failures += 1
                sys.stdout.write(f"FAIL {file.policy_id}: {case.name}: {problem}\n")
    seen = condition_coverage(library, files)
    for info in library.policies():
        for version in info.versions:
            for atomic in version.spec.atomics():
                got = seen.get((info.policy_id, atomic.id), set())
                if not {"true", "false"} <= got:
                    failures += 1
                    sys.stdout.write(f"UNCOVERED {info.policy_id}: {atomic.id} {sorted(got)}\n")
    unbacked = audit_library(library)
    for finding in unbacked:
        failures += 1
        sys.stdout.write(finding.line + "\n")
    for kind, counts in sorted(summary(unbacked).items()):
        per_policy = ", ".join(f"{policy} {n}" for policy, n in sorted(counts.items()))
        sys.stdout.write(f"{kind}: {sum(counts.values())} ({per_policy})\n")
    cases = sum(len(f.cases) for f in files)
    sys.stdout.write(f"{cases} cases, {failures} problems\n")
    return 1 if failures else 0


def _assumptions() -> int:
    for info in load_library().policies():
        for version in info.versions:
            if version.spec.assumption is not None:
                reason = version.spec.assumption.reason.en
                sys.stdout.write(f"{info.policy_id}@{version.version} (whole version): {reason}\n")
            for name, parameter in version.spec.parameters.items():
                entries = [e for e in parameter.values if e.assumption is not None]
                if parameter.status == "assumed" and parameter.assumption is not None:
                    reason = parameter.assumption.reason.en
                    sys.stdout.write(f"{info.policy_id}@{version.version} {name}: {reason}\n")
                for entry in entries:
                    assert entry.assumption is not None
                    sys.stdout.write(
                        f"{info.policy_id}@{version.version} {name} from {entry.valid_from}: "
                        f"{entry.assumption.reason.en}\n"
                    )
    return 0


def _warm_cache() -> int:
    load_library()
    return 0


COMMANDS: dict[str, Callable[[], int]] = {
    "check": _check,
    "assumptions": _assumptions,
    "warm-cache": _warm_cache,
}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1 or argv[0] not in COMMANDS:
        sys.stderr.write(f"usage: python -m app.rules {{{','.join(COMMANDS)}}}\n")
        return 2
    return COMMANDS[argv[0]]()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
