"""A person's rights over their data (PIPL Art. 45-47): the export prepared in the background
and the correction request a district officer decides."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.i18n import N_
from app.workflow.errors import InvalidStatusChange
from app.workflow.lifecycle import Lifecycle


class InvalidExportChange(InvalidStatusChange):
    code = "export_not_pending"
    message = N_("This copy of your data is no longer being prepared.")
    lifecycle = "data_export"


class InvalidCorrectionChange(InvalidStatusChange):
    code = "correction_decided"
    message = N_("This correction request has already been decided. Reload the list.")
    lifecycle = "correction_request"


class ExportStatus(StrEnum):
    QUEUED = "queued"
    PREPARING = "preparing"
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"  # the file is deleted; a new copy can be asked for

    FINAL: ClassVar[frozenset[ExportStatus]]
    OPEN: ClassVar[frozenset[ExportStatus]]


ExportStatus.FINAL = frozenset({ExportStatus.FAILED, ExportStatus.EXPIRED})
ExportStatus.OPEN = frozenset({ExportStatus.QUEUED, ExportStatus.PREPARING})


class ExportEvent(StrEnum):
    START = "start"
    FINISH = "finish"
    FAIL = "fail"
    EXPIRE = "expire"


EXPORT: Lifecycle[ExportStatus, ExportEvent] = Lifecycle(
    ExportStatus,
    ExportEvent,
    {
        (ExportStatus.QUEUED, ExportEvent.START): ExportStatus.PREPARING,
        # A worker killed mid-way leaves it preparing; the next round starts it again.
        (ExportStatus.PREPARING, ExportEvent.START): ExportStatus.PREPARING,
        (ExportStatus.PREPARING, ExportEvent.FINISH): ExportStatus.READY,
        (ExportStatus.PREPARING, ExportEvent.FAIL): ExportStatus.FAILED,
        (ExportStatus.QUEUED, ExportEvent.FAIL): ExportStatus.FAILED,
        (ExportStatus.READY, ExportEvent.EXPIRE): ExportStatus.EXPIRED,
    },
    ExportStatus.FINAL,
    InvalidExportChange,
)


class CorrectionStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"

    FINAL: ClassVar[frozenset[CorrectionStatus]]


CorrectionStatus.FINAL = frozenset({CorrectionStatus.APPROVED, CorrectionStatus.REJECTED})


class CorrectionEvent(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


CORRECTION: Lifecycle[CorrectionStatus, CorrectionEvent] = Lifecycle(
    CorrectionStatus,
    CorrectionEvent,
    {
        (CorrectionStatus.OPEN, CorrectionEvent.APPROVE): CorrectionStatus.APPROVED,
        (CorrectionStatus.OPEN, CorrectionEvent.REJECT): CorrectionStatus.REJECTED,
    },
    CorrectionStatus.FINAL,
    InvalidCorrectionChange,
)
