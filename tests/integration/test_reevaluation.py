"""Re-evaluation when a policy changes: stored profiles through both versions, exact changes."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.eligibility.reevaluation import reevaluate
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")

RETURNEE = f.settlement_returnee_profile(
    return_date="2022-09-01", employment_start_date="2022-10-01"
)


class TestReevaluate:
    async def test_reports_exactly_whose_status_changes(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.repositories import accounts as accounts_repo

        top = await f.register_and_login(client, f.domestic_payload())
        other = await f.register_and_login(client, f.domestic_payload())
        profiles = {
            top.account["applicant"]["id"]: {
                **RETURNEE,
                "university_world_rank": 30,
                "social_insurance_months": 1,
            },
            other.account["applicant"]["id"]: {
                **RETURNEE,
                "university_world_rank": 150,
                "social_insurance_months": 3,
            },
        }
        async with sessionmaker() as session, session.begin():
            for applicant_id, facts in profiles.items():
                applicant = await accounts_repo.get_applicant_by_id(
                    session, uuid.UUID(applicant_id)
                )
                assert applicant is not None
                applicant.profile_facts = facts
        seen: list[tuple[int, int]] = []
        async with sessionmaker() as session:
            report = await reevaluate(
                session,
                "shanghai.returnee_settlement",
                "2020-11-13",
                "2022-07-01",
                as_of=date(2023, 1, 1),
                progress=lambda done, total: seen.append((done, total)),
            )
        mine = [c for c in report.changes if str(c.subject_id) in profiles]
        assert [(str(c.subject_id), c.old_status, c.new_status) for c in mine] == [
            (top.account["applicant"]["id"], "ineligible", "unknown")
        ]
        assert seen and seen[-1][0] == seen[-1][1]

    async def test_unknown_version_is_refused(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        import pytest

        from app.errors import ValidationFailed

        async with sessionmaker() as session:
            with pytest.raises(ValidationFailed):
                await reevaluate(
                    session, "shanghai.returnee_settlement", "1999-01-01", "2022-07-01"
                )


class TestReevaluateCommand:
    def test_cli_lists_the_profiles_whose_status_changes(self, tmp_path: Path) -> None:
        """``talent-portal rules reevaluate`` against its own temporary SQLite database."""
        import asyncio
        import os

        from sqlalchemy.ext.asyncio import create_async_engine
        from typer.testing import CliRunner

        from app.cli import cli
        from app.config import get_settings
        from app.db import make_sessionmaker
        from app.migrate import upgrade
        from app.models.accounts import Applicant, User
        from tests.dbutil import sync_url

        url = f"sqlite+aiosqlite:///{tmp_path / 'reevaluate.db'}"
        upgrade(sync_url(url))
        changed, unchanged, invalid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        profiles = {
            changed: {**RETURNEE, "university_world_rank": 30, "social_insurance_months": 1},
            unchanged: {**RETURNEE, "university_world_rank": 150, "social_insurance_months": 3},
            invalid: {**RETURNEE, "highest_degree": "wizard"},
        }

        async def write() -> None:
            engine = create_async_engine(url)
            try:
                async with make_sessionmaker(engine)() as session, session.begin():
                    for n, (applicant_id, facts) in enumerate(profiles.items()):
                        user = User(email=f"cli{n}@example.cn", password_hash="x", kind="applicant")
                        session.add(user)
                        await session.flush()
                        session.add(
                            Applicant(
                                id=applicant_id,
                                user_id=user.id,
                                applicant_type="domestic",
                                full_name="测试",
                                id_kind="resident_id",
                                id_number_enc=b"x",
                                id_number_index=f"index-{n}",
                                id_number_masked="1101**********0000",
                                nationality="CN",
                                profile_facts=facts,
                            )
                        )
            finally:
                await engine.dispose()

        asyncio.run(write())
        saved = os.environ.get("TALENT_DATABASE_URL")
        os.environ["TALENT_DATABASE_URL"] = url
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(
                cli,
                [
                    "rules",
                    "reevaluate",
                    "shanghai.returnee_settlement",
                    "2020-11-13",
                    "2022-07-01",
                    "--as-of",
                    "2023-01-01",
                ],
                env={"COLUMNS": "200"},
            )
        finally:
            if saved is None:
                del os.environ["TALENT_DATABASE_URL"]
            else:
                os.environ["TALENT_DATABASE_URL"] = saved
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert str(changed) in result.output
        assert str(unchanged) not in result.output
        assert "ineligible" in result.output and "unknown" in result.output
        assert "checked 2, skipped 1 with invalid facts, 1 status changes" in result.output
