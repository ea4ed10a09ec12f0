"""初到杨浦 / 虹桥 (issue 18, points 2 and 3): the district's further decisions on an onboarding
bundle, through the API and the pages.

The R-visa invitation letter: class A only (a bilingual refusal otherwise), a talent-office
approver's decision, never by the officer who reviewed it, a verifiable bilingual PDF the
person and the employer download. The recommendation for permanent residence: the district's
rule (class A or a high-level entry in the talent register, and 4 years in the district) with
its reasons when not eligible. The fast track (Changning): only the hire's verified employer
nominates, once; the talent office endorses or declines with a reason; the endorsement goes
with the employer's hand-off. Each decision audited, on the timeline, told through the outbox."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry, Case, CaseEvent, Employer, OutboxMessage, TalentRegisterEntry
from tests import factories as f
from tests.integration.test_held_answers import csrf_of
from tests.integration.test_issued_documents import _text
from tests.integration.test_onboarding_bundle import (
    ENGINEER,
    accepted_bundle,
    employer_web_login,
    staff,
    steps,
)

pytestmark = pytest.mark.usefixtures("isolated_db")

# Class A on the points table (91 points): a doctorate earning ¥1.5 million.
CLASS_A = {
    "birth_date": "1980-01-01",
    "highest_degree": "doctorate",
    "annual_salary_cny": 1500000,
    "work_experience_years": 15,
    "university_world_rank": 50,
}
SENIOR = {**ENGINEER, **CLASS_A}
VISA = "r_visa_invitation"
PR = "pr_recommendation"


def url(case_id: str, rest: str = "") -> str:
    return f"/api/v1/onboarding/{case_id}{rest}"


def letter(view: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(x for x in view["letters"] if x["kind"] == kind)


async def talent_office(
    client: httpx.AsyncClient,
    sm: async_sessionmaker[AsyncSession],
    roles: list[str],
    district: str = "yangpu",
) -> dict[str, str]:
    return await staff(client, sm, roles, "talent_office", district)


async def events(sm: async_sessionmaker[AsyncSession], case_id: str) -> list[str]:
    async with sm() as session:
        rows = await session.scalars(
            select(CaseEvent.action).where(CaseEvent.case_id == uuid.UUID(case_id))
        )
        return list(rows)


async def outbox(
    sm: async_sessionmaker[AsyncSession], template: str, case_id: str
) -> list[OutboxMessage]:
    """The in-app notices of ``template`` about the case."""
    async with sm() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.template == template, OutboxMessage.channel == "inapp"
            )
        )
        return [m for m in rows if m.payload.get("case_id") == case_id]


async def audited(sm: async_sessionmaker[AsyncSession], action: str, case_id: str) -> int:
    async with sm() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.object_id == case_id)
        )
        return int(count or 0)


async def applicant_of(sm: async_sessionmaker[AsyncSession], case_id: str) -> uuid.UUID:
    async with sm() as session:
        found = await session.scalar(select(Case.applicant_id).where(Case.id == uuid.UUID(case_id)))
        assert found is not None
        return found


class TestVisaInvitation:
    async def test_reviewed_by_one_officer_issued_by_another_verifiable_by_person_and_employer(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, _email = await accepted_bundle(client, sessionmaker, SENIOR)
        issue = url(case_id, f"/letters/{VISA}")
        # Neither the person nor the employer decides it.
        assert (await client.post(issue, headers=user.headers, json={})).status_code == 403
        assert (await client.post(issue, headers=hr, json={})).status_code == 403
        # Another department's approver does not either.
        police = await staff(client, sessionmaker, ["approver"], "public_security")
        assert (await client.post(issue, headers=police, json={})).status_code == 403

        both = await talent_office(client, sessionmaker, ["reviewer", "approver"])
        view = (await client.get(url(case_id, "/further"), headers=both)).json()
        assert letter(view, VISA)["can_review"] and letter(view, VISA)["refusals"] == []
        r = await client.post(f"{issue}/review", headers=both, json={"note": "Class A, checked"})
        assert r.status_code == 200, r.text
        reviewed = letter(r.json(), VISA)
        assert reviewed["state"] == "reviewed" and reviewed["can_issue"] is False
        # The officer who reviewed it may not approve it (四眼原则).
        same = await client.post(issue, headers=both, json={})
        assert same.status_code == 403 and "四眼原则" in same.text
        assert (await client.post(f"{issue}/review", headers=both, json={})).status_code == 409

        approver = await talent_office(client, sessionmaker, ["approver"])
        r = await client.post(issue, headers=approver, json={})
        assert r.status_code == 200, r.text
        issued = letter(r.json(), VISA)
        assert issued["state"] == "issued" and issued["document"] is not None
        assert (await client.post(issue, headers=approver, json={})).status_code == 409

        # The person downloads the bilingual PDF, and so does the employer (it sends it on).
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        [doc] = [d for d in mine["issued_documents"] if d["kind"] == "r_visa_invitation_letter"]
        assert doc["languages"] == ["zh", "en"]
        pdf = f"/api/v1/cases/{case_id}/issued-documents/{doc['id']}/pdf"
        r = await client.get(pdf, headers=user.headers)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        theirs = await client.get(pdf, headers=hr)
        assert theirs.status_code == 200 and theirs.content == r.content
        listed = (await client.get(f"/api/v1/cases/{case_id}/issued-documents", headers=hr)).json()
        assert [d["kind"] for d in listed] == ["r_visa_invitation_letter"]
        text = _text(r.content)
        for expected in (
            "AlexMorgan",
            "人才签证（R字）邀请函",
            "Invitationletterforatalent(R)visa",
        ):
            assert expected in text, expected
        assert "AcmeRobotics" in text and "US" in text
        token = doc["verify_url"].rsplit("/", 1)[1]
        assert token in text
        public = (await client.get(f"/api/v1/verify/{token}")).json()
        assert public["kind"] == "r_visa_invitation_letter"
        assert public["sha256"] == hashlib.sha256(r.content).hexdigest()
        assert "Morgan" not in public["masked_name"]
        page = await client.get(f"/verify/{token}?lang=en")
        assert page.status_code == 200 and "Invitation letter for a talent (R) visa" in page.text

        # Audited, on the timeline, told to the person and to the employer's users.
        assert await audited(sessionmaker, "onboarding.letter_reviewed", case_id) == 1
        assert await audited(sessionmaker, "onboarding.letter_issued", case_id) == 1
        assert f"{VISA}_issued" in await events(sessionmaker, case_id)
        timeline = [t["action"] for t in mine["timeline"]]
        assert f"{VISA}_issued" in timeline
        [to_person] = await outbox(sessionmaker, "onboarding.letter_issued", case_id)
        assert to_person.recipient_user_id == uuid.UUID(user.account["user_id"])
        assert len(await outbox(sessionmaker, "onboarding.letter_issued_employer", case_id)) == 1

    async def test_class_b_is_refused_with_its_reason_in_both_languages(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, _hr, _email = await accepted_bundle(client, sessionmaker)
        approver = await talent_office(client, sessionmaker, ["approver"])
        issue = url(case_id, f"/letters/{VISA}")
        en = await client.post(issue, headers={**approver, "Accept-Language": "en"}, json={})
        assert en.status_code == 409 and "class A" in en.text and "class B" in en.text
        zh = await client.post(issue, headers={**approver, "Accept-Language": "zh"}, json={})
        assert zh.status_code == 409 and "A类" in zh.text and "B类" in zh.text
        view = (await client.get(url(case_id, "/further"), headers=approver)).json()
        assert letter(view, VISA)["refusals"] and letter(view, VISA)["state"] is None
        assert await audited(sessionmaker, "onboarding.letter_issued", case_id) == 0

    async def test_another_districts_officer_finds_nothing(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, _hr, _email = await accepted_bundle(client, sessionmaker, SENIOR)
        elsewhere = await talent_office(client, sessionmaker, ["approver"], "changning")
        r = await client.post(url(case_id, f"/letters/{VISA}"), headers=elsewhere, json={})
        assert r.status_code == 404, r.text
        assert (await client.get(url(case_id, "/further"), headers=elsewhere)).status_code == 404


async def reviewed(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], case_id: str, months: int
) -> None:
    """A talent-office reviewer recommends the permanent-residence letter."""
    reviewer = await talent_office(client, sm, ["reviewer"])
    r = await client.post(
        url(case_id, f"/letters/{PR}/review"),
        headers=reviewer,
        json={"months_in_district": months, "note": "Record checked"},
    )
    assert r.status_code == 200, r.text
    assert letter(r.json(), PR)["state"] == "reviewed"


class TestPermanentResidence:
    async def test_class_a_with_four_years_is_recommended_with_its_grounds(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr, _email = await accepted_bundle(client, sessionmaker, SENIOR)
        approver = await talent_office(client, sessionmaker, ["approver"])
        issue = url(case_id, f"/letters/{PR}")
        english = {**approver, "Accept-Language": "en"}
        # The months come from the social-insurance record; without them nothing is decided.
        r = await client.post(issue, headers=english, json={})
        assert r.status_code == 409 and "months" in r.text
        short = await client.post(issue, headers=english, json={"months_in_district": 47})
        assert short.status_code == 409 and "fewer than 48 months" in short.text
        checked = await client.get(url(case_id, "/further?months_in_district=47"), headers=english)
        assert any("fewer than 48" in c for c in letter(checked.json(), PR)["criteria"])
        # Eligible, but one approver alone does not recommend anyone for permanent residence.
        shown = letter(checked.json(), PR)
        assert shown["can_issue"] is False and shown["awaits_review"] is True
        alone = await client.post(issue, headers=english, json={"months_in_district": 50})
        assert alone.status_code == 409 and "recommends this letter first" in alone.text
        await reviewed(client, sessionmaker, case_id, 50)
        # The approver decides on the reviewer's figures, not others of their own.
        other = await client.post(issue, headers=english, json={"months_in_district": 60})
        assert other.status_code == 409 and "on 50 months" in other.text
        r = await client.post(issue, headers=english, json={"months_in_district": 50})
        assert r.status_code == 200, r.text
        doc = letter(r.json(), PR)["document"]
        assert doc["kind"] == "pr_recommendation_letter"
        pdf = await client.get(
            f"/api/v1/cases/{case_id}/issued-documents/{doc['id']}/pdf", headers=user.headers
        )
        text = _text(pdf.content)
        for expected in ("永久居留推荐函", "Recommendationforpermanentresidence", "50"):
            assert expected in text, expected
        assert "Work-permitclassA(foreignhigh-endtalent)" in text
        # The recommendation is the person's: the employer neither sees nor downloads it.
        theirs = (await client.get(url(case_id, "/further"), headers=hr)).json()
        assert [x["kind"] for x in theirs["letters"]] == [VISA]
        denied = await client.get(
            f"/api/v1/cases/{case_id}/issued-documents/{doc['id']}/pdf", headers=hr
        )
        assert denied.status_code == 404
        assert f"{PR}_issued" in await events(sessionmaker, case_id)
        assert len(await outbox(sessionmaker, "onboarding.letter_issued", case_id)) == 1
        assert await outbox(sessionmaker, "onboarding.letter_issued_employer", case_id) == []

    async def test_the_register_makes_class_b_high_level_and_its_absence_is_explained(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, _hr, _email = await accepted_bundle(client, sessionmaker)
        approver = await talent_office(client, sessionmaker, ["approver"])
        issue = url(case_id, f"/letters/{PR}")
        english = {**approver, "Accept-Language": "en"}
        refused = await client.post(issue, headers=english, json={"months_in_district": 60})
        assert refused.status_code == 409
        assert "No valid high-level programme entry" in refused.text
        person = await applicant_of(sessionmaker, case_id)
        async with sessionmaker() as session, session.begin():
            session.add(
                TalentRegisterEntry(
                    applicant_id=person,
                    district="yangpu",
                    programme="shanghai_leading",
                    level=None,
                    granted_on=f.local_today() - timedelta(days=300),
                    valid_until=None,
                    source="outside_record",
                )
            )
        await reviewed(client, sessionmaker, case_id, 60)
        r = await client.post(issue, headers=english, json={"months_in_district": 60})
        assert r.status_code == 200, r.text
        assert letter(r.json(), PR)["state"] == "issued"


async def changning_bundle(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[f.ApiUser, str, dict[str, str]]:
    user, case_id, hr, _email = await accepted_bundle(client, sm, district="changning")
    return user, case_id, hr


NOMINATION = {
    "shortage_field": "integrated_circuits",
    "reason": "Lead chip designer, no local hire",
}


class TestFastTrack:
    async def test_the_employer_nominates_once_and_the_endorsement_goes_with_the_handoff(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr = await changning_bundle(client, sessionmaker)
        nominate = url(case_id, "/fast-track")
        # The person is not an employer; another verified employer does not see the bundle.
        assert (
            await client.post(nominate, headers=user.headers, json=NOMINATION)
        ).status_code == 403
        _uscc, other_email = await f.create_employer_with_hr(
            sessionmaker, district="changning", name="Other Co"
        )
        other = await f.employer_login(client, other_email)
        assert (await client.post(nominate, headers=other, json=NOMINATION)).status_code == 404
        r = await client.post(nominate, headers=hr, json=NOMINATION)
        assert r.status_code == 200, r.text
        first = r.json()["fast_track"]
        assert first["status"] == "nominated" and first["can_nominate"] is False
        # A second nomination finds the first: nothing new written or sent.
        again = await client.post(nominate, headers=hr, json={**NOMINATION, "reason": "x" * 12})
        assert again.status_code == 200 and again.json()["fast_track"] == first
        assert (await events(sessionmaker, case_id)).count("fast_track_nominated") == 1
        assert len(await outbox(sessionmaker, "onboarding.fast_track_nominated", case_id)) == 1
        assert await audited(sessionmaker, "onboarding.fast_track_nominated", case_id) == 1

        decide = url(case_id, "/fast-track/decision")
        endorse = {"decision": "endorsed", "reason": "Integrated circuits are in the catalogue"}
        reviewer = await talent_office(client, sessionmaker, ["reviewer"], "changning")
        assert (await client.post(decide, headers=reviewer, json=endorse)).status_code == 403
        yangpu = await talent_office(client, sessionmaker, ["approver"])
        assert (await client.post(decide, headers=yangpu, json=endorse)).status_code == 404
        approver = await talent_office(client, sessionmaker, ["approver"], "changning")
        # The person reads the portal in English: the notice comes in English.
        r = await client.put("/api/v1/me/language", headers=user.headers, json={"language": "en"})
        assert r.status_code in (200, 204), r.text
        r = await client.post(decide, headers={**approver, "Accept-Language": "en"}, json=endorse)
        assert r.status_code == 200, r.text
        assert r.json()["fast_track"]["status"] == "endorsed"
        assert (await client.post(decide, headers=approver, json=endorse)).status_code == 409

        # On the bundle: the hand-off step carries the endorsement for the employer and person.
        for headers in (hr, user.headers):
            view = await client.get(url(case_id), headers={**headers, "Accept-Language": "en"})
            note = steps(view.json())["work_permit_handoff"]["fast_track_note"]
            assert note is not None and "Endorsed by the district" in note
            assert "Integrated circuits" in note
        assert "fast_track_endorsed" in await events(sessionmaker, case_id)
        assert await audited(sessionmaker, "onboarding.fast_track_endorsed", case_id) == 1
        told = await outbox(sessionmaker, "onboarding.fast_track_endorsed", case_id)
        languages = {m.recipient_user_id: m.language for m in told}
        assert languages[uuid.UUID(user.account["user_id"])] == "en"
        assert len(told) == 2  # the person and the employer's one user

    @pytest.mark.shared_db(reason="two nominations at once race in transactions of their own")
    async def test_two_nominations_at_once_make_one(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, hr = await changning_bundle(client, sessionmaker)
        first, second = await asyncio.gather(
            client.post(url(case_id, "/fast-track"), headers=hr, json=NOMINATION),
            client.post(url(case_id, "/fast-track"), headers=hr, json=NOMINATION),
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        assert first.json()["fast_track"] == second.json()["fast_track"]
        assert (await events(sessionmaker, case_id)).count("fast_track_nominated") == 1

    async def test_a_decline_needs_a_reason_and_states_the_rights(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, hr = await changning_bundle(client, sessionmaker)
        assert (
            await client.post(url(case_id, "/fast-track"), headers=hr, json=NOMINATION)
        ).status_code == 200
        approver = await talent_office(client, sessionmaker, ["approver"], "changning")
        decide = url(case_id, "/fast-track/decision")
        bare = await client.post(
            decide, headers=approver, json={"decision": "declined", "reason": ""}
        )
        assert bare.status_code == 422
        r = await client.post(
            decide, headers=approver, json={"decision": "declined", "reason": "Not a shortage post"}
        )
        assert r.status_code == 200, r.text
        mine = (await client.get(url(case_id, "/further"), headers=user.headers)).json()
        assert mine["fast_track"]["status"] == "declined"
        assert mine["fast_track"]["decision_reason"] == "Not a shortage post"
        assert {x["kind"] for x in mine["fast_track"]["remedies"]} == {
            "reconsideration",
            "litigation",
        }
        handoff = steps((await client.get(url(case_id), headers=hr)).json())["work_permit_handoff"]
        assert handoff["fast_track_note"] is None

    async def test_only_changning_offers_it_and_only_a_verified_employer_nominates(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, hr, _email = await accepted_bundle(client, sessionmaker)
        r = await client.post(url(case_id, "/fast-track"), headers=hr, json=NOMINATION)
        assert r.status_code == 409 and "长宁区" in r.text
        _user, cn_case, cn_hr = await changning_bundle(client, sessionmaker)
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, uuid.UUID(cn_case))
            assert case is not None
            employer = await session.get(Employer, case.employer_id)
            assert employer is not None
            employer.status = "rejected"
        r = await client.post(url(cn_case, "/fast-track"), headers=cn_hr, json=NOMINATION)
        assert r.status_code in (403, 404), r.text


class TestPages:
    async def test_the_employer_nominates_and_the_officer_issues_on_the_pages(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, _hr, hr_email = await accepted_bundle(
            client, sessionmaker, SENIOR, district="changning"
        )
        await employer_web_login(client, hr_email)
        progress = await client.get(f"/onboarding/{case_id}?lang=en")
        assert "Letters and fast track" in progress.text
        page = await client.get(f"/onboarding/{case_id}/fast-track?lang=en")
        assert page.status_code == 200 and "Nominate as urgently needed talent" in page.text
        token = csrf_of(page.text)
        bad = await client.post(
            f"/onboarding/{case_id}/fast-track?lang=en",
            data={"csrf_token": token, "shortage_field": "biomedicine", "reason": ""},
        )
        assert bad.status_code == 422 and "There is a problem" in bad.text
        r = await client.post(
            f"/onboarding/{case_id}/fast-track?lang=en",
            data={
                "csrf_token": token,
                "shortage_field": "biomedicine",
                "reason": NOMINATION["reason"],
            },
        )
        assert r.status_code == 303, r.text
        done = await client.get(r.headers["location"] + "&lang=en")
        assert "Your nomination has been sent" in done.text and "Biomedicine" in done.text
        await client.post("/logout", data={"csrf_token": csrf_of(done.text)})

        email = await f.create_staff(
            sessionmaker, district="changning", roles=["approver"], department="talent_office"
        )
        await staff_web_login(client, email)
        letter_page = await client.get(f"/onboarding/{case_id}/letters/{VISA}?lang=en")
        assert letter_page.status_code == 200 and "Issue the letter" in letter_page.text
        r = await client.post(
            f"/onboarding/{case_id}/letters/{VISA}/issue?lang=en",
            data={"csrf_token": csrf_of(letter_page.text)},
        )
        assert r.status_code == 303, r.text
        issued = await client.get(r.headers["location"] + "&lang=en")
        assert "The letter has been issued" in issued.text
        assert f"/staff/cases/{case_id}/issued/" in issued.text


async def staff_web_login(client: httpx.AsyncClient, email: str) -> None:
    await employer_web_login(client, email)


class TestRecommendationPage:
    async def test_the_officer_checks_the_months_and_reads_why_not(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, _hr, _email = await accepted_bundle(client, sessionmaker, SENIOR)
        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["approver"], department="talent_office"
        )
        await staff_web_login(client, email)
        page = await client.get(f"/onboarding/{case_id}/letters/{PR}?lang=en&months_in_district=30")
        assert page.status_code == 200
        assert "Why the letter cannot be issued now" in page.text
        assert "30 months of work in the district, fewer than 48 months" in page.text
        assert "assumed values" in page.text
        refused = await client.post(
            f"/onboarding/{case_id}/letters/{PR}/issue?lang=en",
            data={"csrf_token": csrf_of(page.text), "months_in_district": "30"},
        )
        assert refused.status_code == 409 and "There is a problem" in refused.text
        assert "not eligible for a recommendation" in refused.text
        # Eligible at 48 months, the page asks for a reviewer's recommendation first.
        waiting = await client.get(
            f"/onboarding/{case_id}/letters/{PR}?lang=en&months_in_district=48"
        )
        assert "recommends this letter first" in waiting.text
        assert "Issue the letter" not in waiting.text
        await reviewed(client, sessionmaker, case_id, 48)
        page = await client.get(f"/onboarding/{case_id}/letters/{PR}?lang=en")
        assert "Issue the letter" in page.text
        # The form asks for no months: the approver decides on those the reviewer recorded.
        r = await client.post(
            f"/onboarding/{case_id}/letters/{PR}/issue?lang=en",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 303, r.text
        done = await client.get(r.headers["location"] + "&lang=en")
        assert "The letter has been issued" in done.text
