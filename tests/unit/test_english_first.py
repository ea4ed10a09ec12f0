"""English first for passport holders (issue 18, point 4): ISO 3166-1 nationalities, phone
numbers in international form (E.164 stored), names in Latin letters with an optional Chinese
name; the mainland mobile keeps its behaviour."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.domain import names, phones
from app.domain.countries import ISO_3166_ALPHA2, is_iso_country
from app.rules.explain import country_choices
from app.schemas.accounts import DomesticRegistration, OverseasRegistration


def _overseas(**overrides: Any) -> dict[str, Any]:
    return {
        "applicant_type": "overseas",
        "email": "maria@example.com",
        "password": "a long passphrase 42",
        "full_name": "Maria Rossi",
        "passport_number": "YA1234567",
        "nationality": "IT",
        "consent_personal_info": True,
        **overrides,
    }


def _errors(**overrides: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        OverseasRegistration.model_validate(_overseas(**overrides))
    return {str(e["loc"][0]): e["type"] for e in caught.value.errors()}


def test_iso_3166_has_its_249_codes_and_the_form_offers_exactly_them() -> None:
    assert len(ISO_3166_ALPHA2) == 249
    assert {code for code, _ in country_choices("en")} == ISO_3166_ALPHA2
    assert {code for code, _ in country_choices("zh")} == ISO_3166_ALPHA2
    assert is_iso_country("DE") and not is_iso_country("XK") and not is_iso_country("EU")


@pytest.mark.parametrize("code", ["XK", "EU", "UN", "ZZ", "QQ", "CN", "USA", "1A"])
def test_a_nationality_outside_iso_3166_or_china_is_refused(code: str) -> None:
    assert _errors(nationality=code) == {"nationality": "invalid_nationality"}


def test_a_lower_case_iso_code_is_accepted() -> None:
    assert OverseasRegistration.model_validate(_overseas(nationality="gb")).nationality == "GB"


@pytest.mark.parametrize(
    ("typed", "nationality", "stored"),
    [
        ("+44 7911 123456", "IT", "+447911123456"),
        ("07911 123456", "GB", "+447911123456"),  # read in the nationality's country
        ("0044 7911 123456", "IT", "+447911123456"),
        ("+1 (650) 253-0000", "IT", "+16502530000"),
        ("+86 138 0013 8000", "IT", "+8613800138000"),
        ("13800138000", "IT", "13800138000"),  # a mainland mobile keeps its 11 digits
    ],
)
def test_phone_numbers_are_stored_as_e164(typed: str, nationality: str, stored: str) -> None:
    parsed = OverseasRegistration.model_validate(_overseas(mobile=typed, nationality=nationality))
    assert parsed.mobile == stored


@pytest.mark.parametrize("typed", ["12345", "+44 12", "phone me", "+999 1234567"])
def test_an_invalid_phone_number_is_refused(typed: str) -> None:
    assert _errors(mobile=typed) == {"mobile": "invalid_mobile"}


def test_no_phone_number_is_fine() -> None:
    assert OverseasRegistration.model_validate(_overseas(mobile="")).mobile is None


def test_numbers_are_shown_in_international_form() -> None:
    assert phones.international("+447911123456") == "+44 7911 123456"
    assert phones.international("+16502530000") == "+1 650-253-0000"
    assert phones.masked("+447911123456") == "+44 **** **3456"
    # A mainland mobile, as lists always masked it.
    assert phones.international("13800138000") == "13800138000"
    assert phones.masked("13800138000") == "138****8000"


def test_the_domestic_mobile_is_unchanged() -> None:
    base = {
        "applicant_type": "domestic",
        "email": "wang@example.com",
        "password": "a long passphrase 42",
        "full_name": "王小明",
        "id_number": "11010519491231002X",
        "consent_personal_info": True,
    }
    assert DomesticRegistration.model_validate({**base, "mobile": "13800138000"}).mobile == (
        "13800138000"
    )
    with pytest.raises(ValidationError):
        DomesticRegistration.model_validate({**base, "mobile": "+447911123456"})


@pytest.mark.parametrize(
    "name", ["Maria Rossi", "José Müller-Łukasz", "Seán O’Neill", "J. R. Smith"]
)
def test_latin_names_are_accepted(name: str) -> None:
    assert OverseasRegistration.model_validate(_overseas(full_name=name)).full_name == name


@pytest.mark.parametrize("name", ["罗马丽", "Мария", "Maria 罗"])
def test_a_passport_name_must_be_in_latin_letters(name: str) -> None:
    assert _errors(full_name=name) == {"full_name": "invalid_latin_name"}


def test_a_chinese_name_is_optional_and_kept_in_chinese() -> None:
    assert OverseasRegistration.model_validate(_overseas()).chinese_name is None
    parsed = OverseasRegistration.model_validate(_overseas(chinese_name=" 玛丽亚•罗西 "))
    assert parsed.chinese_name == "玛丽亚·罗西"
    assert _errors(chinese_name="Maria") == {"chinese_name": "invalid_chinese_name"}
    assert _errors(chinese_name="罗" * 21) == {"chinese_name": "invalid_chinese_name"}
    assert names.chinese_name("罗" * 20) == "罗" * 20
