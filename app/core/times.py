"""Times shown to people: every moment in Shanghai time (UTC+8), said so, one way everywhere.

Templates use ``{{ moment | local_time }}`` (a ``<time>`` element whose machine-readable value
carries the +08:00 offset) and ``{{ moment | local_day }}`` for the calendar day in Shanghai."""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup, escape

from app.workflow.values import SHANGHAI

ZONE_LABEL = "UTC+8"


def in_shanghai(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given; pass a timezone-aware datetime")
    return value.astimezone(SHANGHAI)


def local_time(value: datetime | None, seconds: bool = False) -> Markup | str:
    """``2026-12-07 09:11 UTC+8`` in a ``<time>`` element; ``–`` for no value."""
    if value is None:
        return "–"
    local = in_shanghai(value)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return Markup('<time datetime="{iso}">{shown} <span class="zone">{zone}</span></time>').format(
        iso=escape(local.isoformat(timespec="seconds")), shown=shown, zone=ZONE_LABEL
    )


def local_text(value: datetime | None) -> str:
    """The same as plain text, for a time inside a translated sentence."""
    if value is None:
        return "–"
    return f"{in_shanghai(value).strftime('%Y-%m-%d %H:%M')} {ZONE_LABEL}"


def local_day(value: datetime | date | None) -> str:
    """The calendar day in Shanghai (a date stays itself)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return in_shanghai(value).date().isoformat()
    return value.isoformat()


def in_language(text: str, lang: str) -> str:
    """A bilingual label written ``中文 / English`` (policy articles), in the reader's language."""
    if " / " not in text:
        return text
    zh, _sep, en = text.partition(" / ")
    return zh.strip() if lang == "zh" else en.strip()
