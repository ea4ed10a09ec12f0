"""初到杨浦 / 虹桥 (issue 18, points 2 and 3): the pages of the onboarding bundle's further
decisions: a letter's page for the talent office (review, then issue by another officer) and
the fast track's page (the employer nominates, the talent office endorses or declines, the
person reads where it stands)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.i18n import gettext
from app.routers.access import CaseStaff, CurrentEmployer, CurrentUser
from app.schemas.onboarding_decisions import (
    FastTrackDecision,
    FastTrackNomination,
    LetterDecision,
    LetterReview,
)
from app.services.onboarding import fast_track, further_letters, further_view
from app.workflow.onboarding_decisions import SHORTAGE_FIELDS, LetterKind, LetterStep

router = APIRouter(prefix="/onboarding", tags=["onboarding pages"])
Csrf = Depends(csrf_protect)


def _months(raw: object) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() else None


async def _context(
    request: Request,
    session: SessionDep,
    principal: Principal,
    case_id: uuid.UUID,
    months: int | None = None,
    values: dict[str, object] | None = None,
) -> PageContext:
    view = await further_view.read(session, principal, case_id, language(request), months)
    return {
        "further": view,
        "notice": request.query_params.get("done"),
        "values": values or {},
        "shortage_fields": [
            (code, gettext(language(request), label), None)
            for code, label in SHORTAGE_FIELDS.items()
        ],
    }


def _letter_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    case_id: uuid.UUID,
    kind: LetterKind,
    sent: dict[str, object],
) -> FormPage:
    async def context() -> PageContext:
        found = await _context(
            request, session, principal, case_id, _months(sent.get("months_in_district")), sent
        )
        return {**found, "kind": kind.value}

    return FormPage("onboarding/letter_decision.html", context)


@router.get("/{case_id}/letters/{kind}", response_class=HTMLResponse)
async def letter_page(
    case_id: uuid.UUID,
    kind: LetterKind,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> HTMLResponse:
    months = _months(request.query_params.get("months_in_district"))
    context = await _context(
        request, session, principal, case_id, months, {"months_in_district": months}
    )
    return render(request, "onboarding/letter_decision.html", {**context, "kind": kind.value})


@router.post("/{case_id}/letters/{kind}/{step}", dependencies=[Csrf])
async def decide_letter(
    case_id: uuid.UUID,
    kind: LetterKind,
    step: LetterStep,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> Response:
    """A reviewer's recommendation (``review``) or an approver's decision (``issue``)."""
    form = await request.form()
    sent: dict[str, object] = {"months_in_district": form.get("months_in_district") or None}
    lang = language(request)
    with shown_on(_letter_page(request, session, principal, case_id, kind, sent)):
        if step is LetterStep.REVIEW:
            review = validate_form(LetterReview, {**sent, "note": form.get("note") or ""})
            await further_letters.review(session, principal, case_id, kind, review, lang)
        else:
            decision = validate_form(LetterDecision, sent)
            await further_letters.issue(session, principal, case_id, kind, decision, lang)
    done = "reviewed" if step is LetterStep.REVIEW else "issued"
    return redirect(request, f"/onboarding/{case_id}/letters/{kind.value}?done={done}")


def _fast_track_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    case_id: uuid.UUID,
    sent: dict[str, object],
) -> FormPage:
    return FormPage(
        "onboarding/fast_track.html",
        lambda: _context(request, session, principal, case_id, values=sent),
    )


async def _fast_track_form(request: Request, choice: str) -> dict[str, object]:
    """The fast track's two forms: a choice (the field, or the decision) and a reason."""
    form = await request.form()
    return {choice: form.get(choice), "reason": form.get("reason") or ""}


@router.get("/{case_id}/fast-track", response_class=HTMLResponse)
async def fast_track_page(
    case_id: uuid.UUID, request: Request, principal: CurrentUser, session: SessionDep
) -> HTMLResponse:
    context = await _context(request, session, principal, case_id)
    return render(request, "onboarding/fast_track.html", context)


@router.post("/{case_id}/fast-track", dependencies=[Csrf])
async def nominate(
    case_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    sent = await _fast_track_form(request, "shortage_field")
    with shown_on(_fast_track_page(request, session, principal, case_id, sent)):
        nomination = validate_form(FastTrackNomination, sent)
        await fast_track.nominate(session, principal, case_id, nomination)
    return redirect(request, f"/onboarding/{case_id}/fast-track?done=nominated")


@router.post("/{case_id}/fast-track/decision", dependencies=[Csrf])
async def decide_fast_track(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> Response:
    sent = await _fast_track_form(request, "decision")
    with shown_on(_fast_track_page(request, session, principal, case_id, sent)):
        await fast_track.decide(session, principal, case_id, validate_form(FastTrackDecision, sent))
    return redirect(request, f"/onboarding/{case_id}/fast-track?done=decided")
