"""Email over SMTP with the standard library's ``smtplib``, run in a worker thread.

The ``Message-ID`` is derived from the outbox id, so a message delivered twice after a crash
carries the same id both times and mail systems (and people) can tell it is one message.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from app.clients import ChannelError
from app.models.base import utcnow

OUTBOX_ID_HEADER = "X-Talent-Outbox-Id"


class EmailDeliveryError(ChannelError):
    pass


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout_seconds: float = 10.0


def message_id_for(outbox_id: uuid.UUID, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{outbox_id}@{domain}>"


def build_message(
    config: SmtpConfig,
    *,
    outbox_id: uuid.UUID,
    to: str,
    subject: str,
    body: str,
    language: str,
    sender_name: str = "",
) -> EmailMessage:
    msg = EmailMessage()
    local, _, domain = config.sender.rpartition("@")
    msg["From"] = Address(display_name=sender_name, username=local, domain=domain)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id_for(outbox_id, config.sender)
    msg[OUTBOX_ID_HEADER] = str(outbox_id)
    # Automated notices must not trigger vacation replies back to a no-reply address.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    # After set_content, which clears every Content-* header.
    msg["Content-Language"] = "zh-CN" if language == "zh" else "en"
    return msg


class SmtpClient:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, msg: EmailMessage) -> None:
        """Sends a message made by ``build_message``."""
        # smtplib blocks; a thread keeps the event loop (and the web process) responsive.
        await asyncio.to_thread(self._send_blocking, msg)

    def _send_blocking(self, msg: EmailMessage) -> None:
        cfg = self.config
        try:
            smtp: smtplib.SMTP
            if cfg.ssl:
                context = ssl.create_default_context()
                smtp = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout_seconds, context=context
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
            with smtp:
                if cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.username and cfg.password:
                    smtp.login(cfg.username, cfg.password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            raise EmailDeliveryError(f"recipient refused: {codes}", permanent=permanent) from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx on the message itself (too large, policy) is final; 4xx asks to retry.
            auth = isinstance(exc, smtplib.SMTPAuthenticationError)
            permanent = exc.smtp_code >= 500 and not auth
            raise EmailDeliveryError(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=permanent
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailDeliveryError(f"SMTP failed: {type(exc).__name__}: {exc}") from exc


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return text[:200]
