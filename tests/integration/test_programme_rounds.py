"""District programme rounds (issue 16, points 1, 2 and 6), end to end through the API: a round
opened by the district admin, nominations checked by the round's rules (an ineligible one
refused with reasons in both languages and not kept), reviewers with conflict declarations
(a reviewer tied to the nominating organisation refused), sealed scores until one's own is
submitted, the ranking, the committee's decision within the quota, the public notice with an
objection upheld, and the award that writes the register entry once. And the attacks: another
district's staff find nothing, a person nominated twice, a nomination outside the window, an
objection with bad input."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import (
    AuditEntry,
    Employer,
    Nomination,
    OutboxMessage,
    ProgrammeRound,
    TalentRegisterEntry,
)
from app.services import verified_facts
from app.services.notifications import params_of, render
from app.services.programmes.selection import _valid_until
from tests import factories as f
from tests.integration.test_cases_api import staff_member_id
from tests.integration.test_housing import _page_session
from tests.integration.test_organisation_claims import staff

pytestmark = pytest.mark.usefixtures("isolated_db")

SM = async_sessionmaker[AsyncSession]
ROUNDS = "/api/v1/programmes/rounds"
NOMINATIONS = "/api/v1/nominations"
SHEET = [
    {
        "code": "achievement",
        "name_zh": "业绩成果",
        "name_en": "Achievements",
        "weight": 60,
        "max": 10,
    },
    {"code": "potential", "name_zh": "发展潜力", "name_en": "Potential", "weight": 40, "max": 10},
]


def round_body(programme: str, **overrides: Any) -> dict[str, Any]:
    today = f.local_today()
    body: dict[str, Any] = {
        "programme": programme,
        "title": "2026年度评选",
        "quota": 2,
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(),
        "criteria": SHEET,
        "reviewers_per_nomination": 2,
        "grant_amount": "100000.00",
        "award_title_zh": "杨浦区杰出人才",
        "award_title_en": "Yangpu outstanding talent",
        "valid_years": 3,
        "notice_days": 5,
    }
    body.update(overrides)
    return body


async def admin(client: httpx.AsyncClient, sm: SM, district: str = "yangpu") -> dict[str, str]:
    return await staff(client, sm, district, ["district_admin"], "talent_office")


async def reviewer(
    client: httpx.AsyncClient, sm: SM, district: str = "yangpu"
) -> tuple[dict[str, str], str]:
    """A programme reviewer of the district, signed in: headers and staff id."""
    email = await f.create_staff(
        sm, district=district, roles=["programme_reviewer"], department="talent_office"
    )
    return await f.staff_login(client, email), str(await staff_member_id(sm, email))


async def person(client: httpx.AsyncClient) -> tuple[f.ApiUser, str]:
    payload = f.domestic_payload()
    user = await f.register_and_login(client, payload)
    return user, str(payload["id_number"])


async def organisation(
    client: httpx.AsyncClient, sm: SM, district: str
) -> tuple[dict[str, str], str]:
    uscc, email = await f.create_employer_with_hr(sm, district=district, name="测试科技有限公司")
    return await f.employer_login(client, email), uscc


async def nominate(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    round_id: str,
    id_number: str | None,
    **facts: Any,
) -> httpx.Response:
    body: dict[str, Any] = {
        "round_id": round_id,
        "statement": "在人工智能领域作出突出贡献。",
        **facts,
    }
    if id_number is not None:
        body |= {"id_kind": "resident_id", "id_number": id_number}
    return await client.post(NOMINATIONS, headers=headers, json=body)


async def score(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    nid: str,
    a: Any,
    p: Any,
    submit: bool = True,
) -> httpx.Response:
    return await client.put(
        f"{NOMINATIONS}/{nid}/review",
        headers=headers,
        json={"scores": {"achievement": a, "potential": p}, "submit": submit},
    )


async def audit_entries(session: AsyncSession, action: str) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == action)
    return list((await session.execute(stmt)).scalars())


async def close_window(sm: SM, rid: str) -> None:
    """The application window closed yesterday (the committee decides after it)."""
    today = f.local_today()
    async with sm() as session, session.begin():
        await session.execute(
            update(ProgrammeRound)
            .where(ProgrammeRound.id == uuid.UUID(rid))
            .values(opens_on=today - timedelta(days=10), closes_on=today - timedelta(days=1))
        )


async def end_notice(sm: SM, rid: str) -> None:
    async with sm() as session, session.begin():
        await session.execute(
            update(ProgrammeRound)
            .where(ProgrammeRound.id == uuid.UUID(rid))
            .values(notice_until=f.local_today() - timedelta(days=1))
        )


class TestRoundEndToEnd:
    async def test_setup_to_award(self, client: httpx.AsyncClient, sessionmaker: SM) -> None:
        boss = await admin(client, sessionmaker)
        r = await client.post(ROUNDS, headers=boss, json=round_body("outstanding_talent"))
        assert r.status_code == 201, r.text
        round_ = r.json()
        assert round_["accepting"] is True and round_["grant_assumed"] is True
        rid = round_["id"]

        org, uscc = await organisation(client, sessionmaker, "yangpu")
        (alice, alice_id), (bob, bob_id), (_carol, carol_id) = [
            await person(client) for _ in range(3)
        ]

        # Ineligible: refused with the reasons in both languages, nothing kept.
        r = await nominate(
            client, org, rid, carol_id, professional_title="intermediate", highest_degree="master"
        )
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["code"] == "nomination_ineligible"
        assert {"zh", "en"} <= set(problem["reasons"][0])
        assert any("Yangpu" in x["en"] or "doctorate" in x["en"] for x in problem["reasons"])

        r = await nominate(client, org, rid, alice_id, professional_title="senior")
        assert r.status_code == 201, r.text
        first = r.json()["id"]
        r = await nominate(client, org, rid, bob_id, highest_degree="doctorate")
        assert r.status_code == 201, r.text
        second = r.json()["id"]
        # The same person twice in one round.
        r = await nominate(client, org, rid, alice_id, professional_title="senior")
        assert r.status_code == 409, r.text

        # Reviewers: one declares the nominating organisation and is refused.
        (one, one_id), (two, two_id), (tied, tied_id) = [
            await reviewer(client, sessionmaker) for _ in range(3)
        ]
        for headers, codes in ((one, []), (two, []), (tied, [uscc])):
            r = await client.put(
                f"{ROUNDS}/{rid}/declaration", headers=headers, json={"organisation_codes": codes}
            )
            assert r.status_code == 200, r.text
        r = await client.post(
            f"{NOMINATIONS}/{first}/reviewers", headers=boss, json={"reviewer_id": tied_id}
        )
        assert r.status_code == 409 and r.json()["code"] == "conflict_of_interest", r.text
        for nid in (first, second):
            for rid_ in (one_id, two_id):
                r = await client.post(
                    f"{NOMINATIONS}/{nid}/reviewers", headers=boss, json={"reviewer_id": rid_}
                )
                assert r.status_code == 200, r.text

        # Draft, then the sealed scores, then submitted.
        assert (await score(client, one, first, 9, None, submit=False)).status_code == 200
        assert (await score(client, two, first, 7, 7)).status_code == 200
        r = await client.get(f"{NOMINATIONS}/{first}/scores", headers=one)
        assert r.status_code == 403 and r.json()["code"] == "scores_sealed"
        assert (await score(client, one, first, 11, 5)).status_code == 422
        assert (await score(client, one, first, 9, 8)).status_code == 200
        assert (await score(client, one, first, 9, 9)).status_code == 409  # submitted: fixed
        r = await client.get(f"{NOMINATIONS}/{first}/scores", headers=one)
        assert r.status_code == 200 and len(r.json()) == 2
        assert (await score(client, one, second, 6, 6)).status_code == 200
        assert (await score(client, two, second, 6, 6)).status_code == 200

        r = await client.get(f"{ROUNDS}/{rid}/ranking", headers=boss)
        assert r.status_code == 200, r.text
        assert [x["nomination_id"] for x in r.json()] == [first, second]
        await close_window(sessionmaker, rid)
        r = await client.post(
            f"{ROUNDS}/{rid}/decision",
            headers=boss,
            json={"proposed": [first, second, str(uuid.uuid4())]},
        )
        assert r.status_code == 422
        r = await client.post(
            f"{ROUNDS}/{rid}/decision", headers=boss, json={"proposed": [first, second]}
        )
        assert r.status_code == 200, r.text
        r = await client.post(f"{ROUNDS}/{rid}/notice", headers=boss)
        assert r.status_code == 200, r.text

        notices = (await client.get("/api/v1/programmes/notices")).json()
        listed = next(n for n in notices if n["round_id"] == rid)
        assert {e["masked_name"] for e in listed["entries"]} == {"王*明"}
        bad = {"nomination_id": second, "objector_name": "", "contact": "x", "grounds": "short"}
        r = await client.post("/api/v1/programmes/notices/objections", json=bad)
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} >= {"objector_name", "contact", "grounds"}
        good = {
            "nomination_id": second,
            "objector_name": "李四",
            "contact": "13900000000",
            "grounds": "所述成果并非本人完成，署名有误。",
        }
        r = await client.post("/api/v1/programmes/notices/objections", json=good)
        assert r.status_code == 201, r.text
        objections = (await client.get(f"{ROUNDS}/{rid}/objections", headers=boss)).json()
        r = await client.post(f"{ROUNDS}/{rid}/award", headers=boss)
        assert r.status_code == 409  # the notice still runs
        r = await client.post(
            f"/api/v1/programmes/objections/{objections[0]['id']}/decision",
            headers=boss,
            json={"uphold": True, "reason": "经核实，成果署名有误。"},
        )
        assert r.status_code == 200 and r.json()["status"] == "upheld"

        async with sessionmaker() as session, session.begin():
            yesterday = f.local_today() - timedelta(days=1)
            await session.execute(
                update(ProgrammeRound)
                .where(ProgrammeRound.id == uuid.UUID(rid))
                .values(notice_until=yesterday)
            )
        r = await client.post(f"{ROUNDS}/{rid}/award", headers=boss)
        assert r.status_code == 200 and r.json() == {"awarded": 1}, r.text
        r = await client.post(f"{ROUNDS}/{rid}/award", headers=boss)
        assert r.status_code == 200 and r.json() == {"awarded": 0}

        async with sessionmaker() as session:
            entries = (await session.execute(select(TalentRegisterEntry))).scalars().all()
            assert [(e.programme, e.source) for e in entries] == [("district_outstanding", "award")]
            facts = await verified_facts.for_person(
                session, entries[0].applicant_id, f.local_today()
            )
            assert facts == {"verified_talent_programs": ["district_outstanding"]}
            statuses = dict((await session.execute(select(Nomination.id, Nomination.status))).all())
            assert statuses[uuid.UUID(second)] == "withdrawn_by_objection"
            refused = await audit_entries(session, "programme_nomination.refused")
            assert len(refused) == 1

        async with sessionmaker() as session:
            sent = {
                (m.recipient_user_id, m.template)
                for m in (await session.execute(select(OutboxMessage))).scalars()
                if m.template.startswith("programme.")
            }
        alice_user, bob_user = (uuid.UUID(str(u.account["user_id"])) for u in (alice, bob))
        assert sent == {
            (alice_user, "programme.proposed"),
            (bob_user, "programme.proposed"),
            (bob_user, "programme.withdrawn"),
        }

        mine = await client.get(NOMINATIONS, headers=alice.headers)
        assert [n["status"] for n in mine.json()] == ["awarded"]
        page = await client.get(f"{NOMINATIONS}/{first}", headers=alice.headers)
        actions = [t["action"] for t in page.json()["timeline"]]
        assert (
            actions[0] == "programme_nomination.filed"
            and actions[-1] == "programme_nomination.awarded"
        )
        assert (await client.get(f"{NOMINATIONS}/{first}", headers=bob.headers)).status_code == 404


class TestScope:
    async def test_another_districts_staff_find_nothing(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        boss = await admin(client, sessionmaker)
        rid = (
            await client.post(ROUNDS, headers=boss, json=round_body("outstanding_talent"))
        ).json()["id"]
        org, _uscc = await organisation(client, sessionmaker, "yangpu")
        _user, id_number = await person(client)
        nid = (await nominate(client, org, rid, id_number, professional_title="senior")).json()[
            "id"
        ]

        other = await admin(client, sessionmaker, "changning")
        assert (await client.get(f"{ROUNDS}/{rid}/ranking", headers=other)).status_code == 404
        assert (await client.get(f"{NOMINATIONS}/{nid}", headers=other)).status_code == 404
        listed = await client.get(NOMINATIONS, headers=other)
        assert listed.status_code == 200 and listed.json() == []
        far, far_id = await reviewer(client, sessionmaker, "changning")
        assert (
            await client.put(f"{ROUNDS}/{rid}/declaration", headers=far, json={})
        ).status_code == 404
        r = await client.post(
            f"{NOMINATIONS}/{nid}/reviewers", headers=other, json={"reviewer_id": far_id}
        )
        assert r.status_code == 404
        assert (await score(client, far, nid, 5, 5)).status_code == 404
        # A Yangpu reviewer not given the nomination does not find it either.
        near, _near_id = await reviewer(client, sessionmaker)
        assert (await client.get(f"{NOMINATIONS}/{nid}", headers=near)).status_code == 404
        # Another organisation does not see it.
        stranger, _ = await organisation(client, sessionmaker, "yangpu")
        assert (await client.get(f"{NOMINATIONS}/{nid}", headers=stranger)).status_code == 404

    async def test_outside_the_window_and_self_nomination_rules(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        boss = await admin(client, sessionmaker)
        later = f.local_today() + timedelta(days=10)
        body = round_body(
            "outstanding_talent",
            opens_on=later.isoformat(),
            closes_on=(later + timedelta(days=5)).isoformat(),
        )
        rid = (await client.post(ROUNDS, headers=boss, json=body)).json()["id"]
        org, _ = await organisation(client, sessionmaker, "yangpu")
        user, id_number = await person(client)
        r = await nominate(client, org, rid, id_number, professional_title="senior")
        assert r.status_code == 409, r.text
        # Yangpu's programme takes organisations' nominations only.
        now_rid = (
            await client.post(ROUNDS, headers=boss, json=round_body("outstanding_talent"))
        ).json()["id"]
        r = await nominate(
            client,
            user.headers,
            now_rid,
            None,
            professional_title="senior",
            employer_district="yangpu",
        )
        assert r.status_code == 403

    async def test_a_young_person_nominates_themselves_in_changning(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        boss = await admin(client, sessionmaker, "changning")
        body = round_body(
            "young_innovator",
            award_title_zh="长宁区青年创新英才",
            award_title_en="Changning young innovative talent",
        )
        r = await client.post(ROUNDS, headers=boss, json=body)
        assert r.status_code == 201, r.text
        user, _ = await person(client)
        r = await nominate(
            client,
            user.headers,
            r.json()["id"],
            None,
            birth_date="1996-05-01",
            employer_district="changning",
        )
        assert r.status_code == 201, r.text
        assert r.json()["self_nominated"] is True
        assert all(x["result"] == "true" for x in r.json()["eligibility"])


@dataclass
class Scored:
    """A round with nominations by one organisation, each given to the same reviewers."""

    boss: dict[str, str]
    rid: str
    org: dict[str, str]
    uscc: str
    people: list[tuple[f.ApiUser, str]]  # the nominee and the nomination's id
    reviewers: list[dict[str, str]]


async def scored_round(
    client: httpx.AsyncClient, sm: SM, nominees: int = 1, reviewers: int = 1, **body: Any
) -> Scored:
    boss = await admin(client, sm)
    r = await client.post(
        ROUNDS,
        headers=boss,
        json=round_body("outstanding_talent", reviewers_per_nomination=reviewers, **body),
    )
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    org, uscc = await organisation(client, sm, "yangpu")
    people = []
    for _ in range(nominees):
        user, id_number = await person(client)
        r = await nominate(client, org, rid, id_number, professional_title="senior")
        assert r.status_code == 201, r.text
        people.append((user, r.json()["id"]))
    staff = [await reviewer(client, sm) for _ in range(reviewers)]
    for headers, staff_id in staff:
        await client.put(f"{ROUNDS}/{rid}/declaration", headers=headers, json={})
        for _user, nid in people:
            r = await client.post(
                f"{NOMINATIONS}/{nid}/reviewers", headers=boss, json={"reviewer_id": staff_id}
            )
            assert r.status_code == 200, r.text
    return Scored(boss, rid, org, uscc, people, [h for h, _ in staff])


async def to_award(client: httpx.AsyncClient, sm: SM, s: Scored) -> httpx.Response:
    """Every nomination scored and proposed, the notice run out: the award."""
    for index, (_user, nid) in enumerate(s.people):
        for headers in s.reviewers:
            assert (await score(client, headers, nid, 9 - index, 8)).status_code == 200
    await close_window(sm, s.rid)
    proposed = [nid for _u, nid in s.people]
    r = await client.post(f"{ROUNDS}/{s.rid}/decision", headers=s.boss, json={"proposed": proposed})
    assert r.status_code == 200, r.text
    assert (await client.post(f"{ROUNDS}/{s.rid}/notice", headers=s.boss)).status_code == 200
    await end_notice(sm, s.rid)
    return await client.post(f"{ROUNDS}/{s.rid}/award", headers=s.boss)


async def outbox(sm: SM, user: f.ApiUser, prefix: str) -> list[OutboxMessage]:
    user_id = uuid.UUID(str(user.account["user_id"]))
    async with sm() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars()
        return [m for m in rows if m.recipient_user_id == user_id and m.template.startswith(prefix)]


class TestReviewFindings:
    async def test_a_grant_is_whole_yuan_above_zero_or_none(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        boss = await admin(client, sessionmaker)
        for amount in ("0", "100.50", "-5"):
            for lang, words in (("en", "whole number of yuan"), ("zh", "元")):
                r = await client.post(
                    ROUNDS,
                    headers={**boss, "Accept-Language": lang},
                    json=round_body("outstanding_talent", grant_amount=amount),
                )
                assert r.status_code == 422, r.text
                errors = [e for e in r.json()["errors"] if e["field"] == "grant_amount"]
                assert errors and words in errors[0]["message"], r.text
        for empty in ("", None):
            r = await client.post(
                ROUNDS, headers=boss, json=round_body("outstanding_talent", grant_amount=empty)
            )
            assert r.status_code == 201 and r.json()["grant_amount"] is None, r.text

    async def test_a_round_opened_with_a_grant_of_zero_is_awarded_without_one(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        s = await scored_round(client, sessionmaker, grant_amount=None)
        async with sessionmaker() as session, session.begin():
            # A round opened before whole yuan were required.
            await session.execute(
                update(ProgrammeRound)
                .where(ProgrammeRound.id == uuid.UUID(s.rid))
                .values(grant_amount=0)
            )
        r = await to_award(client, sessionmaker, s)
        assert r.status_code == 200 and r.json() == {"awarded": 1}, r.text
        told = await outbox(sessionmaker, s.people[0][0], "talent_register.")
        assert {m.template for m in told} == {"talent_register.awarded"}

    async def test_an_organisation_resubmitting_its_details_does_not_stop_the_award(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        s = await scored_round(client, sessionmaker, nominees=2, valid_years=3)
        async with sessionmaker() as session, session.begin():
            await session.execute(
                update(Employer).where(Employer.uscc == s.uscc).values(status="pending")
            )
        r = await to_award(client, sessionmaker, s)
        assert r.status_code == 200 and r.json() == {"awarded": 2}, r.text
        today = f.local_today()
        async with sessionmaker() as session:
            entries = (await session.execute(select(TalentRegisterEntry))).scalars().all()
            assert [e.organisation_id for e in entries] == [None, None]
            # Three years from the award's day: the day before its third anniversary.
            last = today.replace(year=today.year + 3) - timedelta(days=1)
            assert {e.valid_until for e in entries} == {last}
            awarded = await audit_entries(session, "programme_nomination.awarded")
            assert len(awarded) == 2 and all(a.detail["organisation_not_verified"] for a in awarded)

    async def test_an_award_without_an_end_date_says_so(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        s = await scored_round(client, sessionmaker, grant_amount="5000", valid_years=None)
        r = await to_award(client, sessionmaker, s)
        assert r.status_code == 200 and r.json() == {"awarded": 1}, r.text
        told = await outbox(sessionmaker, s.people[0][0], "talent_register.")
        assert {m.template for m in told} == {"talent_register.awarded_grant_no_end"}
        assert all("valid_until" not in params_of(m.payload) for m in told)

    async def test_scores_stay_sealed_until_the_committee_decides(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        s = await scored_round(client, sessionmaker, reviewers=2)
        (nominee, nid), (first, second) = s.people[0], s.reviewers
        assert (await score(client, first, nid, 9, 8)).status_code == 200
        for _ in range(2):
            r = await client.get(f"{ROUNDS}/{s.rid}/ranking", headers=s.boss)
            assert r.status_code == 200 and r.json()[0]["total"] == "86.00", r.text
        async with sessionmaker() as session:
            row = await session.get(Nomination, uuid.UUID(nid))
            assert row is not None and (row.rank, row.total_score) == (None, None)
            assert await audit_entries(session, "programme_round.ranked") == []
        readers = (nominee.headers, s.org, second)
        for headers in readers:
            one = await client.get(f"{NOMINATIONS}/{nid}", headers=headers)
            assert one.status_code == 200, one.text
            assert (one.json()["total_score"], one.json()["rank"]) == (None, None)
            listed = (await client.get(NOMINATIONS, headers=headers)).json()
            assert [(n["total_score"], n["rank"]) for n in listed] == [(None, None)]

        assert (await score(client, second, nid, 7, 7)).status_code == 200
        await close_window(sessionmaker, s.rid)
        r = await client.post(
            f"{ROUNDS}/{s.rid}/decision", headers=s.boss, json={"proposed": [nid]}
        )
        assert r.status_code == 200, r.text
        for headers in (*readers, s.boss):
            one = (await client.get(f"{NOMINATIONS}/{nid}", headers=headers)).json()
            assert (one["total_score"], one["rank"]) == ("78.00", 1)

    async def test_the_committee_decides_only_after_the_window_closes(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        s = await scored_round(client, sessionmaker)
        nid = s.people[0][1]
        assert (await score(client, s.reviewers[0], nid, 9, 8)).status_code == 200
        for lang, words in (("en", "window closes"), ("zh", "截止")):
            r = await client.post(
                f"{ROUNDS}/{s.rid}/decision",
                headers={**s.boss, "Accept-Language": lang},
                json={"proposed": [nid]},
            )
            assert r.status_code == 409, r.text
            assert words in r.json()["detail"], r.text
        async with sessionmaker() as session:
            row = await session.get(Nomination, uuid.UUID(nid))
            assert row is not None and row.status == "in_review"

    async def test_not_selected_hears_the_reason_and_the_rights(
        self, app: Any, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        s = await scored_round(client, sessionmaker, nominees=2, quota=1)
        (_winner, first), (loser, second) = s.people
        for index, nid in enumerate((first, second)):
            assert (await score(client, s.reviewers[0], nid, 9 - index, 8)).status_code == 200
        await close_window(sessionmaker, s.rid)
        note = "名额有限，按评分排序择优推荐。"
        r = await client.post(
            f"{ROUNDS}/{s.rid}/decision", headers=s.boss, json={"proposed": [first], "note": note}
        )
        assert r.status_code == 200, r.text
        told = await outbox(sessionmaker, loser, "programme.not_selected")
        for lang, rights in (("zh", "行政复议"), ("en", "administrative review")):
            body = render(told[0].template, lang, params_of(told[0].payload)).body
            assert note in body and rights in body, body
        page = await _page_session(app, loser.email, loser.password, totp=False)
        try:
            for lang, rights in (("zh", "行政复议"), ("en", "administrative review")):
                await page.get(f"/lang/{lang}")
                r = await page.get(f"/nominations/{second}")
                assert r.status_code == 200 and note in r.text and rights in r.text, r.text
        finally:
            await page.aclose()

    def test_an_award_is_valid_for_whole_years_from_its_day(self) -> None:
        assert _valid_until(date(2026, 12, 7), 3) == date(2029, 12, 6)
        assert _valid_until(date(2024, 2, 29), 1) == date(2025, 2, 28)
        assert _valid_until(date(2026, 1, 1), 1) == date(2026, 12, 31)
        assert _valid_until(date(2026, 1, 1), None) is None
