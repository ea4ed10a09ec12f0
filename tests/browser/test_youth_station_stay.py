"""Issue 17, point 2, in a real browser: the holder of an approved youth-station case books a
stay at the Yangpu youth station from its night-by-night calendar, a further day past the
year's 15 is refused with a clear message in the reader's language, and the station's front
desk checks the guest in and out from the day list. Two runs cover both widths and both
languages (phone in Chinese, desktop in English); axe checks each page."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.models import Applicant, Application, Case, Service, User
from tests.browser.journeys import emailed_link, sign_in, staff_page
from tests.browser.test_accessibility import violations
from tests.factories import domestic_payload

pytestmark = pytest.mark.browser
PASSWORD = "Youth-Station-Tested-2026"
STATION = "yp-youth-station"
# Days declared for stays elsewhere on the approved application: 12 + a 3-day stay = 15.
DECLARED = 12


def _applicant(server: str, name: str) -> str:
    email = f"stay.{uuid.uuid4().hex[:8]}@example.cn"
    payload = domestic_payload(email=email, password=PASSWORD, full_name=name)
    assert httpx.post(server + "/api/v1/auth/register", json=payload).status_code == 202
    token = emailed_link(server, email).split("token=", 1)[1]
    confirmed = httpx.post(server + "/api/v1/auth/confirm-email", json={"token": token})
    assert confirmed.status_code == 204
    return email


def _approved(email: str) -> None:
    """The youth-station case decided for the applicant (the case journey has its own tests),
    with the days they declared for stays elsewhere this year."""
    engine = create_engine(f"sqlite:///{os.environ['TALENT_BROWSER_DB']}")
    with Session(engine) as session, session.begin():
        applicant = session.execute(
            select(Applicant).join(User, User.id == Applicant.user_id).where(User.email == email)
        ).scalar_one()
        service = session.execute(
            select(Service).where(Service.district == "yangpu", Service.code == "youth_station")
        ).scalar_one()
        app = Application(
            applicant_id=applicant.id,
            service_id=service.id,
            status="submitted",
            answers={"youth_station_days_elsewhere": DECLARED},
        )
        session.add(app)
        session.flush()
        session.add(
            Case(
                number=f"YP-T-{uuid.uuid4().hex[:8]}",
                lookup_code_enc=b"x",
                application_id=app.id,
                applicant_id=applicant.id,
                service_id=service.id,
                district="yangpu",
                department=service.department,
                status="approved",
                channel="web",
                time_limit_days=3,
                deadline_date=date.today(),
            )
        )
    engine.dispose()


def _the_day_comes(stay_id: str) -> None:
    """Moves the stay booked for tomorrow to start today, its bed's nights with it: the desk
    checks guests in on their first day, and tonight cannot be booked after the cut-off."""
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        key = uuid.UUID(stay_id).hex
        moved = db.execute(
            "UPDATE youth_station_stay SET first_night = date(first_night, '-1 day') WHERE id = ?",
            (key,),
        ).rowcount
        db.execute(
            "UPDATE station_bed_night SET night = date(night, '-1 day') WHERE stay_id = ?",
            (key,),
        )
    assert moved == 1


def _shanghai_today() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


def test_book_a_stay_be_checked_in_and_out_and_a_sixteenth_day_refused(
    page: Page, browser: Browser, server: str
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    lang = "zh" if viewport == "phone" else "en"
    # Each run in a room of its own, so moving one's nights never meets the other's.
    room = "female" if viewport == "phone" else "male"
    if (_shanghai_today() + timedelta(days=5)).year != _shanghai_today().year:
        pytest.skip("the stays this test books would reach into next year's 15 days")
    name = f"驿站{uuid.uuid4().hex[:4]}"
    email = _applicant(server, name)
    _approved(email)
    found: dict[str, list[str]] = {}
    today = _shanghai_today()

    sign_in(page, server, email, PASSWORD)
    page.goto(f"{server}/lang/{lang}?next=/youth-stations/{STATION}")
    expect(page.locator("table.stay-calendar tbody tr").first).to_be_visible()
    if problems := violations(page):
        found["station"] = problems
    page.locator("#first_night").fill((today + timedelta(days=1)).isoformat())
    page.locator("#days-3").check()
    page.locator(f"#guest_gender-{room}").check()
    page.locator("form[action$='/book'] button[type=submit]").click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    assert "?done=booked" in page.url
    if problems := violations(page):
        found["booked"] = problems
    stay_id = page.url.split("/stays/", 1)[1].split("?", 1)[0]

    # A 16th day this year: 12 declared + 3 booked are all 15.
    page.goto(f"{server}/youth-stations/{STATION}")
    page.locator("#first_night").fill((today + timedelta(days=5)).isoformat())
    page.locator("#days-1").check()
    page.locator(f"#guest_gender-{room}").check()
    page.locator("form[action$='/book'] button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(
        "15天青年驿站天数已全部用完" if lang == "zh" else "You have used all 15 youth-station days"
    )
    if problems := violations(page):
        found["refused"] = problems

    _the_day_comes(stay_id)
    locale = "zh-CN" if lang == "zh" else "en-US"
    context, desk = staff_page(
        browser, server, "yangpu.station@demo.talent.gov.cn", viewport, locale
    )
    try:
        desk.goto(f"{server}/lang/{lang}?next=/staff/youth-stations")
        row = desk.locator("table.stays tr", has_text=name)
        expect(row).to_be_visible()
        if problems := violations(desk):
            found["desk"] = problems
        row.locator("form[action$='/check-in'] button").click()
        expect(desk).to_have_url(re.compile(r"done=checked_in"))
        expect(desk.locator(".panel-confirmation")).to_be_visible()
        row = desk.locator("table.stays tr", has_text=name)
        row.locator("form[action$='/check-out'] button").click()
        expect(desk).to_have_url(re.compile(r"done=checked_out"))
    finally:
        context.close()

    page.goto(f"{server}/youth-stations/stays/{stay_id}")
    expect(page.locator("main")).to_contain_text("已退宿" if lang == "zh" else "Checked out")
    page.goto(f"{server}/youth-stations/stays")
    expect(page.locator("main")).to_contain_text("申报" if lang == "zh" else "declared")
    if problems := violations(page):
        found["my stays"] = problems
    assert found == {}
