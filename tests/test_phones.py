"""Phone numbers in every form WinTariff and people write them reduce to one key."""

from __future__ import annotations

import pytest

from watcher.phones import dial_form, digits_of, display_number, phone_key

MOBILE = "+79161234567"
MOSCOW = "+74951234567"


@pytest.mark.parametrize(
    "raw",
    [
        "89161234567",  # domestic, as dialled back
        "79161234567",  # CALLERID without the plus
        "+79161234567",
        "9161234567",  # 10 digits, no trunk prefix
        "+7 (916) 123-45-67",
        "8 916 123 45 67",
        " 8-916-123-45-67 ",
        "989161234567",  # trunk access digit 9 in front
        "089161234567",  # trunk access digit 0 in front
    ],
)
def test_mobile_forms_share_one_key(raw: str) -> None:
    assert phone_key(raw) == MOBILE


@pytest.mark.parametrize("raw", ["84951234567", "74951234567", "+74951234567", "4951234567"])
def test_city_forms_share_one_key(raw: str) -> None:
    assert phone_key(raw) == MOSCOW


def test_international_numbers() -> None:
    assert phone_key("+375291234567") == "+375291234567"
    assert phone_key("810375291234567") == "+375291234567"
    assert phone_key("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("00375291234567", "+375291234567"),  # Belarus with 00, as many PBXs write it
        ("00380501234567", "+380501234567"),
        ("380501234567", "+380501234567"),  # Ukraine without + or 00
        ("0079161234567", MOBILE),
        ("0089161234567", MOBILE),  # trunk zeros before a domestic number
    ],
)
def test_international_numbers_without_a_plus_are_not_made_russian(raw: str, key: str) -> None:
    """00375… used to become +7 5291234567, a number that does not exist, and the
    callback dialled as 810375… did not close the case; now both are one number."""
    assert phone_key(raw) == key
    assert phone_key(raw) == phone_key(key)


@pytest.mark.parametrize(
    "raw", [None, "", "   ", "internal-201", "INTERNAL-620", "0000", "---", "anonymous"]
)
def test_no_key_for_blanks_hidden_and_internal(raw: str | None) -> None:
    assert phone_key(raw) is None


@pytest.mark.parametrize(("raw", "key"), [("1234567", "1234567"), ("201", "201"), ("112", "112")])
def test_short_numbers_keep_their_digits(raw: str, key: str) -> None:
    assert phone_key(raw) == key
    assert phone_key(key) == key  # stable: a key is its own key


def test_keys_are_idempotent() -> None:
    for raw in ("89161234567", "+375291234567", "4951234567"):
        key = phone_key(raw)
        assert phone_key(key) == key


def test_different_numbers_stay_different() -> None:
    assert phone_key("89161234567") != phone_key("89161234568")
    assert phone_key("1234567") != phone_key("+71234567")


def test_display_number() -> None:
    assert display_number(MOBILE) == "+7 916 123-45-67"
    assert display_number("1234567") == "1234567"
    assert display_number(None) == "—"
    assert display_number("") == "—"


def test_dial_form_only_for_full_numbers() -> None:
    assert dial_form(MOBILE) == MOBILE
    assert dial_form("201") is None
    assert dial_form(None) is None


def test_digits_of() -> None:
    assert digits_of("+7 (916) 123-45-67") == "79161234567"
    assert digits_of("") == ""
