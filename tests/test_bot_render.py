"""Pure rendering: case messages, keyboards, callback data, /missed chunks, texts, chart."""

from __future__ import annotations

import re
import string
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.chart import ChartLabels, hourly_chart_png
from bot.render import (
    CARD_ATTEMPTS_SHOWN,
    CARD_CALLS_SHOWN,
    CardExtras,
    Press,
    attempt_line,
    callback_data,
    case_keyboard,
    case_text,
    clock_text,
    closed_toast,
    missed_messages,
    pack_lines,
    parse_callback,
    pre_blocks,
    reason_lines,
    render_case,
    struck_list,
    summary_text,
    telegram_len,
    utf16_len,
    without_button,
)
from tests.fake_bot_api import _parse_text
from watcher.hours import OfficeHours
from watcher.models import CallbackAttempt, CallReason, Case
from watcher.stats import span_text
from watcher.texts import EN, RU, counted, moment_text, times_word, tr
from watcher.vocab import CaseStatus, ClosedHow, MissReason

T0 = datetime(2024, 3, 12, 10, 42)


def make_case(**changes: object) -> Case:
    base = Case(
        id=7,
        department="Отдел продаж",
        chat=-1001,
        remote="+79161234567",
        status="open",
        first_at=T0,
        last_at=T0,
        attempts=1,
        extension="620",
        ring_seconds=None,
        new_caller=False,
        contact_name=None,
        contact_company=None,
        silent=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def closed_by_user(**changes: object) -> Case:
    values: dict[str, object] = {
        "status": CaseStatus.CLOSED,
        "closed_how": ClosedHow.USER,
        "closed_at": datetime(2024, 3, 12, 10, 50),
        "closed_by_user_id": 101,
        "closed_by_name": "Иван Петров",
    }
    return make_case(**{**values, **changes})


def buttons(case: Case, language: str = "ru") -> list[tuple[str, str]]:
    markup = case_keyboard(case, language)
    if markup is None:
        return []
    return [(b.text, str(b.callback_data)) for row in markup.inline_keyboard for b in row]


# -- case message ----------------------------------------------------------------------


def test_open_case_shows_number_dial_form_department_and_close_button() -> None:
    text = case_text(make_case(ring_seconds=18, new_caller=True), "ru")
    assert text.splitlines()[0] == "📞 <b>Пропущенный звонок</b> · Отдел продаж"
    assert "<b>+7 916 123-45-67</b>" in text
    assert "Набрать: +79161234567" in text
    assert "🆕 новый номер" in text
    assert "🕒 12.03 10:42" in text
    assert "ждал ответа 18 с" in text
    assert buttons(make_case()) == [
        ("✅ Перезвонил", "c:7"),
        ("👋 Беру", "k:7"),
        ("📵 Не дозвонился", "f:7"),
        ("🚫 Не нужно", "n:7"),
    ]
    rows = case_keyboard(make_case(), "ru")
    assert rows is not None and [len(row) for row in rows.inline_keyboard] == [2, 2]


def test_short_number_has_no_dial_line_and_no_new_mark_for_known_callers() -> None:
    text = case_text(make_case(remote="2345678"), "ru")
    assert "<b>2345678</b>" in text
    assert "Набрать" not in text
    assert "новый номер" not in text
    assert "ждал ответа" not in text


def test_repeat_caller_shows_attempts_and_last_time() -> None:
    case = make_case(attempts=3, last_at=datetime(2024, 3, 12, 11, 5))
    assert "звонил 3 раза, последний в 11:05" in case_text(case, "ru")
    next_day = make_case(attempts=5, last_at=datetime(2024, 3, 13, 9, 1))
    assert "звонил 5 раз, последний в 13.03 09:01" in case_text(next_day, "ru")
    assert "called 3 times, last at 11:05" in case_text(case, "en")


def test_contact_and_names_are_escaped() -> None:
    case = make_case(contact_name="<b>Иван</b> & Co", contact_company='ООО "Рога"')
    text = case_text(case, "ru")
    assert '👤 &lt;b&gt;Иван&lt;/b&gt; &amp; Co, ООО "Рога"' in text
    evil = closed_by_user(closed_by_name="<script>", department="R&D <1>")
    text = case_text(evil, "ru")
    assert "&lt;script&gt;" in text and "R&amp;D &lt;1&gt;" in text
    assert "<script>" not in text


def test_very_long_contact_names_are_clipped() -> None:
    text = case_text(make_case(contact_name="Я" * 500), "ru")
    assert "Я" * 79 + "…" in text and "Я" * 81 not in text


def test_closed_by_user_shows_who_and_when_and_offers_undo() -> None:
    case = closed_by_user()
    assert "✅ Перезвонил(а) Иван Петров в 10:50" in case_text(case, "ru")
    assert buttons(case) == [("↩️ Отменить", "u:7")]
    assert "✅ Called back by Иван Петров at 10:50" in case_text(case, "en")


def test_auto_closed_shows_extension_time_duration_and_no_buttons() -> None:
    case = make_case(
        status=CaseStatus.CLOSED,
        closed_how=ClosedHow.CALL,
        closed_at=datetime(2024, 3, 12, 10, 50),
        callback_at=datetime(2024, 3, 12, 10, 50),
        callback_duration=133,
        closed_by_extension="102",
    )
    text = case_text(case, "ru")
    assert "✅ Перезвонил доб. 102 в 10:50, разговор 2:13" in text
    assert "<i>отмечено по журналу звонков</i>" in text
    assert buttons(case) == []
    later = case_text(replace(case, closed_how=ClosedHow.ANSWER, callback_duration=75), "ru")
    assert "✅ Дозвонился сам, ответил доб. 102 в 10:50, разговор 1:15" in later
    assert buttons(replace(case, closed_how=ClosedHow.ANSWER)) == []


def test_expired_case_has_no_buttons() -> None:
    case = make_case(status=CaseStatus.CLOSED, closed_how=ClosedHow.EXPIRY, closed_at=T0)
    assert "Закрыт как устаревший" in case_text(case, "ru")
    assert buttons(case) == []


def closed_by_call() -> Case:
    """Called back from extension 205 at 11:00, by the call log."""
    return make_case(
        status=CaseStatus.CLOSED,
        closed_how=ClosedHow.CALL,
        closed_at=T0,
        callback_at=datetime(2024, 3, 12, 11, 0),
        closed_by_extension="205",
    )


def test_closed_toast_names_the_closer() -> None:
    assert closed_toast(closed_by_user(), "ru") == "Уже закрыто: Иван Петров, 12.03 10:50"
    by_call = closed_by_call()
    assert closed_toast(by_call, "ru") == "Уже закрыто: перезвонил доб. 205 в 12.03 11:00"
    answered = replace(by_call, closed_how=ClosedHow.ANSWER)
    assert closed_toast(answered, "ru") == (
        "Уже закрыто: клиент дозвонился, ответил доб. 205 в 12.03 11:00"
    )


def test_closed_toast_says_the_time_alone_on_the_day_and_the_operators_name() -> None:
    """A press on a case the call log closed an hour ago: as the card words it."""
    by_call = closed_by_call()
    same_day, next_day = datetime(2024, 3, 12, 12, 0), datetime(2024, 3, 13, 9, 0)
    names = {"205": "Ольга"}
    assert closed_toast(by_call, "ru", now=same_day, names=names) == (
        "Уже закрыто: перезвонил доб. 205 (Ольга) в 11:00"
    )
    assert closed_toast(by_call, "ru", now=next_day, names=names) == (
        "Уже закрыто: перезвонил доб. 205 (Ольга) в 12.03 11:00"
    )
    assert closed_toast(closed_by_user(), "en", now=datetime(2024, 3, 12, 18, 0)) == (
        "Already closed: Иван Петров, 10:50"
    )


def test_clock_text_adds_the_date_only_on_another_day() -> None:
    assert clock_text(datetime(2024, 3, 12, 9, 5), T0, "ru") == "09:05"
    assert clock_text(datetime(2024, 3, 14, 9, 5), T0, "ru") == "14.03 09:05"
    # In English the month by name: 14.03 is the 3rd of "month 14" to a US reader, and
    # 02.12 is February.
    assert clock_text(datetime(2024, 3, 14, 9, 5), T0, "en") == "14 Mar 09:05"
    assert clock_text(datetime(2024, 3, 12, 9, 5), T0, "en") == "09:05"


# -- callback data ---------------------------------------------------------------------


def test_callback_data_round_trips_and_is_compact() -> None:
    for action in ("c", "u", "l"):
        data = callback_data(action, 123456789012)
        assert len(data.encode()) < 64
        assert parse_callback(data) == Press(action, 123456789012)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "c",
        "c:",
        "c:0",
        "c:-5",
        "c:01",
        "x:5",
        "c:5:6",
        "c:5 ",
        " c:5",
        "C:5",
        "c:1" + "0" * 70,
        "c:٣",
        42,
        b"c:5",
    ],
)
def test_forged_callback_data_is_rejected(data: object) -> None:
    assert parse_callback(data) is None


def test_callback_data_refuses_unknown_actions() -> None:
    with pytest.raises(ValueError):
        callback_data("z", 1)


# -- /missed ---------------------------------------------------------------------------


def test_pack_lines_respects_the_limit_and_the_line_count() -> None:
    lines = ["x" * 30] * 10
    groups = pack_lines(lines, limit=100)
    assert [len(g) for g in groups] == [3, 3, 3, 1]  # 30 + 31 + 31 = 92 <= 100
    assert pack_lines(lines, limit=10_000, max_lines=4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert pack_lines(["y" * 500], limit=100) == [[0]]
    assert pack_lines([], limit=100) == []


def test_utf16_length_counts_emoji_twice() -> None:
    assert utf16_len("📞") == 2 and utf16_len("я") == 1


def test_missed_messages_split_under_4096_with_buttons_in_order() -> None:
    cases = [
        make_case(id=i, remote=f"+7916{i:07d}", contact_name="Имя " * 40, contact_company="К" * 90)
        for i in range(1, 61)
    ]
    messages = missed_messages(cases, "ru", scope="Отдел продаж", show_department=False)
    assert len(messages) >= 3
    assert messages[0].text.startswith("📋 <b>Открытые пропущенные</b> · Отдел продаж: 60")
    assert all(utf16_len(m.text) <= 4096 for m in messages)
    data = [
        b.callback_data
        for m in messages
        if m.markup
        for row in m.markup.inline_keyboard
        for b in row
    ]
    assert data == [f"l:{i}" for i in range(1, 61)]
    assert all(m.markup is not None and len(m.markup.inline_keyboard) <= 20 for m in messages)
    assert sum(m.text.count("\n") + 1 for m in messages) == 61  # title + 60 lines


def test_missed_messages_cap_the_total_and_say_so() -> None:
    cases = [make_case(id=i) for i in range(1, 131)]
    messages = missed_messages(cases, "ru", scope="все отделы", show_department=True)
    total = sum(len(m.markup.inline_keyboard) for m in messages if m.markup)
    assert total == 100
    assert messages[-1].text.endswith("; закройте эти, чтобы увидеть остальные.")
    assert "…и ещё 30 — звонили раньше" in messages[-1].text
    assert "· Отдел продаж" in messages[0].text


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("ru", "…и ещё 50 — звонили раньше, самый давний ждёт с 12.03 07:00;"),
        ("en", "…and 50 more who called earlier, the oldest waiting since 12 Mar 07:00;"),
    ],
)
def test_the_cases_left_off_a_long_list_are_said_to_be_the_oldest(language: str, note: str) -> None:
    """150 open cases on a bad morning: the list shows the newest 100, and those left off
    are the callers who have waited longest. "…и ещё 50" alone read as fifty more of the
    same; the operator must see that the oldest callers are behind it, and since when."""
    cases = [
        make_case(
            id=i,
            remote=f"+7916{i:07d}",
            first_at=T0 - timedelta(minutes=i),
            last_at=T0 - timedelta(minutes=i),
        )
        for i in range(1, 151)
    ]
    # One caller left off the list rang first of all, at 07:00, and again since.
    cases[120] = replace(cases[120], first_at=datetime(2024, 3, 12, 7, 0))
    messages = missed_messages(cases, language, scope="Отдел продаж", show_department=False)
    assert note in messages[-1].text


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_list_line_closed_from_its_button_is_struck_in_either_language(language: str) -> None:
    cases = [make_case(id=i, remote=f"+7916{i:07d}") for i in range(1, 13)]
    [message] = missed_messages(cases, language, scope="x", show_department=False)
    struck = struck_list(message.text, message.markup, "l:11")
    assert struck is not None
    lines, before = struck.split("\n"), message.text.split("\n")
    assert lines[11] == f"<s>{before[11]}</s> ✅" and lines[11].startswith("<s>11. <b>")
    assert lines[:11] == before[:11] and lines[12:] == before[12:]  # "1. " is not "11. "
    assert struck_list(message.text, message.markup, "l:99") is None  # no such button
    assert struck_list(message.text, None, "l:11") is None


def test_missed_messages_when_nothing_is_open() -> None:
    [message] = missed_messages([], "en", scope="x", show_department=False)
    assert message.text == "No open missed calls 🎉" and message.markup is None


def test_without_button_drops_only_that_case() -> None:
    [message] = missed_messages(
        [make_case(id=1), make_case(id=2)], "ru", scope="s", show_department=False
    )
    left = without_button(message.markup, "l:1")
    assert left is not None
    assert [b.callback_data for row in left.inline_keyboard for b in row] == ["l:2"]
    assert without_button(left, "l:2") is None


# -- summary and report ----------------------------------------------------------------


def test_pre_blocks_escape_and_split() -> None:
    plain = "\n".join(f"line {i} <&>" for i in range(1000))
    blocks = pre_blocks(plain)
    assert len(blocks) > 1
    assert all(b.startswith("<pre>") and b.endswith("</pre>") and len(b) <= 4096 for b in blocks)
    assert "line 0 &lt;&amp;&gt;" in blocks[0]


def test_summary_text_lists_a_few_open_cases() -> None:
    cases = [make_case(id=i, contact_name="Ann") for i in range(1, 14)]
    text = summary_text(cases, "ru", label="2024-03-11")
    assert text.startswith("📊 <b>Сводка за вчера</b>, 2024-03-11")
    assert "Ждут перезвона сейчас (за все дни): <b>13</b>" in text
    assert text.count("• +7 916 123-45-67 · Ann · Отдел продаж") == 10
    assert text.endswith("…и ещё 3")
    assert "Все пропущенные закрыты" in summary_text([], "ru", label="x")


def test_the_summary_age_of_an_always_open_office_is_real_time_over_the_switch() -> None:
    """Riga, no [hours]: a call missed at 02:50 on 29 March (the clocks go 03:00 -> 04:00)
    has waited 5 h 10 min at 09:00, not the 6 h 10 min of the wall clock, as its
    reminders and its figures count it."""
    from zoneinfo import ZoneInfo

    missed = datetime(2026, 3, 29, 2, 50)
    case = make_case(id=1, remote="+79161111111", first_at=missed, last_at=missed)
    hours = OfficeHours(zone=ZoneInfo("Europe/Riga"))
    assert hours.always_open
    text = summary_text([case], "ru", label="x", now=datetime(2026, 3, 29, 9, 0), hours=hours)
    assert text.splitlines()[2].endswith(" · ждёт 5 ч 10 мин"), text


def test_summary_lists_the_longest_waiting_first_in_office_time() -> None:
    """Friday's callers were cut to "…и ещё 3" behind Monday's, and waited "65 ч" of
    wall time where reminders count office time."""
    friday = datetime(2024, 3, 15, 17, 0)
    monday = datetime(2024, 3, 18, 9, 30)
    cases = [
        make_case(id=2, remote="+79162222222", first_at=monday, last_at=monday),
        make_case(id=1, remote="+79161111111", first_at=friday, last_at=friday),
    ]
    hours = OfficeHours(days=frozenset(range(5)), open_minute=540, close_minute=1080)
    text = summary_text(cases, "ru", label="x", now=datetime(2024, 3, 18, 10, 0), hours=hours)
    lines = text.splitlines()
    assert lines[2].startswith("• +7 916 111-11-11") and lines[3].startswith("• +7 916 222-22-22")
    assert lines[2].endswith(" · ждёт 2 ч рабочего времени")  # Fri 17-18, Mon 9-10
    assert lines[3].endswith(" · ждёт 30 мин рабочего времени")
    wall = summary_text(cases, "ru", label="x", now=datetime(2024, 3, 18, 10, 0))
    assert wall.splitlines()[2].endswith(" · ждёт 65 ч")  # without [hours]: wall time
    # At Monday's opening (the summary's hour) Friday evening's and Saturday's calls have
    # waited no office time yet: said so, not "ждёт 0 с".
    evening, saturday = datetime(2024, 3, 15, 18, 20), datetime(2024, 3, 16, 11, 0)
    night = [
        make_case(id=3, remote="+79163333333", first_at=evening, last_at=evening),
        make_case(id=4, remote="+79164444444", first_at=saturday, last_at=saturday),
    ]
    opening = datetime(2024, 3, 18, 9, 0)
    for language, says in (("ru", " · пришёл в нерабочее время"), ("en", " · came after hours")):
        text = summary_text(night, language, label="x", now=opening, hours=hours)
        assert [line.endswith(says) for line in text.splitlines()[2:4]] == [True, True], text
    # A call of office hours a moment before a 14:00 summary has waited, if only 30 s.
    moment = datetime(2024, 3, 18, 13, 59, 30)
    fresh = [make_case(id=5, remote="+79165555555", first_at=moment, last_at=moment)]
    text = summary_text(fresh, "ru", label="x", now=datetime(2024, 3, 18, 14, 0), hours=hours)
    assert text.splitlines()[2].endswith(" · ждёт 30 с рабочего времени"), text


# -- texts -----------------------------------------------------------------------------


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert RU.keys() == EN.keys()
    for key in RU:
        assert _fields(RU[key]) == _fields(EN[key]), key


def test_texts_are_valid_telegram_html() -> None:
    allowed = {"b", "i", "s", "code", "pre"}  # s: a reminder whose case is closed
    for catalog in (RU, EN):
        for key, template in catalog.items():
            tags = re.findall(r"</?([a-z-]+)", template)
            assert set(tags) <= allowed, key
            assert "&" not in template.replace("&amp;", ""), key


def test_unknown_language_falls_back_to_russian() -> None:
    assert tr("de", "button_close") == "✅ Перезвонил"


@pytest.mark.parametrize(
    ("count", "word"),
    [
        (1, "раз"),
        (2, "раза"),
        (4, "раза"),
        (5, "раз"),
        (11, "раз"),
        (12, "раз"),
        (21, "раз"),
        (22, "раза"),
        (111, "раз"),
    ],
)
def test_russian_plural_of_attempts(count: int, word: str) -> None:
    assert times_word("ru", count) == word


def test_english_plural_of_attempts() -> None:
    assert times_word("en", 1) == "time" and times_word("en", 21) == "times"


# -- chart -----------------------------------------------------------------------------


def test_chart_is_a_png_and_tolerates_odd_input() -> None:
    labels = ChartLabels.for_language("ru", "2024-03-12")
    png = hourly_chart_png([3] * 24, [1] * 24, labels)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (900, 450)
    assert hourly_chart_png([], [-1, 2], labels).startswith(b"\x89PNG")
    assert hourly_chart_png([1] * 30, [0] * 24, labels).startswith(b"\x89PNG")


@pytest.mark.parametrize(("language", "first"), [("ru", "30.11"), ("en", "30 Nov")])
def test_the_chart_by_day_names_days_as_the_language_writes_them(
    language: str, first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """05.12 reads as May 12 to many English readers: the axis says 5 Dec there."""
    from bot import chart

    drawn = []
    monkeypatch.setattr(chart, "figure_png", lambda figure: drawn.append(figure) or b"")
    days = [datetime(2026, 11, 30).date() + timedelta(days=n) for n in range(7)]
    chart.daily_chart_png(days, [3] * 7, [1] * 7, ChartLabels.daily(language, "x"))
    [figure] = drawn
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert ticks[0] == first and len(ticks) == 7, ticks


def test_claim_attempts_and_not_needed_on_the_card_in_both_languages() -> None:
    claimed = make_case(
        claimed_by_user_id=5, claimed_by_name="<Ольга>", claimed_at=datetime(2024, 3, 12, 10, 41)
    )
    attempts = [
        CallbackAttempt(datetime(2024, 3, 12, 10, 42), "201", None, 0),
        CallbackAttempt(datetime(2024, 3, 12, 10, 44), "202", None, 3),
        CallbackAttempt(datetime(2024, 3, 12, 10, 45), None, "Иван", None),
    ]
    text = case_text(claimed, "ru", CardExtras(attempts))
    assert "👋 Взято: &lt;Ольга&gt;, 10:41" in text
    assert "📵 доб. 201 в 10:42 — не дозвонился\n" in text
    assert "📵 доб. 202 в 10:44 — разговор 0:03, слишком короткий для перезвона" in text
    assert "📵 Иван в 10:45 — не удалось дозвониться" in text
    english = case_text(claimed, "en", CardExtras(attempts))
    assert "👋 Taken: &lt;Ольга&gt;, 10:41" in english
    assert "📵 ext. 201 at 10:42 — no answer" in english
    assert [b for b, _ in buttons(claimed, "en")] == [
        "✅ Called back",
        "👋 I'm calling",
        "📵 No answer",
        "🚫 Not needed",
    ]
    not_needed = closed_by_user(closed_how=ClosedHow.NOT_NEEDED)
    assert "🚫 Не нужно перезванивать: Иван Петров, 10:50" in case_text(not_needed, "ru")
    assert "🚫 No callback needed: Иван Петров, 10:50" in case_text(not_needed, "en")
    assert buttons(not_needed) == [("↩️ Отменить", "u:7")]


# -- a busy case: the card stays under Telegram's limit --------------------------------

TELEGRAM_LIMIT = 4096


def parsed_length(text: str) -> int:
    """The length Telegram checks: of the text after its HTML is parsed, in UTF-16 units
    (the fake Bot API's parser, which also refuses HTML that does not parse)."""
    plain, _ = _parse_text(text, "HTML", None)
    return utf16_len(plain)


def busy_case(calls: int = 80, attempts: int = 40) -> tuple[Case, CardExtras]:
    """``calls`` missed calls a minute apart with alternating reasons, ``attempts`` failed
    callbacks alternating a press in the chat and an extension from the call log."""
    alternate = [(MissReason.HUNG_UP, 8), (MissReason.TIMED_OUT, 30)]
    reasons = [CallReason(T0 + timedelta(minutes=i), *alternate[i % 2]) for i in range(calls)]
    tries = [
        CallbackAttempt(T0 + timedelta(minutes=2 * i + 1), None, "Ольга", None)
        if i % 2
        else CallbackAttempt(T0 + timedelta(minutes=2 * i + 1), "201", None, 3 + i)
        for i in range(attempts)
    ]
    case = make_case(
        attempts=calls,
        last_at=T0 + timedelta(minutes=calls - 1),
        claimed_by_user_id=5,
        claimed_by_name="Ольга",
        claimed_at=T0 + timedelta(minutes=3),
    )
    return case, CardExtras(tries, {"201": "Ольга"}, reasons)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_busy_card_fits_telegram_and_shows_the_newest_calls_and_attempts(
    language: str,
) -> None:
    case, extras = busy_case(80, 40)
    all_calls = reason_lines(case, language, extras.calls)
    all_attempts = [attempt_line(a, case, language, extras.names) for a in extras.attempts]
    # Everything listed would not fit: the defect this guards against.
    assert parsed_length("\n".join(all_calls + all_attempts)) > TELEGRAM_LIMIT
    text = render_case(case, language, extras).text
    assert parsed_length(text) <= TELEGRAM_LIMIT
    assert telegram_len(text) == parsed_length(text)
    calls_block = [
        tr(language, "case_reasons"),
        counted(language, "card_more_calls", 80 - CARD_CALLS_SHOWN),
        *all_calls[-CARD_CALLS_SHOWN:],
    ]
    attempts_block = [
        counted(language, "card_more_attempts", 40 - CARD_ATTEMPTS_SHOWN),
        *all_attempts[-CARD_ATTEMPTS_SHOWN:],
    ]
    assert "\n".join(calls_block + attempts_block) in text
    assert all_calls[-CARD_CALLS_SHOWN - 1] not in text  # the 70th call is folded away
    assert all_attempts[-CARD_ATTEMPTS_SHOWN - 1] not in text
    last_call = "  12:01 — " if language == "en" else "  12:01 — ⏳ группа не ответила за 30 с"
    assert last_call in text  # the 80th call, 79 minutes after 10:42
    lines = text.splitlines()
    assert lines[0] == case_text(make_case(), language).splitlines()[0]  # the title stays
    assert lines[-1] == tr(language, "case_claimed", name="Ольга", when="10:45")
    assert len(lines) < 40  # a phone screen, not a scroll


def test_the_folded_lines_count_what_they_leave_out() -> None:
    case, extras = busy_case(11, 12)
    text = case_text(case, "ru", extras)
    assert counted("ru", "card_more_calls", 1) in text
    assert counted("ru", "card_more_attempts", 2) in text
    assert len(re.findall(r"^  \d\d:\d\d — ", text, re.M)) == CARD_CALLS_SHOWN
    assert "  10:42 — " not in text and "  10:52 — " in text
    assert text.count("📵") == CARD_ATTEMPTS_SHOWN + 1
    case, extras = busy_case(CARD_CALLS_SHOWN, CARD_ATTEMPTS_SHOWN)
    at_the_cap = case_text(case, "ru", extras)
    assert "…" not in at_the_cap and at_the_cap.count("📵") == CARD_ATTEMPTS_SHOWN
    assert len(re.findall(r"^  \d\d:\d\d — ", at_the_cap, re.M)) == CARD_CALLS_SHOWN


@pytest.mark.parametrize(
    ("count", "form"),
    [(1, "one"), (2, "few"), (4, "few"), (5, "many"), (11, "many"), (21, "one"), (70, "many")],
)
def test_folded_lines_use_the_russian_plural_forms(count: int, form: str) -> None:
    for key in ("card_more_calls", "card_more_attempts"):
        assert counted("ru", key, count) == tr("ru", f"{key}_{form}", count=count)
        english = "one" if count == 1 else "few"
        assert counted("en", key, count) == tr("en", f"{key}_{english}", count=count)
        assert str(count) in counted("en", key, count)


def test_a_normal_card_renders_exactly_as_before() -> None:
    case, extras = busy_case(3, 2)
    assert case_text(case, "ru", extras) == (
        "📞 <b>Пропущенный звонок</b> · Отдел продаж\n"
        "<b>+7 916 123-45-67</b>\n"
        "Набрать: +79161234567\n"
        "🕒 12.03 10:42 · звонил 3 раза, последний в 10:44\n"
        "Звонки:\n"
        "  10:42 — ⏳ ждал 8 с и положил трубку\n"
        "  10:43 — ⏳ группа не ответила за 30 с\n"
        "  10:44 — ⏳ ждал 8 с и положил трубку\n"
        "📵 доб. 201 (Ольга) в 10:43 — разговор 0:03, слишком короткий для перезвона\n"
        "📵 Ольга в 10:45 — не удалось дозвониться\n"
        "👋 Взято: Ольга, 10:45"
    )
    assert case_text(case, "en", extras) == (
        "📞 <b>Missed call</b> · Отдел продаж\n"
        "<b>+7 916 123-45-67</b>\n"
        "Dial: +79161234567\n"
        "🕒 12 Mar 10:42 · called 3 times, last at 10:44\n"
        "Calls:\n"
        "  10:42 — ⏳ waited 8 s and hung up\n"
        "  10:43 — ⏳ the group did not answer in 30 s\n"
        "  10:44 — ⏳ waited 8 s and hung up\n"
        "📵 ext. 201 (Ольга) at 10:43 — talked 0:03, too short to count as a callback\n"
        "📵 Ольга at 10:45 — no answer\n"
        "👋 Taken: Ольга, 10:45"
    )


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_escalated_copy_fits_too(language: str) -> None:
    case, extras = busy_case(80, 40)
    header = tr(
        language,
        "escalation_header",
        wait=span_text(60 * 60, language),
        department="Отдел продаж и сопровождения ключевых клиентов",
    )
    # As the messenger builds the copy: its header, a blank line, the card.
    shown = f"{header}\n\n{render_case(case, language, extras).text}"
    assert parsed_length(shown) <= TELEGRAM_LIMIT


def test_huge_names_fold_the_lists_further_and_still_fit() -> None:
    case, extras = busy_case(2, 10)
    names = {"201": "Ольга " * 250}  # a 1500-character operator name from the config
    attempts = [replace(a, extension="201", user_name=None) for a in extras.attempts]
    text = case_text(case, "ru", replace(extras, attempts=attempts, names=names))
    assert parsed_length(text) <= TELEGRAM_LIMIT
    shown = text.count("📵 доб. 201")
    assert 0 < shown < 10
    assert counted("ru", "card_more_attempts", 10 - shown) in text
    assert text.rstrip().endswith("👋 Взято: Ольга, 10:45")  # the newest attempt is shown


def test_a_department_name_of_thousands_of_characters_is_cut_not_the_html() -> None:
    case, extras = busy_case(80, 40)
    huge = replace(case, department="<Отдел> & " * 800)
    for language in ("ru", "en"):
        text = case_text(huge, language, extras)
        assert parsed_length(text) <= TELEGRAM_LIMIT
        assert "<b>+7 916 123-45-67</b>" in text  # the other lines keep their markup
        assert "&lt;Отдел&gt; &amp;" in text
        assert tr(language, "case_claimed", name="Ольга", when="10:45") in text
    tiny = case_text(huge, "ru", extras, limit=50)
    assert parsed_length(tiny) <= 50 and tiny.endswith("…")


@pytest.mark.parametrize(
    ("language", "since"), [("ru", "· 2× с 04.12 17:55"), ("en", "· 2× since 4 Dec 17:55")]
)
def test_a_grown_case_says_since_when_it_waits(language: str, since: str) -> None:
    """Missed on Friday at 17:55, again on Monday at 07:44: the list names its latest call
    and since when it waits; the summary, whose wait counts from the first, that one."""
    first, last = datetime(2026, 12, 4, 17, 55), datetime(2026, 12, 7, 7, 44)
    case = make_case(id=1, first_at=first, last_at=last, attempts=2)
    [listed] = missed_messages([case], language, scope="x", show_department=False)
    line = listed.text.splitlines()[1]
    assert (moment_text(last, language) in line) and since in line, line
    head = summary_text([case], language, label="x", now=datetime(2026, 12, 7, 9, 0))
    assert moment_text(first, language) in head and moment_text(last, language) not in head
