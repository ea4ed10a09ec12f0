"""Who hears of the onboarding bundle's progress: the person, in the language they read the
portal in, and the users of the employer named on it (the same progress), each in their own.
Each event is told once (its dedup key names it), however often the bundle is moved on."""

from __future__ import annotations

from collections.abc import Mapping

from app.models import Case
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories.unit_of_work import AsyncSession
from app.services import notifications
from app.workflow.onboarding import OnboardingStep


async def _tell(
    session: AsyncSession,
    bundle: Case,
    template: str,
    event: str,
    extra: Mapping[str, object] | None = None,
) -> None:
    assert bundle.applicant_id is not None
    person = await accounts_repo.get_applicant_by_id(session, bundle.applicant_id)
    contact = await onboarding_repo.person_of(session, bundle.applicant_id)
    if person is None or contact is None:
        return
    payload = {"case_number": bundle.number, "applicant_name": person.full_name, **(extra or {})}
    recipients = [(person.user_id, contact[1])]
    if bundle.employer_id is not None:
        recipients += await cases_repo.employer_recipients(session, bundle.employer_id)
    for user_id, language in recipients:
        await notifications.enqueue(
            session,
            recipient_user_id=user_id,
            template=template,
            payload=payload,
            language=language,
            dedup_key=f"onboarding:{bundle.id.hex}:{event}:{user_id.hex[:12]}",
            case_id=bundle.id,
            read_back=False,
        )


async def handoff_recorded(
    session: AsyncSession, bundle: Case, number: str, outcome_label: str
) -> None:
    await _tell(
        session,
        bundle,
        "onboarding.handoff_recorded",
        f"handoff:{number}",
        {"application_number": number, "outcome": {"msgid": outcome_label}},
    )


async def step_done(session: AsyncSession, bundle: Case, step: OnboardingStep) -> None:
    await _tell(
        session,
        bundle,
        "onboarding.step_done",
        f"done:{step.code}",
        {"step": {"msgid": step.title}},
    )


async def letter_issued(session: AsyncSession, bundle: Case) -> None:
    await _tell(session, bundle, "onboarding.confirmation_letter_issued", "letter")


async def completed(session: AsyncSession, bundle: Case) -> None:
    await _tell(session, bundle, "onboarding.completed", "completed")
