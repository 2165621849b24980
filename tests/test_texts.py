"""The one text catalog: both languages complete, fallbacks safe, every key used exists."""

from __future__ import annotations

import re
import string
from datetime import datetime
from pathlib import Path

import pytest

from watcher.closing import Surface, closing_words
from watcher.fields import USES
from watcher.models import Case
from watcher.texts import CATALOGS, DEFAULT_LANGUAGE, EN, RU, catalog, times_word, tr
from watcher.vocab import CaseStatus, ClosedHow

ROOT = Path(__file__).resolve().parent.parent
# ``tr(language, "key"`` with the key as a literal, across line breaks.
_TR_CALL = re.compile(r"\btr\(\s*[\w.]+\s*,\s*\"([a-z0-9_]+)\"")
# The ways a key reaches tr() through a helper: a config problem (``say``), a count's
# plural forms (``counted``: key_one, key_few, key_many), the CLI's help (``h``,
# ``command``: cli_help_ and the name).
_SAY_CALL = re.compile(r"\.say\(\s*\"([a-z0-9_]+)\"")
_COUNTED_CALL = re.compile(r"\bcounted\(\s*[\w.]+\s*,\s*\"([a-z0-9_]+)\"")
_HELP_CALL = re.compile(r"\b(?:h|command)\(\s*\"([a-z0-9_]+)\"")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_both_languages_have_exactly_the_same_keys() -> None:
    assert set(RU) - set(EN) == set()
    assert set(EN) - set(RU) == set()
    assert set(CATALOGS) == {"ru", "en"}


@pytest.mark.parametrize("key", sorted(RU))
def test_each_key_has_the_same_placeholders_in_both_languages(key: str) -> None:
    assert _placeholders(RU[key]) == _placeholders(EN[key])


def test_unknown_language_falls_back_to_russian() -> None:
    assert DEFAULT_LANGUAGE == "ru"
    assert catalog("de") is RU
    assert tr("de", "button_close") == tr("ru", "button_close") == "✅ Перезвонил"
    assert tr("", "stats_title", label="x") == "Звонки за x"


def test_placeholders_may_be_named_like_the_arguments_of_tr() -> None:
    assert tr("en", "cli_check_language", language="ru", timezone="UTC") == (
        "  language ru, time zone UTC"
    )


def test_an_unknown_language_gets_russian_plural_forms() -> None:
    assert [times_word("de", n) for n in (1, 2, 5)] == ["раз", "раза", "раз"]


@pytest.mark.parametrize("surface", list(Surface))
@pytest.mark.parametrize("how", [*ClosedHow, None])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_way_of_closing_has_words_on_every_surface(
    surface: Surface, how: ClosedHow | None, language: str
) -> None:
    at = datetime(2024, 3, 12, 10, 42)
    case = Case(
        id=1,
        department="Sales",
        chat=-1,
        remote="+79161234567",
        status=CaseStatus.CLOSED,
        first_at=at,
        last_at=at,
        attempts=1,
        extension="620",
        ring_seconds=0,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
        closed_at=at,
        closed_how=how,
        closed_by_extension="205",
    )
    words = closing_words(case, language, surface, closer="Ann")
    assert words and "{" not in words


def test_the_field_roles_of_check_exist() -> None:
    assert {use.text_key for use in USES} <= set(RU)


FORMS = ("one", "few", "many")


def _keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for folder in ("bot", "watcher"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            used |= set(_TR_CALL.findall(text)) | set(_SAY_CALL.findall(text))
            used |= {f"{key}_{form}" for key in _COUNTED_CALL.findall(text) for form in FORMS}
            used |= {f"cli_help_{key}" for key in _HELP_CALL.findall(text)}
    return used


def test_every_key_used_in_code_exists() -> None:
    used = _keys_used_in_code()
    assert len(used) > 50  # the scan itself works
    assert sorted(used - set(RU)) == []
