from __future__ import annotations

import logging

from app.repositories import health as health_repo
from app.repositories.unit_of_work import AsyncSession

log = logging.getLogger(__name__)


async def database_ready(session: AsyncSession) -> bool:
    try:
        await health_repo.ping(session)
    except Exception:  # any driver error means "not ready"; the reason goes to the log only
        log.warning("database not reachable", exc_info=True)
        return False
    return True
