"""The policy calculator reads a signed-in applicant's verified memberships beside their answers
(never carrying them in the page's answers), and never asks for them."""

from __future__ import annotations

from app.services.eligibility.calculator import step

ANSWERS = {
    "employer_district": "yangpu",
    "talent_programs": ["district_outstanding"],
    "professional_title": "none",
}


def _card(view: object, group: str) -> bool:
    return any(r["policy_id"] == "yangpu.service_card" for r in getattr(view, group))


def test_a_declared_membership_alone_does_not_make_the_card_eligible() -> None:
    view = step(dict(ANSWERS), "yangpu", "en")
    assert not _card(view, "eligible")
    assert all(q.fact != "verified_talent_programs" for q in view.questions)


def test_the_register_s_membership_does_and_stays_out_of_the_answers() -> None:
    vouched = {"verified_talent_programs": ["district_outstanding"]}
    view = step(dict(ANSWERS), "yangpu", "en", vouched=vouched)
    assert _card(view, "eligible")
    assert "verified_talent_programs" not in view.facts
    assert "verified_talent_programs" not in view.known_json
