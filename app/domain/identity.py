"""Identity numbers: validation (GB 11643, GB 32100), normalisation and masking. Pure functions."""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

# GB 32100-2015 unified social credit code: 18 characters from this alphabet (no I, O, Z, S, V).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")


def normalize_resident_id(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_resident_id(raw: str) -> bool:
    """GB 11643-1999: 18 characters, a real birth date, and the ISO 7064 MOD 11-2 check digit."""
    number = normalize_resident_id(raw)
    if not _ID_RE.match(number):
        return False
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if birth.year < 1900 or birth > date.today():
        return False
    return resident_id_check_char(number[:17]) == number[17]


def normalize_uscc(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(raw: str) -> bool:
    """GB 32100-2015 统一社会信用代码 with its MOD 31 check character."""
    code = normalize_uscc(raw)
    if not _USCC_RE.match(code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def normalize_passport(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def is_valid_passport(raw: str) -> bool:
    return bool(_PASSPORT_RE.match(normalize_passport(raw)))


def mask_resident_id(number: str) -> str:
    """``310***********1234``: region prefix and last four only; never the birth date."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_passport(number: str) -> str:
    if len(number) <= 4:
        return "*" * len(number)
    return number[:1] + "*" * (len(number) - 4) + number[-3:]


def mask_mobile(number: str) -> str:
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def is_valid_cn_mobile(raw: str) -> bool:
    return bool(_MOBILE_RE.match(raw.strip()))


def mask_name(name: str) -> str:
    """What a public page may show of a person: ``张**`` (the family name, one star per other
    character) or ``A*** M***`` (each word's initial) for a name in Latin letters."""
    cleaned = " ".join(name.split())
    if not cleaned:
        return ""
    if any("\u3400" <= ch <= "\u9fff" for ch in cleaned):
        compact = cleaned.replace(" ", "").replace("·", "")
        return compact[:1] + "*" * max(1, len(compact) - 1)
    return " ".join(word[:1].upper() + "***" for word in cleaned.split(" "))
