"""Notifications: outbox rows per reachable channel in the caller's transaction, templates in the
recipient's language, dedup keys, and the in-app message centre API."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients.settings import NotificationSettings
from app.i18n import N_, gettext
from app.models import OutboxMessage
from app.services import notifications
from app.tasks.outbox import deliver_due
from tests.support import outbox as ob

pytestmark = pytest.mark.usefixtures("isolated_db")


@pytest.fixture(scope="module", autouse=True)
def messages_api(app: FastAPI) -> None:
    """Mounts the message centre router when app.main does not include it (yet)."""
    from app.routers.api import messages

    if not any(getattr(r, "path", "") == "/api/v1/messages" for r in app.routes):
        app.include_router(messages.router)


class TestEnqueue:
    async def test_one_row_per_reachable_channel(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        domestic = ob.user_id(await ob.applicant(client))
        overseas = ob.user_id(await ob.applicant(client, overseas=True))
        assert {m.channel for m in await ob.enqueue(sessionmaker, domestic)} == {"inapp", "email"}
        with ob.env(notify_sms_enabled="true"):
            rows = await ob.enqueue(sessionmaker, domestic)
            assert [m.channel for m in rows] == ["inapp", "email", "sms"]
            # No mobile number, no SMS, whatever the settings say.
            rows = await ob.enqueue(sessionmaker, overseas)
            assert {m.channel for m in rows} == {"inapp", "email"}
            rows = await ob.enqueue(sessionmaker, domestic, channels=["inapp"])
            assert [m.channel for m in rows] == ["inapp"]
        key = f"evt:{uuid.uuid4()}"
        first = (await ob.enqueue(sessionmaker, domestic, dedup_key=key))[0]
        assert first.dedup_key == f"{key}:inapp"
        assert first.status == "pending" and first.attempts == 0
        assert first.payload["params"]["deadline"] == {"date": "2026-12-01"}

    async def test_rows_are_part_of_the_callers_transaction(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        recipient = ob.user_id(await ob.applicant(client))
        async with sessionmaker() as session:
            await session.begin()
            rows = await notifications.enqueue(
                session,
                recipient_user_id=recipient,
                template="case.approve",
                payload=ob.ACCEPT_PAYLOAD,
                language="en",
                dedup_key=f"evt:{uuid.uuid4()}",
            )
            ids = [r.id for r in rows]
            assert len(ids) == 2
            await session.rollback()
        assert await ob.outbox_rows(sessionmaker, ids) == {}

    async def test_the_same_event_twice_adds_nothing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        recipient = ob.user_id(await ob.applicant(client))
        key = f"case:{uuid.uuid4()}:v3"
        first = await ob.enqueue(sessionmaker, recipient, dedup_key=key)
        again = await ob.enqueue(sessionmaker, recipient, dedup_key=key, language="en")
        assert [m.id for m in again] == [m.id for m in first]
        assert again[0].language == "zh"  # the first enqueue's language stands
        async with sessionmaker() as session:
            count = await session.scalar(
                select(func.count()).where(OutboxMessage.dedup_key.like(f"{key}:%"))
            )
        assert count == 2

    async def test_the_database_refuses_a_duplicate_key(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        recipient = ob.user_id(await ob.applicant(client))
        key = f"dup:{uuid.uuid4()}"
        await ob.enqueue(sessionmaker, recipient, dedup_key=key, channels=["inapp"])
        async with sessionmaker() as session:
            session.add(
                OutboxMessage(
                    dedup_key=f"{key}:inapp",
                    recipient_user_id=recipient,
                    channel="inapp",
                    template="case.accept",
                    language="zh",
                    payload={},
                )
            )
            with pytest.raises(IntegrityError):
                await session.flush()
            await session.rollback()

    async def test_unknown_template_or_missing_values_fail_at_enqueue(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        recipient = ob.user_id(await ob.applicant(client))
        with pytest.raises(notifications.UnknownTemplate, match="case.accepted"):
            await ob.enqueue(sessionmaker, recipient, template="case.accepted")
        with pytest.raises(notifications.BadPayload, match="deadline"):
            await ob.enqueue(sessionmaker, recipient, payload={"case_number": "X"})
        with pytest.raises(notifications.BadPayload, match="naive"):
            await ob.enqueue(
                sessionmaker,
                recipient,
                payload={**ob.ACCEPT_PAYLOAD, "deadline": datetime(2026, 12, 1, 9, 0)},
            )
        with pytest.raises(notifications.UnknownRecipient):
            await ob.enqueue(sessionmaker, uuid.uuid4())
        with pytest.raises(notifications.NotificationError, match="channels"):
            await ob.enqueue(sessionmaker, recipient, channels=["fax"])

    async def test_applicant_and_employer_hear_of_one_action_in_their_own_words(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from app.repositories import accounts as accounts_repo
        from tests import factories as f

        applicant = ob.user_id(await ob.applicant(client))
        email = await f.create_staff(sessionmaker, district="yangpu", roles=["window_clerk"])
        async with sessionmaker() as session:
            other = await accounts_repo.get_user_by_email(session, email)
        assert other is not None and other.kind != "applicant"
        key = "case.request_employer_confirmation"
        [mine] = await ob.enqueue(sessionmaker, applicant, template=key, channels=["inapp"])
        assert mine.template == "case.employer_confirmation_requested"
        payload = {**ob.ACCEPT_PAYLOAD, "applicant_name": "王小明"}
        [theirs] = await ob.enqueue(
            sessionmaker, other.id, template=key, payload=payload, channels=["inapp"]
        )
        assert theirs.template == key


class TestTemplates:
    def test_every_template_renders_in_both_languages(self) -> None:
        values = {
            "case_number": "CN-2026-000001",
            "service_name": {"zh": "人才租房补贴", "en": "Rent subsidy for talent"},
            "deadline": date(2026, 12, 1),
            "reason": {"msgid": N_("Talent Services Portal")},
            "items": [{"zh": "学位证书", "en": "Degree certificate"}, "劳动合同"],
            "applicant_name": "王小明",
            "amount": 1500,
            "period": "2026-11",
            # Organisation accounts (issue 15).
            "organisation_name": "上海测试科技有限公司",
            "count": 2,
            "uscc": "91310105MA1FL2AB3X",
            "government": {
                "zh": "上海市杨浦区人民政府",
                "en": "Yangpu District People's Government",
            },
            "basis": " (《办法》第五条)",
            # Appointments (issue 17).
            "point_name": {"zh": "杨浦区行政服务中心", "en": "Yangpu Service Centre"},
            "address": {"zh": "杨浦区示范路 1 号", "en": "1 Demo Road, Yangpu"},
            "slot": datetime(2026, 12, 8, 1, 30, tzinfo=UTC),
            # Notices of newly qualifying (issue 17, point 6).
            "policy": {"zh": "杨浦区人才租房补贴办法", "en": "Yangpu rent subsidy measures"},
            "services": [{"zh": "人才租房补贴", "en": "Rent subsidy for talent"}],
            # Youth-station stays (issue 17, point 2).
            "first_night": "2026-12-08",
            "leave_on": "2026-12-11",
            "days": 3,
            "cutoff": "20:00",
            # Video checks of originals (issue 17, point 5).
            "time": "2026-12-09 10:00 (UTC+8)",
            # The Yangpu talent service card (issue 17, point 3).
            "card_number": "YP-C-2026-000001",
            "valid_until": date(2029, 12, 6),
            # District programme rounds (issue 16).
            "programme_name": {"zh": "杨浦区杰出人才", "en": "Yangpu outstanding talent"},
            "notice_until": date(2026, 12, 14),
            "decision_reason": "经核实，成果署名有误。",
            # The talent register's awards and memberships (issue 16, point 4).
            "programme": {"zh": "区级杰出人才", "en": "district outstanding talent"},
            "granted": date(2026, 12, 7),
            # The onboarding bundle's progress (issue 18).
            "application_number": "WP-2026-000123",
            "outcome": {"msgid": N_("Work permit granted")},
            "step": {"msgid": N_("Residence permit for work (entry-exit office)")},
            # The onboarding bundle's further decisions (issue 18, points 2 and 3).
            "letter_name": {"zh": "人才签证（R字）邀请函", "en": "Invitation letter for an R visa"},
        }
        params = notifications.stored_params(values)
        for key, template in notifications.TEMPLATES.items():
            for lang in ("zh", "en"):
                shown = notifications.render(key, lang, params)
                assert "{" not in shown.subject + shown.body, (key, lang)
            for msgid in (template.subject, template.body):
                assert gettext("zh", msgid) != msgid, f"{key}: no Chinese text for {msgid!r}"

    def test_every_case_action_has_a_message_for_the_applicant(self) -> None:
        from app.workflow.states import CaseAction

        for action in CaseAction:
            key = notifications.APPLICANT_KEYS.get(f"case.{action}", f"case.{action}")
            assert key in notifications.TEMPLATES, key

    def test_values_follow_the_recipients_language(self) -> None:
        params = notifications.stored_params(
            {
                **ob.ACCEPT_PAYLOAD,
                "items": [{"zh": "学位证书", "en": "Degree certificate"}, "Lease"],
                "url": "/cases/1",
            }
        )
        zh = notifications.render("case.accept_with_pending_materials", "zh", params)
        en = notifications.render("case.accept_with_pending_materials", "en", params)
        assert "人才公寓租赁" in zh.body and "2026年12月1日" in zh.body
        assert "学位证书、Lease" in zh.body
        assert "Talent apartment" in en.body and "2026-12-01" in en.body
        assert "Degree certificate, Lease" in en.body
        assert en.url is not None and en.url.endswith("/cases/1") and en.url.startswith("http")
        email = notifications.channel_text(en, "email", "en")
        assert email.body.startswith(en.body) and en.url in email.body
        assert (
            gettext("zh", notifications.EMAIL_FOOTER)
            in notifications.channel_text(zh, "email", "zh").body
        )
        assert notifications.channel_text(zh, "inapp", "zh").body == zh.body

    def test_datetime_values_are_shown_in_shanghai_time(self) -> None:
        params = notifications.stored_params(
            {**ob.ACCEPT_PAYLOAD, "deadline": datetime(2026, 12, 1, 6, 30, tzinfo=UTC)}
        )
        assert "14:30" in notifications.render("case.accept", "zh", params).body


class TestMessageCentre:
    async def _delivered(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        recipient: uuid.UUID,
        n: int,
        language: str = "zh",
    ) -> list[uuid.UUID]:
        ids = []
        for i in range(n):
            rows = await ob.enqueue(
                sessionmaker,
                recipient,
                template="case.submitted",
                payload={**ob.ACCEPT_PAYLOAD, "case_number": f"YP-{i:04d}"},
                channels=["inapp"],
                language=language,
            )
            ids.append(rows[0].id)
        await deliver_due(sessionmaker, batch=500, settings=NotificationSettings())
        return ids

    async def test_list_newest_first_with_keyset_pages_and_mark_read(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await ob.applicant(client, language="en")
        await self._delivered(sessionmaker, ob.user_id(user), 5, language="en")
        seen: list[dict[str, object]] = []
        cursor = None
        for _ in range(3):
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            r = await client.get("/api/v1/messages", params=params, headers=user.headers)
            assert r.status_code == 200, r.text
            page = r.json()
            seen += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert page["unread"] == 5
        assert [m["subject"] for m in seen] == [
            f"Application received: YP-{i:04d}" for i in (4, 3, 2, 1, 0)
        ]
        assert len({m["id"] for m in seen}) == 5

        newest = seen[0]["id"]
        r = await client.post(f"/api/v1/messages/{newest}/read", headers=user.headers)
        assert r.status_code == 200 and r.json()["read_at"] is not None
        again = await client.post(f"/api/v1/messages/{newest}/read", headers=user.headers)
        assert again.json()["read_at"] == r.json()["read_at"]
        r = await client.get("/api/v1/messages", headers=user.headers)
        assert r.json()["unread"] == 4

    async def test_messages_are_private_and_cursors_checked(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        owner = await ob.applicant(client)
        other = await ob.applicant(client)
        await self._delivered(sessionmaker, ob.user_id(owner), 1)
        mine = (await client.get("/api/v1/messages", headers=owner.headers)).json()["items"]
        assert mine[0]["subject"].startswith("申请已收到")
        r = await client.post(f"/api/v1/messages/{mine[0]['id']}/read", headers=other.headers)
        assert r.status_code == 404
        assert (await client.get("/api/v1/messages", headers=other.headers)).json()["items"] == []
        r = await client.get("/api/v1/messages", params={"cursor": "nope"}, headers=owner.headers)
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/api/v1/messages")).status_code == 401
