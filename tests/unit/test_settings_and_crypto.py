"""Settings refuse unsafe production starts; password hashing and field encryption are sound."""

from __future__ import annotations

import base64
import os

import pytest
from argon2 import extract_parameters
from pydantic import ValidationError

from app.config import Environment, Settings
from app.security import passwords
from app.security.crypto import FieldCipher

HTTPS_OUTSIDE_SYSTEMS = {
    f"verification_{name}_url": f"https://gov.example.cn/{name}"
    for name in ("identity", "social_insurance", "degrees", "hukou")
}


class TestProductionSettings:
    def test_production_refuses_default_secrets(self) -> None:
        with pytest.raises(ValidationError, match="TALENT_SECRET_KEY"):
            Settings(environment=Environment.PRODUCTION)

    def test_production_starts_with_real_secrets(self) -> None:
        settings = Settings(
            environment=Environment.PRODUCTION,
            secret_key="s" * 40,
            data_key=base64.b64encode(os.urandom(32)).decode(),
            blind_index_key="i" * 40,
            **HTTPS_OUTSIDE_SYSTEMS,
        )
        assert settings.is_production

    def test_production_refuses_plain_http_outside_systems(self) -> None:
        with pytest.raises(ValidationError, match="https"):
            Settings(
                environment=Environment.PRODUCTION,
                secret_key="s" * 40,
                data_key=base64.b64encode(os.urandom(32)).decode(),
                blind_index_key="i" * 40,
            )

    def test_data_key_must_be_32_bytes(self) -> None:
        with pytest.raises(ValidationError, match="32 bytes"):
            Settings(data_key=base64.b64encode(b"short").decode())


class TestPasswords:
    def test_argon2id_parameters_meet_asvs(self) -> None:
        stored = passwords.hash_password("Some-Long-Password-1")
        params = extract_parameters(stored)
        assert stored.startswith("$argon2id$")
        assert params.memory_cost >= 19 * 1024
        assert params.time_cost >= 2
        assert params.parallelism == 1

    def test_verify(self) -> None:
        stored = passwords.hash_password("Some-Long-Password-1")
        assert passwords.verify_password(stored, "Some-Long-Password-1")
        assert not passwords.verify_password(stored, "some-long-password-1")
        assert not passwords.verify_password(None, "Some-Long-Password-1")

    def test_common_passwords_are_known(self) -> None:
        assert passwords.is_common_password("Password123")
        assert passwords.is_common_password("5201314")
        assert not passwords.is_common_password("violet-tram-harbour")


class TestFieldCipher:
    def _cipher(self) -> FieldCipher:
        return FieldCipher(base64.b64encode(os.urandom(32)).decode(), "index-key")

    def test_round_trip_and_random_nonce(self) -> None:
        cipher = self._cipher()
        a = cipher.encrypt("310110199503121234", "applicant.id_number")
        b = cipher.encrypt("310110199503121234", "applicant.id_number")
        assert a != b
        assert b"310110199503121234" not in a
        assert cipher.decrypt(a, "applicant.id_number") == "310110199503121234"

    def test_ciphertext_is_bound_to_its_column(self) -> None:
        cipher = self._cipher()
        blob = cipher.encrypt("secret", "applicant.id_number")
        with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
            cipher.decrypt(blob, "user.totp")

    def test_blind_index_is_deterministic_and_keyed(self) -> None:
        one = self._cipher()
        other = FieldCipher(base64.b64encode(os.urandom(32)).decode(), "another-key")
        assert one.blind_index("E1234567", "p") == one.blind_index("E1234567", "p")
        assert one.blind_index("E1234567", "p") != other.blind_index("E1234567", "p")
