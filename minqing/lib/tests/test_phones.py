"""Phone numbers: normalised for storage, refused when malformed, masked for display."""

from __future__ import annotations

import pytest
from django.utils import translation

from minqing.lib.errors import DomainError
from minqing.lib.phones import last4, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese keyboard
        ("＋８６　１９９－０００１－２３４５", "19900012345"),
        ("022-2345 6789", "022-23456789"),
        ("02223456789", "022-23456789"),
        ("（022）23456789", "022-23456789"),
        ("(010) 1234 5678", "010-12345678"),
        ("0755-1234567", "0755-1234567"),
        ("0755 12345678", "0755-12345678"),
        ("０２２－２３４５６７８９", "022-23456789"),
    ],
)
def test_it_normalises_mobiles_and_landlines(raw, stored):
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # 12x is not a mobile prefix
        "23456789",  # a local number without its area code
        "022-234567",  # too short after the area code
        "0222-34567890",  # 022 is Tianjin's code: 4 + 8 digits does not exist
        "+1 202 555 0101",
        "138l2345678",  # a letter l for a one
        "电话13812345678",
    ],
)
def test_it_refuses_malformed_numbers_with_a_message_that_says_what_is_accepted(raw):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        normalize_phone(raw)
    assert (refused.value.code, refused.value.field) == ("invalid_phone", "phone")
    assert str(refused.value) == (
        f"“{raw}” is not a phone number: use a mobile number of 11 digits starting with 13–19, "
        "or a landline with its area code such as 022-2345 6789."
    )


def test_the_refusal_is_translated():
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        normalize_phone("12345")
    assert "12345" in str(refused.value)
    with translation.override("en"), pytest.raises(DomainError) as english:
        normalize_phone("12345")
    assert str(refused.value) != str(english.value)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("13812345678", "138****5678"),
        ("022-23456789", "022-****6789"),
        ("0755-1234567", "0755-***4567"),
        ("", ""),
    ],
)
def test_it_masks_all_but_the_first_three_and_last_four_digits(stored, shown):
    assert mask_phone(stored) == shown


def test_the_last_four_digits_are_what_residents_type_to_track_a_case():
    assert last4("13812345678") == "5678"
    assert last4("022-23456789") == "6789"
    assert last4("") == ""
