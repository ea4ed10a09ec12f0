"""The talent register as pages: the keepers' search of their district with its CSV, the form
recording an outside membership with its evidence (Post/Redirect/Get), a person's history; the
applicant's "my recognitions"."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.core.uploads import FILES, read_chunks, read_form_with_file
from app.db import SessionDep
from app.routers.access import CurrentApplicant, RegisterKeeper
from app.schemas.talent_register import EntryCreate, RegisterSearch
from app.services.talent_register import register, views

router = APIRouter(tags=["talent register pages"])
Csrf = Depends(csrf_protect)
_SEARCH_FIELDS = ("programme", "organisation", "granted_from", "granted_to")


def _search_values(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in _SEARCH_FIELDS}


def _form_context(lang: str, values: dict[str, Any]) -> PageContext:
    return {
        "programmes": [
            p for p in views.programme_choices(lang) if p["value"] != "district_high_level"
        ],
        "values": values,
    }


@router.get("/staff/talent-register", response_class=HTMLResponse)
async def register_page(
    request: Request, principal: RegisterKeeper, session: SessionDep, page: int = 1
) -> HTMLResponse:
    lang = language(request)
    values = _search_values(request)
    context: PageContext = {
        "programmes": views.programme_choices(lang),
        "values": values,
        "entries": [],
        "csv_href": "/staff/talent-register.csv?" + urlencode(values),
    }
    with shown_on(FormPage("staff/talent_register.html", context)):
        where = validate_form(RegisterSearch, {k: v or None for k, v in values.items()})
    entries = await register.search(session, principal, where, lang, page)
    return render(
        request,
        "staff/talent_register.html",
        {
            **context,
            "entries": entries,
            "prev_href": _page_href(values, page - 1) if page > 1 else None,
            "next_href": _page_href(values, page + 1)
            if len(entries) == register.PAGE_SIZE
            else None,
        },
    )


def _page_href(values: dict[str, str], page: int) -> str:
    return "/staff/talent-register?" + urlencode({**values, "page": page})


@router.get("/staff/talent-register.csv")
async def register_csv(
    request: Request, principal: RegisterKeeper, session: SessionDep
) -> Response:
    values = _search_values(request)
    where = validate_form(RegisterSearch, {k: v or None for k, v in values.items()})
    text = await register.export_csv(session, principal, where, language(request))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="talent-register.csv"'},
    )


@router.get("/staff/talent-register/new", response_class=HTMLResponse)
async def new_entry_page(request: Request, principal: RegisterKeeper) -> HTMLResponse:
    return render(request, "staff/talent_register_new.html", _form_context(language(request), {}))


@router.post("/staff/talent-register", dependencies=[Csrf], openapi_extra=FILES)
async def record_entry(
    request: Request, principal: RegisterKeeper, session: SessionDep
) -> Response:
    lang = language(request)
    upload, fields = await read_form_with_file(request)
    page = FormPage("staff/talent_register_new.html", _form_context(lang, fields))
    with shown_on(page):
        data = validate_form(
            EntryCreate,
            {k: v or None for k, v in fields.items()},
            # The missing file is named with the other fields' errors, not after them.
            also=[] if upload else [register.evidence_missing()],
        )
        entry = await register.record_outside(
            session,
            principal,
            data,
            upload.filename if upload else None,
            read_chunks(upload) if upload else None,
            lang,
        )
    return redirect(request, f"/staff/talent-register/people/{entry.applicant_id}?recorded=1")


@router.get("/staff/talent-register/people/{applicant_id}", response_class=HTMLResponse)
async def person_page(
    request: Request, applicant_id: uuid.UUID, principal: RegisterKeeper, session: SessionDep
) -> HTMLResponse:
    name, masked, entries = await register.person_history(
        session, principal, applicant_id, language(request)
    )
    return render(
        request,
        "staff/talent_register_person.html",
        {"name": name, "masked": masked, "entries": entries},
    )


@router.get("/staff/talent-register/entries/{entry_id}/evidence")
async def entry_evidence(
    entry_id: uuid.UUID, principal: RegisterKeeper, session: SessionDep
) -> Response:
    found = await register.evidence(session, principal, entry_id)
    return file_response(found.source, found.filename, found.content_type)


@router.get("/recognitions", response_class=HTMLResponse)
async def my_recognitions(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    entries = await register.mine(session, principal, language(request))
    return render(request, "applicant/recognitions.html", {"entries": entries})
