"""What every payment step shares: month arithmetic, schedules from policy outputs, masked bank
details, the finance permission check and the enrollee's notices."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import PermissionDenied
from app.i18n import N_, gettext, localized
from app.models import Case, Enrolment
from app.repositories import accounts as accounts_repo
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import Text
from app.services import notifications

ACCOUNT_CONTEXT = "subsidy.bank_account"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, month: date) -> int:
    return (month.year - start.year) * 12 + month.month - start.month


def mask_account(number: str) -> str:
    return "*" * max(0, len(number) - 4) + number[-4:]


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


def schedule_from(outputs: dict[str, Any]) -> tuple[list[int], int]:
    """The monthly amounts and the total cap from a policy's outputs.

    The cap is the "up to" total where a policy gives one beside the certain part (Changning's
    months 7-12 are paid only while employed there; each payment cycle checks that)."""
    if isinstance(outputs.get("monthly_schedule_cny"), list):
        schedule = [int(x) for x in outputs["monthly_schedule_cny"]]
    else:
        amount = int(outputs.get("monthly_amount_cny") or 0)
        schedule = [amount] * int(outputs.get("max_months") or 0)
    cap = int(outputs.get("max_total_cny") or outputs.get("total_cny") or sum(schedule))
    return schedule, cap


def require_permission(principal: Principal, permission: Permission) -> str:
    if principal.district is None or not principal.can(permission):
        raise PermissionDenied()
    return principal.district


async def notify_enrollee(
    session: AsyncSession,
    enrolment: Enrolment,
    template: str,
    extra: dict[str, Any],
    dedup: str | None = None,
    reason: Text | None = None,
) -> None:
    applicant = await accounts_repo.get_applicant_by_id(session, enrolment.applicant_id)
    case = await session.get(Case, enrolment.case_id)
    service = await catalog_repo.get(session, case.service_id) if case else None
    if applicant is None or case is None or service is None:
        return
    lang = applicant.user.language
    await notifications.enqueue(
        session,
        recipient_user_id=applicant.user_id,
        template=template,
        payload={
            "case_number": case.number,
            "service_name": localized(service, "name", lang),
            **extra,
            **({"reason": reason.get(lang)} if reason else {}),
        },
        language=lang,
        dedup_key=dedup or f"enrolment:{enrolment.id}:{template}",
        case_id=case.id,
        read_back=False,
    )


def payment_label(
    case_number: str | None,
    title_zh: str | None,
    title_en: str | None,
    instalment: int | None,
    instalments: int,
    lang: str,
) -> str:
    """What a payment is for, where a case number stands: the case's number, or for a
    programme award's instalment (no case) the programme in the reader's language and which
    instalment it is. The award's internal reference is never shown."""
    if case_number:
        return case_number
    title = (title_zh if lang == "zh" else title_en) or title_en or title_zh or ""
    if instalment is None or instalments <= 1:
        return title
    return gettext(
        lang,
        N_("{title}, instalment {number} of {count}"),
        {"title": title, "number": instalment, "count": instalments},
    )
