"""Password hashing (argon2id, OWASP ASVS 5.0 parameters) and password policy."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# ASVS V11.4.2 / appendix C: argon2id with m >= 19 MiB, t >= 2, p = 1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = _HASHER.hash("timing-equaliser-not-a-password")

MAX_PASSWORD_LENGTH = 128


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


# zxcvbn scores at most this many characters; a weak start is weak whatever follows it.
_ZXCVBN_MAX_LENGTH = 72
# zxcvbn score 2 and up: more guesses than a throttled online attack gets (10^6).
_MIN_GUESSES_LOG10 = 6.0


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most frequent leaked passwords, plus ones common in Chinese use."""
    text = resources.files("app.security").joinpath("common_passwords.txt").read_text("utf-8")
    ours = {line.strip().lower() for line in text.splitlines() if line.strip()}
    return frozenset(ours | set(FREQUENCY_LISTS["passwords"]))


def is_common_password(password: str, user_inputs: Sequence[str] = ()) -> bool:
    """True for a known leaked password or one zxcvbn guesses quickly (repeats, sequences,
    keyboard walks, a common word with digits or l33t substitutions)."""
    if password.lower() in _common_passwords():
        return True
    estimate = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=list(user_inputs))
    return float(estimate["guesses_log10"]) < _MIN_GUESSES_LOG10
