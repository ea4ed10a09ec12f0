"""Phone numbers in international form (issue 18, English first): an overseas person's number
is parsed with Google's libphonenumber, stored as E.164 (+447911123456) and shown in its
international format (+44 7911 123456). A mainland mobile keeps its 11 digits
(``identity.is_valid_cn_mobile``), as domestic registration always stored it."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from app.domain.identity import is_valid_cn_mobile


def to_e164(raw: str, region: str | None = None) -> str | None:
    """The number as E.164, or None when it is not a valid number. Without a leading ``+`` (or
    ``00``) it is read as a number of ``region`` (the nationality, say)."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else (region or None))
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def international(stored: str) -> str:
    """A stored number for reading: E.164 in the international format; a mainland mobile (or
    anything else stored before) as it is."""
    if not stored.startswith("+"):
        return stored
    try:
        parsed = phonenumbers.parse(stored, None)
    except NumberParseException:
        return stored
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL)


def masked(stored: str) -> str:
    """The international form with every digit hidden but the country code and the last four
    (+44 **** **3456); a mainland mobile as lists always masked it (138****8000)."""
    if not stored.startswith("+"):
        if len(stored) < 7:
            return "*" * len(stored)
        return stored[:3] + "*" * (len(stored) - 7) + stored[-4:]
    shown = international(stored)
    code, _, rest = shown.partition(" ")
    total = sum(ch.isdigit() for ch in rest)
    seen = 0
    out = []
    for ch in rest:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - 4 else "*")
        else:
            out.append(ch)
    return f"{code} {''.join(out)}"


def normalised_mobile(raw: str, region: str | None) -> str | None:
    """An overseas person's phone as stored: a mainland mobile typed as 11 digits stays as it
    is (the SMS gateway's form); any other number becomes E.164; None when invalid."""
    text = raw.strip().replace(" ", "").replace("-", "")
    if is_valid_cn_mobile(text):
        return text
    return to_e164(raw, region)
