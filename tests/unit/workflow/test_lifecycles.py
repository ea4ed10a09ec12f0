"""Every status lifecycle besides the case's own, through the one function that applies it."""

from __future__ import annotations

import itertools
from collections import deque
from enum import StrEnum
from typing import Any

import pytest

from app.i18n import gettext
from app.workflow import errors
from app.workflow.applications import APPLICATIONS, FACT_CHECKS
from app.workflow.housing import LEASES, OFFERS, UNITS, WAITLIST
from app.workflow.indicators import SNAPSHOTS, VALUES
from app.workflow.lifecycle import Lifecycle
from app.workflow.outbox import OUTBOX
from app.workflow.payments import CYCLES, ENROLMENTS, ENTITLEMENTS
from app.workflow.rights import CORRECTION, EXPORT
from app.workflow.schedules import SCHEDULES
from app.workflow.service_cards import CARDS
from app.workflow.tasks import COMMITMENT_CHECKS, FOLLOW_UPS

AnyLifecycle = Lifecycle[Any, Any]

LIFECYCLES: dict[str, AnyLifecycle] = {
    "application": APPLICATIONS,
    "fact_check": FACT_CHECKS,
    "payment_cycle": CYCLES,
    "enrolment": ENROLMENTS,
    "entitlement": ENTITLEMENTS,
    "apartment_unit": UNITS,
    "waitlist_entry": WAITLIST,
    "apartment_offer": OFFERS,
    "lease": LEASES,
    "schedule": SCHEDULES,
    "commitment_check": COMMITMENT_CHECKS,
    "follow_up": FOLLOW_UPS,
    "outbox_message": OUTBOX,
    "indicator_value": VALUES,
    "indicator_snapshot": SNAPSHOTS,
    "data_export": EXPORT,
    "correction_request": CORRECTION,
    "service_card": CARDS,
}
ALL = pytest.mark.parametrize("lifecycle", LIFECYCLES.values(), ids=LIFECYCLES.keys())

PAIRS = [
    pytest.param(lc, status, event, id=f"{name}:{status}:{event}")
    for name, lc in LIFECYCLES.items()
    for status, event in itertools.product(lc.statuses, lc.events)
]


@ALL
def test_each_is_named_after_its_refusal(lifecycle: AnyLifecycle) -> None:
    assert lifecycle is LIFECYCLES[lifecycle.name]


@pytest.mark.parametrize(("lifecycle", "status", "event"), PAIRS)
def test_every_move_in_the_table_applies_and_every_other_is_refused(
    lifecycle: AnyLifecycle, status: StrEnum, event: StrEnum
) -> None:
    target = lifecycle.transitions.get((status, event))
    if target is not None:
        assert lifecycle.advance(status, event) is target
        assert lifecycle.advance(status.value, event) is target  # the stored string works too
        assert lifecycle.allows(status, event)
        return
    assert not lifecycle.allows(status, event)
    with pytest.raises(lifecycle.refusal) as caught:
        lifecycle.advance(status, event)
    assert isinstance(caught.value, errors.WorkflowConflict)
    assert caught.value.current_status is status
    assert caught.value.event is event
    assert caught.value.to_dict() == {
        "code": lifecycle.refusal.code,
        "message": lifecycle.refusal.message,
        "action": event.value,
        "lifecycle": lifecycle.name,
        "current_status": status.value,
    }


@ALL
def test_final_statuses_have_no_way_out(lifecycle: AnyLifecycle) -> None:
    for status in lifecycle.final:
        assert lifecycle.events_from(status) == []
        assert lifecycle.is_final(status)


@ALL
def test_every_status_but_the_first_is_reached_from_the_first(lifecycle: AnyLifecycle) -> None:
    """The first member is where a row begins (the column's default)."""
    start = next(iter(lifecycle.statuses))
    seen = {start}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for event in lifecycle.events_from(status):
            target = lifecycle.advance(status, event)
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert seen == set(lifecycle.statuses)


@ALL
def test_every_event_is_used(lifecycle: AnyLifecycle) -> None:
    assert {e for _s, e in lifecycle.transitions} == set(lifecycle.events)


@ALL
def test_a_value_outside_the_vocabulary_is_not_a_status(lifecycle: AnyLifecycle) -> None:
    event = next(iter(lifecycle.events))
    with pytest.raises(ValueError):
        lifecycle.advance("no_such_status", event)


@ALL
def test_the_refusal_is_bilingual(lifecycle: AnyLifecycle) -> None:
    message = lifecycle.refusal.message
    assert message[0].isupper()
    assert gettext("en", message) == message
    assert gettext("zh", message) != message


def test_the_shared_refusal_is_bilingual_too() -> None:
    base = errors.InvalidStatusChange.message
    assert gettext("zh", base) != base
    parts = errors.NotOnBundlePart.message
    assert gettext("zh", parts) != parts


def test_a_table_that_lets_a_final_status_move_cannot_be_built() -> None:
    class Light(StrEnum):
        ON = "on"
        OFF = "off"

    class Flip(StrEnum):
        FLIP = "flip"

    with pytest.raises(ValueError, match="final statuses lead on"):
        Lifecycle(
            Light,
            Flip,
            {(Light.ON, Flip.FLIP): Light.OFF, (Light.OFF, Flip.FLIP): Light.ON},
            frozenset({Light.OFF}),
            errors.InvalidLeaseChange,
        )
