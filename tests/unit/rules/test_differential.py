"""The vectorised batch path must give what the single path gives, profile by profile."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules import BatchValidationError, load_library, validate_facts
from app.rules.facts import FACTS, INPUT_FACTS
from app.rules.samples import consistent, random_profile
from app.rules.testing import read_test_files

AS_OF = date(2026, 11, 22)


def _value(name: str) -> st.SearchStrategy[Any]:
    spec = FACTS[name]
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "int":
        low = int(spec.minimum) if spec.minimum is not None else -5
        high = int(spec.maximum) if spec.maximum is not None else 1000
        return st.integers(low, high)
    if spec.type == "number":
        high = spec.maximum if spec.maximum is not None else 2_000_000.0
        thresholds = [v for v in (0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 15.0) if v <= high]
        return st.floats(spec.minimum or 0.0, high, allow_nan=False) | st.sampled_from(thresholds)
    if spec.type == "date":
        return st.dates(AS_OF - timedelta(days=25000), AS_OF + timedelta(days=2000)).map(
            date.isoformat
        )
    if spec.type in ("enum",):
        return st.sampled_from(spec.codes)
    if spec.type == "list":
        return st.lists(st.sampled_from(spec.codes), max_size=3)
    if spec.type == "country":
        return st.sampled_from(["CN", "US", "GB", "jp"])
    return st.sampled_from(["复旦大学", "Peking University", "MIT", ""])


PROFILE = st.fixed_dictionaries(
    {}, optional={name: st.none() | _value(name) for name in INPUT_FACTS}
)


def _compare(profiles: list[dict[str, Any]], as_of: date) -> None:
    library = load_library()
    batch = library.evaluate_batch(profiles, as_of)
    for index, profile in enumerate(profiles):
        row = batch.row(index)
        single = library.evaluate(profile, as_of)
        assert set(row) == {r.policy_id for r in single}
        for result in single:
            assert row[result.policy_id] == {
                "status": result.status,
                "outputs": result.model_dump(mode="json")["outputs"],
            }, (index, result.policy_id)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(PROFILE, min_size=1, max_size=8),
    st.sampled_from([AS_OF, date(2022, 7, 1), date(2023, 6, 30), date(2025, 11, 30)]),
)
def test_batch_equals_single_on_random_profiles(
    profiles: list[dict[str, Any]], as_of: date
) -> None:
    # Both paths refuse contradictory profiles alike (test_batch_refuses_what_validation_refuses);
    # the decisions are compared on profiles both accept.
    _compare([consistent(profile, as_of) for profile in profiles], as_of)


def test_batch_equals_single_on_sampled_profiles() -> None:
    rng = random.Random(3)
    _compare([random_profile(rng, AS_OF) for _ in range(300)], AS_OF)


def test_batch_equals_single_on_every_fixture() -> None:
    by_date: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for file in read_test_files():
        for case in file.cases:
            by_date[file.as_of_of(case)].append(file.facts_of(case))
    for as_of, profiles in by_date.items():
        _compare(profiles, as_of)


def test_batch_refuses_what_validation_refuses() -> None:
    profiles: list[dict[str, Any]] = [
        {"hukou": "other"},
        {"hukou": "mars", "age": 3},
        {"social_insurance_months": "12"},
        {"birth_date": "1990-02-30"},
    ]
    with pytest.raises(BatchValidationError) as raised:
        load_library().evaluate_batch(profiles, AS_OF)
    assert sorted(raised.value.errors) == [1]
    for index in (2, 3):
        with pytest.raises(BatchValidationError) as raised:
            load_library().evaluate_batch([profiles[0], profiles[index]], AS_OF)
        assert list(raised.value.errors) == [1]
        assert raised.value.errors[1] == validate_facts(profiles[index]).errors


def test_batch_reports_counts_and_versions() -> None:
    rng = random.Random(5)
    batch = load_library().evaluate_batch(
        [random_profile(rng, AS_OF) for _ in range(50)], AS_OF, district="changning"
    )
    assert batch.size == 50
    assert batch.versions["shanghai.talent_introduction"] == "2025-12-01"
    assert not any(pid.startswith("yangpu.") for pid in batch.statuses)
    assert sum(batch.counts("national.foreign_work_permit").values()) == 50
