"""Every string a chat member sees, in Russian (the default) and English.

Kept in one catalog so a translation is a diff of one file and a test can check that both
languages have the same keys and placeholders. Values are ``str.format`` templates; the
bot sends HTML, so callers escape the values they pass in (see :mod:`bot.render`).
"""

from __future__ import annotations

from watcher.stats import russian_plural

DEFAULT_LANGUAGE = "ru"

RU: dict[str, str] = {
    # case message
    "case_title": "📞 <b>Пропущенный звонок</b> · {department}",
    "case_dial": "Набрать: {dial}",
    "case_contact": "👤 {contact}",
    "case_new_caller": "🆕 новый номер",
    "case_first": "🕒 {when}",
    "case_repeated": "🕒 {when} · звонил {count} {times}, последний в {last}",
    "case_ring": "⏳ ждал ответа {seconds} с",
    "closed_by_user": "✅ Перезвонил {name} в {when}",
    "closed_by_call": "✅ Перезвонил доб. {extension} в {when}, {duration}",
    "closed_answered_later": "✅ Дозвонился сам, ответил доб. {extension} в {when}, {duration}",
    "closed_expired": "☑️ Закрыт как устаревший",
    "closed_other": "✅ Закрыт в {when}",
    "auto_note": "отмечено по журналу звонков",
    "button_close": "✅ Перезвонил",
    "button_undo": "↩️ Отменить",
    "button_list_close": "✅ {index}. {number}",
    # toasts
    "toast_closed": "Отмечено: перезвонили",
    "toast_reopened": "Отметка снята, звонок снова ждёт",
    "toast_already_closed_user": "Уже закрыто: {name}, {when}",
    "toast_already_closed_call": "Уже закрыто: перезвонил доб. {extension} в {when}",
    "toast_already_answered": "Уже закрыто: клиент дозвонился, ответил доб. {extension} в {when}",
    "toast_already_closed": "Уже закрыто",
    "toast_already_open": "Звонок уже открыт",
    "toast_foreign_chat": "Этот звонок не относится к этому чату",
    "toast_undo_not_yours": "Отменить может только {name} или администратор",
    "toast_undo_auto": "Закрыто по журналу звонков, отменить нельзя",
    "toast_unknown": "Кнопка устарела или не относится к звонку",
    # /start, /help
    "help": (
        "Я бот «Перезвон»: публикую пропущенные входящие звонки отдела из журнала "
        "WinTariff и слежу, чтобы каждому клиенту перезвонили.\n\n"
        "• Нажмите «✅ Перезвонил», когда перезвонили клиенту; «↩️ Отменить» снимает "
        "отметку.\n"
        "• Если с АТС перезвонили или клиент дозвонился сам, звонок закроется сам.\n\n"
        "Команды:\n"
        "/missed — открытые пропущенные звонки\n"
        "/stats [сегодня|вчера|неделя|месяц|ГГГГ-ММ-ДД..ГГГГ-ММ-ДД] — статистика и график\n"
        "/help — эта справка\n\n"
        "ID этого чата: <code>{chat_id}</code>\n{binding}{user}"
    ),
    "help_user": "\nВаш ID пользователя (для telegram.admins): <code>{user_id}</code>",
    "binding_department": "Этот чат — отдел «{department}».",
    "binding_managers": "Этот чат — чат руководителей: видны все отделы.",
    "binding_none": "Этот чат не указан в конфигурации: впишите ID в perezvon.toml.",
    # /missed
    "missed_title": "📋 <b>Открытые пропущенные</b> · {scope}: {count}",
    "missed_scope_all": "все отделы",
    "missed_none": "Открытых пропущенных нет 🎉",
    "missed_not_bound": (
        "Этот чат не привязан к отделу. ID чата: <code>{chat_id}</code> — впишите его в "
        "perezvon.toml."
    ),
    "missed_line": "{index}. <b>{number}</b>{contact} · {when}{attempts}{department}",
    "missed_attempts": " · {count}×",
    "missed_more": "…и ещё {count}; закройте эти, чтобы увидеть остальные.",
    # /stats and the daily summary
    "stats_bad_period": (
        "Не понял период «{period}».\n"
        "Примеры: /stats сегодня, /stats вчера, /stats неделя, /stats 2024-03-01..2024-03-31"
    ),
    "stats_not_allowed": "Статистика доступна в чатах отделов и руководителей.",
    "stats_failed": "Не удалось посчитать статистику, подробности в журнале сервиса.",
    "chart_caption": "Звонки по часам · {label}",
    "chart_title": "Входящие и пропущенные по часам · {label}",
    "chart_incoming": "Входящие",
    "chart_missed": "Пропущенные",
    "chart_hour": "Час",
    "chart_calls": "Звонков",
    "summary_title": "📊 <b>Сводка за вчера</b>, {label}",
    "summary_open": "Ждут перезвона: <b>{count}</b>",
    "summary_open_none": "Все пропущенные закрыты 👍",
    "summary_open_line": "• {number}{contact} · {department} · {when}",
    "summary_more": "…и ещё {count}",
    # command menu (setMyCommands)
    "cmd_start": "Что умеет бот и ID чата",
    "cmd_help": "Справка",
    "cmd_missed": "Открытые пропущенные звонки",
    "cmd_stats": "Статистика: сегодня, вчера, неделя, месяц или даты",
    # plural forms of "time(s)" for attempts: one, few, many
    "times_one": "раз",
    "times_few": "раза",
    "times_many": "раз",
}

EN: dict[str, str] = {
    "case_title": "📞 <b>Missed call</b> · {department}",
    "case_dial": "Dial: {dial}",
    "case_contact": "👤 {contact}",
    "case_new_caller": "🆕 new number",
    "case_first": "🕒 {when}",
    "case_repeated": "🕒 {when} · called {count} {times}, last at {last}",
    "case_ring": "⏳ waited {seconds} s for an answer",
    "closed_by_user": "✅ Called back by {name} at {when}",
    "closed_by_call": "✅ Called back from ext. {extension} at {when}, {duration}",
    "closed_answered_later": (
        "✅ Called again and was answered by ext. {extension} at {when}, {duration}"
    ),
    "closed_expired": "☑️ Closed as stale",
    "closed_other": "✅ Closed at {when}",
    "auto_note": "closed from the call log",
    "button_close": "✅ Called back",
    "button_undo": "↩️ Undo",
    "button_list_close": "✅ {index}. {number}",
    "toast_closed": "Marked as called back",
    "toast_reopened": "Undone, the call is open again",
    "toast_already_closed_user": "Already closed: {name}, {when}",
    "toast_already_closed_call": "Already closed: called back from ext. {extension} at {when}",
    "toast_already_answered": "Already closed: the caller reached ext. {extension} at {when}",
    "toast_already_closed": "Already closed",
    "toast_already_open": "The call is already open",
    "toast_foreign_chat": "This call does not belong to this chat",
    "toast_undo_not_yours": "Only {name} or an admin can undo this",
    "toast_undo_auto": "Closed from the call log, cannot be undone",
    "toast_unknown": "This button is outdated or does not match a call",
    "help": (
        "I am Perezvon: I post the department's missed incoming calls from the WinTariff "
        "call log and make sure every caller gets a call back.\n\n"
        "• Press “✅ Called back” once you have called the customer; “↩️ Undo” removes "
        "the mark.\n"
        "• A callback from the PBX, or the customer getting through, closes the call "
        "by itself.\n\n"
        "Commands:\n"
        "/missed — open missed calls\n"
        "/stats [today|yesterday|week|month|YYYY-MM-DD..YYYY-MM-DD] — figures and a chart\n"
        "/help — this help\n\n"
        "This chat's id: <code>{chat_id}</code>\n{binding}{user}"
    ),
    "help_user": "\nYour user id (for telegram.admins): <code>{user_id}</code>",
    "binding_department": "This chat is the department “{department}”.",
    "binding_managers": "This is the managers' chat: all departments are visible.",
    "binding_none": "This chat is not in the config yet: put its id into perezvon.toml.",
    "missed_title": "📋 <b>Open missed calls</b> · {scope}: {count}",
    "missed_scope_all": "all departments",
    "missed_none": "No open missed calls 🎉",
    "missed_not_bound": (
        "This chat is not bound to a department. Chat id: <code>{chat_id}</code> — put it "
        "into perezvon.toml."
    ),
    "missed_line": "{index}. <b>{number}</b>{contact} · {when}{attempts}{department}",
    "missed_attempts": " · {count}×",
    "missed_more": "…and {count} more; close these to see the rest.",
    "stats_bad_period": (
        "Period not understood: “{period}”.\n"
        "Examples: /stats today, /stats yesterday, /stats week, /stats 2024-03-01..2024-03-31"
    ),
    "stats_not_allowed": "Figures are available in department and managers' chats.",
    "stats_failed": "Could not compute the figures; see the service log.",
    "chart_caption": "Calls by hour · {label}",
    "chart_title": "Incoming and missed calls by hour · {label}",
    "chart_incoming": "Incoming",
    "chart_missed": "Missed",
    "chart_hour": "Hour",
    "chart_calls": "Calls",
    "summary_title": "📊 <b>Yesterday's summary</b>, {label}",
    "summary_open": "Waiting for a callback: <b>{count}</b>",
    "summary_open_none": "All missed calls are closed 👍",
    "summary_open_line": "• {number}{contact} · {department} · {when}",
    "summary_more": "…and {count} more",
    "cmd_start": "What the bot does and this chat's id",
    "cmd_help": "Help",
    "cmd_missed": "Open missed calls",
    "cmd_stats": "Figures: today, yesterday, week, month or dates",
    "times_one": "time",
    "times_few": "times",
    "times_many": "times",
}

CATALOGS: dict[str, dict[str, str]] = {"ru": RU, "en": EN}


def catalog(language: str) -> dict[str, str]:
    """The catalog of ``language``; Russian for anything unknown, so a typo never crashes."""
    return CATALOGS.get(language, CATALOGS[DEFAULT_LANGUAGE])


def tr(language: str, key: str, **values: object) -> str:
    """One text in ``language`` with ``values`` filled in (missing keys fall back to Russian)."""
    template = catalog(language).get(key) or RU[key]
    return template.format(**values) if values else template


def times_word(language: str, count: int) -> str:
    """The word after a count of attempts: Russian needs three plural forms."""
    form = f"times_{russian_plural(count)}"
    if language != "ru" and count != 1:
        form = "times_few"
    return tr(language, form)
