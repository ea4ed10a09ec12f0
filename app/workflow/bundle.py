"""人才落户一件事: the parts of a settlement bundle, their order, and what the parent does next.

One submitted bundle is a parent case with one child case (a "part") per department step. This
module decides, from the parts' statuses alone, which waiting part may start, which must be
cancelled because a step before it failed, and whether the parent is finished or failed. It
reads no clock and no database: the service layer applies the answers through the ordinary
workflow (``transitions.apply``) so every move is an event with a version check.

A part is a case: its statuses are ``CaseStatus`` and its moves the case table narrowed to what
a part can do (``PART_TRANSITIONS``); ``check_part_action`` refuses the actions that belong to
the bundle, and ``transitions.apply`` does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from app.i18n import N_
from app.workflow.calendar import WorkCalendar
from app.workflow.errors import NotOnBundlePart
from app.workflow.states import CaseAction, CaseStatus
from app.workflow.transitions import TRANSITIONS

S = CaseStatus
A = CaseAction

# The catalog code of the bundle service.
BUNDLE_SERVICE = "settlement_bundle"


class SettlementRoute(StrEnum):
    """The four routes to a Shanghai hukou and the policy that decides each."""

    TALENT_INTRODUCTION = "talent_introduction"
    RETURNEE = "returnee"
    FRESH_GRADUATE = "fresh_graduate"
    RESIDENCE_PERMIT = "residence_permit_conversion"


ROUTE_POLICIES: dict[SettlementRoute, str] = {
    SettlementRoute.TALENT_INTRODUCTION: "shanghai.talent_introduction",
    SettlementRoute.RETURNEE: "shanghai.returnee_settlement",
    SettlementRoute.FRESH_GRADUATE: "shanghai.graduate_settlement",
    SettlementRoute.RESIDENCE_PERMIT: "shanghai.residence_to_hukou",
}
# The single-route services of the catalog: their materials are the route's materials.
ROUTE_SERVICES: dict[SettlementRoute, str] = {
    SettlementRoute.TALENT_INTRODUCTION: "talent_introduction",
    SettlementRoute.RETURNEE: "returnee_settlement",
    SettlementRoute.FRESH_GRADUATE: "graduate_settlement",
    SettlementRoute.RESIDENCE_PERMIT: "residence_to_hukou",
}
ROUTE_LABELS: dict[SettlementRoute, str] = {
    SettlementRoute.TALENT_INTRODUCTION: N_("Talent introduction"),
    SettlementRoute.RETURNEE: N_("Overseas returnee"),
    SettlementRoute.FRESH_GRADUATE: N_("Fresh graduate"),
    SettlementRoute.RESIDENCE_PERMIT: N_("Residence permit to hukou"),
}


def route_for_policy(policy_id: str) -> SettlementRoute | None:
    return next((r for r, p in ROUTE_POLICIES.items() if p == policy_id), None)


@dataclass(frozen=True, slots=True)
class PartSpec:
    code: str  # also the catalog code of the part's service
    department: str
    time_limit_days: int  # working days, counted from the day the part may start
    depends_on: tuple[str, ...] = ()
    # A core step failing fails the bundle; another failing leaves the settlement standing.
    core: bool = False


class Step(Protocol):
    """What the engine reads of a bundle's step: its code, what it waits for, whether its
    failure fails the bundle. ``PartSpec`` is the settlement's; the onboarding bundle has its
    own richer step (owner, kind, what to bring) with the same three fields."""

    @property
    def code(self) -> str: ...
    @property
    def depends_on(self) -> tuple[str, ...]: ...
    @property
    def core(self) -> bool: ...


PARTS: tuple[PartSpec, ...] = (
    PartSpec("settlement_approval", "hr_bureau", 10, core=True),
    PartSpec("hukou_move_in", "public_security", 5, ("settlement_approval",), core=True),
    PartSpec("residence_permit_cancellation", "public_security", 3, ("hukou_move_in",)),
    PartSpec("social_insurance_update", "hr_bureau", 3, ("hukou_move_in",)),
    PartSpec("school_enrolment", "education", 5, ("hukou_move_in",)),
    PartSpec("housing_recommendation", "housing", 3, ("hukou_move_in",)),
)
PART_BY_CODE: dict[str, PartSpec] = {p.code: p for p in PARTS}

# Bundle questions that are not talent facts; asked once on the bundle form.
HOUSEHOLD_FIELDS: tuple[str, ...] = ("settlement_route", "spouse_moves", "children_moving")


def plan(answers: Mapping[str, Any], *, housing_recommended: bool) -> tuple[PartSpec, ...]:
    """The parts this applicant's bundle needs, in dependency order."""
    route = answers.get("settlement_route")
    wanted: list[PartSpec] = []
    for part in PARTS:
        if part.code == "residence_permit_cancellation":
            holds_permit = (answers.get("residence_permit_years") or 0) > 0
            if not (holds_permit or route == SettlementRoute.RESIDENCE_PERMIT):
                continue
        if part.code == "school_enrolment" and not (answers.get("children_moving") or 0) > 0:
            continue
        if part.code == "housing_recommendation" and not housing_recommended:
            continue
        wanted.append(part)
    return tuple(wanted)


# A part whose approval stands lets the parts after it start.
DONE: frozenset[CaseStatus] = S.APPROVAL_STANDS
# A part that ended without a standing approval: the parts after it are cancelled.
FAILED: frozenset[CaseStatus] = S.FINAL - S.APPROVAL_STANDS
# Open parts that a failed dependency or an ended bundle stops (the table allows CANCEL there).
CANCELLABLE: frozenset[CaseStatus] = frozenset(
    {S.WAITING, S.ACCEPTED, S.IN_REVIEW, S.REVIEW_SUPPLEMENT_REQUESTED}
)
# The bundle before the window accepted it: its route may still be corrected.
ROUTE_CHANGEABLE: frozenset[CaseStatus] = frozenset(
    {S.SUBMITTED, S.AWAITING_DATA, S.SUPPLEMENT_REQUESTED}
)

# --- The part's own lifecycle ----------------------------------------------------------------

# The result is handed out once, on the bundle, and the applicant withdraws the whole bundle.
NOT_ON_PARTS: frozenset[CaseAction] = frozenset(
    {A.ISSUE_RESULT, A.CLOSE, A.WITHDRAW, A.REQUEST_EMPLOYER_CONFIRMATION}
)
# Moves the bundle logic makes on the parent only. Only the system may take them, so no person
# can take them on a part; the bundle logic never does.
PARENT_ONLY: frozenset[CaseAction] = frozenset(
    {A.WAIT_FOR_DATA, A.RECEIVE_DATA, A.DISPATCH, A.COMPLETE_PARTS, A.FAIL_PART}
)
# A part is accepted by the dispatch, never with documents to follow (容缺), so the moves on
# pending materials never pass their guard there.
_NO_PENDING_MATERIALS: frozenset[CaseAction] = frozenset(
    {A.ACCEPT_WITH_PENDING_MATERIALS, A.RECEIVE_PENDING_MATERIALS, A.EXPIRE_PENDING_MATERIALS}
)
# A part starts accepted when its step can start at once, else waiting for its dependency.
PART_STARTS: frozenset[CaseStatus] = frozenset({S.ACCEPTED, S.WAITING})


def _part_transitions() -> dict[tuple[CaseStatus, CaseAction], CaseStatus]:
    """The case table from the part's starts, without the moves a part never makes."""
    barred = NOT_ON_PARTS | PARENT_ONLY | _NO_PENDING_MATERIALS
    table: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {}
    todo, seen = list(PART_STARTS), set(PART_STARTS)
    while todo:
        status = todo.pop()
        for (src, action), dst in TRANSITIONS.items():
            if src is status and action not in barred:
                table[(src, action)] = dst
                if dst not in seen:
                    seen.add(dst)
                    todo.append(dst)
    return dict(sorted(table.items()))


PART_TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = _part_transitions()
PART_STATUSES: frozenset[CaseStatus] = PART_STARTS | frozenset(PART_TRANSITIONS.values())
# A part's final statuses: the case's, as far as a part can reach them.
PART_FINAL: frozenset[CaseStatus] = PART_STATUSES & S.FINAL


def check_part_action(action: CaseAction) -> None:
    """Refuses, on a part, an action that belongs to the bundle (``NotOnBundlePart``)."""
    if action in NOT_ON_PARTS:
        raise NotOnBundlePart(action)


@dataclass(frozen=True, slots=True)
class Move:
    part: str
    action: CaseAction
    because_of: str | None = None  # the failed part that caused a cancellation


def moves(
    statuses: Mapping[str, CaseStatus], specs: Mapping[str, Step] = PART_BY_CODE
) -> list[Move]:
    """What the parts should do now, given every part's status (keyed by part code). ``specs``
    is the bundle's table of steps: the settlement's by default, another bundle's (onboarding)
    when it reuses this engine."""
    out: list[Move] = []
    for code, status in statuses.items():
        spec = specs[code]
        deps = {d: statuses[d] for d in spec.depends_on if d in statuses}
        failed = next((d for d, s in deps.items() if s in FAILED), None)
        if failed is not None:
            if status in CANCELLABLE:
                out.append(Move(code, CaseAction.CANCEL, failed))
        elif status is S.WAITING and all(s in DONE for s in deps.values()):
            out.append(Move(code, CaseAction.RELEASE))
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    action: CaseAction  # COMPLETE_PARTS or FAIL_PART
    failed_part: str | None = None


def outcome(
    statuses: Mapping[str, CaseStatus], specs: Mapping[str, Step] = PART_BY_CODE
) -> Outcome | None:
    """The parent's next step once its parts allow one; None while work remains."""
    for code, status in statuses.items():
        if specs[code].core and status in FAILED:
            return Outcome(CaseAction.FAIL_PART, code)
    if statuses and all(s in DONE | FAILED for s in statuses.values()):
        return Outcome(CaseAction.COMPLETE_PARTS)
    return None


def expected_due_dates(
    parts: tuple[PartSpec, ...],
    known: Mapping[str, date | None],
    start: date,
    calendar: WorkCalendar,
) -> dict[str, date]:
    """When each part should be done: its own deadline once it has started (``known``),
    otherwise its time limit counted from the latest expected end of its dependencies."""
    due: dict[str, date] = {}
    for part in parts:  # PARTS is in dependency order, and ``plan`` keeps that order
        fixed = known.get(part.code)
        if fixed is not None:
            due[part.code] = fixed
            continue
        begin = max((due[d] for d in part.depends_on if d in due), default=start)
        due[part.code] = calendar.add_working_days(begin, part.time_limit_days)
    return due


def critical_path_days(parts: tuple[PartSpec, ...]) -> int:
    """The promised working days of the whole bundle: the longest chain of dependent parts."""
    length: dict[str, int] = {}
    for part in parts:
        length[part.code] = part.time_limit_days + max(
            (length[d] for d in part.depends_on if d in length), default=0
        )
    return max(length.values(), default=0)
