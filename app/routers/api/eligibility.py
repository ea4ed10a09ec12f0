"""Public eligibility API: check facts against the policies, read the policy library."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from app.core.access import public_api
from app.core.ratelimit import RateLimit
from app.core.templates import language
from app.schemas.eligibility import EligibilityCheck, EligibilityResults
from app.services import eligibility as eligibility_service

router = APIRouter(
    prefix="/api/v1",
    tags=["eligibility"],
    dependencies=[Depends(public_api), Depends(RateLimit("eligibility", "rate_limit_public"))],
)


@router.post("/eligibility/check")
async def check(data: EligibilityCheck, request: Request) -> EligibilityResults:
    """Every policy's status (eligible / ineligible / unknown), outputs, criteria with clauses,
    the facts still missing (most decisive first), hints and a reproducible receipt."""
    as_of, results = eligibility_service.check(
        data.facts,
        as_of=data.as_of,
        policy_ids=data.policies,
        district=data.district,
        lang=language(request),
    )
    return EligibilityResults(as_of=as_of, results=results)


@router.get("/policies")
async def list_policies(request: Request) -> list[dict[str, Any]]:
    return eligibility_service.list_policies(language(request))


@router.get("/policies/{policy_id}")
async def get_policy(
    policy_id: str,
    request: Request,
    lang: Annotated[
        Literal["zh", "en", "all"] | None,
        Query(description="`all` for both languages in the policy-file format"),
    ] = None,
) -> dict[str, Any]:
    """Versions, parameters with their status (sourced / assumed) and sources, conditions with
    their clauses and requirements, in the request's language (ids, values and CEL unchanged)."""
    return eligibility_service.get_policy(policy_id, "all" if lang == "all" else language(request))


@router.get("/facts")
async def facts(request: Request) -> list[dict[str, Any]]:
    """The fact vocabulary, for building questionnaires."""
    return eligibility_service.fact_vocabulary(language(request))
