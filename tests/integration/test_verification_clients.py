"""Outside-system clients (免提交) against the simulator over real HTTP, plus respx for faults
that are easier to state exactly than to provoke.

Timeouts, backoff and the breaker cool-down are scaled down so the whole file runs in seconds.
No database is involved: the clients know nothing of cases.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import httpx
import pytest
import respx

from app.clients.resilience import (
    BreakerState,
    CircuitBreaker,
    CircuitOpen,
    RetryPolicy,
    parse_retry_after,
)
from app.clients.verification import (
    ContributionPeriod,
    HukouClient,
    IdentityClient,
    NoRecord,
    Rejected,
    SocialInsuranceRecord,
    SystemUnavailable,
    VerificationClients,
    VerificationConfig,
    build_verification_clients,
    summarise_contributions,
)
from simulator import data
from tests.support.simulator import RunningSimulator, running_simulator

# Generous enough for a loaded CI machine, short enough to keep the file fast.
TIMEOUT = 0.5
COOL_DOWN = 0.3
THRESHOLD = 3


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    with running_simulator() as running:
        yield running


@pytest.fixture
async def http(sim: RunningSimulator) -> AsyncIterator[httpx.AsyncClient]:
    sim.reset()
    async with httpx.AsyncClient() as client:
        yield client


def _config(sim: RunningSimulator) -> VerificationConfig:
    return VerificationConfig(
        identity_url=sim.url("identity"),
        social_insurance_url=sim.url("social_insurance"),
        degrees_url=sim.url("degrees"),
        hukou_url=sim.url("hukou"),
        timeout_seconds=TIMEOUT,
        max_attempts=3,
        backoff_base_seconds=0.01,
        backoff_max_seconds=0.05,
        breaker_failure_threshold=THRESHOLD,
        breaker_reset_seconds=COOL_DOWN,
    )


@pytest.fixture
def clients(sim: RunningSimulator, http: httpx.AsyncClient) -> VerificationClients:
    return build_verification_clients(http, _config(sim))


def _cid() -> str:
    return f"case-test:{uuid.uuid4()}"


LI_WEI = data.resident_id_of("李伟")


def _state(breaker: CircuitBreaker) -> BreakerState:
    # A call, so mypy does not keep a narrowed state across the awaits that change it.
    return breaker.state


class TestIdentity:
    async def test_confirms_a_resident_with_birth_date_and_hukou(
        self, clients: VerificationClients
    ) -> None:
        cid = _cid()
        result = await clients.identity.verify(
            correlation_id=cid, id_kind="resident_id", id_number=LI_WEI, full_name="李伟"
        )
        assert result.name_matches
        assert result.correlation_id == cid
        assert result.source_reference.startswith("IDV-")
        assert result.verified_at.tzinfo is not None
        assert result.facts() == {"birth_date": "1995-03-12", "nationality": "CN", "hukou": "other"}

    async def test_passport_holder_has_no_hukou(self, clients: VerificationClients) -> None:
        result = await clients.identity.verify(
            correlation_id=_cid(),
            id_kind="passport",
            id_number="C01X00T47",
            full_name="anna  schmidt",
            nationality="DE",
        )
        assert result.authority == "nia_exit_entry"
        assert result.facts()["hukou"] == "none"

    async def test_wrong_name_verifies_nothing(self, clients: VerificationClients) -> None:
        result = await clients.identity.verify(
            correlation_id=_cid(), id_kind="resident_id", id_number=LI_WEI, full_name="李卫"
        )
        assert not result.name_matches
        assert result.birth_date is None
        assert result.facts() == {}


class TestSocialInsurance:
    async def test_history_across_two_districts(self, clients: VerificationClients) -> None:
        wu_hao = data.resident_id_of("吴昊")
        yangpu = await clients.social_insurance.verify(
            correlation_id=_cid(), id_kind="resident_id", id_number=wu_hao, district="yangpu"
        )
        changning = await clients.social_insurance.verify(
            correlation_id=_cid(), id_kind="resident_id", id_number=wu_hao, district="changning"
        )
        today = date.today()
        last_posted = today.year * 12 + today.month - 2
        yangpu_months = last_posted - (2021 * 12 + 10) + 1  # since 2021-11
        assert changning.social_insurance_months_in_district == 27  # 2019-08 .. 2021-10
        assert yangpu.social_insurance_months_in_district == yangpu_months
        assert yangpu.social_insurance_months == 27 + yangpu_months
        assert yangpu.facts() == {
            "social_insurance_months": 27 + yangpu_months,
            "social_insurance_months_in_district": yangpu_months,
            "social_insurance_base_multiple": 2.8,
            # Yangpu's 2.8x runs from 2021-11: more than 36 of the last 48 months.
            "social_insurance_base_multiple_36_of_48": 2.8,
            "employer_district": "yangpu",
        }
        assert yangpu.employer_name == "杨浦滨江数字研究院"
        assert yangpu.employer_uscc is not None and yangpu.employer_uscc.startswith("12310110")

    async def test_closed_history_leaves_current_employer_and_base_unknown(
        self, clients: VerificationClients
    ) -> None:
        result = await clients.social_insurance.verify(
            correlation_id=_cid(),
            id_kind="resident_id",
            id_number=data.resident_id_of("邓凯"),
            district="yangpu",
        )
        assert result.social_insurance_months == 124  # 2014-09 .. 2024-12
        assert result.employer_uscc is None
        assert result.facts() == {
            "social_insurance_months": 124,
            "social_insurance_months_in_district": 0,
            # nothing paid since 2024-12: no multiple was reached in 36 of the last 48 months
            "social_insurance_base_multiple_36_of_48": 0.0,
        }

    def test_gaps_and_overlaps_count_each_month_once(self) -> None:
        def period(frm: str, to: str, district: str, multiple: float) -> ContributionPeriod:
            return ContributionPeriod(
                employer_uscc="X",
                employer_name="X",
                district=district,
                from_month=frm,
                to_month=to,
                ongoing=to == "2026-05",
                monthly_base_cny=0,
                base_multiple=multiple,
            )

        periods = (
            period("2024-01", "2024-06", "jingan", 1.0),
            period("2024-06", "2024-08", "yangpu", 3.0),  # June paid twice: counted once
            period("2025-09", "2026-05", "yangpu", 2.0),  # after a gap
        )
        summary = summarise_contributions(periods, district="yangpu", as_of=date(2026, 6, 15))
        assert summary["social_insurance_months"] == 6 + 2 + 9
        assert summary["social_insurance_months_in_district"] == 3 + 9
        assert summary["social_insurance_base_multiple"] == 2.0  # only 2025-09 .. 2026-05
        assert summary["employer_district"] == "yangpu"
        # 17 months paid in the last 48: no multiple was held for 36 of them
        assert summary["social_insurance_base_multiple_36_of_48"] == 0.0

    def test_the_multiple_held_in_36_of_the_last_48_months_is_the_36th_highest(self) -> None:
        def period(frm: str, to: str, multiple: float) -> ContributionPeriod:
            return ContributionPeriod(
                employer_uscc="X",
                employer_name="X",
                district="yangpu",
                from_month=frm,
                to_month=to,
                ongoing=to == "2026-05",
                monthly_base_cny=0,
                base_multiple=multiple,
            )

        # the last 48 months before June 2026 run 2022-06 .. 2026-05
        periods = (
            period("2022-06", "2024-05", 3.2),  # 24 months at 3.2
            period("2024-06", "2025-05", 2.1),  # 12 at 2.1: the 36th highest
            period("2025-06", "2026-05", 1.0),  # 12 at 1.0
        )
        summary = summarise_contributions(periods, district="yangpu", as_of=date(2026, 6, 15))
        assert summary["social_insurance_base_multiple_36_of_48"] == 2.1
        assert summary["social_insurance_base_multiple"] == 1.0


class TestDegrees:
    async def _verify(self, clients: VerificationClients, name: str) -> dict[str, Any]:
        person = next(p for p in data.PEOPLE_LIST if p.full_name == name)
        result = await clients.degrees.verify(
            correlation_id=_cid(),
            id_kind=person.id_kind,
            id_number=person.id_number,
            full_name=name,
        )
        return result.facts()

    async def test_domestic_master(self, clients: VerificationClients) -> None:
        assert await self._verify(clients, "李伟") == {
            "highest_degree": "master",
            "degree_country": "CN",
            "university_name": "复旦大学",
            "graduation_date": "2020-06-30",
        }

    async def test_foreign_doctorate_verified_by_cscse(self, clients: VerificationClients) -> None:
        facts = await self._verify(clients, "刘洋")
        assert facts["highest_degree"] == "doctorate"
        assert facts["degree_country"] == "JP"
        assert facts["overseas_degree_verified"] is True

    async def test_pending_cscse_leaves_the_highest_degree_unknown(
        self, clients: VerificationClients
    ) -> None:
        assert await self._verify(clients, "陈磊") == {"overseas_degree_verified": False}

    async def test_refused_foreign_degree_does_not_count(
        self, clients: VerificationClients
    ) -> None:
        facts = await self._verify(clients, "赵静")
        assert facts["highest_degree"] == "associate"
        assert facts["overseas_degree_verified"] is False


class TestHukou:
    async def test_status(self, clients: VerificationClients) -> None:
        zhou = await clients.hukou.status(
            correlation_id=_cid(), resident_id=data.resident_id_of("周婷")
        )
        assert zhou.facts() == {"hukou": "shanghai"}
        assert (zhou.registered_district, zhou.household_type) == ("yangpu", "collective")
        li = await clients.hukou.status(correlation_id=_cid(), resident_id=LI_WEI)
        assert li.facts() == {"hukou": "other"}

    async def _move_in(self, client: HukouClient, key: str, **changes: Any) -> Any:
        request: dict[str, Any] = {
            "resident_id": LI_WEI,
            "full_name": "李伟",
            "target_district": "yangpu",
            "settlement_type": "talent_introduction",
            "household_type": "collective",
            "case_reference": "YP-2026-000123",
        }
        request.update(changes)
        return await client.accept_move_in(idempotency_key=key, correlation_id=_cid(), **request)

    async def test_same_key_twice_gives_one_acceptance(
        self, clients: VerificationClients, sim: RunningSimulator
    ) -> None:
        key = f"move-in:{uuid.uuid4()}"
        first = await self._move_in(clients.hukou, key)
        again = await self._move_in(clients.hukou, key)
        assert first.acceptance_number == again.acceptance_number
        assert (first.replayed, again.replayed) == (False, True)
        assert sim.state()["move_ins"] == 1

        with pytest.raises(Rejected) as reused:
            await self._move_in(clients.hukou, key, target_district="changning")
        assert reused.value.code == "idempotency_key_reused"
        with pytest.raises(Rejected) as pending:
            await self._move_in(clients.hukou, f"move-in:{uuid.uuid4()}")
        assert pending.value.code == "move_in_pending"
        assert not pending.value.retryable
        assert sim.state()["move_ins"] == 1

    async def test_lost_answer_is_retried_with_the_same_key(
        self, clients: VerificationClients, sim: RunningSimulator
    ) -> None:
        # The first request is processed after our timeout: the office accepts it but we never
        # hear so. The retry carries the same key, so the office still holds one acceptance.
        sim.control("hukou", "slow", delay_ms=1200, next_requests=1)
        result = await self._move_in(clients.hukou, f"move-in:{uuid.uuid4()}")
        assert result.status == "accepted"
        await asyncio.sleep(1.0)  # let the slow first request finish on the far side
        assert sim.state()["move_ins"] == 1
        assert sim.requests("hukou") == 2

    async def test_already_registered_is_a_final_refusal(
        self, clients: VerificationClients
    ) -> None:
        with pytest.raises(Rejected) as refused:
            await self._move_in(
                clients.hukou,
                "move-in:zhang-min",
                resident_id=data.resident_id_of("张敏"),
                full_name="张敏",
            )
        assert refused.value.status_code == 409
        assert refused.value.code == "already_registered"
        assert "本市户籍" in refused.value.localized["zh"]


class TestAnswersAndFailures:
    async def test_no_record_is_a_typed_negative_and_not_retried(
        self, clients: VerificationClients, sim: RunningSimulator
    ) -> None:
        with pytest.raises(NoRecord) as missing:
            await clients.social_insurance.verify(
                correlation_id=_cid(),
                id_kind="resident_id",
                id_number=data.resident_id_of("王芳"),
                district="yangpu",
            )
        assert not missing.value.retryable
        assert missing.value.localized["zh"] and missing.value.localized["en"]
        assert sim.requests("social_insurance") == 1
        assert _state(clients.social_insurance.breaker) is BreakerState.CLOSED

    async def test_invalid_input_is_rejected_once(
        self, clients: VerificationClients, sim: RunningSimulator
    ) -> None:
        with pytest.raises(Rejected) as invalid:
            await clients.identity.verify(
                correlation_id=_cid(),
                id_kind="resident_id",
                id_number="310110199503121230",  # wrong check digit
                full_name="李伟",
            )
        assert invalid.value.status_code == 422
        assert invalid.value.code == "invalid_request"
        assert sim.requests("identity") == 1

    async def test_slow_answer_times_out_and_the_retry_succeeds(
        self, clients: VerificationClients, sim: RunningSimulator
    ) -> None:
        sim.control("degrees", "slow", delay_ms=1200, next_requests=1)
        result = await clients.degrees.verify(
            correlation_id=_cid(), id_kind="resident_id", id_number=LI_WEI, full_name="李伟"
        )
        assert result.facts()["highest_degree"] == "master"
        assert sim.requests("degrees") == 2
        assert _state(clients.degrees.breaker) is BreakerState.CLOSED

    async def test_outage_opens_the_breaker_and_recovery_closes_it(
        self, clients: VerificationClients, sim: RunningSimulator
    ) -> None:
        client = clients.social_insurance

        async def check() -> SocialInsuranceRecord:
            return await client.verify(
                correlation_id=_cid(), id_kind="resident_id", id_number=LI_WEI, district="yangpu"
            )

        sim.control("social_insurance", "down")

        with pytest.raises(SystemUnavailable) as outage:
            await check()
        assert outage.value.retryable
        assert outage.value.reason == "server_error"
        assert sim.requests("social_insurance") == THRESHOLD
        assert _state(client.breaker) is BreakerState.OPEN

        with pytest.raises(SystemUnavailable) as fast:
            await check()
        assert fast.value.reason == "circuit_open"
        assert fast.value.retry_after is not None and 0 < fast.value.retry_after <= COOL_DOWN
        assert sim.requests("social_insurance") == THRESHOLD  # nothing went out

        # Cool-down over but still down: one probe goes out and the breaker opens again.
        await asyncio.sleep(COOL_DOWN)
        with pytest.raises(SystemUnavailable):
            await check()
        assert sim.requests("social_insurance") == THRESHOLD + 1
        assert _state(client.breaker) is BreakerState.OPEN

        sim.control("social_insurance", "ok")
        await asyncio.sleep(COOL_DOWN)
        result = await check()
        assert result.social_insurance_months > 0
        assert _state(client.breaker) is BreakerState.CLOSED

    async def test_breakers_are_per_system(
        self, clients: VerificationClients, sim: RunningSimulator
    ) -> None:
        sim.control("hukou", "down", duration_ms=5000)
        with pytest.raises(SystemUnavailable):
            await clients.hukou.status(correlation_id=_cid(), resident_id=LI_WEI)
        identity = await clients.identity.verify(
            correlation_id=_cid(), id_kind="resident_id", id_number=LI_WEI, full_name="李伟"
        )
        assert identity.name_matches
        states = clients.breaker_states()
        assert states["hukou"] is BreakerState.OPEN
        assert states["identity"] is BreakerState.CLOSED


BASE = "https://gateway.test/identity/v1"


def _respx_client(
    http: httpx.AsyncClient,
    sleeps: list[float],
    *,
    attempts: int = 3,
    breaker: CircuitBreaker | None = None,
) -> IdentityClient:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    return IdentityClient(
        http,
        base_url=BASE,
        policy=RetryPolicy(max_attempts=attempts, base_delay=0.1, max_delay=2.0),
        breaker=breaker or CircuitBreaker("identity", failure_threshold=10, reset_timeout=1),
        timeout_seconds=TIMEOUT,
        sleep=record,
        rng=lambda: 0.5,
    )


_OK = {
    "record_id": "IDV-1",
    "authority": "mps_population",
    "checked_at": "2026-11-20T08:00:00+00:00",
    "name_matches": True,
    "birth_date": "1995-03-12",
    "nationality": "CN",
    "hukou": "other",
}


async def _identity(client: IdentityClient) -> Any:
    return await client.verify(
        correlation_id="c-1", id_kind="resident_id", id_number=LI_WEI, full_name="李伟"
    )


class TestPreciseFaults:
    @respx.mock
    async def test_throttling_waits_as_told_then_succeeds(self) -> None:
        route = respx.post(f"{BASE}/verifications").mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "1.5"}),
                httpx.Response(200, json=_OK),
            ]
        )
        sleeps: list[float] = []
        async with httpx.AsyncClient() as http:
            result = await _identity(_respx_client(http, sleeps))
        assert result.hukou == "other"
        assert route.call_count == 2
        assert sleeps == [1.5]
        assert route.calls[0].request.headers["X-Request-Id"] == "c-1"

    @respx.mock
    async def test_connection_errors_back_off_exponentially(self) -> None:
        respx.post(f"{BASE}/verifications").mock(side_effect=httpx.ConnectError("refused"))
        sleeps: list[float] = []
        async with httpx.AsyncClient() as http:
            with pytest.raises(SystemUnavailable) as down:
                await _identity(_respx_client(http, sleeps, attempts=4))
        assert down.value.reason == "connection"
        # Equal jitter at rng=0.5: three quarters of 0.1, 0.2, 0.4.
        assert sleeps == pytest.approx([0.075, 0.15, 0.3])

    @respx.mock
    @pytest.mark.parametrize(
        ("response", "reason"),
        [
            (httpx.Response(404, text="Not Found"), "misconfigured"),
            (httpx.Response(401, json={"code": "unauthorized"}), "misconfigured"),
            (httpx.Response(200, text="<html>maintenance</html>"), "bad_response"),
            (httpx.Response(200, json={"record_id": "IDV-2"}), "bad_response"),
        ],
    )
    async def test_unusable_answers_wait_for_the_job_without_a_verdict(
        self, response: httpx.Response, reason: str
    ) -> None:
        route = respx.post(f"{BASE}/verifications").mock(return_value=response)
        async with httpx.AsyncClient() as http:
            with pytest.raises(SystemUnavailable) as unusable:
                await _identity(_respx_client(http, []))
        assert unusable.value.reason == reason
        assert unusable.value.retryable
        assert route.call_count == 1

    def test_retry_after_as_a_date(self) -> None:
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
        assert parse_retry_after("soon") is None


class TestBreaker:
    def test_half_open_lets_one_probe_through(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker("x", failure_threshold=2, reset_timeout=10, clock=lambda: now[0])
        breaker.record_failure()
        breaker.before_call()
        breaker.record_failure()
        with pytest.raises(CircuitOpen):
            breaker.before_call()
        now[0] = 10.0
        assert _state(breaker) is BreakerState.HALF_OPEN
        breaker.before_call()
        with pytest.raises(CircuitOpen):
            breaker.before_call()  # a second caller while the probe is out
        breaker.record_success()
        assert _state(breaker) is BreakerState.CLOSED
        breaker.before_call()

    async def test_a_cancelled_probe_frees_the_half_open_slot(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker("x", failure_threshold=1, reset_timeout=1, clock=lambda: now[0])
        breaker.record_failure()
        now[0] = 1.0

        async def hang(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(3600)
            raise AssertionError("unreachable")

        async with httpx.AsyncClient(transport=httpx.MockTransport(hang)) as http:
            probe = asyncio.create_task(_identity(_respx_client(http, [], breaker=breaker)))
            await asyncio.sleep(0.05)
            probe.cancel()
            with pytest.raises(asyncio.CancelledError):
                await probe
        breaker.before_call()  # not stuck refusing every call
