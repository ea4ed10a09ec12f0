"""How a programme award's grant is paid, as the talent register sees it: the payments room
provides it and ``wiring`` installs it (the rooms stand side by side and never import each
other). The register calls ``current()`` when it records an award and when a membership ends."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from app.models import GrantPayment, TalentRegisterEntry
from app.repositories.unit_of_work import AsyncSession


class AwardPayments(Protocol):
    async def entitle(
        self,
        session: AsyncSession,
        entry: TalentRegisterEntry,
        *,
        beneficiary_name: str,
        amount_cny: int,
        instalments: int,
        assumed: bool,
        title: tuple[str, str],
    ) -> list[GrantPayment]:
        """The award's grant as payable instalments (one grant_payment each)."""
        ...

    async def end_after(
        self, session: AsyncSession, entry: TalentRegisterEntry, last_day: date, now: datetime
    ) -> list[GrantPayment]:
        """Cancels the instalments dated after the membership's last day not yet paid or
        with the bank; returns them."""
        ...


_installed: list[AwardPayments] = []


def install(payments: AwardPayments) -> None:
    _installed[:] = [payments]


def current() -> AwardPayments:
    if not _installed:
        raise RuntimeError("award payments not installed: call app.services.wiring.install()")
    return _installed[0]
