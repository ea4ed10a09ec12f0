"""The plans' indicators as JSON: the same figures as the public page and its CSV."""

from __future__ import annotations

from fastapi import APIRouter

from app.db import ReadSessionDep
from app.routers.access import PublicPage
from app.schemas.indicators import BoardRead
from app.services.indicators import board as indicator_board

router = APIRouter(prefix="/api/v1", tags=["indicators"])


@router.get("/indicators")
async def indicators(principal: PublicPage, session: ReadSessionDep) -> BoardRead:
    """Every indicator of both districts' 14th five-year talent plans: target, kind, method,
    the figures by year (each with its method and source; demo figures marked), progress on
    the straight line from the baseline to the target, and the published evaluations."""
    return await indicator_board.board(session)
