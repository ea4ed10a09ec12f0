"""Log files are kept by a setting and no longer: the worker's round deletes rotated files
older than ``log_retention_days`` and leaves newer ones and the live files alone."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.config import get_settings
from app.services.log_retention import prune_rotated_logs

DAY = 86400


def _file(folder: Path, name: str, age_days: float, now: float) -> Path:
    path = folder / name
    path.write_text('{"message": "request"}\n')
    os.utime(path, (now - age_days * DAY, now - age_days * DAY))
    return path


def test_rotated_files_older_than_the_setting_are_deleted(tmp_path: Path) -> None:
    now = time.time()
    old_access = _file(tmp_path, "access.log.3", 181, now)
    old_app = _file(tmp_path, "app.log.12", 400, now)
    recent = _file(tmp_path, "access.log.1", 179, now)
    live = _file(tmp_path, "access.log", 500, now)  # the file being written: never removed
    other = _file(tmp_path, "notes.txt", 500, now)

    removed = prune_rotated_logs(tmp_path, days=180, now=now)

    assert sorted(removed) == sorted([old_access, old_app])
    assert not old_access.exists() and not old_app.exists()
    assert recent.exists() and live.exists() and other.exists()


def test_the_default_keeps_six_months() -> None:
    assert get_settings().log_retention_days == 180


def test_a_missing_folder_is_nothing_to_do(tmp_path: Path) -> None:
    assert prune_rotated_logs(tmp_path / "absent", days=1) == []
