"""Finance's maker/checker steps on a district's monthly payment run, driven through the
finance pages: compute the month's run, review (maker), approve (checker), download the bank's
payment file and reconcile its result file."""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from app.services.payments import add_months
from tests.factories import local_today


def free_month(district: str) -> str:
    """The first month from this one without a payment run in the district (``YYYY-MM``): a
    month's run is computed once, and other journeys pay the district's later months."""
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        taken = {
            str(r[0])[:7]
            for r in db.execute("SELECT month FROM payment_cycle WHERE district = ?", (district,))
        }
    month = local_today().replace(day=1)
    while month.isoformat()[:7] in taken:
        month = add_months(month, 1)
    return month.isoformat()[:7]


def run_row(page: Page, month: str) -> Locator:
    return page.locator("tbody tr").filter(has=page.get_by_role("link", name=month, exact=True))


def compute(maker: Page, server: str, month: str) -> None:
    """The maker computes the month's run and opens its lines."""
    maker.goto(f"{server}/staff/finance")
    maker.locator("#month").fill(month)
    maker.locator("form[action='/staff/finance/cycles'] button[type=submit]").click()
    expect(maker).to_have_url(re.compile("done=generated"))
    maker.get_by_role("link", name=month, exact=True).click()
    expect(maker.locator("h1")).to_be_visible()


def step(page: Page, server: str, month: str, name: str) -> None:
    """A maker's review or a checker's approval, from the run's row on the finance page."""
    page.goto(f"{server}/staff/finance")
    run_row(page, month).locator(f"form[action$='/{name}'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"done={name}"))
    expect(page.locator(".notification.success")).to_be_visible()


def reconcile(maker: Page, server: str, month: str, tmp_path: Path) -> str:
    """Downloads the bank's payment file and uploads its result file, every line paid;
    returns the payment file."""
    maker.goto(f"{server}/staff/finance")
    row = run_row(maker, month)
    with maker.expect_download() as download:
        row.locator("a[href$='/batch.csv']").click()
    batch = Path(download.value.path()).read_text(encoding="utf-8-sig")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["entitlement_id", "status", "reference", "reason"])
    for line in csv.DictReader(io.StringIO(batch)):
        writer.writerow([line["entitlement_id"], "paid", f"BANK-{line['entitlement_id'][:8]}", ""])
    results = tmp_path / f"results-{month}.csv"
    results.write_text(out.getvalue(), encoding="utf-8")
    row.locator("input[type=file]").set_input_files(results)
    row.locator("form[action$='/results'] button[type=submit]").click()
    expect(maker).to_have_url(re.compile("done=results"))
    expect(maker.locator(".notification.success")).to_be_visible()
    return batch
