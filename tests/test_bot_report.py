"""/report end to end: the workbook as a multipart sendDocument, scoped to the chat."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

import openpyxl
import pytest

from bot import handlers
from tests.conftest import SALES_CHAT, SERVICE_CHAT
from tests.test_bot_harness import FOREIGN_CHAT, IVAN, MANAGERS_CHAT, OLGA, Office, office

__all__ = ["office"]  # the fixture, imported for pytest

ZIP_SIGNATURE = b"PK\x03\x04"  # an .xlsx is a zip file


async def two_departments_missed(office: Office) -> None:
    office.missed(minutes_ago=9, caller="89161111111")
    office.missed(minutes_ago=7, caller="89162222222", ext="630")
    office.callback(minutes_ago=2, number="89161111111")
    await office.scan()
    await office.settle()


async def report_in(office: Office, chat_id: int, text: str) -> tuple[Any, dict[str, Any]]:
    def here(call: Any) -> bool:
        return not call.failed and call.params.get("chat_id") == chat_id

    before = len([c for c in office.api.calls_of("sendDocument") if here(c)])
    await office.command(chat_id, OLGA, text)
    calls = await office.api.wait_for("sendDocument", here, count=before + 1)
    return calls[-1], office.posts(chat_id)[-1]


def sheet_rows(data: bytes, name: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return list(book[name].iter_rows(min_row=2, values_only=True))


async def test_report_in_a_department_chat_is_that_departments(office: Office) -> None:
    await two_departments_missed(office)
    today = office.now().strftime("%d.%m.%Y")
    call, message = await report_in(office, SALES_CHAT, "/report сегодня")
    day = office.now().date()
    name = f"perezvon-{day}..{day}.xlsx"
    assert call.filenames["document"] == name  # a multipart upload with the file's name
    assert call.files["document"].startswith(ZIP_SIGNATURE)
    assert message["document"]["file_name"] == name
    assert message["caption"] == f"📊 Отчёт за {today} · Отдел продаж"
    data = office.api.document_bytes(SALES_CHAT, message["message_id"])
    assert data == call.files["document"]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["Сводка"]["A1"].value == "Показатель · Отдел продаж"
    missed = sheet_rows(data, "Пропущенные")
    assert [(r[0], r[4], r[10]) for r in missed] == [
        ("+7 916 111-11-11", "Отдел продаж", "перезвонили (по журналу)")
    ]


async def test_report_in_the_managers_chat_covers_everyone(office: Office) -> None:
    await two_departments_missed(office)
    call, message = await report_in(office, MANAGERS_CHAT, "/report@perezvon_test_bot неделя")
    assert message["caption"].endswith("· все отделы")
    missed = sheet_rows(call.files["document"], "Пропущенные")
    assert sorted(r[4] for r in missed) == ["Отдел продаж", "Сервис"]
    incoming = sheet_rows(call.files["document"], "Входящие")
    assert sum(r[5] for r in incoming) == 2


async def test_report_refusals_and_bad_periods(office: Office) -> None:
    await office.command(FOREIGN_CHAT, IVAN, "/report")
    await office.wait_posted(FOREIGN_CHAT)
    assert office.posts(FOREIGN_CHAT)[-1]["text"] == (
        "Отчёт доступен в чатах отделов и руководителей."
    )
    await office.command(SERVICE_CHAT, IVAN, "/report когда-нибудь")
    await office.wait_posted(SERVICE_CHAT)
    assert office.posts(SERVICE_CHAT)[-1]["text"].startswith("Не понял период «когда-нибудь».")
    assert not office.api.calls_of("sendDocument")


async def test_report_default_is_yesterday_and_words_work(office: Office) -> None:
    today = office.now().date()
    day = today - dt.timedelta(days=1)
    call, _ = await report_in(office, SERVICE_CHAT, "/report")
    assert call.filenames["document"] == f"perezvon-{day}..{day}.xlsx"
    call, _ = await report_in(office, SERVICE_CHAT, "/report прошлый месяц")
    last = today.replace(day=1) - dt.timedelta(days=1)
    assert call.filenames["document"] == f"perezvon-{last.replace(day=1)}..{last}.xlsx"
    assert sheet_rows(call.files["document"], "Пропущенные") == []


async def test_a_figure_that_fails_is_said_in_the_chat_and_logged_once(
    office: Office, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """/report, /stats and /load share one answer path: a failure to build is one
    traceback in the log and one line in the chat, and the bot goes on."""

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(handlers, "report_document", broken)
    monkeypatch.setattr(handlers, "stats_parts", broken)
    with caplog.at_level(logging.ERROR, logger="bot.handlers"):
        await office.command(SERVICE_CHAT, IVAN, "/report")
        await office.wait_posted(SERVICE_CHAT)
        await office.command(SERVICE_CHAT, IVAN, "/stats")
        await office.wait_posted(SERVICE_CHAT, count=2)
    texts = [m["text"] for m in office.posts(SERVICE_CHAT)]
    assert texts == [
        "Не удалось составить отчёт, подробности в журнале сервиса.",
        "Не удалось посчитать статистику, подробности в журнале сервиса.",
    ]
    failures = [r for r in caplog.records if r.exc_info]
    assert [r.getMessage() for r in failures] == [
        f"report for {office.now().date() - dt.timedelta(days=1)} failed",
        f"stats for {office.now().date()} failed",
    ]
    assert not office.api.calls_of("sendDocument")
