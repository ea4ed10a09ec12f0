"""Deletes the embedded SQLite database, its uploads and its outbox (``make reset-demo`` then
migrates and loads the demo data again). Refuses anything but SQLite and production."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import get_settings

settings = get_settings()
if settings.environment == "production":
    sys.exit("refusing to reset the demo data in production")
if not settings.database_url.startswith("sqlite"):
    url = make_url(settings.database_url)
    sys.exit(
        f"TALENT_DATABASE_URL names {url.drivername} database {url.database!r}: "
        "make reset-demo only resets the embedded SQLite database (drop and create that one "
        "yourself, then run talent-portal migrate and talent-portal demo)"
    )
database = Path(str(make_url(settings.database_url).database))
for path in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
    path.unlink(missing_ok=True)
for directory in (settings.upload_dir, settings.outbox_dir):
    shutil.rmtree(directory, ignore_errors=True)
sys.stdout.write(f"deleted {database}, {settings.upload_dir} and {settings.outbox_dir}\n")
