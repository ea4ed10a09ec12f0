"""Running the YAML test cases that sit beside each policy (``<policy_id>.tests.yaml``).

Kept in the package, like OpenFisca's test runner, so that pytest, a CLI or a staff preview of a
draft policy all check cases the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from app.rules.engine import PolicyLibrary
from app.rules.loader import package_directory
from app.rules.results import PolicyResult
from app.rules.schema import TestCase, TestFile

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_test_files(directory: Traversable | Path | None = None) -> list[TestFile]:
    folder = directory if directory is not None else package_directory()
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".tests.yaml")),
        key=lambda entry: entry.name,
    )
    return [
        TestFile.model_validate(yaml.load(entry.read_bytes(), Loader=_Loader)) for entry in files
    ]


def _plain(value: Any) -> Any:
    """YAML values as the JSON of a result has them (dates become ISO strings)."""
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, date) else v)
    )


def run_case(
    library: PolicyLibrary, file: TestFile, case: TestCase
) -> tuple[PolicyResult, list[str]]:
    """Evaluate a case in English and list every way the result differs from the expectation."""
    result = library.evaluate(
        file.facts_of(case), file.as_of_of(case), policy_ids=[file.policy_id], lang="en"
    )[0]
    if case.lapsing_month is not None:
        return result, _lapsing_problems(library, file, case, case.lapsing_month)
    data = result.model_dump(mode="json")
    problems: list[str] = []
    if result.status != case.status:
        problems.append(f"status {result.status}, expected {case.status}")
    if case.version is not None and result.policy_version != case.version:
        problems.append(f"version {result.policy_version}, expected {case.version}")
    for name, expected in _plain(case.outputs).items():
        if data["outputs"].get(name, "<absent>") != expected:
            problems.append(f"output {name} = {data['outputs'].get(name)!r}, expected {expected!r}")
    if case.missing_facts is not None and result.missing_facts != list(case.missing_facts):
        problems.append(
            f"missing_facts {result.missing_facts}, expected {list(case.missing_facts)}"
        )
    results = {c["id"]: c["result"] for c in data["criteria"]}
    for condition, expected in case.conditions.items():
        if results.get(condition) != expected:
            problems.append(
                f"condition {condition} is {results.get(condition)}, expected {expected}"
            )
    messages = {c["id"]: c["message"] for c in data["criteria"]}
    for condition, words in case.messages.items():
        if words not in str(messages.get(condition)):
            problems.append(f"message of {condition} is {messages.get(condition)!r}, not {words!r}")
    for wanted in _plain(list(case.hints)):
        if not any(all(hint.get(k) == v for k, v in wanted.items()) for hint in data["hints"]):
            problems.append(f"no hint matching {wanted}; hints: {data['hints']}")
    return result, problems


def _lapsing_problems(
    library: PolicyLibrary, file: TestFile, case: TestCase, month: int
) -> list[str]:
    found = library.evaluate_lapsing(
        file.facts_of(case), file.as_of_of(case), file.policy_id, month
    )
    problems = []
    if found.status != case.status:
        problems.append(f"lapsing status {found.status}, expected {case.status}")
    results = dict.fromkeys(found.checked, "true") | {f.id: f.result for f in found.failed}
    for condition, expected in case.conditions.items():
        if results.get(condition) != expected:
            problems.append(f"lapsing {condition} is {results.get(condition)}, expected {expected}")
    return problems


def condition_coverage(
    library: PolicyLibrary, files: Iterable[TestFile]
) -> dict[tuple[str, str], set[str]]:
    """For every (policy, condition) the results the cases produced; a condition needs both
    ``true`` and ``false`` somewhere among its policy's cases."""
    seen: dict[tuple[str, str], set[str]] = {}
    for file in files:
        for case in file.cases:
            result, _ = run_case(library, file, case)
            for criterion in result.criteria:
                seen.setdefault((file.policy_id, criterion.id), set()).add(criterion.result)
    return seen
