"""The plans' indicators: the public page and its CSV (no sign-in), and the district admins'
workspace: refresh, record and confirm figures, write and publish evaluations."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import redirect, render
from app.db import ReadSessionDep, SessionDep
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.routers.access import IndicatorEvaluator, PublicPage
from app.schemas.indicators import (
    CorrectionRequest,
    NarrativeUpdate,
    SnapshotDraft,
    ValueDecision,
    ValueRecord,
)
from app.services.indicators import board as indicator_board
from app.services.indicators import progress, recording, snapshots, workspace
from app.services.indicators.definitions import MID_TERM_YEAR, TARGET_YEAR
from app.workflow.indicators import ValueEvent

router = APIRouter(tags=["indicator pages"])
Csrf = Depends(csrf_protect)

PROGRESS_LABELS = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "behind": N_("Behind"),
    "not_assessed": N_("Not assessed yet"),
}
METHOD_LABELS = {
    "computed": N_("Computed by the portal"),
    "recorded": N_("Recorded from an outside source"),
    "baseline": N_("The plan's baseline"),
}
KIND_LABELS = {"annual": N_("Annual evaluation"), "mid_term": N_("Mid-term evaluation")}
NOTICES = {
    "refreshed": N_("The computed figures are refreshed."),
    "recorded": N_("The figure is recorded. Another district administrator confirms it."),
    "confirmed": N_("The figure is confirmed and now public."),
    "rejected": N_("The figure is rejected; it is not shown."),
    "drafted": N_("The evaluation draft is made with the figures as they stand."),
    "narrative": N_("The narrative is saved."),
    "approved": N_("The evaluation is approved. It can now be published."),
    "reopened": N_("The evaluation is back in draft."),
    "published": N_("The evaluation is published. It will not change."),
    "corrected": N_("A correction is drafted as a new version."),
}
LABELS = {"progress": PROGRESS_LABELS, "method": METHOD_LABELS, "kind": KIND_LABELS}


def _common() -> PageContext:
    return {
        "ilabels": LABELS,
        "on_track_pct": round(progress.ON_TRACK_AT * 100),
        "at_risk_pct": round(progress.AT_RISK_AT * 100),
        "target_year": TARGET_YEAR,
        "mid_term_year": MID_TERM_YEAR,
    }


# Public ---------------------------------------------------------------------------------------


@router.get("/indicators", response_class=HTMLResponse)
async def public_page(
    request: Request, principal: PublicPage, session: ReadSessionDep
) -> HTMLResponse:
    data = await indicator_board.board(session)
    return render(request, "public/indicators.html", {"board": data, **_common()})


@router.get("/indicators.csv")
async def public_csv(principal: PublicPage, session: ReadSessionDep) -> Response:
    data = await indicator_board.board(session)
    return Response(
        indicator_board.as_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="plan-indicators.csv"'},
    )


# Staff: the workspace -------------------------------------------------------------------------


async def _workspace_context(
    request: Request, principal: IndicatorEvaluator, session: SessionDep, values: PageContext
) -> PageContext:
    return {
        "w": await workspace.workspace(session, principal),
        "notice": NOTICES.get(request.query_params.get("done") or ""),
        "values": values,
        **_common(),
    }


def _workspace_page(
    request: Request,
    principal: IndicatorEvaluator,
    session: SessionDep,
    values: PageContext | None = None,
) -> FormPage:
    return FormPage(
        "staff/indicators.html",
        lambda: _workspace_context(request, principal, session, values or {}),
    )


@router.get("/staff/indicators", response_class=HTMLResponse)
async def staff_page(
    request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> HTMLResponse:
    context = await _workspace_context(request, principal, session, {})
    return render(request, "staff/indicators.html", context)


def _require_confirmation(form: dict[str, str], message: str) -> None:
    """The confirmation box of a step that cannot be taken back."""
    if not form.get("confirm"):
        raise ValidationFailed(field_errors=[FieldError("confirm", "required", message)])


async def _fields(request: Request, *names: str) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "").strip() for name in names}


@router.post("/staff/indicators/refresh", dependencies=[Csrf])
async def refresh(request: Request, principal: IndicatorEvaluator, session: SessionDep) -> Response:
    raw = await _fields(request, "confirm")
    with shown_on(_workspace_page(request, principal, session)):
        _require_confirmation(
            raw, N_("Confirm that the computed figures should be worked out now.")
        )
        await workspace.refresh_now(session, principal)
    return redirect(request, "/staff/indicators?done=refreshed")


@router.post("/staff/indicators/values", dependencies=[Csrf])
async def record_value(
    request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    raw = await _fields(request, "indicator", "year", "quarter", "value", "source", "source_url")
    with shown_on(_workspace_page(request, principal, session, raw)):
        data = validate_form(ValueRecord, {k: v for k, v in raw.items() if v})
        await recording.record_value(session, principal, data)
    return redirect(request, "/staff/indicators?done=recorded")


@router.post("/staff/indicators/values/{value_id}/confirm", dependencies=[Csrf])
async def confirm_value(
    value_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    with shown_on(_workspace_page(request, principal, session)):
        await recording.decide_value(session, principal, value_id, ValueEvent.CONFIRM)
    return redirect(request, "/staff/indicators?done=confirmed")


@router.post("/staff/indicators/values/{value_id}/reject", dependencies=[Csrf])
async def reject_value(
    value_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    raw = await _fields(request, "note")
    with shown_on(_workspace_page(request, principal, session)):
        data = validate_form(ValueDecision, {k: v for k, v in raw.items() if v})
        await recording.decide_value(session, principal, value_id, ValueEvent.REJECT, data)
    return redirect(request, "/staff/indicators?done=rejected")


@router.post("/staff/indicators/snapshots", dependencies=[Csrf])
async def draft_snapshot(
    request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    raw = await _fields(request, "kind", "year")
    with shown_on(_workspace_page(request, principal, session, raw)):
        data = validate_form(SnapshotDraft, {k: v for k, v in raw.items() if v})
        snapshot = await snapshots.draft(session, principal, data)
    return redirect(request, f"/staff/indicators/snapshots/{snapshot.id}?done=drafted")


# Staff: one evaluation ------------------------------------------------------------------------


async def _snapshot_context(
    request: Request,
    principal: IndicatorEvaluator,
    session: SessionDep,
    snapshot_id: uuid.UUID,
    values: PageContext,
) -> PageContext:
    return {
        "p": await workspace.snapshot_page(session, principal, snapshot_id),
        "notice": NOTICES.get(request.query_params.get("done") or ""),
        "values": values,
        **_common(),
    }


def _snapshot_page(
    request: Request,
    principal: IndicatorEvaluator,
    session: SessionDep,
    snapshot_id: uuid.UUID,
    values: PageContext | None = None,
) -> FormPage:
    return FormPage(
        "staff/indicator_snapshot.html",
        lambda: _snapshot_context(request, principal, session, snapshot_id, values or {}),
    )


@router.get("/staff/indicators/snapshots/{snapshot_id}", response_class=HTMLResponse)
async def snapshot_page(
    snapshot_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> HTMLResponse:
    context = await _snapshot_context(request, principal, session, snapshot_id, {})
    return render(request, "staff/indicator_snapshot.html", context)


@router.post("/staff/indicators/snapshots/{snapshot_id}/narratives", dependencies=[Csrf])
async def write_narrative(
    snapshot_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    raw = await _fields(request, "indicator", "narrative_zh", "narrative_en")
    with shown_on(_snapshot_page(request, principal, session, snapshot_id, raw)):
        data = validate_form(NarrativeUpdate, raw)
        await snapshots.write_narrative(session, principal, snapshot_id, data)
    return redirect(request, f"/staff/indicators/snapshots/{snapshot_id}?done=narrative")


@router.post("/staff/indicators/snapshots/{snapshot_id}/approve", dependencies=[Csrf])
async def approve_snapshot(
    snapshot_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    with shown_on(_snapshot_page(request, principal, session, snapshot_id)):
        await snapshots.approve(session, principal, snapshot_id)
    return redirect(request, f"/staff/indicators/snapshots/{snapshot_id}?done=approved")


@router.post("/staff/indicators/snapshots/{snapshot_id}/reopen", dependencies=[Csrf])
async def reopen_snapshot(
    snapshot_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    with shown_on(_snapshot_page(request, principal, session, snapshot_id)):
        await snapshots.reopen(session, principal, snapshot_id)
    return redirect(request, f"/staff/indicators/snapshots/{snapshot_id}?done=reopened")


@router.post("/staff/indicators/snapshots/{snapshot_id}/publish", dependencies=[Csrf])
async def publish_snapshot(
    snapshot_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    raw = await _fields(request, "confirm")
    with shown_on(_snapshot_page(request, principal, session, snapshot_id)):
        _require_confirmation(
            raw, N_("Confirm that the evaluation is published and can no longer change.")
        )
        await snapshots.publish(session, principal, snapshot_id)
    return redirect(request, f"/staff/indicators/snapshots/{snapshot_id}?done=published")


@router.post("/staff/indicators/snapshots/{snapshot_id}/correct", dependencies=[Csrf])
async def correct_snapshot(
    snapshot_id: uuid.UUID, request: Request, principal: IndicatorEvaluator, session: SessionDep
) -> Response:
    raw = await _fields(request, "reason")
    with shown_on(_snapshot_page(request, principal, session, snapshot_id, raw)):
        data = validate_form(CorrectionRequest, raw)
        new = await snapshots.correct(session, principal, snapshot_id, data)
    return redirect(request, f"/staff/indicators/snapshots/{new.id}?done=corrected")
