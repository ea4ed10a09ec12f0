"""The onboarding bundle's steps: plan, order through the settlement engine, the permit class."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import load_library
from app.workflow.onboarding import (
    NOT_FOREIGN,
    STEPS,
    WORK_PERMIT_POLICY,
    PermitClass,
    StepKind,
    StepOwner,
    StepStatus,
    checklist_status,
    is_citizen,
    permit_class,
    plan,
    progress,
    step_status_of_case,
)
from app.workflow.states import CaseStatus

St = StepStatus
ALL = plan(children=1, housing_offered=True)


def test_the_plan_follows_the_household_and_the_housing_verdict() -> None:
    assert [s.code for s in ALL] == [s.code for s in STEPS]
    bare = plan(children=0, housing_offered=False)
    assert [s.code for s in bare] == [
        "work_permit_precheck",
        "work_permit_handoff",
        "residence_permit",
        "bank_social_insurance",
        "medical_insurance",
    ]


def test_every_step_has_an_owner_a_kind_and_its_dependencies_before_it() -> None:
    seen: set[str] = set()
    for step in STEPS:
        assert set(step.depends_on) <= seen, step.code
        seen.add(step.code)
        if step.kind is StepKind.SUB_CASE:
            assert step.owner is StepOwner.DISTRICT and step.service
        if step.kind is StepKind.CHECKLIST:
            assert step.owner is StepOwner.PERSON and step.checklist
        if step.owner is not StepOwner.PORTAL:
            assert step.bring, step.code
    assert next(s for s in STEPS if s.kind is StepKind.RECORD).owner is StepOwner.EMPLOYER


def test_a_fresh_bundle_has_only_the_pre_check_open() -> None:
    p = progress(ALL, {})
    assert p.statuses["work_permit_precheck"] is St.OPEN
    assert all(s is St.LOCKED for c, s in p.statuses.items() if c != "work_permit_precheck")
    assert p.release == () and p.cancel == () and not p.complete


def test_the_recorded_hand_off_releases_the_residence_permit_sub_case() -> None:
    own = {
        "work_permit_precheck": St.DONE,
        "work_permit_handoff": St.DONE,
        "residence_permit": St.LOCKED,
        "housing": St.LOCKED,
        "schooling": St.LOCKED,
    }
    p = progress(ALL, own)
    assert p.release == ("residence_permit",)
    assert p.statuses["bank_social_insurance"] is St.LOCKED
    # Once the entry-exit office approves, the district's later steps start together.
    p = progress(ALL, {**own, "residence_permit": St.DONE})
    assert set(p.release) == {"housing", "schooling"}
    assert p.statuses["bank_social_insurance"] is St.OPEN
    assert p.statuses["medical_insurance"] is St.LOCKED


def test_a_refused_work_permit_cancels_the_district_steps_and_fails_the_bundle() -> None:
    own = {"work_permit_precheck": St.DONE, "work_permit_handoff": St.FAILED}
    p = progress(ALL, own)
    assert p.cancel == ("residence_permit",)
    assert p.statuses["medical_insurance"] is St.CANCELLED
    assert p.failed_step == "work_permit_handoff" and not p.complete
    # A sub-case already open when its dependency fails is cancelled too.
    p = progress(ALL, {**own, "residence_permit": St.OPEN})
    assert p.cancel == ("residence_permit",)
    assert p.statuses["residence_permit"] is St.CANCELLED


def test_checklists_are_done_when_every_item_is_ticked() -> None:
    step = next(s for s in ALL if s.code == "bank_social_insurance")
    assert checklist_status(step, frozenset({"bank_account_opened"})) is St.OPEN
    ticked = frozenset({"bank_account_opened", "social_insurance_registered"})
    assert checklist_status(step, ticked) is St.DONE


def test_the_bundle_completes_when_every_step_is_done_and_survives_a_refused_apartment() -> None:
    own = {s.code: St.DONE for s in ALL}
    assert progress(ALL, own).complete
    p = progress(ALL, {**own, "housing": St.FAILED})
    assert p.complete and p.failed_step is None
    assert not progress(ALL, {**own, "medical_insurance": St.OPEN}).complete


def test_a_sub_case_status_as_its_step_shows_it() -> None:
    assert step_status_of_case(CaseStatus.WAITING) is St.LOCKED
    assert step_status_of_case(CaseStatus.ACCEPTED) is St.OPEN
    assert step_status_of_case(CaseStatus.APPROVED) is St.DONE
    assert step_status_of_case(CaseStatus.REJECTED) is St.FAILED
    assert step_status_of_case(CaseStatus.CANCELLED) is St.CANCELLED


@pytest.mark.parametrize("nationality", ["CN", "cn", "HK", "MO", "TW"])
def test_citizens_and_residents_of_hong_kong_macao_taiwan_are_not_foreigners(
    nationality: str,
) -> None:
    assert is_citizen(nationality)


def test_a_foreign_national_may_start() -> None:
    assert not is_citizen("DE")
    assert not is_citizen(None)  # asked on the form; the rule decides then


def test_the_citizen_codes_are_the_rules_parameter() -> None:
    version = load_library().version_at(WORK_PERMIT_POLICY, date(2026, 12, 7))
    assert version is not None
    assert set(version.params_at(date(2026, 12, 7))["not_foreign_codes"]) == NOT_FOREIGN


def test_the_class_from_the_rules_result() -> None:
    assert permit_class("eligible", "A") is PermitClass.A
    assert permit_class("eligible", "B") is PermitClass.B
    assert permit_class("ineligible", None) is PermitClass.C
    assert permit_class("unknown", None) is None
