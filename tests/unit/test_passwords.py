"""The common-password refusal: zxcvbn's leaked-password list, our own list, and its estimate."""

from __future__ import annotations

import pytest

from app.security.passwords import is_common_password


@pytest.mark.parametrize(
    "password",
    [
        "12345678a",
        "qwertyuiop",
        "a1234567",
        "123123123",
        "asdfghjkl",
        "zxcvbnm1",
        "password!",
        "Password1",  # case does not matter
        "woaini1314",  # our list: common in Chinese use
        "P@ssw0rd2026",  # l33t of a common word with a year
        "1q2w3e4r5t",  # keyboard walk
        "abcabcabcabc",  # repeat
        "a" * 128,  # longer than zxcvbn scores: judged on its start
    ],
)
def test_common_or_guessable_passwords_are_refused(password: str) -> None:
    assert is_common_password(password)


@pytest.mark.parametrize(
    "password",
    ["Violet-Tram-Harbour", "Tested-Talent-2026!", "kqzmtrxbwp", "Harbour-2026", "x7#Lp9!q" * 16],
)
def test_strong_passwords_pass(password: str) -> None:
    assert not is_common_password(password)


def test_the_users_own_details_count_as_guessable() -> None:
    assert not is_common_password("wangxiaoming88")
    assert is_common_password("wangxiaoming88", user_inputs=["wangxiaoming88"])
