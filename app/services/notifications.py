"""Notifications: a message per state change, in the recipient's language, on every channel
they can be reached by.

``enqueue`` only writes outbox rows in the caller's transaction, so the message exists exactly
when the change it announces commits; the outbox worker (``app.tasks.outbox``) delivers it.

Texts are rendered at delivery from the template key, the stored parameters and the language
stored at enqueue. The language is therefore the one the recipient had when the event happened,
while a corrected translation still reaches messages that have not gone out yet. ``enqueue``
renders once as well, so an unknown template or a missing placeholder fails in the request
that caused it rather than in the worker hours later."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NotRequired, TypeAlias, TypedDict, Unpack
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from app.clients.settings import get_notification_settings
from app.config import get_settings
from app.domain.principal import Principal
from app.errors import FieldError, NotFound, ValidationFailed
from app.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, gettext
from app.models import InAppMessage, OutboxMessage
from app.models.base import utcnow
from app.repositories import notifications as repo
from app.repositories.notifications import Contact as Contact
from app.repositories.unit_of_work import AsyncSession
from app.schemas.messages import MessagePage, MessageRead
from app.services.message_templates import TEMPLATES, Template
from app.workflow.outbox import OutboxStatus

INAPP = "inapp"


EMAIL = "email"


SMS = "sms"


CHANNELS = (INAPP, EMAIL, SMS)


SHANGHAI = ZoneInfo("Asia/Shanghai")


_SUBJECT_MAX = 200


# The workflow names a message after its action. Where the applicant and the employer both hear
# of one action, the applicant's text has a key of its own.
APPLICANT_KEYS = {
    "case.request_employer_confirmation": "case.employer_confirmation_requested",
    # The reviewer's opinion is internal and sends nothing; were it ever sent, the applicant
    # would read that the case is being reviewed, which it still is.
    "case.recommend_approval": "case.start_review",
    "case.recommend_rejection": "case.start_review",
}


DETAILS_LINE = N_("Details: {url}")


EMAIL_FOOTER = N_(
    "This message was sent automatically by the Talent Services Portal. Please do not reply."
)


SENDER_NAME = N_("Talent Services Portal")


ERR_CURSOR = N_("This page link is no longer valid. Start again from the first page.")


class NotificationError(ValueError):
    """A programming error in how a notification was requested (not the recipient's fault)."""


class UnknownTemplate(NotificationError):
    pass


class BadPayload(NotificationError):
    pass


class UnknownRecipient(NotificationError):
    pass


# Stored parameter values (JSON): plain text and numbers, {"zh": ..., "en": ...} pairs,
# {"msgid": ...} catalog texts, {"date": ...}/{"datetime": ...} ISO values, or lists of those.
Param: TypeAlias = "str | int | float | dict[str, str] | list[Param]"


def _normalize(name: str, value: object) -> Param:
    if value is None:
        return ""  # an optional value (a reason not given) shows as nothing
    if isinstance(value, bool):
        raise BadPayload(f"payload value {name!r} must be text, a number, a date or a list")
    if isinstance(value, str | int | float):
        return value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise BadPayload(f"payload value {name!r} is a naive datetime; use UTC-aware values")
        return {"datetime": value.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Mapping):
        keys = set(value)
        texts = all(isinstance(v, str) for v in value.values())
        if texts and (keys == {"msgid"} or (keys and keys <= set(LANGUAGES))):
            return {str(k): str(v) for k, v in value.items()}
        raise BadPayload(
            f"payload value {name!r}: use {{'zh': ..., 'en': ...}} or {{'msgid': ...}}"
        )
    if isinstance(value, list | tuple):
        return [_normalize(name, item) for item in value]
    raise BadPayload(f"payload value {name!r} has unsupported type {type(value).__name__}")


def _display(value: Param, lang: str) -> str:
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(_display(item, lang) for item in value)
    if isinstance(value, dict):
        if "msgid" in value:
            return gettext(lang, value["msgid"])
        # English readers get the ISO form (2026-12-07), which no reader takes for another
        # day whatever their country's order of day and month (issue 18).
        if "date" in value:
            day = date.fromisoformat(value["date"])
            return format_date(day, "long" if lang == "zh" else "y-MM-dd", locale=_locale(lang))
        if "datetime" in value:
            moment = datetime.fromisoformat(value["datetime"])
            pattern = "y年M月d日 HH:mm" if lang == "zh" else "y-MM-dd HH:mm"
            return format_datetime(moment, pattern, tzinfo=SHANGHAI, locale=_locale(lang))
        return value.get(lang) or value.get(DEFAULT_LANGUAGE) or next(iter(value.values()), "")
    return str(value)


def _locale(lang: str) -> str:
    return "zh_CN" if lang == "zh" else "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    url: str | None


def template_for(key: str) -> Template:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise UnknownTemplate(
            f"unknown notification template {key!r}; known: {', '.join(sorted(TEMPLATES))}"
        ) from None


def render(key: str, language: str, params: Mapping[str, Param]) -> Rendered:
    template = template_for(key)
    missing = template.placeholders() - set(params)
    if missing:
        raise BadPayload(f"template {key!r} needs payload values: {', '.join(sorted(missing))}")
    shown = {name: _display(value, language) for name, value in params.items()}
    url = shown.get("url")
    if url and url.startswith("/"):
        url = get_settings().base_url.rstrip("/") + url
    return Rendered(
        subject=gettext(language, template.subject, shown),
        body=gettext(language, template.body, shown),
        url=url or None,
    )


@dataclass(frozen=True)
class ChannelText:
    subject: str
    body: str


def channel_text(rendered: Rendered, channel: str, language: str) -> ChannelText:
    """What each channel shows: the message centre links to the case itself, email gets a
    link and a no-reply footer, SMS stays one short text."""
    details = gettext(language, DETAILS_LINE, {"url": rendered.url}) if rendered.url else ""
    if channel == EMAIL:
        parts = [rendered.body, details, "-- \n" + gettext(language, EMAIL_FOOTER)]
        return ChannelText(rendered.subject, "\n\n".join(p for p in parts if p))
    if channel == SMS:
        return ChannelText(rendered.subject, " ".join(p for p in (rendered.body, details) if p))
    subject = rendered.subject
    if len(subject) > _SUBJECT_MAX:
        subject = subject[: _SUBJECT_MAX - 1] + "…"
    return ChannelText(subject, rendered.body)


def stored_params(payload: Mapping[str, object]) -> dict[str, Param]:
    return {str(name): _normalize(str(name), value) for name, value in payload.items()}


def params_of(row_payload: Mapping[str, object]) -> dict[str, Param]:
    params = row_payload.get("params")
    return params if isinstance(params, dict) else {}


def case_id_of(row_payload: Mapping[str, object]) -> uuid.UUID | None:
    raw = row_payload.get("case_id")
    return uuid.UUID(raw) if isinstance(raw, str) else None


class Notice(TypedDict):
    """One event to tell a user about, as ``outbox_rows`` and ``enqueue`` take it."""

    recipient_user_id: uuid.UUID
    template: str
    payload: Mapping[str, object]
    language: str
    dedup_key: str
    channels: NotRequired[Collection[str] | None]
    case_id: NotRequired[uuid.UUID | None]
    contact: NotRequired[Contact | None]
    # Someone without an account yet (an invited colleague, an employer an applicant asks to
    # register): the message goes to these addresses, on behalf of ``recipient_user_id``, by
    # email and SMS only; the worker reads them from the row, not from the recipient.
    to: NotRequired[Contact | None]


async def outbox_rows(session: AsyncSession, **notice: Unpack[Notice]) -> list[dict[str, object]]:
    """The outbox rows of one event, checked (the template renders with the payload) but not
    written: one per channel the recipient can be reached on. ``enqueue`` writes them; a
    caller that writes them within a statement of its own (submission) takes them from here.

    ``dedup_key`` names the event (e.g. ``case:<id>:v<version>``); each row gets
    ``<dedup_key>:<channel>``, which is unique, so writing the same event again adds nothing.
    ``channels`` narrows the default (all reachable). ``contact`` is the recipient's addresses
    when the caller already holds them (the signed-in user), which saves a lookup.
    """
    contact = (
        notice.get("to")
        or notice.get("contact")
        or await repo.contact_for(session, notice["recipient_user_id"])
    )
    if contact is None:
        raise UnknownRecipient(f"no user {notice['recipient_user_id']}")
    return _rows(notice, contact, check=True)


def _rows(notice: Notice, contact: Contact, *, check: bool) -> list[dict[str, object]]:
    """``outbox_rows`` once the recipient's addresses are known; ``check`` renders the
    template with the payload first (a batch of one event's notices checks it once)."""
    recipient_user_id, dedup_key = notice["recipient_user_id"], notice["dedup_key"]
    channels, case_id = notice.get("channels"), notice.get("case_id")
    template, language = notice["template"], notice["language"]
    # Someone without an account yet: the addresses written on the notice, not the user's.
    to = notice.get("to")
    if to is not None:
        contact = to
    if to is None and contact.kind == "applicant":
        template = APPLICANT_KEYS.get(template, template)
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    params = stored_params(notice["payload"])
    if check:
        render(template, lang, params)
    wanted = set(CHANNELS if channels is None else channels)
    if unknown := wanted - set(CHANNELS):
        raise NotificationError(f"unknown channels: {', '.join(sorted(unknown))}")
    longest = max((len(c) for c in wanted), default=0)
    if len(dedup_key) + 1 + longest > 120:
        raise NotificationError("dedup_key is too long (at most 113 characters)")
    reachable = {
        INAPP: to is None,
        EMAIL: bool(contact.email),
        SMS: bool(contact.mobile) and get_notification_settings().notify_sms_enabled,
    }
    now = utcnow()
    stored: dict[str, object] = {
        "params": params,
        "case_id": str(case_id) if case_id else None,
    }
    if to is not None:
        stored["to"] = {"email": to.email, "mobile": to.mobile}
    return [
        {
            "id": uuid.uuid4(),
            "dedup_key": f"{dedup_key}:{channel}",
            "recipient_user_id": recipient_user_id,
            "channel": channel,
            "template": template,
            "language": lang,
            "payload": stored,
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "locked_until": None,
            "created_at": now,
        }
        for channel in CHANNELS
        if channel in wanted and reachable[channel]
    ]


async def enqueue(
    session: AsyncSession, *, read_back: bool = True, **notice: Unpack[Notice]
) -> list[OutboxMessage]:
    """Adds the event's outbox rows (``outbox_rows``); never commits. Enqueueing the same event
    again returns the existing rows instead of adding more. With ``read_back=False`` the rows
    are written without being read back and the list is empty: callers that only need the
    messages to go out skip building objects nobody reads.
    """
    rows = await outbox_rows(session, **notice)
    if not read_back:
        await repo.add_outbox_rows(session, rows)
        return []
    return await repo.insert_outbox_rows(session, rows)


async def enqueue_many(session: AsyncSession, notices: list[Notice]) -> None:
    """Many events at once (a payment run's notices), each with its recipient's ``contact``
    given so nothing is looked up per notice; written in one statement, skipping repeats."""
    rows: list[dict[str, object]] = []
    checked: set[tuple[str, str, frozenset[str]]] = set()
    for notice in notices:
        contact = notice.get("contact") or await repo.contact_for(
            session, notice["recipient_user_id"]
        )
        if contact is None:
            raise UnknownRecipient(f"no user {notice['recipient_user_id']}")
        # The template renders with this shape of payload: checked once per template,
        # language and set of parameters, not once per payment.
        shape = (notice["template"], notice["language"], frozenset(notice["payload"]))
        rows.extend(_rows(notice, contact, check=shape not in checked))
        checked.add(shape)
    await repo.add_outbox_rows(session, rows)


def message_view(msg: InAppMessage) -> MessageRead:
    return MessageRead(
        id=msg.id,
        subject=msg.subject,
        body=msg.body,
        case_id=msg.case_id,
        created_at=msg.created_at,
        read_at=msg.read_at,
    )


def _encode_cursor(msg: InAppMessage) -> str:
    raw = f"{msg.created_at.isoformat()}|{msg.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, message_id = raw.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive cursor time")
        return moment, uuid.UUID(message_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            field_errors=[FieldError("cursor", "invalid_cursor", ERR_CURSOR)]
        ) from None


async def list_messages(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> MessagePage:
    before = _decode_cursor(cursor) if cursor else None
    rows = await repo.list_inapp(session, principal.user_id, limit=limit + 1, before=before)
    page = rows[:limit]
    next_cursor = _encode_cursor(page[-1]) if len(rows) > limit else None
    return MessagePage(
        items=[message_view(m) for m in page],
        next_cursor=next_cursor,
        unread=await repo.count_unread(session, principal.user_id),
    )


async def mark_read(
    session: AsyncSession, principal: Principal, message_id: uuid.UUID
) -> MessageRead:
    msg = await repo.get_inapp_for(session, principal.user_id, message_id)
    if msg is None:
        raise NotFound()
    if msg.read_at is None:
        msg.read_at = utcnow()
        await session.flush()
    return message_view(msg)
