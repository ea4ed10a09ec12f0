"""Running Alembic from code (CLI and tests): the only way a schema is made."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.config import PROJECT_ROOT


def alembic_config(sync_url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = sync_url
    return cfg


def upgrade(sync_url: str, revision: str = "head") -> None:
    if sync_url.startswith("sqlite:///"):
        path = sync_url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(sync_url), revision)
