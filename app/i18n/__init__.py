"""Translations: English msgids, Chinese (default) and English catalogs, chosen per request.

Catalogs are kept as ``.po`` text in the repository and compiled in memory at start-up, so no
build step can leave a stale binary catalog behind.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where the language is known."""
    return message


@cache
def translations(lang: str) -> Translations:
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    po = resources.files("app.i18n").joinpath(f"locales/{lang}/LC_MESSAGES/messages.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain="messages")


def gettext(lang: str, message: str, params: Mapping[str, Any] | None = None) -> str:
    text = translations(lang).gettext(message)
    return text.format(**params) if params else text


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Picks zh or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return default
    best: tuple[float, str] | None = None
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and (best is None or q > best[0]):
            best = (q, primary)
    return best[1] if best else default


def localized(source: object, field: str, lang: str) -> str:
    """The reader's text of a field kept in both languages: ``<field>_zh`` or ``<field>_en``,
    an attribute (catalog rows) or a key (material entries). Any language other than Chinese
    reads the English text."""
    key = f"{field}_{'zh' if lang == 'zh' else 'en'}"
    value = source[key] if isinstance(source, Mapping) else getattr(source, key)
    return str(value)


def sentence_case(text: str, lang: str) -> str:
    """A label as a heading or form label shows it: "Nationality", not "nationality" (the
    vocabulary's English labels are lower case, written to sit inside sentences)."""
    return text[:1].upper() + text[1:] if lang != "zh" and text else text
