"""The pages of a person's rights (issue 22, item 3) without JavaScript: the copy's progress page
refreshes by itself and shows a percentage, the link downloads the ZIP; consents, corrections
and deletion post/redirect/get to confirmations, in both languages."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.rights import exports
from tests import factories as f
from tests.integration.test_held_answers import csrf_of
from tests.integration.test_my_data import rent_case
from tests.integration.test_settlement_bundle import web_login


async def _post(client: httpx.AsyncClient, page_url: str, url: str, **data: str) -> httpx.Response:
    page = await client.get(page_url)
    return await client.post(url, data={**data, "csrf_token": csrf_of(page.text)})


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_copy_progress_page_then_download(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], lang: str
) -> None:
    user = await f.register_and_login(client, f.domestic_payload())
    await web_login(client, user)
    client.cookies.set("lang", lang)
    hub = await client.get("/account/my-data")
    assert hub.status_code == 200
    r = await _post(client, "/account/my-data", "/account/my-data/exports")
    assert r.status_code == 303
    status_url = r.headers["location"]
    waiting = await client.get(status_url)
    assert "<progress" in waiting.text
    assert ("等待生成" if lang == "zh" else "Waiting to be prepared") in waiting.text
    # Refreshing by itself is the person's choice (WCAG 2.2.1), offered as a link.
    assert '<meta http-equiv="refresh"' not in waiting.text
    assert f'href="{status_url}?auto=1"' in waiting.text
    auto = await client.get(status_url + "?auto=1")
    assert '<meta http-equiv="refresh" content="5">' in auto.text

    await exports.run_pending(sessionmaker)
    ready = await client.get(status_url + "?auto=1")
    assert '<meta http-equiv="refresh"' not in ready.text
    link = re.search(r'href="(/account/my-data/exports/[^"]+/download\?token=[^"]+)"', ready.text)
    assert link is not None
    zipped = await client.get(link.group(1).replace("&amp;", "&"))
    assert zipped.status_code == 200 and zipped.content[:2] == b"PK"

    other = await f.register_and_login(client, f.domestic_payload())
    client.cookies.clear()
    await web_login(client, other)
    assert (await client.get(status_url)).status_code == 404
    assert (await client.get(link.group(1).replace("&amp;", "&"))).status_code == 404


async def test_consent_correction_and_deletion_pages(client: httpx.AsyncClient) -> None:
    user, submitted = await rent_case(client, "yangpu", "郑十一")
    await web_login(client, user)
    client.cookies.set("lang", "en")
    for path in (
        "/account/my-data/access",
        "/account/my-data/correct",
        "/account/my-data/consents",
    ):
        assert (await client.get(path)).status_code == 200, path

    r = await _post(
        client,
        "/account/my-data/consents",
        "/account/my-data/consents",
        purpose="qualifying_notices",
        given="yes",
    )
    assert r.status_code == 303
    shown = await client.get(r.headers["location"])
    assert "Your consent has been recorded" in shown.text and "Withdraw" in shown.text

    bad = await _post(
        client, "/account/my-data/correct", "/account/my-data/profile", full_name="", mobile="1"
    )
    assert bad.status_code == 422 and "error-summary" in bad.text
    ok = await _post(
        client,
        "/account/my-data/correct",
        "/account/my-data/profile",
        full_name="郑十二",
        mobile="",
    )
    assert ok.status_code == 303
    assert "Your details have been corrected" in (await client.get(ok.headers["location"])).text

    refused = await client.get("/account/delete")
    assert submitted["case"]["number"] in refused.text
    assert 'action="/account/delete"' not in refused.text
    posted = await _post(client, "/account/delete", "/account/delete", password=user.password)
    assert posted.status_code == 409
    assert "is still open" in posted.text
