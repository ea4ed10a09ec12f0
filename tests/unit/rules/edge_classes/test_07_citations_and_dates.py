"""Class 7: wrong citations and dates. Every sourced value is stated by a row citing one of its
refs and is not in force before its source was issued; every clause article and verbatim quote
citing a plan is found in the plan's text (app/rules/audit.py, ``python -m app.rules check``)."""

from __future__ import annotations

from functools import cache

import pytest

from app.rules import load_library
from app.rules.audit import CITATION_KINDS, Problem, audit_library, by_kind
from tests.unit.rules.edge_classes import check_class, policies_tagged


@cache
def _problems() -> list[Problem]:
    return by_kind(audit_library(load_library()), CITATION_KINDS)


@pytest.mark.parametrize(
    "policy_id", sorted(set(load_library().policy_ids()) | policies_tagged("citations_and_dates"))
)
def test_citations_and_dates(policy_id: str) -> None:
    check_class("citations_and_dates", policy_id, frozenset())
    assert [p.line for p in _problems() if p.policy_id == policy_id] == []
