"""The field cipher for personal identifiers, configured from settings."""

from __future__ import annotations

from functools import lru_cache

from app.config import get_settings
from app.domain.enums import IdKind
from app.domain.identity import (
    mask_passport,
    mask_resident_id,
    normalize_passport,
    normalize_resident_id,
)
from app.security.crypto import FieldCipher

_ID_CONTEXT = "applicant.id_number"


@lru_cache(maxsize=1)
def cipher() -> FieldCipher:
    settings = get_settings()
    return FieldCipher(
        settings.data_key.get_secret_value(), settings.blind_index_key.get_secret_value()
    )


def normalize_id(kind: IdKind, number: str) -> str:
    return (
        normalize_resident_id(number) if kind is IdKind.RESIDENT_ID else normalize_passport(number)
    )


def id_index(kind: IdKind, number: str) -> str:
    return cipher().blind_index(normalize_id(kind, number), f"{_ID_CONTEXT}:{kind.value}")


def encrypt_id(number: str) -> bytes:
    return cipher().encrypt(number, _ID_CONTEXT)


def decrypt_id(blob: bytes) -> str:
    return cipher().decrypt(blob, _ID_CONTEXT)


def mask_id(kind: IdKind, number: str) -> str:
    return mask_resident_id(number) if kind is IdKind.RESIDENT_ID else mask_passport(number)


def login_key(email: str) -> str:
    return cipher().blind_index(email.strip().lower(), "login")


def login_source_key(email: str, client: str) -> str:
    """Key of the failed sign-ins for one login name from one client address."""
    return cipher().blind_index(f"{email.strip().lower()}|{client}", "login-source")
