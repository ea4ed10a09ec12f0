"""Outbox delivery: claim due messages, hand each to its channel, record the outcome.

Delivery is at least once. A batch is claimed with a lease in one short transaction; each
message is then delivered and its outcome committed on its own, so a worker killed mid-batch
loses at most the outcome of the message it was sending. That message and the rest of its
batch become due again when the lease runs out, and are delivered again under the same outbox
id: the in-app channel commits the message and its "sent" mark together (exactly once), files
are named by the id (a redelivery replaces the file), email carries a Message-ID and SMS an
Idempotency-Key derived from it, so the far side can drop the repeat.

Runners: on SQLite an asyncio loop inside the web process (``start_inprocess_worker``); on
PostgreSQL ``talent-portal worker`` (``run_worker``), scheduled by procrastinate, of which
several may run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients import ChannelError
from app.clients.email import SmtpClient, SmtpConfig, build_message
from app.clients.files import OutboxFileWriter
from app.clients.settings import NotificationSettings, get_notification_settings
from app.clients.sms import SmsGatewayClient, make_http_client
from app.config import Settings, get_settings
from app.core.logging import configure_logging
from app.db import make_engine, make_sessionmaker
from app.i18n import gettext
from app.models.base import utcnow
from app.repositories import notifications as repo
from app.repositories.notifications import ClaimedMessage
from app.services import notifications as notifications_service
from app.services import wiring
from app.services.notifications import EMAIL, INAPP, SMS, NotificationError
from app.services.periodic import run_due
from app.tasks.queue import run_queue_worker

log = logging.getLogger(__name__)

Sessionmaker = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one external channel."""

    id: uuid.UUID
    channel: str
    to: str
    language: str
    template: str
    subject: str
    body: str
    created_at: datetime


Sender = Callable[[Outgoing], Awaitable[None]]


@dataclass(frozen=True)
class Transports:
    senders: Mapping[str, Sender]


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    # Claimed but not tried before the lease would run out; due again at once.
    released: int = 0
    # Out of attempts without an outcome (their worker died each time).
    gave_up: int = 0

    def add(self, other: DeliveryReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def backoff(cfg: NotificationSettings, attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base … after the 1st, 2nd, 3rd attempt, capped."""
    seconds = cfg.outbox_backoff_seconds * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, cfg.outbox_backoff_max_seconds))


def _file_sender(writer: OutboxFileWriter) -> Sender:
    async def send(msg: Outgoing) -> None:
        document = {
            "id": str(msg.id),
            "channel": msg.channel,
            "to": msg.to,
            "language": msg.language,
            "template": msg.template,
            "subject": msg.subject,
            "body": msg.body,
            "created_at": msg.created_at.isoformat(),
        }
        await writer.write(msg.id, document)

    return send


def _smtp_sender(client: SmtpClient) -> Sender:
    async def send(msg: Outgoing) -> None:
        email = build_message(
            client.config,
            outbox_id=msg.id,
            to=msg.to,
            subject=msg.subject,
            body=msg.body,
            language=msg.language,
            sender_name=gettext(msg.language, notifications_service.SENDER_NAME),
        )
        await client.send(email)

    return send


def _sms_sender(client: SmsGatewayClient) -> Sender:
    async def send(msg: Outgoing) -> None:
        await client.send(message_id=msg.id, mobile=msg.to, text=msg.body)

    return send


@contextlib.asynccontextmanager
async def open_transports(
    cfg: NotificationSettings, outbox_dir: Path | None = None
) -> AsyncIterator[Transports]:
    """The channel senders the settings choose; files in ``outbox_dir`` by default."""
    files = _file_sender(OutboxFileWriter(outbox_dir or get_settings().outbox_dir))
    async with contextlib.AsyncExitStack() as stack:
        email = files
        if cfg.notify_email_transport == "smtp":
            password = cfg.smtp_password.get_secret_value() if cfg.smtp_password else None
            config = SmtpConfig(
                host=cfg.smtp_host,
                port=cfg.smtp_port,
                sender=cfg.smtp_from,
                username=cfg.smtp_username,
                password=password,
                starttls=cfg.smtp_starttls,
                ssl=cfg.smtp_ssl,
                timeout_seconds=cfg.smtp_timeout_seconds,
            )
            email = _smtp_sender(SmtpClient(config))
        sms = files
        if cfg.notify_sms_transport == "gateway":
            http = await stack.enter_async_context(
                make_http_client(cfg.sms_gateway_timeout_seconds)
            )
            token = cfg.sms_gateway_token.get_secret_value() if cfg.sms_gateway_token else None
            sms = _sms_sender(SmsGatewayClient(http, url=cfg.sms_gateway_url, token=token))
        yield Transports(senders={EMAIL: email, SMS: sms})


# --- Delivery ------------------------------------------------------------------------------


async def deliver_due(
    sessionmaker: Sessionmaker,
    *,
    batch: int = 50,
    now: datetime | None = None,
    transports: Transports | None = None,
    settings: NotificationSettings | None = None,
) -> DeliveryReport:
    """Claims up to ``batch`` due messages and delivers them one by one.

    ``now`` pins the clock used for due times and retry schedules (tests); the time budget
    within the lease is always measured on the real clock.
    """
    cfg = settings or get_notification_settings()
    if transports is None:
        async with open_transports(cfg) as opened:
            return await deliver_due(
                sessionmaker, batch=batch, now=now, transports=opened, settings=cfg
            )
    started = now or utcnow()
    lease = started + timedelta(seconds=cfg.outbox_lease_seconds)
    async with sessionmaker() as session, session.begin():
        gave_up = await repo.fail_exhausted(
            session, now=started, max_attempts=cfg.outbox_max_attempts
        )
        claimed = await repo.claim_due(
            session, now=started, lease=lease, limit=batch, max_attempts=cfg.outbox_max_attempts
        )
    report = DeliveryReport(claimed=len(claimed), gave_up=gave_up)
    # Start no delivery that could still be running when the lease ends, or another worker
    # would take the message over while it is in flight.
    slowest = max(cfg.smtp_timeout_seconds, cfg.sms_gateway_timeout_seconds)
    deadline = time.monotonic() + cfg.outbox_lease_seconds - slowest
    for index, msg in enumerate(claimed):
        if time.monotonic() >= deadline:
            async with sessionmaker() as session, session.begin():
                await repo.release(session, claimed[index:])
            report.released = len(claimed) - index
            break
        outcome = await _deliver_one(sessionmaker, msg, transports, cfg, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


async def _deliver_one(
    sessionmaker: Sessionmaker,
    msg: ClaimedMessage,
    transports: Transports,
    cfg: NotificationSettings,
    now: datetime | None,
) -> str:
    """Returns the report field to count: sent, retrying or failed."""
    try:
        rendered = notifications_service.render(
            msg.template, msg.language, notifications_service.params_of(msg.payload)
        )
    except NotificationError as exc:
        return await _failed(sessionmaker, msg, cfg, now, str(exc), permanent=True)
    text = notifications_service.channel_text(rendered, msg.channel, msg.language)
    if msg.channel == INAPP:
        async with sessionmaker() as session, session.begin():
            await repo.add_inapp_once(
                session,
                msg,
                case_id=notifications_service.case_id_of(msg.payload),
                subject=text.subject,
                body=text.body,
            )
            await repo.mark_sent(session, msg.id, now=now or utcnow())
        return "sent"
    address = msg.contact.email if msg.channel == EMAIL else msg.contact.mobile
    sender = transports.senders.get(msg.channel)
    if not address or sender is None:
        problem = f"no {msg.channel} address" if not address else f"no {msg.channel} transport"
        return await _failed(sessionmaker, msg, cfg, now, problem, permanent=True)
    outgoing = Outgoing(
        id=msg.id,
        channel=msg.channel,
        to=address,
        language=msg.language,
        template=msg.template,
        subject=text.subject,
        body=text.body,
        created_at=msg.created_at,
    )
    try:
        await sender(outgoing)
    except ChannelError as exc:
        # Only the error's kind is stored and logged: servers often quote the recipient's
        # address or number in their error text, and that must not land in logs or rows.
        return await _failed(sessionmaker, msg, cfg, now, _error_kind(exc), permanent=exc.permanent)
    except Exception as exc:
        # A bug in a channel must not stop the batch; the message is retried like any failure.
        log.error(
            "outbox channel crashed", extra={"outbox_id": str(msg.id), "error": type(exc).__name__}
        )
        return await _failed(sessionmaker, msg, cfg, now, type(exc).__name__)
    async with sessionmaker() as session, session.begin():
        await repo.mark_sent(session, msg.id, now=now or utcnow())
    return "sent"


_ADDRESS = re.compile(r"[^\s<>'\"]+@[^\s<>'\"]+")
_LONG_NUMBER = re.compile(r"\+?\d[\d -]{6,}\d")


def _error_kind(exc: ChannelError) -> str:
    """The error without personal data: addresses and phone-like numbers are blanked, status
    codes (three digits) stay."""
    text = _LONG_NUMBER.sub("<number>", _ADDRESS.sub("<address>", str(exc)))
    return f"{type(exc).__name__}: {text}"[:300]


async def _failed(
    sessionmaker: Sessionmaker,
    msg: ClaimedMessage,
    cfg: NotificationSettings,
    now: datetime | None,
    error: str,
    *,
    permanent: bool = False,
) -> str:
    final = permanent or msg.attempts >= cfg.outbox_max_attempts
    retry_at = None if final else (now or utcnow()) + backoff(cfg, msg.attempts)
    async with sessionmaker() as session, session.begin():
        await repo.record_failure(session, msg, error=error, retry_at=retry_at)
    log.warning(
        "outbox delivery failed",
        extra={
            "outbox_id": str(msg.id),
            "channel": msg.channel,
            "attempt": msg.attempts,
            "final": final,
            "error": error[:200],
        },
    )
    return "failed" if final else "retrying"


async def drain(
    sessionmaker: Sessionmaker,
    *,
    transports: Transports,
    settings: NotificationSettings,
    budget_seconds: float = 30.0,
) -> DeliveryReport:
    """Delivers batch after batch until nothing is due or the time budget is spent."""
    total = DeliveryReport()
    until = time.monotonic() + budget_seconds
    while True:
        report = await deliver_due(
            sessionmaker,
            batch=settings.outbox_batch_size,
            transports=transports,
            settings=settings,
        )
        total.add(report)
        if report.claimed < settings.outbox_batch_size or time.monotonic() >= until:
            return total


async def tick(
    sessionmaker: Sessionmaker, *, transports: Transports, settings: NotificationSettings
) -> DeliveryReport:
    """One worker round: due case schedules (reminders, 容缺 expiry), then the outbox, so the
    messages a scheduled action produces go out in the same round."""
    await run_due(sessionmaker)
    return await drain(sessionmaker, transports=transports, settings=settings)


async def run_polling(
    sessionmaker: Sessionmaker,
    stop: asyncio.Event,
    *,
    settings: NotificationSettings,
    outbox_dir: Path | None = None,
) -> None:
    """Polls until ``stop`` is set. Every round starts from the database, so nothing is lost
    when the process dies between rounds."""
    async with open_transports(settings, outbox_dir) as transports:
        while not stop.is_set():
            try:
                await tick(sessionmaker, transports=transports, settings=settings)
            except Exception:
                # A database outage must not end the loop; the next round tries again.
                log.exception("outbox delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.outbox_poll_seconds)


# --- Runners -------------------------------------------------------------------------------


@dataclass
class _Runner:
    task: asyncio.Task[None]
    stop: asyncio.Event = field(default_factory=asyncio.Event)


def runs_inprocess(app_settings: Settings, cfg: NotificationSettings) -> bool:
    mode = cfg.outbox_worker
    return mode == "inprocess" or (mode == "auto" and app_settings.is_sqlite)


async def start_inprocess_worker(
    app: FastAPI, *, settings: NotificationSettings | None = None
) -> bool:
    """Starts the delivery loop in this process when the settings ask for it (the default on
    SQLite, where ``talent-portal serve`` then needs no second process). Call from lifespan."""
    cfg = settings or get_notification_settings()
    if not runs_inprocess(app.state.settings, cfg) or getattr(app.state, "outbox_runner", None):
        return False
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_polling(app.state.sessionmaker, stop, settings=cfg, outbox_dir=None),
        name="outbox-delivery",
    )
    task.add_done_callback(_report_crash)
    app.state.outbox_runner = _Runner(task=task, stop=stop)
    return True


def _report_crash(task: asyncio.Task[None]) -> None:
    # Rounds catch their own errors; reaching here means delivery stopped until a restart.
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox worker stopped", exc_info=task.exception())


async def stop_inprocess_worker(app: FastAPI, *, timeout: float = 10.0) -> None:
    """Lets the current delivery finish (up to ``timeout``), then stops the loop."""
    runner: _Runner | None = getattr(app.state, "outbox_runner", None)
    if runner is None:
        return
    app.state.outbox_runner = None
    runner.stop.set()
    try:
        await asyncio.wait_for(runner.task, timeout)
    except TimeoutError:
        # Cancelled mid-delivery: the lease brings the message back for the next worker.
        log.warning("outbox worker did not stop in time; cancelled")
    except Exception:
        pass  # already logged by _report_crash; shutting down must not fail on it


def run_worker() -> None:
    """``talent-portal worker``: procrastinate on PostgreSQL, the polling loop on SQLite."""
    settings = get_settings()
    configure_logging(settings.log_level)
    wiring.install()
    # procrastinate logs three INFO lines per tick; keep them for debugging only.
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
    asyncio.run(_run_worker(settings, get_notification_settings()))


async def _run_worker(settings: Settings, cfg: NotificationSettings) -> None:
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    name = f"outbox@{socket.gethostname()}"
    try:
        if settings.is_sqlite:
            await _run_polling_until_signal(sessionmaker, cfg)
            return
        async with open_transports(cfg, settings.outbox_dir) as transports:

            async def deliver() -> DeliveryReport:
                return await tick(sessionmaker, transports=transports, settings=cfg)

            await run_queue_worker(
                settings.database_url,
                poll_seconds=cfg.outbox_poll_seconds,
                deliver=deliver,
                name=name,
            )
    finally:
        await engine.dispose()


async def _run_polling_until_signal(sessionmaker: Sessionmaker, cfg: NotificationSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_polling(sessionmaker, stop, settings=cfg)
