"""Phone numbers as WinTariff writes them, reduced to one comparable key.

The same customer shows up as ``89161234567`` on a callback, ``+79161234567`` in
CALLERID and ``9161234567`` in the contacts file, so every comparison goes through
:func:`phone_key`. Short numbers (city numbers without an area code, extensions)
are kept as their digits: they still match themselves.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "RU"
_NON_DIGITS = re.compile(r"\D")


def digits_of(raw: str) -> str:
    return _NON_DIGITS.sub("", raw or "")


@lru_cache(maxsize=65536)
def phone_key(raw: str | None) -> str | None:
    """The comparison key: E.164 (``+79161234567``) where possible, else bare digits.

    ``None`` for blanks, hidden numbers and WinTariff's ``internal-NNN`` markers.
    Memoised: a pure function of the text, and the same customers call again and again
    (a history import would otherwise run phonenumbers' parser on every "+7..." row).
    """
    if not raw:
        return None
    text = raw.strip()
    if not text or text.lower().startswith("internal"):
        return None
    digits = digits_of(text)
    if not digits or set(digits) == {"0"}:
        return None
    if text.startswith("+"):
        return _e164(digits, international=True) or "+" + digits
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] in "3489":
        return "+7" + digits
    if len(digits) <= 11:
        return digits
    if digits.startswith("810"):  # Russia's international prefix
        return _e164(digits[3:], international=True) or "+" + digits[3:]
    if digits.startswith("00"):  # Europe's (and many PBXs'), when a number follows it
        found = _e164(digits[2:], international=True)
        if found:
            return found
    tail = digits[-11:]
    if tail[0] in "78" and set(digits[:-11]) <= set("09"):
        # A trunk access digit in front (9 or 0 then 8XXXXXXXXXX), as some PBXs log.
        return "+7" + tail[1:]
    # An international number written without + or 00 (380501234567): only when it is
    # a real number of its country, else the digits as they are.
    return _e164(digits, international=True, valid=True) or digits


# Fewer digits than this are an extension or a ring group, not a number from outside.
MIN_EXTERNAL_DIGITS = 5


def external_key(raw: str | None) -> str | None:
    """:func:`phone_key` of a number from outside the office; None for extensions (201,
    G620), ``internal-NNN`` and blanks."""
    key = phone_key(raw)
    if key is None or key.startswith("+") or len(key) >= MIN_EXTERNAL_DIGITS:
        return key
    return None


def _e164(digits: str, *, international: bool, valid: bool = False) -> str | None:
    """E.164 of the digits if they can be a number (``valid``: if they are one)."""
    try:
        parsed = phonenumbers.parse("+" + digits if international else digits, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    check = phonenumbers.is_valid_number if valid else phonenumbers.is_possible_number
    if not check(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display_number(key: str | None) -> str:
    """A readable form for people: ``+7 916 123-45-67``; short numbers as they are."""
    if not key:
        return "—"
    if key.startswith("+"):
        try:
            parsed = phonenumbers.parse(key, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return key
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return key


def dial_form(key: str | None) -> str | None:
    """The form a phone app dials on tap (``+79161234567``); None for short numbers."""
    if key and key.startswith("+"):
        return key
    return None
