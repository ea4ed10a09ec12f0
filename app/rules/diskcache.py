"""A small JSON cache on disk for the slow parts of a cold start (parsing YAML and CEL).

Entries are keyed by content (expression text, file hash) under a stamp that changes whenever
their meaning could (format version, vocabulary), so a stale entry is never used. The cache is an
optimisation only: unreadable or unwritable means it is ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _path(name: str) -> Path:
    root = os.environ.get("TALENT_RULES_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "talent-portal"
    )
    return Path(root) / f"{name}.json"


def read(name: str, stamp: str) -> dict[str, Any]:
    try:
        stored = json.loads(_path(name).read_text(encoding="utf-8"))
        if isinstance(stored, dict) and stored.get("stamp") == stamp:
            entries = stored.get("entries")
            return dict(entries) if isinstance(entries, dict) else {}
    except (OSError, ValueError):
        pass
    return {}


def write(name: str, stamp: str, entries: Mapping[str, Any]) -> None:
    path = _path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"stamp": stamp, "entries": entries}, out, ensure_ascii=False, default=str)
        os.replace(temp, path)
    except OSError:
        return
