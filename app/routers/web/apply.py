"""Applying: services, the task list, question pages, documents, check and submit."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.core.csrf import csrf_protect
from app.core.facts_form import fact_values
from app.core.forms import FormPage, PageContext, shown_on
from app.core.templates import language, redirect, render, secure_cookies
from app.core.uploads import FILES, read_upload
from app.db import SessionDep
from app.domain.documents import DOCUMENT_KIND_LABELS, WALLET_KIND_LABELS
from app.domain.fields import EXTRA_FIELDS
from app.routers.access import ApplicantOrSignedOut, CurrentApplicant, PublicPage
from app.routers.web.wallet import chosen_document, store_in_wallet
from app.rules import FACTS
from app.services import catalog as catalog_service
from app.services import documents as documents_service
from app.services.accounts import held_forms as held_forms_service
from app.services.applications import journey as applications_service

router = APIRouter(tags=["applicant pages"])


Csrf = Depends(csrf_protect)


QUESTIONS_PER_PAGE = 4
# The fields of one upload row; the row shows only its file input.
_UPLOAD_FIELDS = frozenset({"file", "kind", "valid_from", "valid_to"})


@router.get("/services", response_class=HTMLResponse)
async def services(request: Request, principal: PublicPage, session: SessionDep) -> HTMLResponse:
    # The catalogue is public (the home page's cards link here for everyone); only an applicant
    # gets the Start buttons, the others are told how to apply.
    items = await catalog_service.list_services(session, language(request))
    return render(request, "applicant/services.html", {"services": items})


@router.post("/applications", dependencies=[Csrf])
async def start(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    service_id: Annotated[uuid.UUID, Form()],
) -> Response:
    app = await applications_service.start(session, principal, service_id)
    return redirect(request, f"/applications/{app.id}")


@router.get("/applications/{application_id}", response_class=HTMLResponse)
async def task_list(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    app = await applications_service.get_owned(session, principal, application_id)
    view = await applications_service.application_view(session, app, language(request))
    if view.case_id:
        return redirect(request, f"/cases/{view.case_id}")
    return render(
        request,
        "applicant/task_list.html",
        {
            "app": view,
            "saved": "saved" in request.query_params,
            "pages": _page_count(view),
            "per_page": QUESTIONS_PER_PAGE,
        },
    )


def _page_count(view: Any) -> int:
    return max(1, -(-len(view.questions) // QUESTIONS_PER_PAGE))


@router.get("/applications/{application_id}/questions/{page}", response_class=HTMLResponse)
async def questions(
    application_id: uuid.UUID,
    page: int,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> HTMLResponse:
    lang = language(request)
    app = await applications_service.get_owned(session, principal, application_id)
    token = request.cookies.get(HELD_COOKIE)
    if token:
        response = await _restore_held(request, session, principal, app.id, token, lang)
        if response is not None:
            _drop_held_cookie(response)
            return response
    view = await applications_service.application_view(session, app, lang)
    return render(request, "applicant/questions.html", _questions_context(view, page, values=None))


# The token of answers posted after the sign-in expired (see app.services.held_forms). Lax, so
# no cross-site subrequest carries it; only this browser's own, CSRF-checked post made it.
HELD_COOKIE = "tp_held"


HELD_PATH = "/applications"


async def _restore_held(
    request: Request,
    session: SessionDep,
    principal: CurrentApplicant,
    application_id: uuid.UUID,
    token: str,
    lang: str,
) -> HTMLResponse | None:
    """After signing in again: the answers posted while signed out go into the draft (it is
    the signed-in applicant's own; otherwise nothing happens), then their page is shown."""
    held = await held_forms_service.release(session, principal, application_id, token)
    if held is None:
        return None
    app = await applications_service.get_owned(session, principal, application_id)
    view = await applications_service.application_view(session, app, lang)
    chunk = _chunk(view, held.page)
    posted = FormData([(name, value) for name, value in held.fields])
    raw = {q.fact: posted.get(q.fact) for q in chunk}

    async def used_up() -> PageContext:
        # Undoing the failed save undid the release too: the held answers are used up all the
        # same, and shown again with the problems, exactly as a signed-in post would have been.
        await held_forms_service.discard(session, token)
        return _questions_context(view, held.page, values=raw)

    with shown_on(FormPage("applicant/questions.html", used_up, finish=_drop_held_cookie)):
        await applications_service.save(
            session, principal, application_id, fact_values(posted, [q.fact for q in chunk]), {}
        )
    view = await applications_service.application_view(session, app, lang)
    return render(
        request,
        "applicant/questions.html",
        _questions_context(view, held.page, values=None, restored=True),
    )


def _drop_held_cookie(response: Response) -> None:
    response.delete_cookie(HELD_COOKIE, path=HELD_PATH)


def _chunk(view: Any, page: int) -> list[Any]:
    return list(view.questions[(page - 1) * QUESTIONS_PER_PAGE : page * QUESTIONS_PER_PAGE])


def _questions_context(
    view: Any, page: int, *, values: dict[str, Any] | None, restored: bool = False
) -> dict[str, Any]:
    pages = _page_count(view)
    page = min(max(page, 1), pages)
    chunk = view.questions[(page - 1) * QUESTIONS_PER_PAGE : page * QUESTIONS_PER_PAGE]
    shown = values if values is not None else {q.fact: q.answer for q in chunk}
    return {
        "app": view,
        "page": page,
        "pages": pages,
        "chunk": chunk,
        "values": shown,
        "restored": restored,
    }


@router.post("/applications/{application_id}/questions/{page}", dependencies=[Csrf])
async def save_questions(
    application_id: uuid.UUID,
    page: int,
    request: Request,
    principal: ApplicantOrSignedOut,
    session: SessionDep,
) -> Response:
    lang = language(request)
    if principal is None:
        return await _hold_and_sign_in(request, session, application_id, page)
    app = await applications_service.get_owned(session, principal, application_id)
    view = await applications_service.application_view(session, app, lang)
    pages = _page_count(view)
    chunk = view.questions[(page - 1) * QUESTIONS_PER_PAGE : page * QUESTIONS_PER_PAGE]
    form = await request.form()
    answers = fact_values(form, [q.fact for q in chunk])
    raw = {q.fact: form.get(q.fact) for q in chunk}
    # "I don't know yet": an explicit answer the task list returns to.
    later = {q.fact: f"{q.fact}__later" in form for q in chunk}
    with shown_on(FormPage("applicant/questions.html", _questions_context(view, page, values=raw))):
        await applications_service.save(
            session, principal, application_id, answers, {}, later=later
        )
    if form.get("later") or page >= pages:
        return redirect(request, f"/applications/{application_id}?saved=1")
    return redirect(request, f"/applications/{application_id}/questions/{page + 1}")


async def _hold_and_sign_in(
    request: Request, session: SessionDep, application_id: uuid.UUID, page: int
) -> Response:
    """The sign-in expired while the applicant answered: keep what they posted (the CSRF check
    has passed, so it came from this browser's own form) and ask them to sign in again; the
    answers go into their draft when they come back to the page."""
    target = f"/applications/{application_id}/questions/{page}"
    response = redirect(request, "/login?next=" + quote(target, safe=""))
    if not await held_forms_service.can_hold(session, application_id):
        return response
    form = await request.form()
    fields = [
        (name, value)
        for name, value in form.multi_items()
        if isinstance(value, str) and _question_field(name)
    ]
    token = await held_forms_service.hold(session, application_id, max(page, 1), fields)
    response.set_cookie(
        HELD_COOKIE,
        token,
        max_age=int(held_forms_service.HOLD_FOR.total_seconds()),
        path=HELD_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(),
    )
    return response


def _question_field(name: str) -> bool:
    base = name.removesuffix("__present")
    return base in FACTS or base in EXTRA_FIELDS


@router.get("/applications/{application_id}/documents", response_class=HTMLResponse)
async def documents_page(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    app = await applications_service.get_owned(session, principal, application_id)
    view = await applications_service.application_view(session, app, language(request))
    return render(
        request, "applicant/documents.html", await _documents_context(session, principal, view)
    )


async def _documents_context(
    session: SessionDep, principal: CurrentApplicant, view: Any
) -> PageContext:
    wallet = await documents_service.list_documents(session, principal)
    return {
        "app": view,
        "wallet": wallet,
        "kinds": DOCUMENT_KIND_LABELS,
        "kind_names": WALLET_KIND_LABELS,
    }


@router.post("/applications/{application_id}/documents", dependencies=[Csrf])
async def choose_documents(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    form = await request.form()
    app = await applications_service.get_owned(session, principal, application_id)
    view = await applications_service.application_view(session, app, language(request))
    chosen: dict[str, uuid.UUID | None] = {}
    for m in view.materials:
        raw = form.get(f"doc_{m.code}")
        if isinstance(raw, str):
            chosen[m.code] = chosen_document(raw)
    page = FormPage(
        "applicant/documents.html", lambda: _documents_context(session, principal, view)
    )
    with shown_on(page):
        await applications_service.save(session, principal, application_id, {}, chosen)
    return redirect(request, f"/applications/{application_id}?saved=1")


@router.post(
    "/applications/{application_id}/documents/upload", dependencies=[Csrf], openapi_extra=FILES
)
async def upload_for_application(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """Upload into the wallet and attach to one requirement of this application."""
    lang = language(request)
    app = await applications_service.get_owned(session, principal, application_id)

    async def documents_page() -> PageContext:
        # Read again: the rollback expired the application read before it.
        again = await applications_service.get_owned(session, principal, application_id)
        view = await applications_service.application_view(session, again, lang)
        return await _documents_context(session, principal, view)

    # The page has one file input per material (``file-<code>``): an error links to the row's.
    row: dict[str, str] = {}

    def row_field(name: str) -> str:
        return f"file-{row['code']}" if name in _UPLOAD_FIELDS and row.get("code") else name

    page = FormPage("applicant/documents.html", documents_page, field_id=row_field)
    with shown_on(page):
        posted = await request.form(max_files=1, max_fields=20)
        requirement = posted.get("requirement")
        if isinstance(requirement, str) and requirement.isidentifier():
            row["code"] = requirement
        upload = await read_upload(request)
        requirement = upload.fields.get("requirement", "")
        doc = await store_in_wallet(session, principal, upload, default_kind="other")
        await applications_service.save(session, principal, app.id, {}, {requirement: doc.id})
    return redirect(request, f"/applications/{application_id}/documents")


@router.get("/applications/{application_id}/check", response_class=HTMLResponse)
async def check_answers(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    app = await applications_service.get_owned(session, principal, application_id)
    view = await applications_service.application_view(session, app, language(request))
    return render(
        request,
        "applicant/check.html",
        {"app": view, "idempotency_key": uuid.uuid4().hex, "pages": _page_count(view)},
    )


@router.post("/applications/{application_id}/submit", dependencies=[Csrf])
async def submit(
    application_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    idempotency_key: Annotated[str, Form(min_length=8, max_length=100)],
    declaration: Annotated[str, Form()] = "",
    sensitive_consent: Annotated[str, Form()] = "",
) -> Response:
    lang = language(request)

    async def check_page() -> PageContext:
        app = await applications_service.get_owned(session, principal, application_id)
        view = await applications_service.application_view(session, app, lang)
        return {"app": view, "idempotency_key": idempotency_key, "pages": _page_count(view)}

    with shown_on(FormPage("applicant/check.html", check_page)):
        await applications_service.submit(
            session,
            principal,
            application_id,
            idempotency_key=idempotency_key,
            declaration=bool(declaration),
            sensitive_consent=bool(sensitive_consent),
            lang=lang,
        )
    # Post/redirect/get: the confirmation is its own page, so a refresh does not post again.
    return redirect(request, f"/applications/{application_id}/submitted")


@router.get("/applications/{application_id}/submitted", response_class=HTMLResponse)
async def submitted(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    result = await applications_service.submission_result(
        session, principal, application_id, language(request)
    )
    return render(request, "applicant/confirmation.html", {"result": result})
