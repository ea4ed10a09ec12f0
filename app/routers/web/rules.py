"""政策计算器 and the policy library pages."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.facts_form import fact_values
from app.core.forms import FormPage, shown_on
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.errors import AppError
from app.routers.access import PublicPage
from app.services import catalog as catalog_service
from app.services import eligibility as eligibility_service
from app.services.eligibility import calculator as calculator_service

router = APIRouter(tags=["rules pages"])


@router.get("/calculator", response_class=HTMLResponse)
async def calculator(request: Request, principal: PublicPage, session: SessionDep) -> HTMLResponse:
    lang = language(request)
    facts, dropped = await calculator_service.starting_facts(session, principal)
    vouched = await calculator_service.vouched_for(session, principal)
    district = request.query_params.get("district") or None
    view = calculator_service.step(
        facts, district if district in ("yangpu", "changning") else None, lang, vouched=vouched
    )
    return render(
        request,
        "public/calculator.html",
        {
            "view": view,
            "district": district,
            "saved": "saved" in request.query_params,
            "dropped": calculator_service.fact_labels(dropped, lang),
            "apply": await catalog_service.services_by_policy(session, lang),
        },
    )


@router.post("/calculator", dependencies=[Depends(csrf_protect)])
async def calculator_answer(
    request: Request, principal: PublicPage, session: SessionDep
) -> Response:
    """Answers so far travel in the form (nothing is stored for visitors); each round asks only
    the questions that can still change an outcome."""
    lang = language(request)
    form = await request.form()
    known = calculator_service.known_answers(form.get("known"))
    asked = [str(n) for n in form.getlist("asked")]
    new = fact_values(form, asked)
    skipped = [n for n in asked if n not in new or new[n] is None]
    facts = {**known, **{k: v for k, v in new.items() if v is not None}}
    district_raw = form.get("district")
    district = district_raw if district_raw in ("yangpu", "changning") else None
    skip = set(_skipped(form.get("skipped"))) | set(skipped)
    apply = await catalog_service.services_by_policy(session, lang)
    vouched = await calculator_service.vouched_for(session, principal)

    def answers_page(_: AppError) -> FormPage:
        view = calculator_service.step(known, district, lang, skip=skip, ask=asked, vouched=vouched)
        values = {n: form.get(n) for n in asked}
        context = {"view": view, "district": district, "values": values, "apply": apply}
        return FormPage("public/calculator.html", context, status_code=422)

    with shown_on(answers_page):
        eligibility_service.checked_facts(facts, eligibility_service.today())
    if form.get("save") and principal is not None and principal.applicant_id:
        await calculator_service.save_profile(session, principal, facts)
        return redirect(request, "/calculator?saved=1")
    view = calculator_service.step(facts, district, lang, skip=skip, vouched=vouched)
    return render(
        request, "public/calculator.html", {"view": view, "district": district, "apply": apply}
    )


def _skipped(raw: object) -> list[str]:
    # Only names of questions not to ask again: anything unreadable just means "ask again".
    if not isinstance(raw, str) or not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [str(k) for k in value] if isinstance(value, dict) else []


@router.get("/policies", response_class=HTMLResponse)
async def policy_library(request: Request, principal: PublicPage) -> HTMLResponse:
    return render(
        request,
        "public/policies.html",
        {"policies": eligibility_service.list_policies(language(request))},
    )


@router.get("/policies/{policy_id}", response_class=HTMLResponse)
async def policy_page(policy_id: str, request: Request, principal: PublicPage) -> HTMLResponse:
    return render(
        request,
        "public/policy.html",
        {"policy": eligibility_service.get_policy(policy_id, language(request))},
    )
