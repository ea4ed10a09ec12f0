"""Schemathesis against the real server's /api/openapi.json: every operation, generated
requests (stateless, a bounded number per operation), once as a signed-in applicant and once
as signed-in staff. No answer may be a 5xx, and every answer must match its schema."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from tests import factories as f
from tests.faults.conftest import Process, report


@pytest.fixture(scope="session")
def tokens(portal: tuple[Process, str]) -> dict[str, dict[str, str]]:
    _, base = portal

    async def sign_in() -> dict[str, dict[str, str]]:
        # An engine of this event loop's own (the suite's sessionmaker belongs to another).
        engine = make_engine(get_settings())
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as c:
                applicant = await f.register_and_login(
                    c, f.domestic_payload(), make_sessionmaker(engine)
                )
                email = await f.create_staff(
                    make_sessionmaker(engine), district="changning", roles=["reviewer", "approver"]
                )
                return {"applicant": applicant.headers, "staff": await f.staff_login(c, email)}
        finally:
            await engine.dispose()

    return asyncio.run(sign_in())


@pytest.mark.timeout(150)
@pytest.mark.parametrize("who", ["applicant", "staff"])
def test_api_answers_without_5xx_and_as_documented(
    portal: tuple[Process, str], tokens: dict[str, dict[str, str]], who: str, tmp_path: Path
) -> None:
    # The CLI rather than schemathesis.pytest: its pytest plugin does not load under pytest 9.
    _, base = portal
    [(name, value)] = tokens[who].items()
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "run",
            base + "/api/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "2",
            "--seed",
            "14",
            "--request-timeout",
            "10",
            "-H",
            f"{name}: {value}",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        # st keeps a cache (.schemathesis/) in its working directory; not in the checkout.
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=140,
    )
    tail = done.stdout[-6000:]
    report(f"schemathesis as {who}", exit_code=done.returncode, summary=_summary(done.stdout))
    assert done.returncode == 0, tail


def _summary(out: str) -> str:
    lines = [ln.strip() for ln in out.splitlines() if "passed" in ln or "failed" in ln]
    return lines[-1] if lines else "?"
