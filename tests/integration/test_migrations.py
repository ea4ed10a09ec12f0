"""Alembic is the only schema path: one head, upgrade from empty, and no drift from the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from app.migrate import alembic_config
from app.models import Base
from tests.dbutil import fresh_database, requested_url, sync_url


class TestMigrations:
    def test_single_head(self) -> None:
        script = ScriptDirectory.from_config(alembic_config("sqlite://"))
        assert len(script.get_heads()) == 1

    def test_revision_files_are_date_named(self) -> None:
        script = ScriptDirectory.from_config(alembic_config("sqlite://"))
        for rev in script.walk_revisions():
            name = rev.path.rsplit("/", 1)[-1]
            assert name[:4].isdigit() and name[4] == "-" and name[10] == "-", name

    def test_upgrade_empty_database_then_no_drift(self) -> None:
        from app.migrate import upgrade

        with fresh_database(requested_url()) as url:
            upgrade(sync_url(url))
            engine = create_engine(sync_url(url))
            try:
                with engine.connect() as conn:
                    tables = set(inspect(conn).get_table_names())
                    assert {"user", "applicant", "audit_entry", "alembic_version"} <= tables
                    context = MigrationContext.configure(
                        conn, opts={"compare_type": True, "render_as_batch": True}
                    )
                    diff = compare_metadata(context, Base.metadata)
            finally:
                engine.dispose()
        assert diff == []

    def test_downgrade_to_base_and_up_again(self) -> None:
        from alembic import command

        with fresh_database(requested_url()) as url:
            cfg = alembic_config(sync_url(url))
            command.upgrade(cfg, "head")
            command.downgrade(cfg, "base")
            command.upgrade(cfg, "head")
