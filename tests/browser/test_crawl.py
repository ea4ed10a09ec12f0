"""Issue 21's crawl: every page each role reaches by links, in Chinese and English, at 1280 and
390 px, on PostgreSQL with the demo data, fails on a 5xx, a dead link, sideways overflow, raw
codes, text in the wrong language, a moment shown without its zone and a serious or critical
axe violation (``crawl_checks``). The report is kept in ``var/crawl/`` (``report.txt`` to read,
``report.json``), screenshots of failing pages in ``var/screenshots/crawl-*``.

One test per role, so ``-n 2`` spreads them over two workers. Besides the demo data the crawl
files a few cases itself (``seeded``), through the API as an applicant and a clerk would, so that
the case pages of applicants, staff and the employer are walked too.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext

from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_uscc
from tests.browser import crawl, crawl_checks
from tests.browser.conftest import VIEWPORTS
from tests.browser.journeys import sign_in
from tests.factories import renting_returnee_profile

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n% crawl\n%%EOF\n"
PUBLIC_START = [
    "/",
    "/register",
    "/register/domestic",
    "/register/overseas",
    "/login",
    "/forgot-password",
    "/calculator",
    "/policies",
    "/status",
    "/privacy",
    "/indicators",
]
# Pages the anonymous walk covers: a signed-in role does not walk them again (its header is
# checked on every page it does walk).
PUBLIC_ONLY = re.compile(
    r"^/(?:policies|register|login|forgot-password|reset-password|confirm-email|privacy|"
    r"indicators|status)(?:[/?]|$)"
)
# Staff and employers get the calculator the anonymous walk checks; applicants' links to apply.
STAFF_SKIP = re.compile(PUBLIC_ONLY.pattern + r"|^/calculator(?:[/?]|$)")
EMPLOYER = f"hr.{demo_uscc('91310110MA1G8XYW0')[-6:].lower()}@demo-employer.cn"


@dataclass(frozen=True)
class Role:
    email: str | None
    start: tuple[str, ...]
    staff: bool = False

    @property
    def skip(self) -> re.Pattern[str] | None:
        if self.email is None:
            return None
        return STAFF_SKIP if self.staff or "employer" in self.email else PUBLIC_ONLY

    @property
    def signs_in_with_code(self) -> bool:
        """Staff and organisation users sign in with an authenticator code too."""
        return self.staff or (self.email is not None and "employer" in self.email)


APPLICANT_START = ("/", "/services", "/cases", "/wallet", "/housing", "/account", "/calculator")
ROLES: dict[str, Role] = {
    "anonymous": Role(None, tuple(PUBLIC_START)),
    "applicant": Role("li.wei@demo.example.cn", APPLICANT_START),
    "overseas-applicant": Role("anna.schmidt@demo.example.com", APPLICANT_START),
    "employer": Role(EMPLOYER, ("/", "/employer", "/employer/cases", "/organisation", "/account")),
    **{
        name: Role(f"{account}@demo.talent.gov.cn", ("/staff",), staff=True)
        for name, account in (
            ("window", "yangpu.window"),
            ("reviewer", "yangpu.reviewer"),
            ("approver", "yangpu.approver"),
            ("housing-officer", "yangpu.housing"),
            ("police-officer", "yangpu.police"),
            ("education-officer", "yangpu.education"),
            ("supervisor", "yangpu.supervisor"),
            ("finance-maker", "yangpu.maker"),
            ("finance-checker", "yangpu.checker"),
            ("district-admin", "yangpu.admin"),
            ("auditor", "yangpu.auditor"),
            ("records-officer", "yangpu.records"),
            ("city-admin", "city.admin"),
            ("sysadmin", "sysadmin"),
        )
    },
}


def _api_login(client: httpx.Client, email: str, staff: bool = False) -> dict[str, str]:
    body = {"email": email, "password": DEMO_PASSWORD}
    # Codes cannot be replayed: the browser's sign-in later takes the next step's code.
    if staff:
        body["totp_code"] = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    r = client.post("/api/v1/auth/login", json=body)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _draft(client: httpx.Client, headers: dict[str, str], district: str, code: str) -> str:
    services = client.get("/api/v1/services", params={"district": district}).json()
    sid = next(s["id"] for s in services if s["code"] == code)
    r = client.post("/api/v1/applications", json={"service_id": sid}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


def _upload(client: httpx.Client, headers: dict[str, str], kind: str) -> str:
    r = client.post(
        "/api/v1/documents",
        headers=headers,
        files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
        data={"kind": kind},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _submit(
    client: httpx.Client,
    headers: dict[str, str],
    service: str,
    answers: dict[str, object],
    materials: dict[str, str],
) -> dict[str, object]:
    """A Yangpu application answered, its materials uploaded (material → document kind),
    submitted; returns the case."""
    draft = _draft(client, headers, "yangpu", service)
    documents = {m: _upload(client, headers, kind) for m, kind in materials.items()}
    r = client.patch(
        f"/api/v1/applications/{draft}",
        headers=headers,
        json={"answers": answers, "documents": documents},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/v1/applications/{draft}/submit",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    )
    assert r.status_code == 201, r.text
    return r.json()["case"]  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def seeded(pg_server: str) -> str:
    """The demo data plus what people would have done with it: Li Wei's Yangpu rent subsidy
    (accepted at the window, for the housing office) and exam-fee reimbursement (submitted,
    for the HR bureau); Anna Schmidt's draft of the work-permit pre-check."""
    with httpx.Client(base_url=pg_server, timeout=30) as client:
        li = _api_login(client, "li.wei@demo.example.cn")
        rent = _submit(
            client,
            li,
            "rent_subsidy",
            renting_returnee_profile(employer_district="yangpu"),
            {
                "id_document": "id_card",
                "degree_certificate": "degree_certificate",
                "overseas_degree_verification": "overseas_degree_verification",
                "employment_contract": "employment_contract",
            },
        )
        _submit(
            client,
            li,
            "exam_fee_reimbursement",
            {
                "employer_district": "yangpu",
                "employer_type": "enterprise",
                "certificate_level": 3,
                "certificate_date": "2026-10-15",
                "exam_fee_paid_cny": 450,
                "certificate_number": "S202611000123",
            },
            {
                "id_document": "id_card",
                "exam_fee_receipt": "exam_fee_receipt",
                "employment_contract": "employment_contract",
            },
        )
        window = _api_login(client, "yangpu.window@demo.talent.gov.cn", staff=True)
        r = client.post(
            f"/api/v1/staff/cases/{rent['id']}/actions",
            headers=window,
            json={"action": "accept", "expected_version": 1},
        )
        assert r.status_code == 200, r.text
        anna = _api_login(client, "anna.schmidt@demo.example.com")
        _draft(client, anna, "yangpu", "foreign_work_permit")
    return pg_server


@pytest.fixture
def contexts(
    browser: Browser, seeded: str, request: pytest.FixtureRequest
) -> Iterator[dict[str, BrowserContext]]:
    """A context per language, signed in as the role once."""
    role = ROLES[request.node.callspec.params["role"]]
    state = None
    if role.email:
        first = browser.new_context(viewport=VIEWPORTS["desktop"])
        page = first.new_page()
        sign_in(page, seeded, role.email, DEMO_PASSWORD, totp=role.signs_in_with_code)
        assert "/login" not in page.url, f"{role.email} could not sign in"
        state = first.storage_state()
        first.close()
    opened: dict[str, BrowserContext] = {}
    for lang in ("zh", "en"):
        context = browser.new_context(
            viewport=VIEWPORTS["desktop"],
            locale="zh-CN" if lang == "zh" else "en-US",
            storage_state=state,
        )
        crawl.prepare(context)
        switch = context.new_page()
        switch.goto(f"{seeded}/lang/{lang}?next=/")
        switch.close()
        opened[lang] = context
    yield opened
    for context in opened.values():
        context.close()


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_a_role_reaches_is_sound(
    seeded: str, contexts: dict[str, BrowserContext], role: str
) -> None:
    spec = ROLES[role]
    walks = [
        crawl.walk(contexts[lang], seeded, role, lang, list(spec.start), skip=spec.skip)
        for lang in ("zh", "en")
    ]
    crawl.save(role, walks)
    opened = {v.path for w in walks for v in w.visits}
    assert len(opened) >= len(spec.start), "the walk opened too few pages"
    findings = [f for w in walks for _, f in w.findings()]
    assert not findings, (
        f"{len(findings)} findings for {role}:\n" + crawl.summary(walks) + _server_errors(findings)
    )


def _server_errors(findings: list[crawl_checks.Finding]) -> str:
    """The server log's tracebacks, when the walk met a 5xx."""
    log = os.environ.get("TALENT_BROWSER_PG_LOG")
    if not log or not any(f.kind == crawl_checks.Kind.SERVER_ERROR for f in findings):
        return ""
    text = Path(log).read_text(errors="replace") if Path(log).exists() else ""
    return "\n\nserver log (" + log + "):\n" + text[-6000:]
