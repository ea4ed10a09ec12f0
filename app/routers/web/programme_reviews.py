"""The reviewer's pages: the conflict-of-interest declaration for each open round, the
nominations given to them, and the scoring page (keyboard usable: plain number inputs and
buttons). A draft is saved by the "Save draft" button, or as the reviewer types by
/static/js/review-autosave.js posting the same fields to the draft route."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.routers.access import ProgrammeReviewer
from app.routers.web.programmes import form_fields
from app.schemas.programmes import DeclarationIn, ScoreIn
from app.services.programmes import nominations, reviews, rounds

router = APIRouter(tags=["programme pages"])
Csrf = Depends(csrf_protect)


async def _reviews_context(session: SessionDep, principal: Principal, lang: str) -> PageContext:
    return {
        "rounds": await rounds.listing(session, principal, lang),
        "declared": await reviews.my_declarations(session, principal),
        "nominations": await nominations.listing(session, principal, lang),
    }


@router.get("/staff/reviews", response_class=HTMLResponse)
async def reviews_page(
    request: Request, principal: ProgrammeReviewer, session: SessionDep, done: str | None = None
) -> HTMLResponse:
    context = await _reviews_context(session, principal, language(request))
    return render(request, "staff/reviews.html", {**context, "done": done})


@router.post("/staff/reviews/rounds/{round_id}/declaration", dependencies=[Csrf])
async def declare(
    request: Request, round_id: uuid.UUID, principal: ProgrammeReviewer, session: SessionDep
) -> Response:
    lang = language(request)
    values = await form_fields(request)
    codes = [c for c in values.get("organisation_codes", "").replace(",", "\n").split() if c]

    async def page() -> PageContext:
        return {**await _reviews_context(session, principal, lang), "done": None}

    with shown_on(FormPage("staff/reviews.html", page)):
        data = validate_form(
            DeclarationIn, {"organisation_codes": codes, "note": values.get("note") or None}
        )
        await reviews.declare(session, principal, round_id, data)
    return redirect(request, "/staff/reviews?done=declared")


async def _review_context(
    session: SessionDep, principal: Principal, nomination_id: uuid.UUID, lang: str
) -> PageContext:
    nomination = await nominations.get(session, principal, nomination_id, lang)
    own = await reviews.own_review(session, principal, nomination_id)
    found = await rounds.get(session, principal, nomination.round_id, lang)
    return {"nomination": nomination, "review": own, "round": found, "values": {}}


@router.get("/staff/reviews/{nomination_id}", response_class=HTMLResponse)
async def review_page(
    request: Request,
    nomination_id: uuid.UUID,
    principal: ProgrammeReviewer,
    session: SessionDep,
    done: str | None = None,
) -> HTMLResponse:
    context = await _review_context(session, principal, nomination_id, language(request))
    return render(request, "staff/review.html", {**context, "done": done})


def _score_input(values: dict[str, str]) -> dict[str, Any]:
    return {k[6:]: v for k, v in values.items() if k.startswith("score_")}


@router.post("/staff/reviews/{nomination_id}", dependencies=[Csrf])
async def save_review(
    request: Request, nomination_id: uuid.UUID, principal: ProgrammeReviewer, session: SessionDep
) -> Response:
    lang = language(request)
    values = await form_fields(request)
    submit = values.get("action") == "submit"

    async def page() -> PageContext:
        context = await _review_context(session, principal, nomination_id, lang)
        return {**context, "values": values, "done": None}

    with shown_on(
        FormPage("staff/review.html", page, field_id=lambda f: f.replace("scores.", "score_"))
    ):
        data = validate_form(
            ScoreIn,
            {
                "scores": _score_input(values),
                "comment": values.get("comment") or None,
                "submit": submit,
            },
        )
        await reviews.save(session, principal, nomination_id, data)
    done = "submitted" if submit else "saved"
    return redirect(request, f"/staff/reviews/{nomination_id}?done={done}")


@router.post("/staff/reviews/{nomination_id}/draft", dependencies=[Csrf])
async def autosave_review(
    request: Request, nomination_id: uuid.UUID, principal: ProgrammeReviewer, session: SessionDep
) -> Response:
    """The scoring page's script saves the draft as the reviewer types: 204, or the error's
    status (the page then keeps its save button's way)."""
    values = await form_fields(request)
    data = validate_form(
        ScoreIn, {"scores": _score_input(values), "comment": values.get("comment") or None}
    )
    await reviews.save(session, principal, nomination_id, data)
    return Response(status_code=204)
