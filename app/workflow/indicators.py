"""The plans' indicators: a recorded figure (maker and checker) and an evaluation snapshot.

``ValueStatus`` is ``indicator_value.status``: a figure a district admin records waits for a
second admin's confirmation; a computed figure is written confirmed. ``SnapshotStatus`` is
``indicator_snapshot.status``: a draft with its narratives, approved by a second admin, then
published, after which it never changes (a database trigger refuses it too); a correction is a
new version.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import InvalidIndicatorValueChange, InvalidSnapshotChange
from app.workflow.lifecycle import Lifecycle


class ValueStatus(StrEnum):
    PENDING = "pending"  # recorded, waiting for a second person
    CONFIRMED = "confirmed"
    REJECTED = "rejected"

    FINAL: ClassVar[frozenset[ValueStatus]]


ValueStatus.FINAL = frozenset({ValueStatus.CONFIRMED, ValueStatus.REJECTED})


class ValueEvent(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"


VALUES: Lifecycle[ValueStatus, ValueEvent] = Lifecycle(
    ValueStatus,
    ValueEvent,
    {
        (ValueStatus.PENDING, ValueEvent.CONFIRM): ValueStatus.CONFIRMED,
        (ValueStatus.PENDING, ValueEvent.REJECT): ValueStatus.REJECTED,
    },
    ValueStatus.FINAL,
    InvalidIndicatorValueChange,
)


class ValueOrigin(StrEnum):
    COMPUTED = "computed"  # by a named query on the portal's own data
    RECORDED = "recorded"  # entered from an outside source, confirmed by a second person


class SnapshotStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"

    FINAL: ClassVar[frozenset[SnapshotStatus]]


SnapshotStatus.FINAL = frozenset({SnapshotStatus.PUBLISHED})


class SnapshotEvent(StrEnum):
    EDIT = "edit"  # a narrative written or changed
    APPROVE = "approve"
    REOPEN = "reopen"  # the approver sends it back for changes
    PUBLISH = "publish"


SNAPSHOTS: Lifecycle[SnapshotStatus, SnapshotEvent] = Lifecycle(
    SnapshotStatus,
    SnapshotEvent,
    {
        (SnapshotStatus.DRAFT, SnapshotEvent.EDIT): SnapshotStatus.DRAFT,
        (SnapshotStatus.DRAFT, SnapshotEvent.APPROVE): SnapshotStatus.APPROVED,
        (SnapshotStatus.APPROVED, SnapshotEvent.REOPEN): SnapshotStatus.DRAFT,
        (SnapshotStatus.APPROVED, SnapshotEvent.PUBLISH): SnapshotStatus.PUBLISHED,
    },
    SnapshotStatus.FINAL,
    InvalidSnapshotChange,
)


class SnapshotKind(StrEnum):
    ANNUAL = "annual"
    MID_TERM = "mid_term"  # the plans' 2023 mid-term evaluation


class Progress(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"
    NOT_ASSESSED = "not_assessed"  # no value yet, or no later value than the starting point
