"""The programme rounds' pure rules: the scoring sheet's checks and arithmetic, the ranking's
tie rules in their documented order, and the public notice's masking of names."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from app.workflow.programmes import (
    Criterion,
    Scored,
    mask_name,
    rank,
    score_problems,
    sheet_problems,
    weighted_total,
)

SHEET = [Criterion("work", "业绩", "Work", 60, 10), Criterion("future", "潜力", "Future", 40, 5)]
EARLY = datetime(2026, 12, 1, tzinfo=UTC)
LATE = datetime(2026, 12, 2, tzinfo=UTC)


def scored(
    nid: str, totals: tuple[str, ...], heaviest: tuple[int, ...], at: datetime = EARLY
) -> Scored:
    return Scored(nid, at, tuple(Decimal(t) for t in totals), heaviest)


class TestSheet:
    def test_weights_must_add_up_to_100_with_distinct_codes(self) -> None:
        assert sheet_problems(SHEET) == []
        assert sheet_problems([]) == ["empty"]
        assert "weights" in sheet_problems([Criterion("a", "甲", "A", 50, 10)])
        assert "duplicate_code" in sheet_problems([SHEET[0], SHEET[0]])

    def test_points_are_whole_within_range_and_complete_when_submitted(self) -> None:
        assert score_problems(SHEET, {"work": 10, "future": 0}, final=True) == {}
        assert score_problems(SHEET, {"work": 7}, final=False) == {}
        assert score_problems(SHEET, {"work": 7}, final=True) == {"future": "missing"}
        assert score_problems(SHEET, {"work": 11, "future": 2}, final=True) == {"work": "range"}
        assert score_problems(SHEET, {"work": "7", "future": True}, final=True) == {
            "work": "not_whole",
            "future": "not_whole",
        }
        assert score_problems(SHEET, {"other": 1}, final=False) == {"other": "unknown"}

    def test_the_total_is_each_criterions_share_of_its_weight(self) -> None:
        assert weighted_total(SHEET, {"work": 10, "future": 5}) == Decimal("100.00")
        assert weighted_total(SHEET, {"work": 5, "future": 1}) == Decimal("38.00")


class TestRanking:
    def test_higher_mean_total_first(self) -> None:
        ranked = rank([scored("b", ("70", "80"), (7, 8)), scored("a", ("90", "80"), (9, 8))])
        assert [(r.nomination_id, r.rank, r.total, r.tie_rule) for r in ranked] == [
            ("a", 1, Decimal("85.00"), None),
            ("b", 2, Decimal("75.00"), None),
        ]

    def test_ties_split_by_heaviest_criterion_then_spread_then_filing(self) -> None:
        ranked = rank(
            [
                scored("late", ("80", "80"), (8, 8), LATE),
                scored("divided", ("70", "90"), (8, 8)),
                scored("heavy", ("80", "80"), (9, 9)),
                scored("early", ("80", "80"), (8, 8), EARLY),
            ]
        )
        assert [r.nomination_id for r in ranked] == ["heavy", "early", "late", "divided"]
        assert [r.tie_rule for r in ranked] == [
            None,
            "heaviest_criterion",
            "filed_earlier",
            "spread",
        ]

    def test_a_nomination_without_a_submitted_score_is_not_ranked(self) -> None:
        assert rank([scored("none", (), ())]) == []


class TestMasking:
    def test_names_keep_the_family_name_and_the_last_character(self) -> None:
        assert mask_name("张三丰") == "张*丰"
        assert mask_name("李四") == "李*"
        assert mask_name("欧阳娜娜") == "欧**娜"
        assert mask_name("Anna Schmidt") == "A*** S******"
