"""What the nominee hears through the outbox, in their own language: proposed (with the public
notice's last day), not selected (with the reason), withdrawn after an upheld objection (with
the reason). The award's notice is sent with its register entry
(app/services/talent_register/awards.py)."""

from __future__ import annotations

from datetime import date

from app.models import Nomination, Programme
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession
from app.services import notifications


async def tell(
    session: AsyncSession,
    nomination: Nomination,
    programme: Programme,
    template: str,
    *,
    notice_until: date | None = None,
    decision_reason: str | dict[str, str] | None = None,
) -> None:
    person = await repo.applicant(session, nomination.applicant_id)
    user = await repo.user(session, person.user_id) if person is not None else None
    if user is None:
        return
    payload: dict[str, object] = {
        "programme_name": {"zh": programme.name_zh, "en": programme.name_en},
        "url": f"/nominations/{nomination.id}",
    }
    if notice_until is not None:
        payload["notice_until"] = notice_until
    if decision_reason is not None:
        payload["decision_reason"] = decision_reason
    await notifications.enqueue(
        session,
        recipient_user_id=user.id,
        template=template,
        payload=payload,
        language=user.language,
        dedup_key=f"programme_nomination:{nomination.id}:{template}",
        read_back=False,
    )
