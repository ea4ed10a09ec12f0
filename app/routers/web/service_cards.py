"""The Yangpu talent service card as pages: the holder's cards and one card with its QR code
and requests (file one: Post/Redirect/Get), the public verification page behind the QR code,
and the talent office's card page with renewal and revocation (each confirmed), and its list of
cards whose programme membership ended."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.routers.access import CaseStaff, CurrentApplicant, PublicPage
from app.schemas.service_cards import CardRequestCreate, CardRevoke
from app.services.service_cards import cards, requests
from app.workflow.service_cards import REQUESTS

router = APIRouter(tags=["service card pages"])
Csrf = Depends(csrf_protect)
DONE = {"filed", "renewed", "revoked"}


def _kinds() -> list[tuple[str, str]]:
    return [(kind.value, spec.label) for kind, spec in REQUESTS.items()]


@router.get("/service-cards", response_class=HTMLResponse)
async def my_cards(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    rows = await cards.my_cards(session, principal, language(request))
    return render(request, "applicant/service_cards.html", {"cards": rows})


async def _card_context(
    session: SessionDep, principal: Principal, card_id: uuid.UUID, lang: str
) -> PageContext:
    card = await cards.get(session, principal, card_id)
    return {
        "card": await cards.card_view(session, principal, card, lang),
        "qr_svg": cards.qr_svg(card),
        "kinds": _kinds(),
    }


@router.get("/service-cards/verify/{token}", response_class=HTMLResponse)
async def verify_page(
    token: str, request: Request, principal: PublicPage, session: SessionDep
) -> HTMLResponse:
    found = await cards.verify(session, token)
    return render(request, "public/service_card_verify.html", {"result": found})


@router.get("/service-cards/{card_id}", response_class=HTMLResponse)
async def card_page(
    card_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    done: str = "",
) -> HTMLResponse:
    context = await _card_context(session, principal, card_id, language(request))
    return render(
        request,
        "applicant/service_card.html",
        {**context, "done": done if done in DONE else "", "values": {}},
    )


@router.post("/service-cards/{card_id}/requests", dependencies=[Csrf])
async def file_request(
    card_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    kind: Annotated[str, Form(max_length=40)] = "",
    details: Annotated[str, Form(max_length=4000)] = "",
    consent: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    lang = language(request)
    values = {"kind": kind, "details": details, "consent": consent}

    async def page() -> PageContext:
        return {**await _card_context(session, principal, card_id, lang), "values": values}

    with shown_on(FormPage("applicant/service_card.html", page)):
        data = validate_form(
            CardRequestCreate,
            {"kind": kind, "details": details, "consent": consent in {"yes", "1", "on"}},
        )
        await requests.file_request(session, principal, card_id, data, lang)
    return redirect(request, f"/service-cards/{card_id}?done=filed#requests")


async def _staff_context(
    session: SessionDep, principal: Principal, card_id: uuid.UUID, lang: str
) -> PageContext:
    card = await cards.get(session, principal, card_id)
    return {"card": await cards.card_view(session, principal, card, lang), "values": {}}


@router.get("/staff/service-cards", response_class=HTMLResponse)
async def cards_to_review(
    request: Request, principal: CaseStaff, session: SessionDep
) -> HTMLResponse:
    rows = await cards.to_review(session, principal, language(request))
    return render(
        request,
        "staff/service_cards_to_review.html",
        {"cards": rows, "limit": cards.REVIEW_LIMIT},
    )


@router.get("/staff/service-cards/{card_id}", response_class=HTMLResponse)
async def staff_card_page(
    card_id: uuid.UUID,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
    done: str = "",
    confirm: str = "",
) -> HTMLResponse:
    context = await _staff_context(session, principal, card_id, language(request))
    return render(
        request,
        "staff/service_card.html",
        {
            **context,
            "done": done if done in DONE else "",
            "confirm": confirm if confirm in {"renew", "revoke"} else "",
        },
    )


@router.post("/staff/service-cards/{card_id}/renew", dependencies=[Csrf])
async def renew(
    card_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        return {**await _staff_context(session, principal, card_id, lang), "confirm": "renew"}

    with shown_on(FormPage("staff/service_card.html", page)):
        await cards.renew(session, principal, card_id, lang)
    return redirect(request, f"/staff/service-cards/{card_id}?done=renewed")


@router.post("/staff/service-cards/{card_id}/revoke", dependencies=[Csrf])
async def revoke(
    card_id: uuid.UUID,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        context = await _staff_context(session, principal, card_id, lang)
        return {**context, "confirm": "revoke", "values": {"reason": reason}}

    with shown_on(FormPage("staff/service_card.html", page)):
        data = validate_form(CardRevoke, {"reason": reason})
        await cards.revoke(session, principal, card_id, data, lang)
    return redirect(request, f"/staff/service-cards/{card_id}?done=revoked")
