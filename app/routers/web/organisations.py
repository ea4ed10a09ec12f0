"""Pages of organisation accounts: registration, the emailed enrolment link, joining by
invitation, and the organisation's own page (status, users and roles, invitations, changes)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.ratelimit import RateLimit
from app.core.templates import language, redirect, render
from app.core.uploads import FILES
from app.db import SessionDep
from app.domain.enums import District, OrganisationType, OrgRole
from app.errors import ValidationFailed
from app.i18n import N_
from app.routers.access import CurrentEmployer, PublicPage
from app.routers.api.organisations import posted_upload
from app.schemas.organisations import (
    Enrolment,
    InvitationAccept,
    InvitationCreate,
    OrganisationChange,
    OrganisationRegistration,
    RoleChange,
)
from app.services.organisations import members, registration
from app.workflow.values import SHANGHAI

router = APIRouter(tags=["organisation pages"])
Csrf = Depends(csrf_protect)
_limit = Depends(RateLimit("login", "rate_limit_login"))

ORG_TYPE_LABELS = {
    OrganisationType.ENTERPRISE: N_("Enterprise"),
    OrganisationType.INSTITUTION: N_("Public institution"),
    OrganisationType.SOCIAL_ORGANISATION: N_("Social organisation"),
    OrganisationType.HR_AGENCY: N_("HR service agency"),
}
ROLE_LABELS = {
    OrgRole.ADMIN: N_("Admin"),
    OrgRole.HR_OFFICER: N_("HR officer"),
    OrgRole.FINANCE_CONTACT: N_("Finance contact"),
}
DISTRICT_LABELS = {District.YANGPU: N_("Yangpu"), District.CHANGNING: N_("Changning")}
LABELS = {
    "org_types": ORG_TYPE_LABELS,
    "roles": ROLE_LABELS,
    "districts": DISTRICT_LABELS,
    "tz": SHANGHAI,
}


def _safe(fields: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k != "password"}


@router.get("/organisations/register", response_class=HTMLResponse)
async def register_form(request: Request, principal: PublicPage) -> HTMLResponse:
    return render(request, "organisations/register.html", {"values": {}, **LABELS})


@router.post("/organisations/register", dependencies=[Csrf, _limit], openapi_extra=FILES)
async def register(request: Request, principal: PublicPage, session: SessionDep) -> Response:
    licence, fields = await posted_upload(request)
    fields["language"] = language(request)
    context = {"values": _safe(fields), **LABELS}
    with shown_on(FormPage("organisations/register.html", context)):
        data = validate_form(OrganisationRegistration, fields)
        await registration.register(session, data, licence, channel="web")
    return redirect(request, "/organisations/register/sent")


@router.get("/organisations/register/sent", response_class=HTMLResponse)
async def register_sent(request: Request, principal: PublicPage) -> HTMLResponse:
    return render(request, "organisations/sent.html")


async def _enrol_context(session: SessionDep, token: str) -> PageContext:
    try:
        view = await registration.enrolment_view(session, token)
    except ValidationFailed:  # an unusable link: the page says so
        return {"token": token, "enrolment": None}
    return {"token": token, "enrolment": view}


@router.get("/organisations/enrol", response_class=HTMLResponse)
async def enrol_form(
    request: Request, principal: PublicPage, session: SessionDep, token: str = ""
) -> HTMLResponse:
    if "done" in request.query_params:
        return render(request, "organisations/enrol.html", {"done": True})
    return render(request, "organisations/enrol.html", await _enrol_context(session, token[:200]))


@router.post("/organisations/enrol", dependencies=[Csrf, _limit])
async def enrol(
    request: Request,
    principal: PublicPage,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)] = "",
    totp_code: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    page = FormPage("organisations/enrol.html", lambda: _enrol_context(session, token))
    with shown_on(page):
        data = validate_form(Enrolment, {"token": token, "totp_code": totp_code})
        await registration.enrol(session, data.token, data.totp_code)
    return redirect(request, "/organisations/enrol?done=1")


async def _join_context(session: SessionDep, token: str) -> PageContext:
    try:
        view = await members.invitation_view(session, token)
    except ValidationFailed:  # an unusable link: the page says so
        return {"token": token, "invitation": None, "values": {}, **LABELS}
    return {"token": token, "invitation": view, "values": {}, **LABELS}


@router.get("/organisations/join", response_class=HTMLResponse)
async def join_form(
    request: Request, principal: PublicPage, session: SessionDep, token: str = ""
) -> HTMLResponse:
    if "done" in request.query_params:
        return render(request, "organisations/join.html", {"done": True})
    return render(request, "organisations/join.html", await _join_context(session, token[:200]))


@router.post("/organisations/join", dependencies=[Csrf, _limit])
async def join(request: Request, principal: PublicPage, session: SessionDep) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    token = fields.get("token", "")[:200]

    async def context() -> PageContext:
        return {**await _join_context(session, token), "values": _safe(fields)}

    with shown_on(FormPage("organisations/join.html", context)):
        data = validate_form(InvitationAccept, fields)
        await members.accept(session, data)
    return redirect(request, "/organisations/join?done=1")


async def _home_context(session: SessionDep, principal: CurrentEmployer, lang: str) -> PageContext:
    return {"home": await members.home(session, principal, lang), "values": {}, **LABELS}


@router.get("/organisation", response_class=HTMLResponse)
async def home(request: Request, principal: CurrentEmployer, session: SessionDep) -> HTMLResponse:
    context = await _home_context(session, principal, language(request))
    return render(
        request, "organisations/home.html", {**context, "done": request.query_params.get("done")}
    )


def _home_page(request: Request, session: SessionDep, principal: CurrentEmployer) -> FormPage:
    return FormPage(
        "organisations/home.html", lambda: _home_context(session, principal, language(request))
    )


@router.post("/organisation/invitations", dependencies=[Csrf])
async def invite(request: Request, principal: CurrentEmployer, session: SessionDep) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    with shown_on(_home_page(request, session, principal)):
        data = validate_form(InvitationCreate, fields)
        await members.invite(session, principal, data)
    return redirect(request, "/organisation?done=invited")


@router.post("/organisation/users/{user_id}/role", dependencies=[Csrf])
async def set_role(
    user_id: uuid.UUID,
    request: Request,
    principal: CurrentEmployer,
    session: SessionDep,
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    with shown_on(_home_page(request, session, principal)):
        data = validate_form(RoleChange, {"role": role})
        await members.set_role(session, principal, user_id, data.role)
    return redirect(request, "/organisation?done=role")


@router.post("/organisation/users/{user_id}/remove", dependencies=[Csrf])
async def remove(
    user_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    with shown_on(_home_page(request, session, principal)):
        await members.remove(session, principal, user_id)
    return redirect(request, "/organisation?done=removed")


@router.post("/organisation/changes", dependencies=[Csrf], openapi_extra=FILES)
async def change(request: Request, principal: CurrentEmployer, session: SessionDep) -> Response:
    licence, fields = await posted_upload(request)
    with shown_on(_home_page(request, session, principal)):
        data = validate_form(OrganisationChange, fields)
        await members.change(session, principal, data, licence)
    return redirect(request, "/organisation?done=changed")
