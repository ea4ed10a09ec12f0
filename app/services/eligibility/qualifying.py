"""Telling people when they newly qualify (issue 17, point 6).

Two things can make a person's stored facts meet a policy they did not meet before: a new
policy version (found by ``rules reevaluate``, sent with ``--notify``) and time (a waiting
period ends, an age or a number of months is reached), found by the worker's daily round. Either
way the person is told only if they consent to such notices now, only if they hold no open case
and no standing approval of a service the policy decides, and at most once per policy version:
the row in ``qualifying_notice`` and the outbox message are written in one transaction, and the
table's unique key (person, policy, version) lets only one of two racing senders write.

What the daily round checks, precisely: each person who consents and was not checked today,
with the facts stored in their profile now, against every policy deciding a service people
apply for, on the day of their last check and on today (each day's version in force). A policy
eligible today but not on that day is new for them because of time (or because a version came
into force in between). A person checked for the first time only gets a check day: there is no
earlier verdict to compare with, and what they already qualified for is not news. Facts that
were not valid on the earlier day (a date after it, entered since) are not compared."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.enums import ConsentPurpose
from app.errors import Conflict
from app.i18n import N_
from app.models import Service
from app.repositories import qualifying as repo
from app.repositories.qualifying import Person
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.rules import load_library, validate_facts
from app.rules.compiled import CompiledPolicy
from app.rules.engine import PolicyLibrary
from app.rules.results import DecisionStatus
from app.services import notifications
from app.services.eligibility.reevaluation import ReevaluationReport
from app.services.rights.consents import may_notify

TEMPLATE = "eligibility.newly_qualifying"
POLICY_CHANGE, TIME = "policy_change", "time"
CHUNK = 500
ELIGIBLE = 1  # the batch engine's status code

ERR_NOT_IN_FORCE = N_(
    "Version {version} is not the one in force on {day}: people are told they qualify only "
    "under the version in force."
)


@dataclass(frozen=True)
class Qualified:
    applicant_id: uuid.UUID
    policy_id: str
    policy_version: str


def _district_services(services: list[Service], facts: dict[str, Any]) -> list[Service]:
    """The services of the district the person works in, when their facts say and it offers
    one; otherwise every district's."""
    mine = [s for s in services if s.district == facts.get("employer_district")]
    return mine or services


async def notify(session: AsyncSession, found: Sequence[Qualified], trigger: str) -> int:
    """Sends each found person the notice of their newly met policy, once per version, in their
    language, naming the services to apply for. Returns how many were sent now."""
    if not found:
        return 0
    people = {
        p.applicant_id: p for p in await repo.people(session, {q.applicant_id for q in found})
    }
    consenting = await may_notify(
        session, {p.user_id for p in people.values()}, ConsentPurpose.QUALIFYING_NOTICES
    )
    services = await repo.services_for_policies(session, {q.policy_id for q in found})
    held = await repo.held_services(
        session, set(people), {s.id for group in services.values() for s in group}
    )
    library = load_library()
    sent = 0
    for q in found:
        person = people.get(q.applicant_id)
        offered = services.get(q.policy_id, [])
        if person is None or person.user_id not in consenting or not offered:
            continue
        # A person with a case or an approval of any service of the policy is not told again.
        if any((person.applicant_id, s.id) in held for s in offered):
            continue
        named = _district_services(offered, person.facts)
        recorded = await repo.add_notice_once(
            session,
            {
                "applicant_id": person.applicant_id,
                "policy_id": q.policy_id,
                "policy_version": q.policy_version,
                "trigger": trigger,
                "service_codes": sorted({s.code for s in named}),
            },
        )
        if not recorded:
            continue  # told of this version before (or by a concurrent round just now)
        title = library.version(q.policy_id, q.policy_version).spec.title
        first = named[0]
        await notifications.enqueue(
            session,
            recipient_user_id=person.user_id,
            template=TEMPLATE,
            payload={
                "services": [{"zh": s.name_zh, "en": s.name_en} for s in named],
                "policy": {"zh": title.zh, "en": title.en},
                "url": f"/services#{first.district}-{first.code}",
            },
            language=person.language,
            dedup_key=f"qualifying:{person.applicant_id}:{q.policy_id}:{q.policy_version}",
            read_back=False,
        )
        sent += 1
    return sent


async def notify_after_reevaluation(session: AsyncSession, report: ReevaluationReport) -> int:
    """The stored profiles the report found eligible under the new version and not under the
    old one. Applications are left out: their people have a case already."""
    in_force = load_library().version_at(report.policy_id, report.as_of)
    if in_force is None or in_force.version != report.new_version:
        raise Conflict(
            ERR_NOT_IN_FORCE, params={"version": report.new_version, "day": report.as_of}
        )
    found = [
        Qualified(c.subject_id, report.policy_id, report.new_version)
        for c in report.changes
        if c.subject == "applicant"
        and c.new_status == DecisionStatus.ELIGIBLE
        and c.old_status != DecisionStatus.ELIGIBLE
    ]
    return await notify(session, found, POLICY_CHANGE)


def _in_force(library: PolicyLibrary, policy_ids: Sequence[str], day: date) -> list[CompiledPolicy]:
    versions = (library.version_at(policy_id, day) for policy_id in policy_ids)
    return [v for v in versions if v is not None]


def newly_by_time(
    library: PolicyLibrary, policy_ids: Sequence[str], people: Sequence[Person], today: date
) -> list[Qualified]:
    """Of these people (each with the day of their last check), those eligible today for a
    policy they were not eligible for on that day, their stored facts being the same."""
    by_day: dict[date, list[tuple[uuid.UUID, dict[str, Any]]]] = {}
    for person in people:
        if person.checked_on is None or person.checked_on >= today or not person.facts:
            continue
        facts = {k: v for k, v in person.facts.items() if k != "employer_uscc"}
        if validate_facts(facts, person.checked_on).ok and validate_facts(facts, today).ok:
            by_day.setdefault(person.checked_on, []).append((person.applicant_id, facts))
    found: list[Qualified] = []
    for day, group in sorted(by_day.items()):
        profiles = [facts for _id, facts in group]
        before = library.evaluate_versions_batch(_in_force(library, policy_ids, day), profiles, day)
        now = library.evaluate_versions_batch(
            _in_force(library, policy_ids, today), profiles, today
        )
        for policy_id, codes in now.statuses.items():
            earlier = before.statuses.get(policy_id)
            for index in (codes == ELIGIBLE).nonzero()[0].tolist():
                if earlier is None or int(earlier[index]) != ELIGIBLE:
                    found.append(Qualified(group[index][0], policy_id, now.versions[policy_id]))
    return found


async def run_time_checks(sessionmaker: async_sessionmaker[AsyncSession], today: date) -> int:
    """The daily round over consenting people not checked today, a chunk per transaction (one
    failing chunk does not undo the others' notices). Returns how many notices were sent."""
    library = load_library()
    async with sessionmaker() as session:
        decided = await repo.services_for_policies(session, library.policy_ids())
    policy_ids = sorted(decided)
    sent = 0
    after: uuid.UUID | None = None
    while True:
        async with sessionmaker() as session, session.begin():
            batch = await repo.due_for_time_check(
                session, ConsentPurpose.QUALIFYING_NOTICES.value, today, after, CHUNK
            )
            if not batch:
                return sent
            after = batch[-1].applicant_id
            found = newly_by_time(library, policy_ids, batch, today)
            sent += await notify(session, found, TIME)
            await repo.mark_checked(session, [p.applicant_id for p in batch], today)
