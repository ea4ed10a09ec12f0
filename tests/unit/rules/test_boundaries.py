"""Boundary cases generated from every threshold and date in the shipped policies.

For each comparison ``fact op bound`` in any condition, the fact is set just below, at and just
above the bound (dates are placed so that derived ages and month counts land there) and the
comparison must follow ``op`` exactly. Version and parameter changes are checked on the day
before and the day of the change.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from app.rules import cel, load_library
from app.rules.compiled import CompiledPolicy
from app.rules.facts import FACTS, derive
from app.rules.scalar import UNKNOWN
from app.rules.shapes import Comparison, shape_of
from app.rules.timeutil import add_months

OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
DATE_OF = {
    "age": "birth_date",
    "months_since_graduation": "graduation_date",
    "months_since_return": "return_date",
    "employment_months": "employment_start_date",
    "months_since_certificate": "certificate_date",
    "contract_months_remaining": "contract_end_date",
}
EXACT = frozenset(name for name in DATE_OF if FACTS[name].measure == "exact_months")
"""Facts measured in exact months: a window on them is checked a day either side of its end."""


def _comparisons() -> Iterator[tuple[CompiledPolicy, cel.Node, Comparison]]:
    library = load_library()
    for policy_id in library.policy_ids():
        for version in library.get(policy_id).versions:
            policy = library.version(policy_id, version.version)
            for leaf in policy.leaves:
                for node in cel.walk(leaf.node):
                    shape = shape_of(node)
                    if (
                        isinstance(shape, Comparison)
                        and isinstance(shape.subject, cel.Fact)
                        and FACTS[shape.subject.name].type in ("int", "number")
                    ):
                        yield policy, node, shape


COMPARISONS = list(_comparisons())


def _day(policy: CompiledPolicy) -> date:
    return policy.spec.valid_from + timedelta(days=40)


def _facts_for(fact: str, value: float, day: date) -> dict[str, Any]:
    """Entered facts that make ``fact`` equal ``value`` on ``day``."""
    if fact not in DATE_OF:
        return {fact: value}
    months = int(value)
    if fact == "age":
        start = add_months(day, -12 * months)
    elif fact == "contract_months_remaining":
        start = add_months(day, months)
    else:
        start = add_months(day, -months)
    return {DATE_OF[fact]: start}


def test_there_are_thresholds_to_check() -> None:
    assert len(COMPARISONS) > 60


@pytest.mark.parametrize(
    ("policy", "node", "shape"),
    COMPARISONS,
    ids=[f"{p.policy_id}@{p.version}: {cel.to_text(n)}" for p, n, _ in COMPARISONS],
)
def test_threshold(policy: CompiledPolicy, node: cel.Node, shape: Comparison) -> None:
    assert isinstance(shape.subject, cel.Fact)
    fact = shape.subject.name
    spec = FACTS[fact]
    day = _day(policy)
    params = policy.params_at(day)
    bound = policy.fn_for(shape.bound)(policy.context({}, params))
    if fact in EXACT:
        _check_exact_window(policy, node, shape, fact, bound, day)
        return
    step = 1 if spec.type == "int" else 0.5
    checked = 0
    for value in (bound - step, bound, bound + step):
        if spec.minimum is not None and value < spec.minimum:
            continue
        if spec.maximum is not None and value > spec.maximum:
            continue
        facts = derive(_facts_for(fact, value, day), day)
        assert facts[fact] == value
        result = policy.fn_for(node)(policy.context(facts, params))
        assert result is not UNKNOWN
        assert result == OPS[shape.op](value, bound), (value, bound)
        checked += 1
    assert checked >= 2


def _check_exact_window(
    policy: CompiledPolicy,
    node: cel.Node,
    shape: Comparison,
    fact: str,
    bound: float,
    day: date,
) -> None:
    """The bound is reached on the anniversary day exactly: the day before and the day after
    fall on either side of it, so ``<=`` admits the anniversary and ``<`` does not."""
    params = policy.params_at(day)
    anniversary = add_months(day, -int(bound)) if bound == int(bound) else None
    assert anniversary is not None, f"{fact} compared with a part month: {bound}"
    values = []
    for shift in (1, 0, -1):  # a later event date is a smaller elapsed time
        facts = derive({DATE_OF[fact]: anniversary + timedelta(days=shift)}, day)
        value = facts[fact]
        assert isinstance(value, float)
        values.append(value)
        result = policy.fn_for(node)(policy.context(facts, params))
        assert result == OPS[shape.op](value, bound), (value, bound)
    assert values[0] < bound == values[1] < values[2]


@pytest.mark.parametrize("fact", sorted(set(DATE_OF) - {"age", "contract_months_remaining"}))
def test_month_counters_turn_over_on_the_anniversary_day(fact: str) -> None:
    day = date(2026, 11, 22)
    start = add_months(day, -12)
    assert derive({DATE_OF[fact]: start}, day)[fact] == 12
    later = derive({DATE_OF[fact]: start + timedelta(days=1)}, day)[fact]
    assert isinstance(later, int | float)
    if fact in EXACT:
        # 2025-11-23 to 2026-11-22: 11 whole months to 2026-10-23, then 30 of the 31 days of
        # the month that runs to 2026-11-23.
        assert later == 11 + 30 / 31
    else:
        assert later == 11


def test_age_turns_over_on_the_birthday_and_leap_day_birthdays_on_1_march() -> None:
    assert derive({"birth_date": date(1990, 11, 22)}, date(2026, 11, 22))["age"] == 36
    assert derive({"birth_date": date(1990, 11, 23)}, date(2026, 11, 22))["age"] == 35
    assert derive({"birth_date": date(2000, 2, 29)}, date(2027, 2, 28))["age"] == 26
    assert derive({"birth_date": date(2000, 2, 29)}, date(2027, 3, 1))["age"] == 27


def test_versions_change_over_on_their_dates() -> None:
    library = load_library()
    for policy_id in library.policy_ids():
        versions = library.get(policy_id).versions
        for earlier, later in zip(versions, versions[1:], strict=False):
            assert earlier.valid_to is not None
            assert library.version_at(policy_id, earlier.valid_to).version == earlier.version  # type: ignore[union-attr]
            after = earlier.valid_to + timedelta(days=1)
            assert library.version_at(policy_id, after).version == later.version  # type: ignore[union-attr]
        first = versions[0].valid_from
        assert library.version_at(policy_id, first - timedelta(days=1)) is None


def test_parameters_change_over_on_their_dates() -> None:
    library = load_library()
    changes = 0
    for policy_id in library.policy_ids():
        for info in library.get(policy_id).versions:
            policy = library.version(policy_id, info.version)
            for name, parameter in info.spec.parameters.items():
                for previous, entry in zip(parameter.values, parameter.values[1:], strict=False):
                    before = entry.valid_from - timedelta(days=1)
                    if not policy.covers(entry.valid_from) or not policy.covers(before):
                        continue
                    assert policy.params_at(before)[name] == previous.value
                    assert policy.params_at(entry.valid_from)[name] == entry.value
                    changes += 1
    assert changes >= 10
