"""Programme rounds as pages (Post/Redirect/Get, a confirmation after every action): the admin's
round setup and the committee's round page (assignment, ranking, decision, public notice,
objections, award); the organisation's and the person's nominations; the public notice at
/notices with its objection form (no sign-in). The reviewer's pages: programme_reviews.py."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.ratelimit import RateLimit
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.errors import AppError
from app.routers.access import (
    CurrentApplicant,
    CurrentEmployer,
    CurrentUser,
    ProgrammeManager,
    PublicPage,
)
from app.schemas.programmes import (
    AssignIn,
    DecisionIn,
    NominationCreate,
    ObjectionCreate,
    ObjectionDecision,
    RoundCreate,
)
from app.services.programmes import nominations, public_notice, reviews, rounds, selection

router = APIRouter(tags=["programme pages"])
Csrf = Depends(csrf_protect)
# The objection form takes posts from anyone: one client cannot flood the office with them.
Limited = Depends(RateLimit("objection", "rate_limit_public"))
CRITERIA_ROWS = 3
_ROUND_FIELDS = (
    "programme",
    "title",
    "quota",
    "opens_on",
    "closes_on",
    "reviewers_per_nomination",
    "grant_amount",
    "award_title_zh",
    "award_title_en",
    "valid_years",
    "notice_days",
)
_NOMINATION_FIELDS = (
    "round_id",
    "id_kind",
    "id_number",
    "statement",
    "professional_title",
    "highest_degree",
    "annual_salary_cny",
    "birth_date",
    "employer_district",
)


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}


def _present(values: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    return {n: values[n] for n in names if values.get(n)}


# --- the admin: setup and the committee's round page -----------------------------------------


async def _setup_context(session: SessionDep, principal: Principal, lang: str) -> PageContext:
    return {
        "programmes": await rounds.programmes(session, principal.district, lang),
        "rounds": await rounds.listing(session, principal, lang),
        "rows": range(CRITERIA_ROWS),
        "values": {},
    }


@router.get("/staff/programmes", response_class=HTMLResponse)
async def setup_page(
    request: Request, principal: ProgrammeManager, session: SessionDep
) -> HTMLResponse:
    return render(
        request,
        "staff/programmes.html",
        await _setup_context(session, principal, language(request)),
    )


def _criteria(values: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for i in range(CRITERIA_ROWS):
        row = {
            k: values.get(f"c{i}_{k}", "") for k in ("code", "name_zh", "name_en", "weight", "max")
        }
        if any(row.values()):
            rows.append(row)
    return rows


@router.post("/staff/programmes/rounds", dependencies=[Csrf])
async def open_round(
    request: Request, principal: ProgrammeManager, session: SessionDep
) -> Response:
    lang = language(request)
    values = await form_fields(request)

    async def page() -> PageContext:
        return {**await _setup_context(session, principal, lang), "values": values}

    with shown_on(FormPage("staff/programmes.html", page)):
        data = validate_form(
            RoundCreate, {**_present(values, _ROUND_FIELDS), "criteria": _criteria(values)}
        )
        created = await rounds.create(session, principal, data, lang)
    return redirect(request, f"/staff/programmes/rounds/{created.id}?done=opened")


async def _round_context(
    session: SessionDep, principal: Principal, round_id: uuid.UUID, lang: str
) -> PageContext:
    return {
        "round": await rounds.get(session, principal, round_id, lang),
        "nominations": await nominations.listing(session, principal, lang, round_id),
        "ranking": await selection.ranking(session, principal, round_id, lang),
        "reviewers": await reviews.reviewer_choices(session, principal),
        "objections": await public_notice.objections(session, principal, round_id, lang),
    }


@router.get("/staff/programmes/rounds/{round_id}", response_class=HTMLResponse)
async def round_page(
    request: Request,
    round_id: uuid.UUID,
    principal: ProgrammeManager,
    session: SessionDep,
    done: str | None = None,
) -> HTMLResponse:
    lang = language(request)
    context = await _round_context(session, principal, round_id, lang)
    return render(request, "staff/programme_round.html", {**context, "done": done})


def _round_form(
    session: SessionDep, principal: Principal, round_id: uuid.UUID, lang: str
) -> FormPage:
    async def page() -> PageContext:
        return {**await _round_context(session, principal, round_id, lang), "done": None}

    return FormPage("staff/programme_round.html", page)


@router.post("/staff/programmes/rounds/{round_id}/assign", dependencies=[Csrf])
async def assign(
    request: Request, round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep
) -> Response:
    values = await form_fields(request)
    with shown_on(_round_form(session, principal, round_id, language(request))):
        data = validate_form(AssignIn, {"reviewer_id": values.get("reviewer_id") or None})
        nomination_id = (
            uuid.UUID(values.get("nomination_id", ""))
            if values.get("nomination_id")
            else uuid.uuid4()
        )
        await reviews.assign(session, principal, nomination_id, data)
    return redirect(request, f"/staff/programmes/rounds/{round_id}?done=assigned")


@router.post("/staff/programmes/rounds/{round_id}/decision", dependencies=[Csrf])
async def decide(
    request: Request, round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep
) -> Response:
    lang = language(request)
    form = await request.form()
    proposed = [str(v) for v in form.getlist("proposed")]
    with shown_on(_round_form(session, principal, round_id, lang)):
        data = validate_form(
            DecisionIn, {"proposed": proposed, "note": str(form.get("note") or "") or None}
        )
        await selection.decide(session, principal, round_id, data, lang)
    return redirect(request, f"/staff/programmes/rounds/{round_id}?done=decided")


@router.post("/staff/programmes/rounds/{round_id}/notice", dependencies=[Csrf])
async def publish_notice(
    request: Request, round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep
) -> Response:
    with shown_on(_round_form(session, principal, round_id, language(request))):
        await selection.publish_notice(session, principal, round_id)
    return redirect(request, f"/staff/programmes/rounds/{round_id}?done=notice")


@router.post("/staff/programmes/rounds/{round_id}/objections/{objection_id}", dependencies=[Csrf])
async def decide_objection(
    request: Request,
    round_id: uuid.UUID,
    objection_id: uuid.UUID,
    principal: ProgrammeManager,
    session: SessionDep,
) -> Response:
    lang = language(request)
    values = await form_fields(request)
    with shown_on(_round_form(session, principal, round_id, lang)):
        data = validate_form(
            ObjectionDecision,
            {"uphold": values.get("uphold") or None, "reason": values.get("reason") or None},
        )
        await public_notice.decide_objection(session, principal, objection_id, data, lang)
    return redirect(request, f"/staff/programmes/rounds/{round_id}?done=objection")


@router.post("/staff/programmes/rounds/{round_id}/award", dependencies=[Csrf])
async def award(
    request: Request, round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep
) -> Response:
    with shown_on(_round_form(session, principal, round_id, language(request))):
        await selection.award(session, principal, round_id)
    return redirect(request, f"/staff/programmes/rounds/{round_id}?done=awarded")


# --- nominations: the organisation's, the person's, one nomination -----------------------------


async def _nominate_context(
    session: SessionDep, principal: Principal, lang: str, self_only: bool
) -> PageContext:
    open_rounds = [
        r
        for r in await rounds.listing(session, None, lang)
        if r.accepting
        and (r.programme.self_nomination or not self_only)
        and (self_only or r.district == principal.district)
    ]
    return {
        "rounds": open_rounds,
        "nominations": await nominations.listing(session, principal, lang),
        "values": {},
        "reasons": [],
        "self_only": self_only,
    }


def _nominate_page(
    session: SessionDep, principal: Principal, lang: str, values: dict[str, str], self_only: bool
) -> Any:
    def chosen(error: AppError) -> FormPage:
        async def page() -> PageContext:
            context = await _nominate_context(session, principal, lang, self_only)
            return {**context, "values": values, "reasons": error.extra.get("reasons", [])}

        return FormPage("applicant/nominations.html", page)

    return chosen


async def _file(
    request: Request, principal: Principal, session: SessionDep, self_only: bool
) -> Response:
    lang = language(request)
    values = await form_fields(request)
    with shown_on(_nominate_page(session, principal, lang, values, self_only)):
        data = validate_form(NominationCreate, _present(values, _NOMINATION_FIELDS))
        filed = await nominations.file(session, principal, data, lang)
    return redirect(request, f"/nominations/{filed.id}?done=filed")


@router.get("/organisation/nominations", response_class=HTMLResponse)
async def organisation_nominations(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> HTMLResponse:
    context = await _nominate_context(session, principal, language(request), False)
    return render(request, "applicant/nominations.html", context)


@router.post("/organisation/nominations", dependencies=[Csrf])
async def organisation_nominate(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    return await _file(request, principal, session, False)


@router.get("/my-nominations", response_class=HTMLResponse)
async def my_nominations(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    context = await _nominate_context(session, principal, language(request), True)
    return render(request, "applicant/nominations.html", context)


@router.post("/my-nominations", dependencies=[Csrf])
async def nominate_myself(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    return await _file(request, principal, session, True)


@router.get("/nominations/{nomination_id}", response_class=HTMLResponse)
async def nomination_page(
    request: Request,
    nomination_id: uuid.UUID,
    principal: CurrentUser,
    session: SessionDep,
    done: str | None = None,
) -> HTMLResponse:
    nomination = await nominations.get(session, principal, nomination_id, language(request))
    return render(request, "applicant/nomination.html", {"nomination": nomination, "done": done})


# --- the public notice -------------------------------------------------------------------------


@router.get("/notices", response_class=HTMLResponse)
async def notices_page(
    request: Request, principal: PublicPage, session: SessionDep, done: str | None = None
) -> HTMLResponse:
    found = await public_notice.notices(session, language(request))
    return render(request, "public/notices.html", {"notices": found, "values": {}, "done": done})


@router.post("/notices/objections", dependencies=[Csrf, Limited])
async def object_to(request: Request, principal: PublicPage, session: SessionDep) -> Response:
    lang = language(request)
    values = await form_fields(request)

    async def page() -> PageContext:
        found = await public_notice.notices(session, lang)
        return {"notices": found, "values": values, "done": None}

    with shown_on(FormPage("public/notices.html", page)):
        data = validate_form(
            ObjectionCreate,
            {
                k: values.get(k) or None
                for k in ("nomination_id", "objector_name", "contact", "grounds")
            },
        )
        await public_notice.object_to(session, principal, data)
    return redirect(request, "/notices?done=objected")
