"""初到杨浦 / 虹桥: the onboarding bundle of a newly arriving foreign professional, as steps.

The bundle reuses the settlement bundle's engine (``app.workflow.bundle.moves`` and ``outcome``)
with its own table of steps. Unlike the settlement's parts, not every step is a case: the
work-permit pre-check is the portal's own (the points rule), the hand-off to the national
work-permit system is the employer's (the portal records its number and outcome, it files
nothing), the bank and insurance steps are done elsewhere and ticked off by the person; only the
district's steps (residence permit, housing) are sub-cases; the schooling step is the
schooling consultation the person requests, linked to the bundle. Each step's own state is
mapped onto a case status so that the one engine decides what may start, what is cancelled
behind a failure and when the bundle is complete. Pure: no clock, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_
from app.workflow.bundle import moves, outcome
from app.workflow.states import CaseAction, CaseStatus

S = CaseStatus

# The catalog code of the bundle service (both districts).
ONBOARDING_SERVICE = "foreign_talent_onboarding"
# The policy of the pre-check: the national points standard (class A/B; C otherwise).
WORK_PERMIT_POLICY = "national.foreign_work_permit"
# Nationalities (ISO 3166-1 alpha-2) that are not foreigners: the rule's parameter
# ``not_foreign_codes`` (a unit test keeps the two equal).
NOT_FOREIGN: frozenset[str] = frozenset({"CN", "HK", "MO", "TW"})


class StepOwner(StrEnum):
    PORTAL = "portal"  # the portal works it out from the form
    EMPLOYER = "employer"
    DISTRICT = "district"
    PERSON = "person"


class StepKind(StrEnum):
    PRECHECK = "precheck"  # the points rule on the bundle's form
    RECORD = "record"  # an outside filing whose number and outcome the portal records
    SUB_CASE = "sub_case"  # a case of a district department, child of the bundle
    CHECKLIST = "checklist"  # done elsewhere; the person ticks each item
    # A case of a service of its own (the schooling consultation) the person requests from
    # the step; the bundle links it and follows its status instead of making a sub-case.
    LINKED = "linked"


class StepStatus(StrEnum):
    LOCKED = "locked"  # a step before it is not done yet
    OPEN = "open"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # a step it depends on failed


STEP_STATUS_LABELS: dict[StepStatus, str] = {
    StepStatus.LOCKED: N_("Waiting for an earlier step"),
    StepStatus.OPEN: N_("To do"),
    StepStatus.DONE: N_("Done"),
    StepStatus.FAILED: N_("Not successful"),
    StepStatus.CANCELLED: N_("Cancelled: an earlier step did not succeed"),
}
OWNER_LABELS: dict[StepOwner, str] = {
    StepOwner.PORTAL: N_("The portal (automatic check)"),
    StepOwner.EMPLOYER: N_("Your employer"),
    StepOwner.DISTRICT: N_("The district"),
    StepOwner.PERSON: N_("You"),
}


@dataclass(frozen=True, slots=True)
class OnboardingStep:
    code: str
    owner: StepOwner
    kind: StepKind
    title: str  # msgid
    bring: tuple[str, ...] = ()  # msgids: what the person must bring or have ready
    checklist: tuple[str, ...] = ()  # codes of the items a CHECKLIST step ticks
    service: str | None = None  # the catalog code of a SUB_CASE step's case
    depends_on: tuple[str, ...] = ()
    # A core step failing fails the bundle (no work permit, no residence permit).
    core: bool = False
    # The person books an appointment for the sub-case at a service point offering its service.
    by_appointment: bool = False


STEPS: tuple[OnboardingStep, ...] = (
    OnboardingStep(
        "work_permit_precheck",
        StepOwner.PORTAL,
        StepKind.PRECHECK,
        N_("Work-permit pre-check (class A, B or C)"),
        core=True,
    ),
    OnboardingStep(
        "work_permit_handoff",
        StepOwner.EMPLOYER,
        StepKind.RECORD,
        N_("Work permit: the employer's application in the national system"),
        bring=(
            N_("Passport"),
            N_("Highest degree certificate, authenticated"),
            N_("Certificate of no criminal record, authenticated"),
            N_("Employment contract or letter of appointment"),
        ),
        depends_on=("work_permit_precheck",),
        core=True,
    ),
    OnboardingStep(
        "residence_permit",
        StepOwner.DISTRICT,
        StepKind.SUB_CASE,
        N_("Residence permit for work (entry-exit office)"),
        bring=(
            N_("Passport with its work (Z) visa"),
            N_("Work permit notice or card"),
            N_("Recent passport photo"),
            N_("Health examination certificate"),
            N_("Registration of temporary residence"),
        ),
        service="onboarding_residence_permit",
        depends_on=("work_permit_handoff",),
        core=True,
        by_appointment=True,
    ),
    OnboardingStep(
        "housing",
        StepOwner.DISTRICT,
        StepKind.SUB_CASE,
        N_("Housing: talent apartment or rent subsidy"),
        bring=(N_("Passport"), N_("Residence permit"), N_("Employment contract")),
        service="onboarding_housing",
        depends_on=("residence_permit",),
    ),
    OnboardingStep(
        "schooling",
        StepOwner.DISTRICT,
        StepKind.LINKED,
        N_("Children's schooling consultation"),
        bring=(
            N_("Each child's passport"),
            N_("Each child's vaccination record"),
            N_("Each child's latest school report"),
        ),
        service="schooling_consultation",
        depends_on=("residence_permit",),
    ),
    OnboardingStep(
        "bank_social_insurance",
        StepOwner.PERSON,
        StepKind.CHECKLIST,
        N_("Bank account and social insurance registration"),
        bring=(N_("Passport"), N_("Residence permit"), N_("Phone number in China")),
        checklist=("bank_account_opened", "social_insurance_registered"),
        depends_on=("residence_permit",),
    ),
    OnboardingStep(
        "medical_insurance",
        StepOwner.PERSON,
        StepKind.CHECKLIST,
        N_("Medical insurance"),
        bring=(N_("Social security card"),),
        checklist=("medical_insurance_confirmed",),
        depends_on=("bank_social_insurance",),
    ),
)
STEP_BY_CODE: dict[str, OnboardingStep] = {s.code: s for s in STEPS}

CHECKLIST_LABELS: dict[str, str] = {
    "bank_account_opened": N_("I have opened a bank account in China"),
    "social_insurance_registered": N_("My employer has registered me for social insurance"),
    "medical_insurance_confirmed": N_("My basic medical insurance is active"),
}

# What the bundle's one form asks besides the pre-check's facts; no step asks any of it again.
FORM_FIELDS: tuple[str, ...] = ("children_count", "wants_housing_help")
SUB_CASE_STEPS: dict[str, OnboardingStep] = {
    s.service: s for s in STEPS if s.kind is StepKind.SUB_CASE and s.service
}


class HandoffOutcome(StrEnum):
    """The employer's application in the national work-permit system, as the portal records
    it: filed (its number known, the decision awaited), granted or refused."""

    FILED = "filed"
    GRANTED = "granted"
    REFUSED = "refused"


HANDOFF_LABELS: dict[HandoffOutcome, str] = {
    HandoffOutcome.FILED: N_("Filed, decision awaited"),
    HandoffOutcome.GRANTED: N_("Work permit granted"),
    HandoffOutcome.REFUSED: N_("Work permit refused"),
}
HANDOFF_STEP_STATUS: dict[HandoffOutcome, StepStatus] = {
    HandoffOutcome.FILED: StepStatus.OPEN,
    HandoffOutcome.GRANTED: StepStatus.DONE,
    HandoffOutcome.REFUSED: StepStatus.FAILED,
}


def plan(*, children: int, housing_offered: bool) -> tuple[OnboardingStep, ...]:
    """The steps this person's bundle needs, in dependency order: housing only where the rules
    leave the person eligible for a talent apartment or a rent subsidy and they asked for help,
    schooling only with children."""
    wanted = []
    for step in STEPS:
        if step.code == "housing" and not housing_offered:
            continue
        if step.code == "schooling" and children <= 0:
            continue
        wanted.append(step)
    return tuple(wanted)


class HousingRoute(StrEnum):
    """The housing office's decision on the housing step: a talent apartment offered from the
    waiting list (the step is done when the person accepts it), or the rent subsidy where no
    apartment is available or the person qualifies only for the subsidy (done with it)."""

    APARTMENT = "apartment"
    RENT_SUBSIDY = "rent_subsidy"


HOUSING_ROUTE_LABELS: dict[HousingRoute, str] = {
    HousingRoute.APARTMENT: N_("A talent apartment is offered to you"),
    # The step's decision points to the subsidy; the subsidy itself is its own application
    # (the lease and the rent are not asked on the bundle), paid monthly once approved.
    HousingRoute.RENT_SUBSIDY: N_(
        "No talent apartment is available for you: the housing office points you to the rent "
        "subsidy for talent instead. Apply for it with your lease; once approved it is paid "
        "monthly into your bank account."
    ),
}


def housing_step_status(
    route: HousingRoute | None, case_status: StepStatus, housed: bool, declined_out: bool = False
) -> StepStatus:
    """The housing step as the person reads it: the sub-case's decision is not the end of an
    apartment offer, which is done once the person accepted it (the lease is theirs), or once
    they declined as many offers as the district's rules allow (``declined_out``: no further
    unit is offered, and the bundle goes on without one rather than waiting for ever)."""
    if case_status is StepStatus.DONE and route is HousingRoute.APARTMENT:
        return StepStatus.DONE if housed or declined_out else StepStatus.OPEN
    return case_status


# --- The work-permit class ---------------------------------------------------------------------


class PermitClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


CLASS_MEANINGS: dict[PermitClass, str] = {
    PermitClass.A: N_(
        "Class A: foreign high-end talent. The work permit is processed with the fewest "
        "requirements and the district's talent services are open to you."
    ),
    PermitClass.B: N_(
        "Class B: foreign professionals. A work permit can be applied for in the ordinary way."
    ),
    PermitClass.C: N_(
        "Class C: other foreign workers, who meet neither class A nor class B. Their work "
        "permits are limited by national quotas and the needs of the labour market, so the "
        "employer's application may not succeed."
    ),
}
# The class B criteria as the standard words them (age 60 or under and any one of them).
CLASS_B_ROUTES: tuple[str, ...] = (
    N_("a bachelor's degree or higher and 2 years of relevant work experience"),
    N_("an annual salary of at least 4 times the local average wage"),
    N_("60 points or more on the points table"),
)


def permit_class(status: str, outputs_class: str | None) -> PermitClass | None:
    """The class from the rule's result: its class output when eligible (A or B); a foreign
    national meeting neither is class C; None while facts are missing (``unknown``)."""
    if status == "eligible" and outputs_class in (PermitClass.A, PermitClass.B):
        return PermitClass(outputs_class)
    if status == "ineligible":
        return PermitClass.C
    return None


# Why a PRC citizen (or a Hong Kong, Macao or Taiwan resident) cannot start the bundle.
CITIZEN_REFUSAL = N_(
    "This onboarding service is for foreign nationals coming to work in China. PRC "
    "citizens, and residents of Hong Kong, Macao and Taiwan, need no foreigner's work "
    "permit or residence permit for work; please use the talent services for citizens "
    "instead, such as the talent settlement bundle."
)


def is_citizen(nationality: str | None) -> bool:
    """Not a foreign national: the bundle is not theirs (unknown until the form says)."""
    return nationality is not None and nationality.upper() in NOT_FOREIGN


# --- Progress ----------------------------------------------------------------------------------

# A step's own state as the engine reads it: done is an approval that stands, failed a refusal.
_AS_CASE: dict[StepStatus, CaseStatus] = {
    StepStatus.LOCKED: S.WAITING,
    StepStatus.OPEN: S.IN_REVIEW,
    StepStatus.DONE: S.APPROVED,
    StepStatus.FAILED: S.REJECTED,
    StepStatus.CANCELLED: S.CANCELLED,
}
_NOT_STARTED: dict[StepKind, StepStatus] = {
    StepKind.PRECHECK: StepStatus.OPEN,
    StepKind.RECORD: StepStatus.OPEN,
    StepKind.SUB_CASE: StepStatus.LOCKED,
    StepKind.CHECKLIST: StepStatus.OPEN,
    StepKind.LINKED: StepStatus.OPEN,
}
_DONE_CASE: frozenset[CaseStatus] = S.APPROVAL_STANDS
_FAILED_CASE: frozenset[CaseStatus] = S.FINAL - S.APPROVAL_STANDS


def step_status_of_case(status: CaseStatus) -> StepStatus:
    """A sub-case's status as its step shows it."""
    if status is S.WAITING:
        return StepStatus.LOCKED
    if status in _DONE_CASE:
        return StepStatus.DONE
    if status is S.CANCELLED:
        return StepStatus.CANCELLED
    if status in _FAILED_CASE:
        return StepStatus.FAILED
    return StepStatus.OPEN


def checklist_status(step: OnboardingStep, ticked: frozenset[str]) -> StepStatus:
    return StepStatus.DONE if set(step.checklist) <= ticked else StepStatus.OPEN


@dataclass(frozen=True, slots=True)
class Progress:
    statuses: dict[str, StepStatus]  # every planned step, in plan order
    release: tuple[str, ...]  # sub-cases that may start now
    cancel: tuple[str, ...]  # open sub-cases behind a failed step
    complete: bool
    failed_step: str | None


def progress(planned: tuple[OnboardingStep, ...], own: Mapping[str, StepStatus]) -> Progress:
    """Every step's status from each step's own state (``own``: what the step itself says;
    a step with no state yet is open, except a sub-case, which waits until it is released),
    through the settlement bundle's engine: a step whose dependencies are not all done is
    locked, one behind a failed step is cancelled."""
    table = {s.code: s for s in planned}
    raw = {s.code: own.get(s.code, _NOT_STARTED[s.kind]) for s in planned}
    shown: dict[str, StepStatus] = {}
    for step in planned:  # dependency order: a step's dependencies are already shown
        state = raw[step.code]
        deps = [shown[d] for d in step.depends_on if d in shown]
        if any(d in (StepStatus.FAILED, StepStatus.CANCELLED) for d in deps):
            state = StepStatus.CANCELLED if state is not StepStatus.DONE else state
        elif state is StepStatus.OPEN and any(d is not StepStatus.DONE for d in deps):
            state = StepStatus.LOCKED
        shown[step.code] = state
    as_case = {code: _AS_CASE[state] for code, state in shown.items()}
    # The engine's moves over the sub-cases' real states: a waiting one released once every
    # dependency is done, an open one cancelled behind a failure.
    engine_view = {
        code: (_AS_CASE[raw[code]] if table[code].kind is StepKind.SUB_CASE else as_case[code])
        for code in raw
    }
    todo = moves(engine_view, table)
    release = tuple(m.part for m in todo if m.action is CaseAction.RELEASE)
    cancel = tuple(
        m.part
        for m in todo
        if m.action is CaseAction.CANCEL and table[m.part].kind is StepKind.SUB_CASE
    )
    ended = outcome(as_case, table)
    return Progress(
        statuses=shown,
        release=release,
        cancel=cancel,
        complete=ended is not None and ended.action is CaseAction.COMPLETE_PARTS,
        failed_step=ended.failed_part if ended is not None else None,
    )
