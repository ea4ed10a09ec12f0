"""The bundle service itself and the bilingual texts the bundle writes on its cases."""

from __future__ import annotations

from collections.abc import Callable

from app.errors import NotFound
from app.i18n import N_, gettext
from app.models import Service
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.services.settlement import records
from app.workflow.bundle import (
    BUNDLE_SERVICE,
)
from app.workflow.states import CaseStatus

S = CaseStatus


def is_bundle(service: Service) -> bool:
    return service.code == BUNDLE_SERVICE and service.part_of is None


def is_bundle_code(code: str) -> bool:
    return code == BUNDLE_SERVICE


async def bundle_service(session: AsyncSession, district: str) -> Service:
    service = await catalog_repo.get_by_code(session, district, BUNDLE_SERVICE)
    if service is None or not service.is_active:
        raise NotFound(N_("This service is not available."))
    return service


WAITING_FOR = N_("Waiting for data from: {systems}")


LIST_SEPARATOR = {"zh": "、", "en": ", "}


def both_languages(msgid: str, params: Callable[[str], dict[str, str]] | None = None) -> str:
    """A text the system writes on a case (an event's reason, a notice's item) in Chinese and
    English at once: the event is read by the applicant and by staff, each in their language."""
    return " / ".join(
        gettext(lang, msgid, params(lang) if params else None) for lang in ("zh", "en")
    )


def waiting_reason(systems: list[str]) -> str:
    return both_languages(
        WAITING_FOR,
        lambda lang: {
            "systems": LIST_SEPARATOR[lang].join(records.system_label(s, lang) for s in systems)
        },
    )
