"""Applicant pages: services, the task list, question pages, documents, check and submit,
my applications, the case page with supplements and ratings, and the wallet."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.facts_form import fact_values
from app.core.forms import FormPage, PageContext, error_list, parse_form, shown_on, validate_form
from app.core.templates import language, redirect, render, secure_cookies
from app.core.uploads import UploadForm, read_upload
from app.db import SessionDep
from app.domain.documents import DOCUMENT_KIND_LABELS
from app.domain.fields import EXTRA_FIELDS
from app.errors import ValidationFailed
from app.i18n import N_
from app.routers.access import ApplicantOrSignedOut, CurrentApplicant
from app.rules import FACTS
from app.schemas.cases import CaseActionRequest, RatingCreate
from app.schemas.documents import DocumentRead
from app.services import cases as cases_service
from app.services import catalog as catalog_service
from app.services import documents as documents_service
from app.services import settlement as bundles_service
from app.services.accounts import held_forms as held_forms_service
from app.services.applications import journey as applications_service
from app.workflow.states import CaseAction

router = APIRouter(tags=["applicant pages"])
Csrf = Depends(csrf_protect)
QUESTIONS_PER_PAGE = 4


@router.get("/services", response_class=HTMLResponse)
async def services(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
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
        {"app": view, "saved": "saved" in request.query_params, "pages": _page_count(view)},
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
    with shown_on(FormPage("applicant/questions.html", _questions_context(view, page, values=raw))):
        await applications_service.save(session, principal, application_id, answers, {})
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
    return {"app": view, "wallet": wallet, "kinds": DOCUMENT_KIND_LABELS}


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
            chosen[m.code] = _uuid_or_none(raw)
    page = FormPage(
        "applicant/documents.html", lambda: _documents_context(session, principal, view)
    )
    with shown_on(page):
        await applications_service.save(session, principal, application_id, {}, chosen)
    return redirect(request, f"/applications/{application_id}?saved=1")


def _version(raw: object, default: int) -> int:
    """The case version the form was rendered with; a mangled value falls back to the version
    just read, so a tampered field never causes an error page."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() and int(raw) >= 1 else default


def _uuid_or_none(raw: str) -> uuid.UUID | None:
    """A chosen wallet document; anything that is not an id counts as no choice."""
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@router.post("/applications/{application_id}/documents/upload", dependencies=[Csrf])
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

    with shown_on(FormPage("applicant/documents.html", documents_page)):
        upload = await read_upload(request)
        requirement = upload.fields.get("requirement", "")
        doc = await _store(session, principal, upload, default_kind="other")
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
        result = await applications_service.submit(
            session,
            principal,
            application_id,
            idempotency_key=idempotency_key,
            declaration=bool(declaration),
            sensitive_consent=bool(sensitive_consent),
            lang=lang,
        )
    return render(request, "applicant/confirmation.html", {"result": result})


@router.get("/cases", response_class=HTMLResponse)
async def my_cases(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    lang = language(request)
    cases = await cases_service.my_cases(session, principal, lang)
    drafts = await applications_service.draft_views(session, principal, lang)
    return render(request, "applicant/cases.html", {"cases": cases, "drafts": drafts})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    lang = language(request)
    return render(
        request,
        "applicant/case.html",
        await _case_context(request, session, principal, case_id, lang, values=None),
    )


async def _case_context(
    request: Request,
    session: SessionDep,
    principal: CurrentApplicant,
    case_id: uuid.UUID,
    lang: str,
    *,
    values: dict[str, Any] | None,
) -> PageContext:
    view = await cases_service.case_view(session, principal, case_id, lang)
    wallet = await documents_service.list_documents(session, principal)
    late = await bundles_service.late_needs_for(session, principal, case_id, lang)
    return {
        "case": view,
        "wallet": wallet,
        "kinds": DOCUMENT_KIND_LABELS,
        "notice": request.query_params.get("done"),
        "late": late,
        "late_values": values if values is not None else {},
    }


def _case_form(
    request: Request,
    session: SessionDep,
    principal: CurrentApplicant,
    case_id: uuid.UUID,
    lang: str,
    values: dict[str, Any] | None = None,
) -> FormPage:
    """The case page, read again for the error summary once the failed step's work is undone."""
    return FormPage(
        "applicant/case.html",
        lambda: _case_context(request, session, principal, case_id, lang, values=values),
    )


@router.post("/cases/{case_id}/details", dependencies=[Csrf])
async def send_late_details(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """人才落户一件事: the answers and documents an outside system's late "no record" left to
    the applicant, sent all at once."""
    lang = language(request)
    late = await bundles_service.late_needs_for(session, principal, case_id, lang)
    form = await request.form()
    facts = [q.fact for q in late.questions] if late else []
    answers = fact_values(form, facts)
    chosen: dict[str, uuid.UUID] = {}
    for m in late.materials if late else []:
        raw = form.get(f"doc_{m['code']}")
        picked = _uuid_or_none(raw) if isinstance(raw, str) else None
        if picked is not None:
            chosen[m["code"]] = picked
    version = form.get("version")
    raw_values = {name: form.get(name) for name in facts}
    with shown_on(_case_form(request, session, principal, case_id, lang, raw_values)):
        await bundles_service.answer_late_needs(
            session,
            principal,
            case_id,
            answers,
            chosen,
            expected_version=_version(version, 1),
            lang=lang,
        )
    return redirect(request, f"/cases/{case_id}?done=supplement")


@router.post("/cases/{case_id}/details/upload", dependencies=[Csrf])
async def upload_late_document(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """One asked-for document uploaded into the wallet and chosen for its line of the notice."""
    lang = language(request)
    with shown_on(_case_form(request, session, principal, case_id, lang)):
        upload = await read_upload(request)
        doc = await _store(session, principal, upload, default_kind="other")
        await bundles_service.choose_late_document(
            session, principal, case_id, upload.fields.get("requirement", ""), doc.id
        )
    return redirect(request, f"/cases/{case_id}#details")


@router.post("/cases/{case_id}/supplement", dependencies=[Csrf])
async def send_supplement(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """Uploads the requested document and tells the office it has been sent."""
    lang = language(request)
    view = await cases_service.case_view(session, principal, case_id, lang)

    async def case_page() -> PageContext:
        wallet = await documents_service.list_documents(session, principal)
        return {"case": view, "wallet": wallet, "kinds": DOCUMENT_KIND_LABELS}

    with shown_on(FormPage("applicant/case.html", case_page)):
        if await bundles_service.late_needs_for(session, principal, case_id, lang):
            # The questions of the notice are answered with their own form, all at once.
            raise ValidationFailed(N_("Answer the questions and choose the documents listed."))
        upload = await read_upload(request)
        doc = await _store(session, principal, upload, default_kind="other")
        await cases_service.attach_document(
            session, principal, case_id, doc.id, upload.fields.get("requirement", "supplement")
        )
        await cases_service.act(
            session,
            principal,
            case_id,
            CaseActionRequest(
                action=CaseAction.RECEIVE_SUPPLEMENT,
                expected_version=_version(upload.fields.get("version"), view.version),
            ),
            lang,
        )
    return redirect(request, f"/cases/{case_id}?done=supplement")


@router.post("/cases/{case_id}/withdraw", dependencies=[Csrf])
async def withdraw(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    form = await request.form()
    # The API's action body: the same checks of the version and the reason.
    action = validate_form(
        CaseActionRequest,
        {
            "action": CaseAction.WITHDRAW,
            "expected_version": form.get("version"),
            "reason": form.get("reason") or None,
        },
    )
    await cases_service.act(session, principal, case_id, action, language(request))
    return redirect(request, f"/cases/{case_id}?done=withdrawn")


@router.post("/cases/{case_id}/rating", dependencies=[Csrf])
async def rate(
    case_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> Response:
    lang = language(request)
    form = await request.form()
    comment = form.get("comment")
    data, problems = parse_form(
        RatingCreate,
        {
            "score": form.get("score") or None,
            "comment": comment if isinstance(comment, str) and comment.strip() else None,
        },
    )
    if data is None:
        view = await cases_service.case_view(session, principal, case_id, lang)
        return render(
            request,
            "applicant/case.html",
            {
                "case": view,
                "wallet": [],
                "kinds": DOCUMENT_KIND_LABELS,
                "errors": error_list(lang, problems),
            },
            status_code=422,
        )
    await cases_service.rate(session, principal, case_id, data, lang)
    return redirect(request, f"/cases/{case_id}?done=rated")


@router.get("/wallet", response_class=HTMLResponse)
async def wallet(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    return render(request, "applicant/wallet.html", await _wallet_context(session, principal))


async def _wallet_context(session: SessionDep, principal: CurrentApplicant) -> PageContext:
    docs = await documents_service.list_documents(session, principal)
    return {"documents": docs, "kinds": DOCUMENT_KIND_LABELS}


@router.post("/wallet", dependencies=[Csrf])
async def wallet_upload(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    with shown_on(FormPage("applicant/wallet.html", lambda: _wallet_context(session, principal))):
        upload = await read_upload(request)
        await _store(session, principal, upload, default_kind="")
    return redirect(request, "/wallet?uploaded=1")


@router.get("/wallet/{document_id}")
async def wallet_download(
    document_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> Response:
    found = await documents_service.download(session, principal, document_id)
    return file_response(found.path, found.filename, found.content_type)


async def _store(
    session: SessionDep, principal: CurrentApplicant, upload: UploadForm, *, default_kind: str
) -> DocumentRead:
    """One uploaded file into the applicant's wallet, with the kind and dates the form gave."""
    return await documents_service.upload(
        session,
        principal,
        owner_applicant_id=None,
        kind=upload.fields.get("kind", default_kind),
        filename=upload.file.filename or "",
        chunks=upload.chunks(),
        valid_from=upload.date_field("valid_from"),
        valid_to=upload.date_field("valid_to"),
    )
