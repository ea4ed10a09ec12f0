"""TOTP second factor for staff (RFC 6238 through pyotp)."""

from __future__ import annotations

import time

import pyotp

_INTERVAL = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="Talent Portal 人才服务")


def verify(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """Returns the accepted time step, or None. Allows one step of clock drift; no replays."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=_INTERVAL)
    now = time.time() if now is None else now
    step = int(now // _INTERVAL)
    for candidate in (step, step - 1, step + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if totp.at(candidate * _INTERVAL) == code:
            return candidate
    return None
