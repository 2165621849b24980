"""The parts of ``perezvon check`` that prove the setup beyond the DBF file.

What the service will do with the config, said back in plain words: where posts go (and
which chat ids are still the example's), office hours, operators, the contacts file,
which department each sample row would reach, and, with ``--send-test``, whether the bot
can really write to every chat.
"""

from __future__ import annotations

import asyncio
from typing import TextIO

from bot.send_test import hint_for_recorded, recorded_words
from watcher.config import Config, example_admins, example_chats, route, shared_ranges
from watcher.contacts import employee_keys, read_contacts
from watcher.hours import minute_text
from watcher.ledger import Ledger
from watcher.models import Call
from watcher.texts import tr
from watcher.vocab import AfterHours, Direction


def show_placeholders(config: Config, out: TextIO) -> bool:
    """An error for every chat id still at perezvon.example.toml's placeholder (posts
    there fail), a warning for such an admin id; False when a chat is one."""
    t = config.language
    chats = example_chats(config)
    for key, value in chats:
        out.write(tr(t, "cli_check_placeholder", key=key, value=value) + "\n")
    for value in example_admins(config):
        out.write(tr(t, "cli_check_placeholder_admin", value=value) + "\n")
    for key, value in private_chats(config):
        out.write(tr(t, "cli_check_private_chat", key=key, value=value) + "\n")
    return not chats


def private_chats(config: Config) -> list[tuple[str, int]]:
    """``(key, value)`` of every chat id above 0: a private chat with one person, where a
    group's id (negative) was meant, likely with its "-100" left off when copied."""
    found = [("telegram.managers_chat", config.telegram.managers_chat)]
    found += [(f"department {d.name!r}.chat", d.chat) for d in config.departments]
    return [(key, chat) for key, chat in found if chat is not None and chat > 0]


def show_waits(config: Config, ledger: Ledger, out: TextIO) -> None:
    """Each chat whose changes were tried and still wait (the bot removed from it, no
    right to post, Telegram unreachable): its department, since when, Telegram's answer
    and what to do; the running service retries them, the admin fixes the cause."""
    t = config.language
    for wait in ledger.outbox_waits():
        line = tr(
            t,
            "cli_check_waiting",
            chat=wait.chat if wait.chat is not None else "?",
            department=wait.department,
            cases=wait.cases,
            since=wait.since.strftime("%Y-%m-%d %H:%M"),
            error=recorded_words(wait.last_error),
        )
        out.write(line + "\n")
        hint = hint_for_recorded(wait.last_error, t)
        if hint is not None:
            out.write(tr(t, "cli_send_test_hint", hint=hint) + "\n")


def show_telegram(config: Config, out: TextIO) -> None:
    """[telegram]: the managers' chat, the admins and the daily summary's time."""
    t = config.language
    tg = config.telegram
    out.write(tr(t, "cli_check_telegram_config") + "\n")
    if tg.managers_chat is None:
        out.write(tr(t, "cli_check_no_managers") + "\n")
    else:
        out.write(tr(t, "cli_check_managers", chat=tg.managers_chat) + "\n")
    admins = ", ".join(str(a) for a in tg.admins) or tr(t, "cli_check_none")
    out.write(tr(t, "cli_check_admins", admins=admins) + "\n")
    if tg.daily_summary is None:
        out.write(tr(t, "cli_check_summary_off") + "\n")
    else:
        out.write(tr(t, "cli_check_summary", time=tg.daily_summary.strftime("%H:%M")) + "\n")


def show_shared_ranges(config: Config, out: TextIO) -> None:
    """A warning for ranges two departments share in part: the first in the file wins."""
    t = config.language
    for shared in shared_ranges(config.departments):
        out.write(
            tr(
                t,
                "cli_check_shared_range",
                low=shared.low,
                high=shared.high,
                first=shared.first,
                second=shared.second,
            )
            + "\n"
        )


def show_hours(config: Config, out: TextIO) -> None:
    """[hours]: the working days, open–close, how many holidays, what happens after hours."""
    t = config.language
    hours = config.hours
    out.write(tr(t, "cli_check_hours_title") + "\n")
    if hours.always_open:
        out.write(tr(t, "cli_check_hours_always") + "\n")
    else:
        names = tr(t, "cli_check_weekdays").split()
        days = " ".join(names[d] for d in sorted(hours.days)) or tr(t, "cli_check_none")
        line = tr(
            t,
            "cli_check_hours",
            days=days,
            open=minute_text(hours.open_minute),
            close=minute_text(hours.close_minute),
            holidays=len(hours.holidays),
            extra=len(hours.extra_workdays),
        )
        out.write(line + "\n")
        if hours.short_days:
            out.write(tr(t, "cli_check_short_days", count=len(hours.short_days)) + "\n")
    digest = hours.after_hours is AfterHours.DIGEST
    mode = tr(t, "cli_check_after_digest" if digest else "cli_check_after_post")
    out.write(tr(t, "cli_check_after_hours", mode=mode) + "\n")
    for note in config.notes:  # harmless slips: warnings, the check still passes
        out.write(tr(t, "cli_check_note", note=note) + "\n")


def show_operators(config: Config, out: TextIO, linked: int | None = None) -> None:
    """[operators] links; ``linked`` is how many more /me made (None: no ledger yet)."""
    t = config.language
    out.write(tr(t, "cli_check_operators_title") + "\n")
    if not config.operators:
        out.write(tr(t, "cli_check_operators_none") + "\n")
    for extension, user in config.operators:
        out.write(tr(t, "cli_check_operator", extension=extension, user=user) + "\n")
    if linked:
        out.write(tr(t, "cli_check_operators_linked", count=linked) + "\n")


def show_contacts(config: Config, out: TextIO) -> None:
    """The contacts file: how many it gives, or that it is missing or cannot be read."""
    t = config.language
    path = config.rules.contacts_csv
    out.write(tr(t, "cli_check_contacts_title") + "\n")
    if path is None:
        out.write(tr(t, "cli_check_contacts_off") + "\n")
        return
    path = path.absolute()
    if not path.exists():
        out.write(tr(t, "cli_check_contacts_missing", path=path) + "\n")
        return
    try:
        contacts, problems = read_contacts(path, t)
    except OSError as error:
        reason = error.strerror or str(error)
        out.write(tr(t, "cli_check_contacts_unreadable", path=path, error=reason) + "\n")
        return
    out.write(tr(t, "cli_check_contacts", count=len(contacts), path=path) + "\n")
    if problems:
        skipped = tr(t, "cli_check_contacts_skipped", count=len(problems), first=problems[0])
        out.write(skipped + "\n")


def row_department(config: Config, call: Call) -> str:
    """Where an incoming call of a sample row would go, as a suffix of its line."""
    t = config.language
    if call.direction != Direction.IN or not call.remote:
        return ""
    if call.remote in employee_keys(config.rules.employee_numbers):
        return tr(t, "cli_check_row_staff")
    # Only a missed call is posted: an answered one read "→ Отдел продаж" as if it were.
    if call.answered:
        return tr(t, "cli_check_row_answered")
    minimum = config.rules.min_ring_seconds
    if call.ring_seconds is not None and call.ring_seconds < minimum:
        return tr(t, "cli_check_row_short", seconds=minimum)
    department = route(config.departments, call.extension, call.co_line)
    if department is None:
        return tr(t, "cli_check_row_no_department")
    return tr(t, "cli_check_row_department", department=department.name)


def show_send_test(config: Config, out: TextIO, token: str, base_url: str | None) -> bool:
    """``--send-test`` with a token that passed its check: a line per chat, OK or why the
    bot cannot write there."""
    from bot.app import TelegramCheckError
    from bot.send_test import chat_targets, send_test

    t = config.language
    out.write(tr(t, "cli_send_test_title") + "\n")
    if not chat_targets(config):
        out.write(tr(t, "cli_send_test_no_chats") + "\n")
        return False
    try:
        results = asyncio.run(send_test(config, token, base_url))
    except TelegramCheckError as error:
        out.write(tr(t, "cli_check_error", error=error.told(t)) + "\n")
        return False
    for result in results:
        target = result.target.label(t)
        if result.ok:
            out.write(tr(t, "cli_send_test_ok", target=target) + "\n")
            continue
        out.write(tr(t, "cli_send_test_failed", target=target, error=result.error) + "\n")
        if result.hint:
            out.write(tr(t, "cli_send_test_hint", hint=result.hint) + "\n")
    failed = sum(not r.ok for r in results)
    if failed:
        out.write(tr(t, "cli_send_test_summary", failed=failed, total=len(results)) + "\n")
    return failed == 0
