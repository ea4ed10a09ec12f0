"""Public route finder for talent hukou settlement (人才落户一件事)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from app.core.access import public_api
from app.core.ratelimit import RateLimit
from app.core.templates import language
from app.services import settlement as settlement_service

router = APIRouter(
    prefix="/api/v1/settlement",
    tags=["settlement"],
    dependencies=[Depends(public_api), Depends(RateLimit("eligibility", "rate_limit_public"))],
)


class RouteQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any] = Field(description="Talent facts by name")
    as_of: date | None = None


class RouteAnswer(BaseModel):
    as_of: date
    recommended: str | None
    routes: list[dict[str, Any]]
    missing_facts: list[str]


@router.post("/routes")
async def find_routes(data: RouteQuery, request: Request) -> RouteAnswer:
    """Which settlement route applies (returnee, fresh graduate, residence permit to hukou,
    talent introduction), why the others do not, and what would change it."""
    found = settlement_service.find_routes(data.facts, language(request), data.as_of)
    return RouteAnswer(
        as_of=found.as_of,
        recommended=found.recommended,
        routes=found.routes,
        missing_facts=found.missing_facts,
    )
