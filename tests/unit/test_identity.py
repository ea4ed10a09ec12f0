"""Identity numbers: GB 11643 check digits, GB 32100 credit codes, masking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.domain.identity import (
    is_valid_passport,
    is_valid_resident_id,
    is_valid_uscc,
    mask_passport,
    mask_resident_id,
    resident_id_check_char,
)


class TestResidentId:
    def test_published_examples(self) -> None:
        # The examples of GB 11643-1999. The second is arithmetically valid but born in 1880:
        # no living applicant can hold it, so it is refused as implausible.
        assert is_valid_resident_id("11010519491231002X")
        assert not is_valid_resident_id("440524188001010014")

    def test_wrong_check_digit(self) -> None:
        assert not is_valid_resident_id("110105194912310021")

    def test_impossible_birth_date(self) -> None:
        first17 = "31011019950230123"  # 30 February
        assert not is_valid_resident_id(first17 + resident_id_check_char(first17))

    def test_lowercase_x_and_spaces_are_normalised(self) -> None:
        assert is_valid_resident_id(" 11010519491231002x ")

    def test_wrong_length_and_letters(self) -> None:
        assert not is_valid_resident_id("1101051949123100")
        assert not is_valid_resident_id("11010519491231002Y")

    @given(
        st.dates(
            min_value=__import__("datetime").date(1930, 1, 1),
            max_value=__import__("datetime").date(2008, 12, 31),
        ),
        st.integers(min_value=0, max_value=999),
    )
    def test_any_computed_check_digit_validates_and_one_change_breaks_it(
        self, birth: object, seq: int
    ) -> None:
        first17 = "310105" + birth.strftime("%Y%m%d") + f"{seq:03d}"  # type: ignore[attr-defined]
        number = first17 + resident_id_check_char(first17)
        assert is_valid_resident_id(number)
        for other in "0123456789X":
            if other != number[-1]:
                assert not is_valid_resident_id(number[:-1] + other)


class TestUscc:
    def test_real_codes(self) -> None:
        assert is_valid_uscc("914403001922038216")
        assert is_valid_uscc("91350100M000100Y43")

    def test_wrong_check_character(self) -> None:
        assert not is_valid_uscc("914403001922038217")

    def test_forbidden_letters(self) -> None:
        assert not is_valid_uscc("91440300192203821I")


class TestMasking:
    def test_resident_id_mask_shape(self) -> None:
        assert mask_resident_id("310110199503121234") == "310***********1234"

    @given(st.from_regex(r"\A[1-6]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d)\d{3}[\dX]\Z"))
    def test_mask_never_shows_the_birth_date(self, number: str) -> None:
        masked = mask_resident_id(number)
        assert len(masked) == 18
        assert number[6:14] not in masked[3:14]
        assert masked[3:14] == "*" * 11

    def test_passport(self) -> None:
        assert mask_passport("E12345678") == "E*****678"
        assert is_valid_passport("e1234567")
        assert not is_valid_passport("E12-4567")
