"""Log retention: rotated log files older than ``log_retention_days`` (180 by default: the
Cybersecurity Law's six months) are deleted by the worker's round. The live files are never
touched; rotation by size happens as they are written (``app.core.logging``)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from app.config import get_settings

log = logging.getLogger(__name__)


def prune_rotated_logs(
    log_dir: Path | None = None, *, days: int | None = None, now: float | None = None
) -> list[Path]:
    """Deletes rotated files (``app.log.1``, ``access.log.7``...) last written before the
    retention window; returns what it deleted."""
    settings = get_settings()
    folder = log_dir if log_dir is not None else settings.log_dir
    if folder is None or not folder.is_dir():
        return []
    keep_days = days if days is not None else settings.log_retention_days
    cutoff = (now if now is not None else time.time()) - keep_days * 86400
    removed = []
    for path in sorted(folder.glob("*.log.*")):
        suffix = path.name.rsplit(".", 1)[-1]
        if suffix.isdigit() and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.info("rotated logs deleted", extra={"count": len(removed), "days": keep_days})
    return removed
