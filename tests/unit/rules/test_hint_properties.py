"""Property (issue 13): every hint, applied, changes the result of the criterion it names.

Random valid fact sets are drawn from the vocabulary (every fact, a few left unknown) and from
the YAML cases with a few facts redrawn (near the thresholds, where hints are found). For every
policy and every hint of the result:

- a value hint's option (the hints sharing its ``option``, needed together) is applied: its
  condition's result changes, and the result becomes the ``result_status`` the hint announced;
- an ``eligible_from`` hint is applied by moving ``as_of`` to its date with the counters
  advanced as time passes: the result is eligible then.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules import FactsValidationError, load_library
from app.rules.facts import FACTS, INPUT_FACTS, advance, require_valid
from app.rules.results import Hint, PolicyResult
from app.rules.testing import read_test_files
from app.rules.timeutil import whole_months

DAYS = [date(2022, 12, 1), date(2024, 6, 30), date(2026, 11, 22)]
_CASES = [
    (file.facts_of(case), file.as_of_of(case))
    for file in read_test_files()
    for case in file.cases
    if case.lapsing_month is None
]


def _value(name: str, as_of: date) -> st.SearchStrategy[Any]:
    spec = FACTS[name]
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "int":
        low = int(spec.minimum) if spec.minimum is not None else 0
        # A year (tax_year, from 2019) has its own range: a hundred values above its minimum.
        high = min(int(spec.maximum) if spec.maximum is not None else 1000, max(1000, low + 100))
        return st.integers(low, high)
    if spec.type == "number":
        high = min(spec.maximum if spec.maximum is not None else 2_000_000.0, 2_000_000.0)
        thresholds = [v for v in (0.8, 1.0, 1.5, 2.0, 3.0, 7.0, 15.0, 300_000.0) if v <= high]
        return st.floats(spec.minimum or 0.0, high, allow_nan=False) | st.sampled_from(thresholds)
    if spec.type == "date":
        if name == "birth_date":
            return st.dates(as_of - timedelta(days=23_000), as_of - timedelta(days=6_600))
        if name == "contract_end_date":
            return st.dates(as_of - timedelta(days=200), as_of + timedelta(days=1_500))
        return st.dates(as_of - timedelta(days=3_000), as_of)
    if spec.type == "enum":
        return st.sampled_from(spec.codes)
    if spec.type == "list":
        return st.lists(st.sampled_from(spec.codes), max_size=2)
    if spec.type == "country":
        return st.sampled_from(["CN", "US", "GB", "HK"])
    return st.sampled_from(["复旦大学", "Peking University", "MIT"])


@st.composite
def _applicant(draw: st.DrawFn) -> tuple[dict[str, Any], date]:
    if draw(st.booleans()):
        facts, as_of = draw(st.sampled_from(_CASES))
        facts = dict(facts)
        for name in draw(st.lists(st.sampled_from(INPUT_FACTS), max_size=3, unique=True)):
            facts[name] = draw(_value(name, as_of))
        return facts, as_of
    as_of = draw(st.sampled_from(DAYS))
    unknown = set(draw(st.lists(st.sampled_from(INPUT_FACTS), max_size=4, unique=True)))
    facts = {name: draw(_value(name, as_of)) for name in INPUT_FACTS if name not in unknown}
    return facts, as_of


def _apply(facts: dict[str, Any], hints: list[Hint]) -> dict[str, Any]:
    changed = dict(facts)
    for hint in hints:
        assert hint.fact is not None
        if hint.kind == "numeric_gap":
            changed[hint.fact] = hint.to
        elif FACTS[hint.fact].type == "list":
            changed[hint.fact] = sorted({*(changed.get(hint.fact) or ()), hint.to[0]})
        else:
            changed[hint.fact] = hint.to[0]
    return changed


def _results(result: PolicyResult) -> dict[str, str]:
    return {criterion.id: criterion.result for criterion in result.criteria}


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_applicant())
def test_every_hint_applied_changes_its_criterion(applicant: tuple[dict[str, Any], date]) -> None:
    facts, as_of = applicant
    library = load_library()
    try:
        entered = require_valid(facts)
        results = library.evaluate(facts, as_of, lang="en")
    except FactsValidationError:
        return  # a combination the engine refuses (422): nothing to hint
    for result in results:
        before = _results(result)
        options: dict[int, list[Hint]] = {}
        for hint in result.hints:
            options.setdefault(hint.option, []).append(hint)
        for option in options.values():
            first = option[0]
            if first.kind == "eligible_from":
                assert first.date is not None
                later = advance(entered, whole_months(as_of, first.date))
                (after,) = library.evaluate(later, first.date, [result.policy_id])
                assert after.status == "eligible", (result.policy_id, first.message)
                continue
            (after,) = library.evaluate(_apply(facts, option), as_of, [result.policy_id])
            assert after.status == first.result_status, (result.policy_id, option)
            now = _results(after)
            for hint in option:
                assert hint.condition_id is not None
                assert now[hint.condition_id] != before[hint.condition_id], (
                    result.policy_id,
                    hint.message,
                )
