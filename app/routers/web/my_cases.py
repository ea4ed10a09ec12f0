"""The applicant's cases: the list, a case page with its timeline, supplements (补正) and late
details to send, withdrawal and the 好差评 rating."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.facts_form import fact_values
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.core.uploads import FILES, read_upload
from app.db import SessionDep
from app.domain.documents import DOCUMENT_KIND_LABELS, WALLET_KIND_LABELS
from app.errors import ValidationFailed
from app.i18n import N_
from app.routers.access import CurrentApplicant
from app.routers.web.wallet import chosen_document, store_in_wallet
from app.schemas.case_steps import SupplementSend
from app.schemas.cases import CaseActionRequest, RatingCreate
from app.schemas.organisations import EmployerInvite
from app.services import cases as cases_service
from app.services import documents as documents_service
from app.services import settlement as bundles_service
from app.services.applications import journey as applications_service
from app.services.cases import supplements as supplements_service
from app.services.organisations import referrals
from app.workflow.states import CaseAction

router = APIRouter(tags=["applicant pages"])
Csrf = Depends(csrf_protect)
# The fields of one upload; the page shows the item's file input for them.
_UPLOAD_FIELDS = frozenset({"file", "kind", "valid_from", "valid_to"})


def _version(raw: object, default: int) -> int:
    """The case version the form was rendered with; a mangled value falls back to the version
    just read, so a tampered field never causes an error page."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() and int(raw) >= 1 else default


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
        "kind_names": WALLET_KIND_LABELS,
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
        picked = chosen_document(raw) if isinstance(raw, str) else None
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


@router.post("/cases/{case_id}/details/upload", dependencies=[Csrf], openapi_extra=FILES)
async def upload_late_document(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """One asked-for document uploaded into the wallet and chosen for its line of the notice."""
    lang = language(request)
    with shown_on(_case_form(request, session, principal, case_id, lang)):
        upload = await read_upload(request)
        doc = await store_in_wallet(session, principal, upload, default_kind="other")
        await bundles_service.choose_late_document(
            session, principal, case_id, upload.fields.get("requirement", ""), doc.id
        )
    return redirect(request, f"/cases/{case_id}#details")


@router.post("/cases/{case_id}/supplement/items/{index}", dependencies=[Csrf], openapi_extra=FILES)
async def upload_supplement_file(
    case_id: uuid.UUID,
    index: int,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> Response:
    """One file for one requested item (补正); an item may have several. Nothing is sent yet."""
    lang = language(request)
    page = FormPage(
        "applicant/case.html",
        lambda: _case_context(request, session, principal, case_id, lang, values=None),
        field_id=lambda name: f"file-{index}" if name in _UPLOAD_FIELDS else name,
    )
    with shown_on(page):
        upload = await read_upload(request)
        doc = await store_in_wallet(session, principal, upload, default_kind="other")
        await supplements_service.add_file(session, principal, case_id, index, doc.id)
    return redirect(request, f"/cases/{case_id}#supplement-item-{index}")


@router.post("/cases/{case_id}/supplement", dependencies=[Csrf])
async def send_supplement(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """Sends the supplement: every item has its files, or says why it cannot be sent."""
    lang = language(request)
    form = await request.form()
    explanations = {
        int(name.removeprefix("explain-")): value
        for name, value in form.items()
        if name.startswith("explain-")
        and name.removeprefix("explain-").isdigit()
        and isinstance(value, str)
    }
    raw = {f"explain-{n}": text for n, text in explanations.items()}
    with shown_on(_case_form(request, session, principal, case_id, lang, raw)):
        if await bundles_service.late_needs_for(session, principal, case_id, lang):
            # The questions of the notice are answered with their own form, all at once.
            raise ValidationFailed(N_("Answer the questions and choose the documents listed."))
        data = validate_form(
            SupplementSend,
            {"explanations": explanations, "expected_version": form.get("version")},
        )
        await supplements_service.send(session, principal, case_id, data, lang)
    return redirect(request, f"/cases/{case_id}?done=supplement")


@router.post("/cases/{case_id}/employer-invitation", dependencies=[Csrf])
async def invite_employer(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """Asks the employer named on the case, not registered yet, to register (issue 15)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if k in ("email", "mobile") and isinstance(v, str)}
    lang = language(request)
    with shown_on(_case_form(request, session, principal, case_id, lang, values=fields)):
        data = validate_form(EmployerInvite, fields)
        await referrals.invite_employer(session, principal, case_id, data)
    return redirect(request, f"/cases/{case_id}?done=employer_invited")


@router.get("/cases/{case_id}/withdraw", response_class=HTMLResponse)
async def withdraw_page(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """Withdrawing cannot be undone: the applicant confirms on a page of its own first."""
    view = await cases_service.case_view(session, principal, case_id, language(request))
    if CaseAction.WITHDRAW.value not in view.allowed_actions:
        return redirect(request, f"/cases/{case_id}")
    return render(request, "applicant/withdraw.html", {"case": view})


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
    sent = {
        "score": form.get("score") or None,
        "comment": comment if isinstance(comment, str) and comment.strip() else None,
    }
    with shown_on(_case_form(request, session, principal, case_id, lang)):
        data = validate_form(RatingCreate, sent)
        await cases_service.rate(session, principal, case_id, data, lang)
    return redirect(request, f"/cases/{case_id}?done=rated")
