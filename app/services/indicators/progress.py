"""Where an indicator stands: a straight line from the starting point to the target.

Pure arithmetic on figures already read. The starting point is the plan's 2020 baseline, or,
where the plan gives none, the earliest figure on record. For a year the line puts the expected
figure at ``start + (target - start) * (year - start_year) / (target_year - start_year)``
(after the target year, the target). The share of the expected change that the latest figure has
made decides the rating; the page states the thresholds from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.workflow.indicators import Progress

ON_TRACK_AT = 0.95  # at least 95% of the change expected by that year
AT_RISK_AT = 0.80  # 80% up to 95%; below 80% the indicator is behind


@dataclass(frozen=True, slots=True)
class Standing:
    progress: Progress
    expected: float | None  # on the line, for the latest figure's year
    share_of_target: float | None  # 0..1: how far from the starting point to the target
    start: float | None
    start_year: int | None
    start_from_record: bool  # no baseline in the plan: the earliest figure is the start


def expected_at(start: float, start_year: int, target: float, target_year: int, year: int) -> float:
    if year >= target_year:
        return target
    if year <= start_year:
        return start
    return start + (target - start) * (year - start_year) / (target_year - start_year)


def rate(made: float, expected_change: float) -> Progress:
    """The rating of a change ``made`` against the change expected by then."""
    if expected_change == 0:
        return Progress.ON_TRACK if made >= 0 else Progress.BEHIND
    share = made / expected_change
    if share >= ON_TRACK_AT:
        return Progress.ON_TRACK
    if share >= AT_RISK_AT:
        return Progress.AT_RISK
    return Progress.BEHIND


def standing(
    *,
    baseline: float | None,
    baseline_year: int,
    target: float,
    target_year: int,
    series: list[tuple[int, float]],
) -> Standing:
    """``series``: the yearly figures on record, (year, value), in any order."""
    ordered = sorted(series)
    start: float | None = baseline
    start_year: int | None = baseline_year if baseline is not None else None
    from_record = False
    if start is None and ordered:
        start_year, start = ordered[0]
        from_record = True
    if start is None or start_year is None:
        return Standing(Progress.NOT_ASSESSED, None, None, None, None, False)
    share = None
    if target != start:
        latest_value = ordered[-1][1] if ordered else start
        share = max(0.0, min(1.0, (latest_value - start) / (target - start)))
    if not ordered or ordered[-1][0] <= start_year:
        return Standing(Progress.NOT_ASSESSED, None, share, start, start_year, from_record)
    year, value = ordered[-1]
    expected = expected_at(start, start_year, target, target_year, year)
    progress = rate(value - start, expected - start)
    return Standing(progress, expected, share, start, start_year, from_record)
