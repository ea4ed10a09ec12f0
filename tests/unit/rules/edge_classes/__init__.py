"""One module per class of rule errors found in review (issue 13), each test named after its class.

A YAML case beside a policy names the classes it guards (``classes: [route_access]``). Each class
module lists the policies the class touches; every one of them must carry at least one case of
that class, and every tagged case, on any policy, must pass.
"""

from __future__ import annotations

from app.rules import load_library
from app.rules.schema import EdgeClass, TestCase, TestFile
from app.rules.testing import read_test_files, run_case

_FILES = read_test_files()


def policies_tagged(edge_class: EdgeClass) -> set[str]:
    return {f.policy_id for f in _FILES for c in f.cases if edge_class in c.classes}


def tagged_cases(edge_class: EdgeClass, policy_id: str) -> list[tuple[TestFile, TestCase]]:
    return [
        (file, case)
        for file in _FILES
        if file.policy_id == policy_id
        for case in file.cases
        if edge_class in case.classes
    ]


def check_class(edge_class: EdgeClass, policy_id: str, touched: frozenset[str]) -> None:
    """Every case of the class on the policy passes; a touched policy has at least one."""
    cases = tagged_cases(edge_class, policy_id)
    if policy_id in touched:
        assert cases, f"{policy_id} has no case guarding {edge_class}"
    library = load_library()
    failures = {
        case.name: problems
        for file, case in cases
        if (problems := run_case(library, file, case)[1])
    }
    assert failures == {}
