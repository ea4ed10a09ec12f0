"""Calling an outside system without hanging on it or hammering it: per-call timeouts, retries
with exponential backoff and jitter, and a circuit breaker per system.

Everything here lives in one process's memory. Two web workers each have their own breaker and
learn about an outage separately; that is acceptable because the breaker only saves pointless
waiting. It is not where work is kept: a case whose check failed with ``SystemUnavailable`` is
parked in the database and retried by the durable job, which survives restarts and is the only
retry that matters for "nothing is lost".

The module knows HTTP and nothing of talent facts, so every outside-system client can share it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Literal

import httpx

log = logging.getLogger(__name__)

Localized = dict[str, str]
UnavailableReason = Literal[
    "circuit_open",
    "timeout",
    "connection",
    "server_error",
    "throttled",
    # The system answered, but not in a way we can use: unreadable, or refusing our credentials
    # or our URL. A fault for operators to fix; the case waits for it like for an outage.
    "bad_response",
    "misconfigured",
]

# 408 and 425 ask the caller to come back; 429 is throttling. All are the far side's load, not a
# verdict on the request, so they are retried and counted against the system's health.
_RETRYABLE_4XX = frozenset({408, 425, 429})


class OutsideSystemError(Exception):
    """Base of every failure of an outside-system call.

    ``retryable`` tells the durable job whether asking again later can give another answer;
    ``localized`` is a message for staff and applicants in both languages (``zh``, ``en``).
    """

    retryable: bool = False

    def __init__(
        self,
        system: str,
        code: str,
        localized: Localized,
        *,
        correlation_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(f"{system}: {code} ({localized.get('en', '')})")
        self.system = system
        self.code = code
        self.localized = localized
        self.correlation_id = correlation_id
        self.status_code = status_code


class SystemUnavailable(OutsideSystemError):
    """The system did not answer usefully (down, slow, throttling, breaker open). Retry later;
    ``retry_after`` is a hint in seconds when the breaker or the system gave one."""

    retryable = True

    def __init__(
        self,
        system: str,
        reason: UnavailableReason,
        localized: Localized,
        *,
        correlation_id: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            system, reason, localized, correlation_id=correlation_id, status_code=status_code
        )
        self.reason: UnavailableReason = reason
        self.retry_after = retry_after


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(Exception):
    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"circuit {name} is open for another {retry_after:.1f} s")
        self.retry_after = retry_after


class CircuitBreaker:
    """Consecutive-failure breaker: opens after ``failure_threshold`` failures in a row, lets one
    probe through after ``reset_timeout`` seconds (half-open) and closes again when it succeeds.

    Per process and not thread-safe: it is used from one event loop, and no ``await`` falls
    between a check and the update it leads to.
    """

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_timeout <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_timeout > 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._state is BreakerState.OPEN and self._cooled_down():
            return BreakerState.HALF_OPEN
        return self._state

    def retry_after(self) -> float:
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.reset_timeout - self._clock())

    def before_call(self) -> None:
        """Raises ``CircuitOpen`` when the call must not go out."""
        if self._state is BreakerState.OPEN:
            if not self._cooled_down():
                raise CircuitOpen(self.name, self.retry_after())
            self._state = BreakerState.HALF_OPEN
            log.info("circuit %s half-open: sending one probe", self.name)
        if self._state is BreakerState.HALF_OPEN:
            # One probe at a time: a recovering system should not meet the whole backlog at once.
            if self._probe_in_flight:
                raise CircuitOpen(self.name, self.reset_timeout)
            self._probe_in_flight = True

    def record_success(self) -> None:
        if self._state is not BreakerState.CLOSED:
            log.warning("circuit %s closed: the system answers again", self.name)
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._probe_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        self._probe_in_flight = False
        if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
            if self._state is not BreakerState.OPEN:
                log.warning("circuit %s open after %d failures in a row", self.name, self._failures)
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()

    def release(self) -> None:
        """The call ended without a verdict on the system (cancelled): free the probe slot, or a
        half-open breaker would refuse every call forever."""
        self._probe_in_flight = False

    def reset(self) -> None:
        self.record_success()

    def _cooled_down(self) -> bool:
        return self._clock() >= self._opened_at + self.reset_timeout


@dataclass(frozen=True)
class RetryPolicy:
    """How often one call is tried within a request, and how long it waits in between.

    Equal jitter: half of each backoff step is fixed and half random, so many callers that failed
    together spread out while each still waits at least half the step.
    """

    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("max_attempts >= 1 and 0 <= base_delay <= max_delay")

    def delay(
        self, attempt: int, *, retry_after: float | None = None, rng: Callable[[], float]
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        step = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        wait = step / 2 + rng() * step / 2
        if retry_after is not None:
            # Honour the system's own hint, but never let it hold a request longer than our cap.
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


class _Retryable(Exception):
    def __init__(
        self, reason: UnavailableReason, status: int | None, retry_after: float | None
    ) -> None:
        super().__init__(reason)
        self.reason: UnavailableReason = reason
        self.status = status
        self.retry_after = retry_after


def unavailable_message(labels: Localized, reason: UnavailableReason) -> Localized:
    zh_name, en_name = labels.get("zh", ""), labels.get("en", "")
    if reason == "circuit_open":
        return {
            "zh": f"{zh_name}暂时无法访问，已暂停调用，稍后将自动重试。",
            "en": f"The {en_name} is unavailable; calls are paused and will be retried later.",
        }
    return {
        "zh": f"{zh_name}暂时无法访问，稍后将自动重试。",
        "en": f"The {en_name} is temporarily unavailable and will be retried later.",
    }


class ResilientHttp:
    """Sends one logical request to one outside system through its breaker, with retries.

    Returns the response when the system gave an answer (2xx, or a 4xx verdict such as 404 "no
    record"); raises ``SystemUnavailable`` when it did not within the retry budget. Interpreting
    the answer is the caller's business.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        system: str,
        labels: Localized,
        breaker: CircuitBreaker,
        policy: RetryPolicy,
        timeout_seconds: float,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._http = http
        self.system = system
        self.labels = labels
        self.breaker = breaker
        self.policy = policy
        self._timeout = httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds))
        self._sleep = sleep
        self._rng = rng

    async def post(
        self, url: str, *, json: Mapping[str, Any], headers: Mapping[str, str], correlation_id: str
    ) -> httpx.Response:
        last: _Retryable | None = None
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                self.breaker.before_call()
            except CircuitOpen as exc:
                raise self._unavailable("circuit_open", correlation_id, exc.retry_after) from exc
            try:
                response = await self._http.post(
                    url, json=dict(json), headers=dict(headers), timeout=self._timeout
                )
                _raise_if_retryable(response)
            except _Retryable as exc:
                last = exc
            except httpx.TimeoutException:
                last = _Retryable("timeout", None, None)
            except httpx.TransportError:
                last = _Retryable("connection", None, None)
            except httpx.HTTPError:
                # Garbled transfer (bad encoding, broken chunking): the far side's fault, and
                # the next attempt may well come through intact.
                last = _Retryable("bad_response", None, None)
            except BaseException:
                self.breaker.release()
                raise
            else:
                self.breaker.record_success()
                return response
            self.breaker.record_failure()
            log.info(
                "%s attempt %d/%d failed: %s (correlation %s)",
                self.system,
                attempt,
                self.policy.max_attempts,
                last.reason,
                correlation_id,
            )
            if attempt < self.policy.max_attempts:
                await self._sleep(
                    self.policy.delay(attempt, retry_after=last.retry_after, rng=self._rng)
                )
        assert last is not None
        raise self._unavailable(last.reason, correlation_id, last.retry_after, last.status)

    def _unavailable(
        self,
        reason: UnavailableReason,
        correlation_id: str,
        retry_after: float | None,
        status: int | None = None,
    ) -> SystemUnavailable:
        return SystemUnavailable(
            self.system,
            reason,
            unavailable_message(self.labels, reason),
            correlation_id=correlation_id,
            status_code=status,
            retry_after=retry_after,
        )


def _raise_if_retryable(response: httpx.Response) -> None:
    status = response.status_code
    if status >= 500 or status in _RETRYABLE_4XX:
        reason: UnavailableReason = "throttled" if status == 429 else "server_error"
        raise _Retryable(reason, status, parse_retry_after(response.headers.get("retry-after")))


def parse_retry_after(value: str | None) -> float | None:
    """RFC 9110 Retry-After: delay seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
