"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from app.core.access import public_api
from app.db import SessionDep
from app.services import health

router = APIRouter(tags=["ops"], dependencies=[Depends(public_api)])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(session: SessionDep) -> JSONResponse:
    ok = await health.database_ready(session)
    return JSONResponse(
        {"status": "ready" if ok else "unavailable", "database": ok},
        status_code=200 if ok else 503,
    )
