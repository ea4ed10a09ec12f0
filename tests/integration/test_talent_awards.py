"""Benefits follow membership (issue 16, point 4): a programme award writes its register entry
once however often it is called, creates its grant as payable instalments through the payments
room and tells the person in their language; the service card's eligibility reads the award
from its granted day through its last valid day; when the membership ends, the daily round
warns before, cancels the instalments dated after the end, flags a card that rested on it and
tells the person, once."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.principal import Principal
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.models import (
    Applicant,
    AuditEntry,
    Case,
    GrantPayment,
    OutboxMessage,
    Service,
    ServiceCard,
    TalentRegisterEntry,
    User,
)
from app.rules import load_library
from app.services import verified_facts
from app.services.accounts.users import build_principal
from app.services.talent_register import expiry
from app.services.talent_register.awards import record_award
from app.workflow.grants import GrantStatus
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_held_answers import csrf_of, web_login
from tests.integration.test_one_off_payments import (
    ACCOUNT,
    compute,
    finance,
    lines_of,
    next_month,
    pay,
)

pytestmark = pytest.mark.usefixtures("isolated_db")


async def officer(
    sm: async_sessionmaker[AsyncSession],
    district: str = "yangpu",
    department: str = "talent_office",
) -> Principal:
    email = await f.create_staff(sm, district=district, roles=["approver"], department=department)
    async with sm() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
        return await build_principal(session, user, uuid.uuid4())


async def person(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], lang: str = "en"
) -> Applicant:
    return (await signed_in_person(client, sm, lang))[1]


async def signed_in_person(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], lang: str = "en"
) -> tuple[f.ApiUser, Applicant]:
    payload = f.domestic_payload()
    user = await f.register_and_login(client, payload)
    if lang != "en":
        r = await client.put("/api/v1/me/language", headers=user.headers, json={"language": lang})
        assert r.status_code in (200, 204), r.text
    async with sm() as session:
        stmt = select(Applicant).join(User).where(User.email == payload["email"].lower())
        return user, (await session.execute(stmt)).scalar_one()


async def award(
    sm: async_sessionmaker[AsyncSession],
    actor: Principal,
    applicant_id: uuid.UUID,
    **overrides: Any,
) -> TalentRegisterEntry:
    today = f.local_today()
    values: dict[str, Any] = {
        "district": "yangpu",
        "applicant_id": str(applicant_id),
        "programme": "district_outstanding",
        "level": None,
        "granted": today,
        "valid_until": today + timedelta(days=365 * 3),
        "organisation_id": None,
        "grant_amount": Decimal("300000"),
        "reference": "YP-2026-R1-001",
        "actor": actor,
        **overrides,
    }
    async with sm() as session, session.begin():
        return await record_award(session, **values)


async def count(sm: async_sessionmaker[AsyncSession], model: Any, *where: Any) -> int:
    async with sm() as session:
        return int(
            (
                await session.execute(select(func.count()).select_from(model).where(*where))
            ).scalar_one()
        )


async def notices(
    sm: async_sessionmaker[AsyncSession], user_id: uuid.UUID, template: str
) -> list[OutboxMessage]:
    async with sm() as session:
        stmt = select(OutboxMessage).where(
            OutboxMessage.recipient_user_id == user_id, OutboxMessage.template == template
        )
        return list((await session.execute(stmt)).scalars())


class TestRecordAward:
    async def test_the_entry_the_instalments_and_the_notice_once_however_often_called(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        someone = await person(client, sessionmaker, lang="zh")
        first = await award(sessionmaker, actor, someone.id)
        again = await award(sessionmaker, actor, someone.id)
        assert again.id == first.id
        assert first.source == "award" and first.reference == "YP-2026-R1-001"
        assert (
            await count(
                sessionmaker, TalentRegisterEntry, TalentRegisterEntry.applicant_id == someone.id
            )
            == 1
        )

        async with sessionmaker() as session:
            grants = list(
                (
                    await session.execute(
                        select(GrantPayment)
                        .where(GrantPayment.register_entry_id == first.id)
                        .order_by(GrantPayment.instalment)
                    )
                ).scalars()
            )
        # Three yearly instalments (assumed schedule), the amount marked assumed, awaiting the
        # person's account like any grant.
        assert [g.instalment for g in grants] == [1, 2, 3]
        assert sum(g.amount_cny for g in grants) == 300000
        assert [g.payable_on for g in grants] == [
            first.granted_on,
            first.granted_on.replace(year=first.granted_on.year + 1),
            first.granted_on.replace(year=first.granted_on.year + 2),
        ]
        assert all(g.amount_assumed and g.case_id is None for g in grants)
        assert {g.status for g in grants} == {GrantStatus.AWAITING_ACCOUNT.value}

        sent = await notices(sessionmaker, someone.user_id, "talent_register.awarded_grant")
        assert {m.language for m in sent} == {"zh"}
        assert [m.channel for m in sent].count("inapp") == 1
        assert len({m.dedup_key for m in sent}) == len(sent)
        async with sessionmaker() as session:
            audited = (
                await session.execute(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(
                        AuditEntry.action == "talent_register.awarded",
                        AuditEntry.object_id == str(first.id),
                    )
                )
            ).scalar_one()
        assert audited == 1

    @pytest.mark.shared_db(reason="two transactions race to record the same award")
    async def test_two_calls_at_once_write_one_entry_and_one_grant(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        someone = await person(client, sessionmaker)
        reference = f"YP-RACE-{uuid.uuid4().hex[:8]}"
        both = await asyncio.gather(
            award(sessionmaker, actor, someone.id, reference=reference),
            award(sessionmaker, actor, someone.id, reference=reference),
        )
        try:
            await self._check_one(sessionmaker, someone, reference, both)
        finally:
            # Committed rows: other modules search the district's register.
            async with sessionmaker() as session, session.begin():
                await session.execute(
                    delete(GrantPayment).where(GrantPayment.register_entry_id == both[0].id)
                )
                await session.execute(
                    delete(TalentRegisterEntry).where(TalentRegisterEntry.id == both[0].id)
                )

    async def _check_one(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        someone: Applicant,
        reference: str,
        both: list[TalentRegisterEntry],
    ) -> None:
        assert both[0].id == both[1].id
        assert (
            await count(
                sessionmaker,
                TalentRegisterEntry,
                TalentRegisterEntry.applicant_id == someone.id,
                TalentRegisterEntry.reference == reference,
            )
            == 1
        )
        assert len(await instalments(sessionmaker, both[0].id)) == 3
        # The database itself refuses a second entry of the reference for the person.
        async with sessionmaker() as session:
            with pytest.raises(IntegrityError):
                async with session.begin():
                    session.add(
                        TalentRegisterEntry(
                            applicant_id=someone.id,
                            district="yangpu",
                            programme="district_outstanding",
                            granted_on=f.local_today(),
                            source="award",
                            reference=reference,
                        )
                    )

    async def test_a_reference_reused_for_another_programme_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        someone = await person(client, sessionmaker)
        await award(sessionmaker, actor, someone.id, grant_amount=None)
        with pytest.raises(Exception) as refused:
            await award(sessionmaker, actor, someone.id, programme="shanghai_leading")
        assert getattr(refused.value, "status_code", None) == 409

    async def test_another_districts_award_and_organisation_are_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        yangpu = await officer(sessionmaker)
        someone = await person(client, sessionmaker)
        with pytest.raises(PermissionDenied):
            await award(sessionmaker, yangpu, someone.id, district="changning")
        elsewhere = await f.create_employer(sessionmaker, district="changning")
        with pytest.raises(NotFound):
            await award(sessionmaker, yangpu, someone.id, organisation_id=str(elsewhere))
        clerk = await officer(sessionmaker, department="housing")
        with pytest.raises(PermissionDenied):
            await award(sessionmaker, clerk, someone.id)
        with pytest.raises(NotFound):
            await award(sessionmaker, yangpu, uuid.uuid4())
        assert (
            await count(
                sessionmaker, TalentRegisterEntry, TalentRegisterEntry.applicant_id == someone.id
            )
            == 0
        )

    async def test_a_future_granted_date_a_broken_span_or_amount_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        someone = await person(client, sessionmaker)
        today = f.local_today()
        with pytest.raises(ValidationFailed) as future:
            await award(sessionmaker, actor, someone.id, granted=today + timedelta(days=1))
        assert [e.field for e in future.value.field_errors] == ["granted"]
        with pytest.raises(ValidationFailed) as span:
            await award(sessionmaker, actor, someone.id, valid_until=today - timedelta(days=1))
        assert [e.field for e in span.value.field_errors] == ["valid_until"]
        with pytest.raises(ValidationFailed) as money:
            await award(sessionmaker, actor, someone.id, grant_amount=Decimal("100.50"))
        assert [e.field for e in money.value.field_errors] == ["grant_amount"]
        assert (
            await count(
                sessionmaker, TalentRegisterEntry, TalentRegisterEntry.applicant_id == someone.id
            )
            == 0
        )


def card_status(facts: dict[str, Any], day: date) -> str:
    """The Yangpu card's verdict on ``day`` from the register's facts of that day (the policy
    version reading the register, in force from 2026-12-07, whatever day is asked)."""
    library = load_library()
    version = library.version_at("yangpu.service_card", max(day, date(2026, 12, 7)))
    assert version is not None
    entered = {**facts, "employer_district": "yangpu", "professional_title": "none"}
    return str(library.evaluate_version(version, entered, max(day, date(2026, 12, 7)), "en").status)


class TestMembershipUnlocksServices:
    async def test_the_card_counts_the_award_from_granted_through_valid_until(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        someone = await person(client, sessionmaker)
        today = f.local_today()
        last = today + timedelta(days=40)
        await award(sessionmaker, actor, someone.id, valid_until=last, grant_amount=None)
        verdicts = {}
        async with sessionmaker() as session:
            for day in (today - timedelta(days=1), today, last, last + timedelta(days=1)):
                facts = await verified_facts.for_person(session, someone.id, day)
                verdicts[day] = card_status(facts, day)
        assert verdicts == {
            today - timedelta(days=1): "ineligible",
            today: "eligible",
            last: "eligible",
            last + timedelta(days=1): "ineligible",
        }


class TestExpiry:
    async def test_warned_before_ended_after_the_last_day_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        someone = await person(client, sessionmaker)
        today = f.local_today()
        last = today + timedelta(days=200)
        entry = await award(sessionmaker, actor, someone.id, valid_until=last)

        # 31 days before: nothing yet; 30 days before: the warning, once (a second run the
        # same day or the next sends nothing again).
        await expiry.run_due(sessionmaker, last - timedelta(days=31))
        assert await notices(sessionmaker, someone.user_id, "talent_register.expiring") == []
        warned, _ended = await expiry.run_due(sessionmaker, last - timedelta(days=30))
        assert warned >= 1
        assert await expiry.run_due(sessionmaker, last - timedelta(days=30)) == (0, 0)
        await expiry.run_due(sessionmaker, last - timedelta(days=29))
        warning = await notices(sessionmaker, someone.user_id, "talent_register.expiring")
        assert [m.channel for m in warning].count("inapp") == 1

        # On the last valid day the membership still holds: nothing ends.
        await expiry.run_due(sessionmaker, last)
        assert (
            await notices(sessionmaker, someone.user_id, "talent_register.expired_instalments")
            == []
        )
        statuses = {n: g.status for n, g in (await instalments(sessionmaker, entry.id)).items()}
        assert set(statuses.values()) == {GrantStatus.AWAITING_ACCOUNT.value}

        # The day after: instalments dated after the last day are cancelled (2 and 3, dated one
        # and two years after the grant; the first, dated before the end, stays payable).
        _warned, ended = await expiry.run_due(sessionmaker, last + timedelta(days=1))
        assert ended >= 1
        assert await expiry.run_due(sessionmaker, last + timedelta(days=1)) == (0, 0)
        await expiry.run_due(sessionmaker, last + timedelta(days=2))
        statuses = {n: g.status for n, g in (await instalments(sessionmaker, entry.id)).items()}
        assert statuses == {
            1: GrantStatus.AWAITING_ACCOUNT.value,
            2: GrantStatus.CANCELLED.value,
            3: GrantStatus.CANCELLED.value,
        }
        ended = await notices(sessionmaker, someone.user_id, "talent_register.expired_instalments")
        assert [m.channel for m in ended].count("inapp") == 1
        assert await notices(sessionmaker, someone.user_id, "talent_register.expired") == []

    async def test_instalments_ended_by_the_membership_say_so_not_a_revoked_approval(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        user, someone = await signed_in_person(client, sessionmaker)
        today = f.local_today()
        last = today + timedelta(days=200)
        await award(sessionmaker, actor, someone.id, reference="YP-END-1", valid_until=last)
        await expiry.run_due(sessionmaker, last + timedelta(days=1))
        mine = await client.get(
            "/api/v1/talent-register/mine", headers={**user.headers, "Accept-Language": "en"}
        )
        (shown,) = mine.json()
        assert [(g["instalment"], g["status_label"]) for g in shown["grants"]] == [
            (1, "Waiting for the bank account"),
            (2, "Not paid: the membership ended before this date"),
            (3, "Not paid: the membership ended before this date"),
        ]
        await web_login(client, user)
        for lang, ended in (
            ("en", "Not paid: the membership ended before this date"),
            ("zh", "未支付：该日期前资格已终止"),
        ):
            await client.get(f"/lang/{lang}")
            for path in ("/recognitions", "/payments"):
                page = await client.get(path)
                assert page.status_code == 200, page.text
                assert page.text.count(ended) == 2, path
                assert "approval was revoked" not in page.text and "撤销" not in page.text

    async def test_a_programme_card_is_flagged_when_its_only_basis_ends(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        user, someone = await signed_in_person(client, sessionmaker)
        today = f.local_today()
        last = today + timedelta(days=10)
        entry = await award(sessionmaker, actor, someone.id, valid_until=last, grant_amount=None)
        async with sessionmaker() as session, session.begin():
            card = ServiceCard(
                number=f"YP-C-T-{uuid.uuid4().hex[:8]}",
                applicant_id=someone.id,
                case_id=await a_case(session, someone.id, "service_card", "approved"),
                district="yangpu",
                level="programme",
                status="active",
                issued_on=today,
                valid_until=today + timedelta(days=1000),
                verify_token=uuid.uuid4().hex,
            )
            session.add(card)
        await expiry.run_due(sessionmaker, last)
        async with sessionmaker() as session:
            assert (await session.get(ServiceCard, card.id)).basis_ended_on is None  # type: ignore[union-attr]
        await expiry.run_due(sessionmaker, last + timedelta(days=1))
        async with sessionmaker() as session:
            flagged = await session.get(ServiceCard, card.id)
            assert flagged is not None
            # Flagged for the talent office, not revoked by the date alone.
            assert flagged.basis_ended_on == entry.valid_until and flagged.status == "active"
        ended = await notices(sessionmaker, someone.user_id, "talent_register.expired")
        assert [m.channel for m in ended].count("inapp") == 1
        # The holder's card says so.
        shown = await client.get(f"/api/v1/service-cards/{card.id}", headers=user.headers)
        assert shown.status_code == 200, shown.text
        assert shown.json()["basis_ended_on"] == str(entry.valid_until)
        assert shown.json()["status"] == "active"


async def a_case(
    session: AsyncSession, applicant_id: uuid.UUID, code: str, status: str, **more: Any
) -> uuid.UUID:
    """A Yangpu case of the person written as it stands (how it got there is tested elsewhere):
    a card hangs on one, an employment confirmation is given on one."""
    service = (
        await session.execute(
            select(Service).where(Service.district == "yangpu", Service.code == code)
        )
    ).scalar_one()
    case = Case(
        id=uuid.uuid4(),
        number=f"T-{uuid.uuid4().hex[:12]}",
        lookup_code_enc=b"x",
        applicant_id=applicant_id,
        service_id=service.id,
        district="yangpu",
        department=service.department,
        status=status,
        channel="web",
        time_limit_days=service.time_limit_days,
        deadline_date=f.local_today(),
        pending_materials=[],
        **more,
    )
    session.add(case)
    await session.flush()
    return case.id


async def instalments(
    sm: async_sessionmaker[AsyncSession], entry_id: uuid.UUID
) -> dict[int, GrantPayment]:
    async with sm() as session:
        stmt = select(GrantPayment).where(GrantPayment.register_entry_id == entry_id)
        return {g.instalment or 0: g for g in (await session.execute(stmt)).scalars()}


async def give_award_account(
    client: httpx.AsyncClient, user: f.ApiUser, entry_id: uuid.UUID
) -> Any:
    r = await client.put(
        f"/api/v1/my/grants/awards/{entry_id}/account",
        headers=user.headers,
        json={"account_name": "王小明", "bank_account": ACCOUNT},
    )
    assert r.status_code == 200, r.text
    assert ACCOUNT not in r.text
    return r.json()


class TestAwardGrantPaidThroughFinance:
    async def test_the_due_instalment_is_paid_by_maker_and_checker_later_ones_wait(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        user, someone = await signed_in_person(client, sessionmaker)
        entry = await award(sessionmaker, actor, someone.id, reference="YP-PAY-1")
        # Another person's award is not theirs to give an account for.
        stranger, _other = await signed_in_person(client, sessionmaker)
        r = await client.put(
            f"/api/v1/my/grants/awards/{entry.id}/account",
            headers=stranger.headers,
            json={"account_name": "李四", "bank_account": ACCOUNT},
        )
        assert r.status_code == 404
        given = await give_award_account(client, user, entry.id)
        assert [g["status"] for g in given] == ["ready", "ready", "ready"]

        maker, checker = await finance(client, sessionmaker)
        cycle = await compute(client, maker, next_month())
        await pay(client, maker, checker, cycle)
        paid = await instalments(sessionmaker, entry.id)
        assert paid[1].status == GrantStatus.PAID.value
        assert paid[2].status == paid[3].status == GrantStatus.READY.value
        # Finance sees the line by the programme and the instalment (no case behind it); the
        # award's reference stays internal.
        lines = await client.get(
            f"/api/v1/finance/cycles/{cycle['id']}/lines",
            headers={**maker, "Accept-Language": "en"},
            params={"limit": 500},
        )
        assert lines.status_code == 200, lines.text
        assert "YP-PAY-1" not in lines.text
        label = "district outstanding talent, instalment 1 of 3"
        ours = [ln for ln in lines.json()["lines"] if ln["case_number"] == label]
        assert [(ln["service_name"], ln["amount_cny"]) for ln in ours] == [
            ("district outstanding talent", paid[1].amount_cny)
        ]
        zh_lines = await client.get(
            f"/api/v1/finance/cycles/{cycle['id']}/lines",
            headers={**maker, "Accept-Language": "zh"},
            params={"limit": 500},
        )
        assert "区级杰出人才，第1期（共3期）" in [
            ln["case_number"] for ln in zh_lines.json()["lines"]
        ]
        finance_staff = await f.create_staff(
            sessionmaker, district="yangpu", roles=["finance_maker"], department="finance"
        )
        await page_login(client, finance_staff)
        page = await client.get(f"/staff/finance/cycles/{cycle['id']}")
        assert page.status_code == 200, page.text
        assert "YP-PAY-1" not in page.text and "区级杰出人才，第1期（共3期）" in page.text
        client.cookies.clear()
        assert len(await lines_of(sessionmaker, paid[1].id)) == 1
        assert await lines_of(sessionmaker, paid[2].id) == []
        told = await notices(sessionmaker, someone.user_id, "grant.paid")
        assert [m.channel for m in told].count("inapp") == 1
        # In the person's language (Chinese, as registered).
        assert {m.payload["params"]["case_number"] for m in told} == {  # type: ignore[index]
            "区级杰出人才，第1期（共3期）"
        }

        # The person's own recognitions show the award with its grant and where it stands.
        mine = await client.get("/api/v1/talent-register/mine", headers=user.headers)
        assert mine.status_code == 200, mine.text
        (shown,) = mine.json()
        assert shown["source"] == "award" and shown["validity"] == "valid"
        assert [(g["instalment"], g["status"]) for g in shown["grants"]] == [
            (1, "paid"),
            (2, "ready"),
            (3, "ready"),
        ]
        assert all(g["amount_assumed"] for g in shown["grants"])

    async def test_an_instalment_dated_after_the_end_is_never_taken_by_a_run(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        user, someone = await signed_in_person(client, sessionmaker)
        today = f.local_today()
        # Granted 400 days ago, ended 40 days ago: the second instalment (35 days ago) falls
        # after the end; the daily round has not run, the run itself refuses it.
        entry = await award(
            sessionmaker,
            actor,
            someone.id,
            reference="YP-PAY-2",
            granted=today - timedelta(days=400),
            valid_until=today - timedelta(days=40),
        )
        await give_award_account(client, user, entry.id)
        maker, checker = await finance(client, sessionmaker)
        await pay(client, maker, checker, await compute(client, maker, next_month()))
        paid = await instalments(sessionmaker, entry.id)
        assert paid[1].status == GrantStatus.PAID.value
        assert paid[2].payable_on is not None and paid[2].payable_on > today - timedelta(days=40)
        assert paid[2].status == GrantStatus.READY.value
        assert await lines_of(sessionmaker, paid[2].id) == []


class TestMyRecognitionsPage:
    async def test_the_page_shows_the_award_its_grant_and_validity_in_both_languages(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        user, someone = await signed_in_person(client, sessionmaker)
        await award(sessionmaker, actor, someone.id, reference="YP-PAGE-1")
        await web_login(client, user)
        await client.get("/lang/en")
        page = await client.get("/recognitions")
        assert page.status_code == 200, page.text
        assert "district outstanding talent" in page.text
        assert "Instalment 1: 100000 yuan" in page.text
        assert "amount assumed" in page.text and "Waiting for the bank account" in page.text
        assert 'href="/payments"' in page.text
        # The payments page takes the award's account once for all its instalments.
        payments = await client.get("/payments")
        entry_id = re.search(r'action="/payments/awards/([0-9a-f-]+)/account"', payments.text)
        assert entry_id is not None and payments.text.count("/payments/awards/") == 1
        saved = await client.post(
            f"/payments/awards/{entry_id.group(1)}/account",
            data={
                "csrf_token": csrf_of(payments.text),
                "account_name": "王小明",
                "bank_account": ACCOUNT,
            },
        )
        assert saved.status_code == 303, saved.text
        after = await client.get("/payments")
        assert "/payments/awards/" in after.text  # ready instalments may still change it
        assert after.text.count("Ready for the next payment run") == 3
        await client.get("/lang/zh")
        zh = await client.get("/recognitions")
        assert "区级杰出人才" in zh.text and "第1期" in zh.text


class TestPaymentsPage:
    async def test_an_award_instalment_reads_as_its_programme_never_its_reference(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        actor = await officer(sessionmaker)
        user, someone = await signed_in_person(client, sessionmaker)
        reference = f"programme_nomination:{uuid.uuid4()}"
        await award(sessionmaker, actor, someone.id, reference=reference)
        await web_login(client, user)
        await client.get("/lang/en")
        page = await client.get("/payments")
        assert page.status_code == 200, page.text
        assert reference not in page.text
        for n in (1, 2, 3):
            assert f"district outstanding talent, instalment {n} of 3" in page.text
        mine = await client.get("/api/v1/my/grants", headers=user.headers)
        assert mine.status_code == 200, mine.text
        assert reference not in mine.text
        await client.get("/lang/zh")
        zh = await client.get("/payments")
        assert reference not in zh.text and "区级杰出人才，第2期（共3期）" in zh.text


class TestExpiryRoundChunks:
    async def test_every_chunk_is_handled_and_a_second_run_sends_nothing(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(expiry, "CHUNK", 2)
        actor = await officer(sessionmaker)
        today = f.local_today()
        last = today + timedelta(days=5)
        people = [await person(client, sessionmaker) for _ in range(5)]
        for n, someone in enumerate(people):
            await award(
                sessionmaker, actor, someone.id, reference=f"YP-CHUNK-{n}", valid_until=last
            )
        warned, _ended = await expiry.run_due(sessionmaker, today)
        assert warned >= 5
        assert await expiry.run_due(sessionmaker, today) == (0, 0)
        for someone in people:
            sent = await notices(sessionmaker, someone.user_id, "talent_register.expiring")
            assert [m.channel for m in sent].count("inapp") == 1
