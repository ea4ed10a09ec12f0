"""The one shape of every status column besides the case's own.

A lifecycle is a ``StrEnum`` of the values stored today, a table saying where each event leads
from each status, and the final statuses, which the table may not lead out of (checked when the
table is built, so such a table cannot be imported). ``advance`` is the one function that
applies the table; a move the table lacks raises the lifecycle's ``InvalidStatusChange``.

Cases keep their richer machine (``app.workflow.transitions``): roles, payloads and side
effects come with each case action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from app.workflow.errors import InvalidStatusChange

StatusT = TypeVar("StatusT", bound=StrEnum)
EventT = TypeVar("EventT", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Lifecycle(Generic[StatusT, EventT]):
    statuses: type[StatusT]
    events: type[EventT]
    transitions: Mapping[tuple[StatusT, EventT], StatusT]
    final: frozenset[StatusT]
    refusal: type[InvalidStatusChange]

    def __post_init__(self) -> None:
        leaving = sorted(str(s) for s, _event in self.transitions if s in self.final)
        if leaving:
            raise ValueError(f"{self.name}: final statuses lead on: {leaving}")

    @property
    def name(self) -> str:
        return self.refusal.lifecycle

    def status(self, value: StatusT | str) -> StatusT:
        """The member for a stored value; ValueError for a value outside the vocabulary."""
        return self.statuses(value)

    def advance(self, current: StatusT | str, event: EventT) -> StatusT:
        """The status ``event`` leads to from ``current``, or the lifecycle's refusal."""
        status = self.status(current)
        target = self.transitions.get((status, event))
        if target is None:
            raise self.refusal(status, event)
        return target

    def allows(self, current: StatusT | str, event: EventT) -> bool:
        return (self.status(current), event) in self.transitions

    def events_from(self, current: StatusT | str) -> list[EventT]:
        """The events the table allows from ``current``, in the event enum's order."""
        status = self.status(current)
        return [e for e in self.events if (status, e) in self.transitions]

    def is_final(self, current: StatusT | str) -> bool:
        return self.status(current) in self.final
