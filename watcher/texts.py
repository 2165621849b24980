"""Every string a person sees, in Russian (the default) and English: one catalog.

Chat members, the admin at the command line and the demo's audience read the same
product, so its words live in one file: a translation is a diff of one file and a test
(tests/test_texts.py) checks that both languages have the same keys and placeholders.

Keys are grouped by surface. The chat texts (no prefix, ``chart_``, ``summary_`` ...)
are Telegram HTML, so callers escape the values they pass in (see :mod:`bot.render`);
``stats_`` (the figures report), ``console_``, ``demo_`` and ``cli_`` texts are plain.
Values are ``str.format`` templates. The phone side owns the catalog because ``bot``
imports ``watcher``, never the reverse. The service's log is written in English and shown
in the office's language through :data:`LOG_RU` (its %-templates, at the end of the file).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Protocol, runtime_checkable

DEFAULT_LANGUAGE = "ru"

RU: dict[str, str] = {
    # case message
    "case_title": "📞 <b>Пропущенный звонок</b> · {department}",
    "case_title_answered": "☎️ <b>Звонок принят</b> · {department}",
    "case_dial": "Набрать: {dial}",
    "case_contact": "👤 {contact}",
    "case_new_caller": "🆕 новый номер",
    "case_first": "🕒 {when}",
    "case_repeated": "🕒 {when} · звонил {count} {times}, последний в {last}",
    "case_ring": "⏳ ждал ответа {seconds} с",
    # why a call was missed (watcher/reasons.py): the card and /missed
    "reason_hung_up": "⏳ ждал {seconds} с и положил трубку",
    "reason_timed_out": "⏳ группа не ответила за {seconds} с",
    "reason_unanswered": "⏳ ждал ответа {seconds} с",
    "reason_after_hours": "🌙 в нерабочее время",
    "reason_short_abandon": "⏳ положил трубку через {seconds} с",
    "reason_unknown": "❔ причина неизвестна",
    "case_reasons": "Звонки:",
    "case_reason_call": "  {when} — {reason}",
    # the same reasons as figures name them
    "reason_name_short_abandon": "короткий сброс",
    "reason_name_after_hours": "в нерабочее время",
    "reason_name_timed_out": "группа не ответила",
    "reason_name_hung_up": "положили трубку",
    "reason_name_unanswered": "без ответа",
    "reason_name_unknown": "причина неизвестна",
    "closed_by_user": "✅ Перезвонил(а) {name} в {when}",
    "closed_by_call": "✅ Перезвонил доб. {extension} в {when}, разговор {duration}",
    "closed_answered_later": (
        "✅ Дозвонился сам, ответил доб. {extension} в {when}, разговор {duration}"
    ),
    "closed_expired": "☑️ Закрыт как устаревший",
    "closed_not_needed": "🚫 Не нужно перезванивать: {name}, {when}",
    "closed_leg": (
        "☎️ Не пропущен: на этот же звонок ответил доб. {extension} в {when}, разговор {duration}"
    ),
    "toast_already_leg": "Звонок не пропущен: ответил доб. {extension} в {when}",
    "console_closed_leg": "не пропущен: ответил доб. {extension} в {when}",
    "case_claimed": "👋 Взято: {name}, {when}",
    "case_failed_user": "📵 {name} в {when} — не удалось дозвониться",
    "case_failed_pbx": "📵 доб. {extension} в {when} — не дозвонился",
    "case_failed_pbx_short": (
        "📵 доб. {extension} в {when} — разговор {duration}, слишком короткий для перезвона"
    ),
    # A busy case's card lists the newest calls and attempts; the earlier ones, counted.
    "card_more_calls_one": "  …раньше ещё {count} звонок",
    "card_more_calls_few": "  …раньше ещё {count} звонка",
    "card_more_calls_many": "  …раньше ещё {count} звонков",
    "card_more_attempts_one": "📵 …раньше ещё {count} попытка",
    "card_more_attempts_few": "📵 …раньше ещё {count} попытки",
    "card_more_attempts_many": "📵 …раньше ещё {count} попыток",
    "button_claim": "👋 Беру",
    "button_failed": "📵 Не дозвонился",
    "button_not_needed": "🚫 Не нужно",
    "toast_claimed": "Взято: звонок за вами",
    "toast_claimed_already_yours": "Звонок уже за вами",
    "toast_claimed_by_other": "Уже взял(а) {name} в {when}",
    "toast_taken_over": "Звонок передан вам (брал(а): {name})",
    "toast_failed": "Отмечено: не дозвонились, звонок ждёт",
    "toast_not_needed": "Отмечено: перезванивать не нужно",
    "toast_already_not_needed": "Уже закрыто: не нужно ({name}, {when})",
    "console_closed_not_needed": "не нужно, отмечено: {name}, {when}",
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
    "toast_undo_newer_open": "Этот номер звонил снова: его новый звонок открыт, отмечайте его",
    "toast_unknown": "Кнопка устарела или не относится к звонку",
    "toast_busy": "База занята, ничего не отмечено: нажмите ещё раз через минуту",
    "toast_not_saved": (
        "Не сохранено: на сервере не записать базу. Отметьте позже; админ увидит это в журнале"
    ),
    "toast_stale_message": "Это сообщение устарело, звонок показан в другом. Откройте /missed",
    # /start, /help
    "help": (
        "Я бот «Перезвон»: публикую пропущенные входящие звонки отдела из журнала "
        "WinTariff и слежу, чтобы каждому клиенту перезвонили.\n\n"
        "• «👋 Беру» — вы перезваниваете (видно всем); «✅ Перезвонил» — перезвонили; "
        "«📵 Не дозвонился» — попытка записана, звонок ждёт; «🚫 Не нужно» — спам, "
        "ошибка, решено иначе. «↩️ Отменить» снимает отметку.\n"
        "• Если с АТС перезвонили или клиент дозвонился сам, звонок закроется сам.\n\n"
        "Команды:\n"
        "/missed — открытые пропущенные звонки\n"
        "/stats [сегодня|вчера|неделя|месяц|прошлая неделя|ДД.ММ.ГГГГ..ДД.ММ.ГГГГ] — "
        "статистика и график\n"
        "/load [период] — когда теряем звонки: по дням недели и часам (по умолчанию 4 недели)\n"
        "/me 201 — ваш добавочный: карточки покажут ваше имя\n"
        "/report [вчера|прошлая неделя|прошлый месяц|квартал|год|ДД.ММ.ГГГГ..ДД.ММ.ГГГГ] — "
        "отчёт Excel\n"
        "/help — эта справка\n\n"
        "ID этого чата: <code>{chat_id}</code>\n{binding}{user}"
    ),
    "help_user": "\nВаш ID пользователя (для telegram.admins): <code>{user_id}</code>",
    "binding_department": "Этот чат — отдел «{department}».",
    "binding_managers": "Этот чат — чат руководителей: видны все отделы.",
    "binding_none": (
        "Этот чат не указан в конфигурации. Чтобы сюда приходили пропущенные звонки, "
        "впишите в perezvon.toml <code>chat = {chat_id}</code> в [[department]] отдела (для "
        "чата руководителей — <code>managers_chat = {chat_id}</code> в [telegram]) и "
        "перезапустите Перезвон."
    ),
    # /missed
    "missed_title": "📋 <b>Открытые пропущенные</b> · {scope}: {count}",
    "missed_scope_all": "все отделы",
    "missed_none": "Открытых пропущенных нет 🎉",
    "missed_not_bound": (
        "Этот чат не привязан к отделу. ID чата: <code>{chat_id}</code> — впишите его в "
        "perezvon.toml."
    ),
    "missed_private": (
        "Пропущенные звонки я показываю в чатах отделов. Чтобы видеть все здесь, попросите "
        "администратора добавить ваш ID <code>{user_id}</code> в telegram.admins."
    ),
    "missed_line": "{index}. <b>{number}</b>{contact} · {when}{attempts}{department}{reason}",
    "missed_attempts": " · {count}× с {first}",
    "missed_claimed": " · 👋 {name}",
    "missed_tried": " · 📵 {count}",
    "missed_more": (
        "…и ещё {count} — звонили раньше, самый давний ждёт с {since}; закройте эти,"
        " чтобы увидеть остальные."
    ),
    # /stats and the daily summary
    "stats_bad_period": (
        "Не понял период «{period}».\n"
        "Примеры: /stats сегодня, /stats вчера, /stats неделя, /stats прошлый месяц, "
        "/stats декабрь, /stats 2026, /stats 01.03.2024..31.03.2024"
    ),
    "load_bad_period": (
        "Не понял период «{period}».\n"
        "Примеры: /load (4 недели), /load месяц, /load прошлый месяц, "
        "/load 01.03.2024..31.03.2024"
    ),
    "stats_not_allowed": "Статистика доступна в чатах отделов и руководителей.",
    "stats_failed": "Не удалось посчитать статистику, подробности в журнале сервиса.",
    "chart_caption": "Звонки по часам · {label}",
    "chart_daily_caption": "Звонки по дням · {label}",
    "chart_daily_title": "Входящие и пропущенные по дням · {label}",
    "chart_day": "День",
    "chart_title": "Входящие и пропущенные по часам · {label}",
    "chart_incoming": "Входящие",
    "chart_missed": "Пропущенные",
    "chart_hour": "Час",
    "chart_calls": "Звонков",
    "summary_title": "📊 <b>Сводка за вчера</b>, {label}",
    "summary_title_days": "📊 <b>Сводка</b> за {label}",
    "summary_open": "Ждут перезвона сейчас (за все дни): <b>{count}</b>",
    "summary_no_calls": (
        "⚠️ За рабочий день в журнале ни одного звонка. Проверьте, что WinTariff получает "
        "записи от АТС, а Перезвон читает Calls.dbf: perezvon check"
    ),
    "summary_open_none": "Все пропущенные закрыты 👍",
    "summary_open_line": "• {number}{contact} · {department} · {when}{age}",
    "summary_age": " · ждёт {age}",
    "summary_age_office": " · ждёт {age} рабочего времени",
    "summary_age_after_hours": " · пришёл в нерабочее время",
    "summary_more": "…и ещё {count}",
    "summary_weekly_title": "📊 <b>Итоги недели</b>, {label}",
    "summary_weeks_title": "📊 <b>Итоги</b> за {label}",
    "summary_compare_calls": (
        "Входящих <b>{incoming}</b> {d_incoming} · пропущено <b>{missed}</b> {d_missed}"
        " · доля <b>{rate}</b> {d_rate}"
    ),
    "summary_compare_cases": (
        "Перезвонили <b>{closed}</b> {d_closed} · медиана до перезвона <b>{median}</b> {d_median}"
    ),
    "summary_against_day": "<i>▲▼ — в сравнении с {weekday} {date}</i>",
    "summary_against_week": "<i>▲▼ — в сравнении с неделей {first}–{last}</i>",
    "summary_against_days": "<i>▲▼ — в сравнении с {first}–{last}</i>",
    "summary_delta_pp": "{value} п. п.",
    "weekdays_short": "пн,вт,ср,чт,пт,сб,вс",
    # command menu (setMyCommands)
    "reminder": "⏰ Звонок ждёт перезвона уже {wait}: <b>{number}</b>",
    "reminder_office": "⏰ Звонок ждёт перезвона уже {wait} рабочего времени: <b>{number}</b>",
    "reminder_claimed": "👋 {mention}, звонок за вами",
    "reminder_claimed_stale": "👋 Брал(а) {mention} {when}; сегодня звонок может взять любой",
    "reminder_closed": "<s>⏰ Звонок ждал перезвона: <b>{number}</b></s>\n{closed}",
    "reminder_repeated": "🔁 звонил {count} {times}, последний раз в {last}",
    "escalation_header": "🚨 <b>Не перезвонили за {wait}</b> · {department}",
    "escalation_header_office": (
        "🚨 <b>Не перезвонили за {wait}</b> рабочего времени · {department}"
    ),
    "escalation_header_closed": "☑️ Ждал перезвона дольше {wait} · {department}",
    "escalation_header_closed_office": (
        "☑️ Ждал перезвона дольше {wait} рабочего времени · {department}"
    ),
    "digest_header_one": "🌙 <b>За нерабочее время: {count}</b> пропущенный · {department}",
    "digest_header_few": "🌙 <b>За нерабочее время: {count}</b> пропущенных · {department}",
    "digest_header_many": "🌙 <b>За нерабочее время: {count}</b> пропущенных · {department}",
    "digest_header_closed": " · уже закрыто: {closed}",
    "digest_header_since": " · офис закрыт с {since}",
    "cmd_me": "Мой добавочный: /me 201",
    "me_linked": "Готово: доб. {extension} — {name}. Карточки и статистика покажут это имя.",
    "me_shown": "Вы — {extensions}.",
    "me_extension": "доб. {extension}",
    "me_none": "Вы не привязаны к добавочному. Напишите /me 201 (ваш добавочный).",
    "me_bad": "Не понял добавочный «{value}». Пример: /me 201",
    "me_not_here": "Эта команда работает в чатах отделов и руководителей.",
    "me_admin_only": "Привязать другого человека может только администратор.",
    "me_taken": (
        "Доб. {extension} уже привязан к другому человеку: {name}. Если теперь это ваш"
        " добавочный, попросите администратора написать <code>/me {extension} {user}</code>."
    ),
    "me_moved_from": "До этого: {name}.",
    "me_config_owned": (
        "Доб. {extension} закреплён в perezvon.toml ([operators]) за другим пользователем."
    ),
    "cmd_start": "Что умеет бот и ID чата",
    "cmd_help": "Справка",
    "cmd_missed": "Открытые пропущенные звонки",
    "cmd_stats": "Статистика: сегодня, вчера, неделя, месяц или даты",
    # plural forms of "time(s)" for attempts: one, few, many
    "times_one": "раз",
    "times_few": "раза",
    "times_many": "раз",
    # the figures report (perezvon stats, /stats, the daily summary): plain text
    "stats_title": "Звонки за {label}",
    "stats_title_scoped": "{title} — {scope}",
    "stats_none": "Звонков нет.",
    "stats_incoming": (
        "Входящих: {incoming} — отвечено {answered}, пропущено {missed} "
        "(доля пропущенных {rate:.0%})"
    ),
    "stats_cases": "Случаев пропуска: {total} — {parts}",
    "stats_closed": "перезвонили {count}",
    "stats_closed_how": " (по журналу {by_call}, отмечено в чате {by_user})",
    "stats_got_through": "дозвонились сами {count}",
    "stats_open": "ещё ждут {count}",
    "stats_short_abandons": "Короткие сбросы (не показаны в чате): {count}",
    "stats_hidden_one": (
        "Без номера звонящего: {count} входящий, без ответа {missed} — в цифрах выше его нет:"
        " перезвонить некуда"
    ),
    "stats_hidden_few": (
        "Без номера звонящего: {count} входящих, без ответа {missed} — в цифрах выше их нет:"
        " перезвонить некуда"
    ),
    "stats_hidden_many": (
        "Без номера звонящего: {count} входящих, без ответа {missed} — в цифрах выше их нет:"
        " перезвонить некуда"
    ),
    "stats_new_callers": (
        "Новые номера: {total} — ответили сразу {answered}, перезвонили {called_back},"
        " ещё не дозвонились {waiting}"
    ),
    "stats_new_callers_got_through": (
        "Новые номера: {total} — ответили сразу {answered}, перезвонили {called_back},"
        " дозвонились сами {got_through}, ещё не дозвонились {waiting}"
    ),
    "stats_not_needed": "не нужно перезванивать {count}",
    "stats_new_callers_not_needed": ", не нужно перезванивать {count}",
    "stats_new_callers_short": ", сбросили сразу (не публикуются) {count}",
    "stats_sla": "Вовремя (за {target} мин): {within} из {total} ({share:.0%}); 90% — за {p90}",
    "stats_sla_office": (
        "Вовремя (за {target} мин рабочего времени): {within} из {total} ({share:.0%});"
        " 90% — за {p90}"
    ),
    "stats_expired": "без ответа (история) {count}",
    "stats_median": "Медиана до перезвона: {median}",
    "stats_reasons": "Пропущенные по причинам: {parts}",
    "stats_reason_part": "{name} {count}",
    "stats_top_missed": "Чаще всего пропускали: {parts}",
    "stats_top_missed_part": "{number} — {count}",
    "stats_top_missed_named": "{number} ({name}) — {count}",
    "stats_answer_speed": (
        "Скорость ответа: медиана {median}, 90% — за {p90};"
        " за {target} с ответили {within} из {total} ({share:.0%})"
    ),
    "stats_hung_up_waits": "Положившие трубку ({count}) ждали: медиана {median}, 90% — {p90}",
    "stats_departments": "По отделам (случаи / закрыто / ждут):",
    "stats_departments_calls": (
        "По отделам (входящих / пропущено / доля / случаи / закрыто / ждут):"
    ),
    "stats_operators": "По номерам (отвечено / пропущено / исходящих / перезвонов / разговор):",
    "stats_operators_load": (
        "По номерам (отвечено / пропущено / исходящих / перезвонов / разговор / нагрузка):"
    ),
    # the console notifier (the demo, an admin without a bot yet): plain text
    "console_new": "ПРОПУЩЕН",
    "console_grew": "СНОВА ЗВОНИЛ",
    "console_closed": "ПЕРЕЗВОНИЛИ",
    "console_reopened": "ОТКРЫТ СНОВА",
    "console_new_caller": "новый номер",
    "console_repeated": "звонил {count} {times}, последний в {last}",
    "console_once": "звонил в {last}",
    "console_ring": "гудки {seconds} с",
    "console_closed_by_call": "перезвонил доб. {extension} в {when}, разговор {duration}",
    "console_closed_answered": "дозвонился сам, ответил доб. {extension} в {when}",
    "console_closed_by_user": "отмечено: {name}, {when}",
    "console_closed_expired": "закрыт как история",
    "console_claimed": "ВЗЯЛ(А)",
    "console_claimed_by": "взял(а) {name} в {when}",
    "console_operator": "{name} (доб. {extension})",
    "console_attempt": "НЕ ДОЗВОНИЛСЯ",
    "console_attempt_pbx": "доб. {extension} набирал в {when}: не дозвонился, звонок ждёт",
    "console_attempt_pbx_short": (
        "доб. {extension} набирал в {when}: разговор {duration}, слишком короткий для"
        " перезвона, звонок ждёт"
    ),
    "console_attempt_user": "{name} в {when}: не удалось дозвониться, звонок ждёт",
    "console_reminder": "НАПОМИНАНИЕ",
    "console_waiting": "ждёт перезвона {wait}",
    "console_waiting_office": "ждёт перезвона {wait} рабочего времени",
    "console_escalated": "ЭСКАЛАЦИЯ",
    "console_escalated_to": "не перезвонили за {wait} — копия в чат руководителей",
    "console_escalated_to_office": (
        "не перезвонили за {wait} рабочего времени — копия в чат руководителей"
    ),
    "console_digest": "🌙 За нерабочее время: {count} · {department}",
    # perezvon demo
    "demo_row": "  [WinTariff] {line}",
    "demo_row_missed": "пропущенный от {caller} в группу {group} ({department}), гудки {ring} с",
    "demo_row_answered": "{caller}: ответил доб. {station}, разговор {talk} с",
    "demo_row_outgoing": "доб. {station} позвонил на {number}, разговор {talk} с",
    "demo_row_callback": (
        "перезвон: доб. {station} позвонил на {number} (пропущен как {callee}), разговор {talk} с"
    ),
    "demo_row_no_answer": (
        "не дозвонился: доб. {station} позвонил на {number} (пропущен как {callee}), гудки {ring} с"
    ),
    "demo_row_duplicate": "копия {what}, удалена через {seconds} с",
    "demo_row_the_internal": "внутреннего звонка",
    "demo_row_internal": "доб. {caller} позвонил доб. {callee}, разговор {talk} с",
    "demo_row_after_hours": "в нерабочее время: {text}",
    "demo_row_again": "снова: {text}",
    "demo_row_filled": "#{index}: CALLTYPE {calltype} заполнен",
    "demo_row_deleted": "#{index}: помечена удалённой",
    "demo_end": "\nИтоги дня в демо:\n",
    "demo_sales": "Отдел продаж",
    "demo_support": "Техподдержка",
    "demo_start": (
        "Демо Перезвона: WinTariff пишет звонки в {dbf}\n"
        "Вчерашняя история загружена без уведомлений: {rows} строк.\n"
        "Офис открывается в {opens}: пропущенные за нерабочее время придут сводкой при открытии.\n"
        "Дальше — то, что получили бы чаты отделов. Ctrl+C — выход.\n"
    ),
    "demo_colleague": "Ольга",
    # the demo's contacts.csv: name and company of three customers
    "demo_contact_1": "Ирина Соколова",
    "demo_company_1": "ООО «Вектор»",
    "demo_contact_3": "Павел Орлов",
    "demo_company_3": "",
    "demo_contact_4": "Бухгалтерия «Альфа-Строй»",
    "demo_company_4": "АО «Альфа-Строй»",
    # the command line: errors with hints, `check`, `import`, `stats`
    "cli_no_token": (
        "TELEGRAM_BOT_TOKEN не задан. Создайте бота у @BotFather, впишите его токен в .env "
        "(образец — .env.example) и запустите снова. Попробовать Перезвон без Telegram: "
        "perezvon demo"
    ),
    "cli_stopped": "остановлено",
    "cli_bad_period": (
        "не понял период «{period}»: нужно today/сегодня, yesterday/вчера, week/неделя,"
        " month/месяц, прошлая неделя, прошлый месяц, квартал, прошлый квартал, год, прошлый"
        " год, месяц"
        " по названию (декабрь, декабрь 2026, 12.2026), год числом (2026), дата 01.03.2024 или"
        " 2024-03-01, или две через «..» (начало не позже конца, годы 1970–2199)"
    ),
    "cli_env_utf16": (
        "{path}: файл сохранён в UTF-16 («Юникод»), а нужен UTF-8. В Блокноте: "
        "Файл → Сохранить как → Кодировка: UTF-8"
    ),
    "cli_env_not_utf8": (
        "{path}: файл не в UTF-8 (похоже, сохранён как ANSI / cp1251). В Блокноте: "
        "Файл → Сохранить как → Кодировка: UTF-8"
    ),
    "cli_env_missing": "{path}: такого файла нет (--env-file); проверьте путь",
    "cli_env_txt": (
        "  подсказка: есть {path} — Блокнот дописал к имени .txt. Переименуйте файл в .env "
        "(в Проводнике: Вид → Расширения имён файлов)"
    ),
    "cli_env_token_key": ("  подсказка: в {path} есть {key}, а ключ называется TELEGRAM_BOT_TOKEN"),
    "cli_env_token_empty": (
        "  подсказка: в {path} TELEGRAM_BOT_TOKEN есть, но после «=» пусто: впишите туда"
        " токен от @BotFather (TELEGRAM_BOT_TOKEN=123456789:AA…) и сохраните файл"
    ),
    "cli_env_no_equals": (
        "  подсказка: в {path} строка с TELEGRAM_BOT_TOKEN без «=»; пишите "
        "TELEGRAM_BOT_TOKEN=123456789:AA…"
    ),
    "cli_error": "ошибка: {error}",
    "cli_no_department": (
        "ошибка: отдела «{name}» нет в настройках; есть: {names}"
        " (имя пишется как в [[department]] name)"
    ),
    "cli_no_ledger": "ошибка: базы {path} ещё нет (сначала run или import)",
    "cli_demo_kept": "файлы демо оставлены в {folder}",
    "cli_check_config": "Конфигурация {path}: OK",
    "cli_check_verdict_ok": "Итог: ошибок нет, всё готово к perezvon run",
    "cli_check_verdict_failed_one": (
        "Итог: {count} ошибка (ОШИБКА выше) — perezvon run не будет работать как надо."
        " Исправьте её и запустите perezvon check снова"
    ),
    "cli_check_verdict_failed_few": (
        "Итог: {count} ошибки (ОШИБКА выше) — perezvon run не будет работать как надо."
        " Исправьте их и запустите perezvon check снова"
    ),
    "cli_check_verdict_failed_many": (
        "Итог: {count} ошибок (ОШИБКА выше) — perezvon run не будет работать как надо."
        " Исправьте их и запустите perezvon check снова"
    ),
    "cli_check_language": "  язык {language}, часовой пояс {timezone}",
    "cli_check_department": "  отдел {name}{default}: {where} -> чат {chat}",
    "cli_check_default": " (по умолчанию)",
    "cli_check_no_chat": "не задан",
    "cli_check_shared_range": (
        "  внимание: доб. {low}…{high} есть и у отдела «{first}», и у «{second}»: звонки на"
        " них идут в «{first}» (он раньше в файле). Если они — «{second}», уберите их из"
        " extensions «{first}»"
    ),
    "cli_check_department_no_chat": (
        "  ОШИБКА: у отдела «{name}» не задан chat: его пропущенные звонки не уйдут ни в один"
        " чат. Добавьте бота в чат отдела, напишите там /start (или запустите `perezvon"
        " chats`) и впишите показанный ID в chat этого [[department]]"
    ),
    "cli_check_dbf": "\nCalls.dbf {path}",
    "cli_check_error": "  ОШИБКА: {error}",
    "telegram_token_rejected": (
        "Telegram не принял TELEGRAM_BOT_TOKEN ({error}). Скопируйте токен у @BotFather"
        " (/mybots → API Token) в .env"
    ),
    "telegram_token_rejected_own_url": (
        "Telegram не принял TELEGRAM_BOT_TOKEN ({error}). Скопируйте токен у @BotFather"
        " (/mybots → API Token) в .env. Задан TELEGRAM_BASE_URL ({url}): проверьте и его —"
        " сервер Bot API отвечает так же на неверный путь; нужен адрес сервера с /bot,"
        " например http://127.0.0.1:8081/bot"
    ),
    "telegram_base_url_no_scheme": (
        "TELEGRAM_BASE_URL = {value} — это не адрес: нет http:// или https:// в начале."
        " Впишите в .env адрес сервера Bot API полностью, например TELEGRAM_BASE_URL={url}"
        " (или удалите строку, чтобы бот работал через api.telegram.org)"
    ),
    "telegram_unreachable": (
        "Bot API по адресу {url} недоступен: {error}. Проверьте, есть ли у сервера выход в"
        " интернет (или прокси), и TELEGRAM_BASE_URL, если он задан"
    ),
    "cli_check_clock_behind": (
        "  ВНИМАНИЕ: последняя запись — от {newest}, а файл менялся {modified}: если АТС"
        " пишет в него сейчас, её часы (или часы сервера) расходятся больше чем на {days}"
        " дн. Такие звонки Perezvon считает историей и в чат не отправляет — поставьте на"
        " АТС верное время"
    ),
    "cli_check_clock_ahead": (
        "  ВНИМАНИЕ: последняя запись — от {newest}, на {hours} ч позже часов сервера:"
        " часы АТС или сервера идут неверно"
    ),
    "cli_check_encoding_config": "из настроек [source] encoding",
    "cli_check_encoding_header": "по заголовку DBF",
    "cli_check_encoding_default": "по умолчанию: в заголовке не указана",
    "cli_check_encoding_content": (
        "по русским буквам в записях: в заголовке не указана (чтобы не угадывать, "
        "укажите [source] encoding)"
    ),
    "cli_check_layout": (
        "  {version}; кодовая страница {encoding} ({source}, language driver 0x{driver:02X})"
    ),
    "fields_unmatched": (
        "[source.fields] {role} = {name}, но такого поля в таблице нет (в ней есть: {have})"
    ),
    "fields_missing": (
        "нет поля {missing} (в таблице есть: {have}); если оно называется иначе, укажите его "
        "в [source.fields]"
    ),
    "cli_arg_error": "%(prog)s: ошибка: %(message)s (справка: perezvon --help)\n",
    "cli_arg_argument": "%(argument_name)s: %(message)s",
    "cli_arg_required": "не хватает: %s",
    "cli_arg_unrecognized": "непонятные аргументы: %s",
    "cli_arg_choice": "нет варианта %(value)r (можно: %(choices)s)",
    "cli_arg_value": "не понял значение %(value)r",
    "cli_arg_one": "нужно значение",
    "cli_arg_at_most_one": "нужно не больше одного значения",
    "cli_arg_at_least_one": "нужно хотя бы одно значение",
    "cli_arg_ambiguous": "%(option)s — неоднозначно, подходит: %(matches)s",
    "cli_arg_ignored": "лишнее значение %r",
    "cli_arg_positive": "нужно число больше нуля, а не {value!r}",
    "cli_arg_not_negative": "нужно число не меньше нуля, а не {value!r}",
    # Calls.dbf that cannot be read (check, import, the log in English)
    "dbf_not_found": "{path}: файл не найден",
    "dbf_no_permission": "{path}: нет прав на чтение (файл занят другой программой?)",
    "dbf_cannot_read": "{path}: не читается: {error}",
    "dbf_is_folder": "{path}: это папка, а нужен сам файл таблицы, например {file}",
    "dbf_not_dbf": "{path}: это не таблица DBF ({error})",
    "dbf_is_xlsx": (
        "{path}: это книга Excel (.xlsx), а не таблица DBF (или другой ZIP-архив под"
        " именем .dbf). Перезвон читает сам Calls.dbf, который пишет WinTariff, или его"
        " архивную копию (например, Calls_2026_11.dbf), а не выгрузку в Excel"
    ),
    "dbf_is_xls": (
        "{path}: это книга Excel (.xls), а не таблица DBF. Перезвон читает сам Calls.dbf,"
        " который пишет WinTariff, или его архивную копию (например, Calls_2026_11.dbf),"
        " а не выгрузку в Excel"
    ),
    "dbf_damaged": "{path}: заголовок DBF повреждён (нет полей или неверные длины)",
    "dbf_incomplete": "{path}: заголовок DBF неполный ({size} из {need} байт; файл ещё пишется?)",
    "dbf_empty": (
        "{path}: файл пуст (0 байт) — WinTariff, видимо, только создаёт его (Перезвон"
        " прочитает его, когда появятся записи), или это не тот файл: проверьте source.path"
    ),
    "dbf_replaced": (
        "{path}: файл заменили во время чтения (переименовали или архивировали?);"
        " он будет прочитан заново при следующем проходе"
    ),
    "dbf_shrank": (
        "{path}: файл стал короче во время чтения ({got} из {stop} записей);"
        " он будет прочитан заново при следующем проходе"
    ),
    "dbf_disappeared": "{path}: файл исчез во время чтения",
    "dbf_read_failed": "{path}: ошибка чтения: {error}",
    "dbf_plan": "{path}: {problem}",
    # perezvon --help
    "cli_help_usage": "использование:",
    "cli_help_positionals": "аргументы",
    "cli_help_options": "параметры",
    "cli_help_commands": "команды",
    "cli_help_command_metavar": "КОМАНДА",
    "cli_help_help": "показать эту справку и выйти",
    "cli_help_description": (
        "Пропущенные звонки в группы из Calls.dbf программы WinTariff — в чаты отделов в Telegram."
    ),
    "cli_help_config": "файл настроек TOML (по умолчанию: $PEREZVON_CONFIG или perezvon.toml)",
    "cli_help_env_file": (
        "файл окружения (по умолчанию: .env рядом с настройками, затем в текущей папке)"
    ),
    "cli_help_verbose": "подробный журнал (debug)",
    "cli_help_version": "показать версию и выйти",
    "cli_help_run": "следить за Calls.dbf и запустить бота Telegram",
    "cli_help_check": "проверить настройки, файл DBF и токен",
    "cli_help_check_rows": "сколько последних строк показать",
    "cli_help_check_send_test": (
        "отправить пробное сообщение в каждый чат из настроек и сказать, куда бот писать не может"
    ),
    "cli_help_chats": "напечатать ID каждого чата, который пишет боту (для настроек)",
    "cli_help_chats_seconds": "сколько секунд слушать (по умолчанию 120)",
    "cli_help_import": "загрузить историю из Calls.dbf без уведомлений",
    "cli_help_import_path": "Calls.dbf (или его архивная копия) для загрузки",
    "cli_help_demo": "сгенерированный файл WinTariff и настоящий наблюдатель",
    "cli_help_demo_seconds": "сколько секунд работать (0 — до Ctrl+C)",
    "cli_help_lang": "язык вывода: ru или en",
    "cli_help_demo_seed": "зерно случайных звонков",
    "cli_help_demo_keep": "оставить папку демо после завершения",
    "cli_help_demo_rows": "печатать и каждую строку, которую пишет WinTariff",
    "cli_help_demo_speed": "ускорить часы офиса (например, 5)",
    "cli_help_stats": "цифры за период",
    "cli_help_stats_period": (
        "сегодня | неделя | месяц | ГГГГ-ММ-ДД..ГГГГ-ММ-ДД (или today, week, month)"
    ),
    "cli_help_department": "только один отдел (его имя)",
    "cli_help_report": "отчёт руководителям (.xlsx) или файлы CSV",
    "cli_help_report_period": (
        "как у stats, и ещё: год | квартал | «прошлая неделя» | «прошлый месяц» | "
        "«прошлый квартал» | «прошлый год» | декабрь | «декабрь 2026» | 2026 | ДД.ММ.ГГГГ | "
        "ДД.ММ.ГГГГ..ДД.ММ.ГГГГ"
    ),
    "cli_help_report_output": (
        "ФАЙЛ.xlsx (по умолчанию perezvon-ПЕРВЫЙ..ПОСЛЕДНИЙ.xlsx здесь), ФАЙЛ.csv или "
        "папка — по файлу CSV на лист"
    ),
    "cli_check_encoding_guess": (
        "  подсказка: заголовок таблицы не называет кодовую страницу, а текст в ней похож "
        "на {encoding}; если русские буквы в строках ниже нечитаемы, укажите [source] encoding = "
        '"{encoding}"'
    ),
    "cli_check_records": (
        "  записей: {complete} полных на диске, {header} по заголовку; запись {record_len} "
        "байт, заголовок {header_len} байт"
    ),
    "cli_check_count_differs": (
        "  примечание: счётчик в заголовке расходится с данными; Перезвон верит данным"
    ),
    "cli_check_fields": "  поля:",
    "cli_check_missing_fields": "  ОШИБКА: нет обязательных полей: {fields}",
    "cli_check_last_rows": "  последние строки ({count}):",
    "cli_check_row": (
        "{started:%Y-%m-%d %H:%M:%S} {direction:<10} доб. {extension:<5} {remote:<14} "
        "{duration:>4} с тип {calltype}"
    ),
    "cli_check_not_a_call": "не звонок: {error}",
    "cli_check_direction_in": "входящий",
    "cli_check_direction_out": "исходящий",
    "cli_check_direction_internal": "внутренний",
    "cli_check_direction_unknown": "неясно",
    "cli_check_deleted": "удалена ",
    "cli_check_ledger": "\nБаза {path}",
    "cli_check_ledger_missing": "  ещё не создана (её создаст первый запуск)",
    "cli_check_ledger_gone": (
        "  ВНИМАНИЕ: базы нет, но Перезвон здесь уже работал ({trace}): если её перенесли"
        " или удалили, `run` начнёт новую, пустую, и звонков, случаев и перезвонов старой"
        " в ней не будет. Верните старый файл на место {path} (при остановленной службе)"
        " или загрузите архивные копии Calls.dbf заново: `perezvon import АРХИВ.dbf`"
        " (текущий Calls.dbf служба прочитает сама)"
    ),
    "cli_check_ledger_counts": (
        "  звонков: {calls}, открытых случаев: {open}, изменений ждут отправки в Telegram: "
        "{pending}"
    ),
    "cli_check_waiting": (
        "  чат {chat} (отдел «{department}»): не отправлены изменения случаев: {cases},"
        " ждут с {since}; последний ответ Telegram: {error}"
    ),
    "cli_check_cursor": "  курсор: запись {record}, ждут завершения: {pending}",
    "cli_check_last_missed": "  последний пропущенный звонок: {when}",
    "cli_check_never": "ещё не было",
    "cli_check_quiet": (
        "  !!! ВНИМАНИЕ: за последние {days} рабочих дня (с {since}) нет ни одного "
        "пропущенного звонка. АТС, похоже, не передаёт в WinTariff неотвеченные звонки: "
        "включите Lost Call Print-out / SMDR для входящих (на LG-Ericsson ipLDK / iPECS — "
        "PGM 177), см. «PBX checklist» в README"
    ),
    "cli_check_quiet_no_calls": (
        "  !!! ВНИМАНИЕ: за последние {days} рабочих дня (с {since}) нет ни одного звонка: "
        "WinTariff, похоже, не получает записи от АТС. Проверьте связь АТС с WinTariff, "
        "затем Lost Call Print-out / SMDR для входящих (PGM 177 на ipLDK), см. «PBX "
        "checklist» в README"
    ),
    "cli_check_telegram": "\nTelegram",
    "cli_check_no_token": (
        "  ОШИБКА: TELEGRAM_BOT_TOKEN не задан, и `run` без него не запустится. Впишите токен"
        " от @BotFather в .env рядом с конфигурацией (`demo` обходится без него)"
    ),
    "cli_check_token_ok": "  токен в порядке: @{username}",
    "cli_check_range": "{low}…{high} (всего {count})",
    "cli_check_calltype": (
        "  тип звонка: {field}; строка без него ждёт до {seconds} с (settle_seconds)"
    ),
    "cli_check_no_calltype": (
        "  поля CALLTYPE нет: направление — по другим полям (NUMBER «internal…» → "
        "внутренний, есть CALLERID → входящий, иначе исходящий); строки окончательные "
        "сразу, без ожидания settle_seconds"
    ),
    "cli_check_caller": "  номер звонящего: {field}",
    "cli_check_caller_from_number": (
        "  поля CALLERID нет: номер звонящего берётся из {field} у входящих звонков, "
        "если там внешний номер"
    ),
    "cli_check_no_caller": (
        "  ОШИБКА: ни одно поле не даёт номер звонящего (нет CALLERID, а без CALLTYPE "
        "входящие не отличить): пропущенные звонки не будут найдены и опубликованы. "
        'Укажите поле в [source.fields]: callerid = "..."'
    ),
    "cli_check_mostly_not_calls": (
        "  ОШИБКА: {bad} из {checked} последних строк — не звонки; сервис пропустил бы их"
    ),
    "cli_check_hint_not_calls": (
        "  подсказка: сверьте поля выше с тем, что ждёт Перезвон (DATE — дата, ITIME — "
        "секунды от полуночи); поле с другим именем укажите в [source.fields]"
    ),
    "cli_check_hint_hhmmss": (
        "  ОШИБКА: ITIME похоже на ЧЧММСС ({example}), а Перезвон читает его как секунды "
        "от полуночи: время звонков было бы неверным. Если время есть текстом (TIME), "
        'укажите его: [source.fields] time = "TIME"'
    ),
    "cli_check_hint_slashed": (
        "  ОШИБКА: даты вида {example}: день и месяц не различить (ДД/ММ или ММ/ДД), "
        "поэтому такие строки не читаются. Нужна дата в поле типа D или текстом "
        "ДД.ММ.ГГГГ / ГГГГ-ММ-ДД"
    ),
    "cli_check_ring_none": (
        "  секунды гудков: нет поля (RINGBEFORE). Причина пропуска у звонков в рабочее время"
        " будет «неизвестно», а в /stats и отчётах не будет скорости ответа. Если секунды"
        ' гудков в другом поле, укажите его в [source.fields]: ring = "..."'
    ),
    "cli_check_no_ring": (
        "  ОШИБКА: в таблице нет поля с секундами гудков (RINGBEFORE), а его читает {keys}:"
        " это правило не сработает ни на одном звонке. Если секунды гудков в другом поле,"
        ' укажите его в [source.fields]: ring = "..."; иначе поставьте этому ключу 0'
    ),
    "cli_check_dbf_path_hint": (
        "  подсказка: этот путь — source.path в {config}. Впишите путь к Calls.dbf,"
        " который пополняет WinTariff (в его настройках), через / или в одинарных кавычках;"
        " относительный путь отсчитывается от папки конфигурации"
    ),
    "cli_check_no_records": (
        "в таблице ещё нет ни одной записи: проверить, читаются ли её строки как звонки,"
        " не на чем. Позвоните с мобильного в группу, положите трубку до ответа и запустите"
        " perezvon check снова; если запись так и не появится, source.path указывает не на"
        " тот файл, в который пишет WinTariff"
    ),
    "cli_check_incoming_no_number": (
        "  ОШИБКА: ни у одного из {count} входящих звонков среди последних строк нет "
        "номера звонящего: перезванивать будет некуда. Проверьте, что АТС передаёт номер "
        "(CLIP на линиях), и поле номера: если оно называется не CALLERID, укажите его в "
        '[source.fields]: callerid = "..."'
    ),
    "cli_field_required": "обязательное",
    "cli_field_time": "время суток (или TIME)",
    "cli_field_duration": "секунды разговора (или DURATION)",
    "cli_field_number": "набранный номер",
    "cli_field_callerid": "номер звонящего",
    "cli_field_calltype": "I / N / C",
    "cli_field_co": "городская линия",
    "cli_field_ring": "секунды гудков",
    "cli_field_callmode": "AN / NA / ...",
    "cli_field_status": "текст направления",
    "cli_import_done": "Загружен {source} в {database}",
    "cli_import_loaded_before_all": (
        "  этот файл уже загружен раньше — до записи {count} включительно; новых записей в нём нет"
    ),
    "cli_import_loaded_before": (
        "  записи 1–{count} загружены раньше и снова не читались; прочитаны новые, после них"
    ),
    "cli_import_records": (
        "  прочитано записей: {read}, новых звонков: {new}, пропущено битых строк: {bad}, "
        "ещё не завершены: {pending}"
    ),
    "cli_import_cases": (
        "  случаи: открыто {opened}, повторных звонков {merged}, закрыто по журналу звонков "
        "{closed}; уведомления не отправлялись"
    ),
    "cli_import_mostly_bad_one": (
        "ОШИБКА: {count} строка таблицы не прочитана как звонки — больше половины. Запустите "
        "perezvon check: он покажет, что не так с полями (например, ITIME как ЧЧММСС), и "
        "как это указать в [source.fields]"
    ),
    "cli_import_mostly_bad_few": (
        "ОШИБКА: {count} строки таблицы не прочитаны как звонки — больше половины. Запустите "
        "perezvon check: он покажет, что не так с полями (например, ITIME как ЧЧММСС), и "
        "как это указать в [source.fields]"
    ),
    "cli_import_mostly_bad_many": (
        "ОШИБКА: {count} строк таблицы не прочитаны как звонки — больше половины. Запустите "
        "perezvon check: он покажет, что не так с полями (например, ITIME как ЧЧММСС), и "
        "как это указать в [source.fields]"
    ),
    "cli_import_no_caller": (
        "  !!! ВНИМАНИЕ: ни одно поле таблицы не даёт номер звонящего (нет CALLERID, а без "
        "CALLTYPE входящие не отличить): пропущенных звонков в истории нет. "
        'Укажите поле в [source.fields]: callerid = "..."'
    ),
    "cli_import_cut": (
        "  Последняя запись файла обрезана ({got} из {length} байт) и не прочитана: WinTariff"
        " ещё пишет её (тогда perezvon run прочитает её позже) или файл скопирован не до конца"
    ),
    "cli_progress": "{done}/{total} записей, {rate:,.0f}/с",
    "cli_progress_line": "{fraction:.0%} ({done}/{total} записей)",
    # `check`: the chats, hours, operators, contacts and routing of the sample rows
    "cli_check_placeholder": (
        "  ОШИБКА: {key} = {value} — это ID из perezvon.example.toml, а не ваш чат: "
        "сообщения туда не дойдут. Добавьте бота в чат, напишите там /start (или запустите "
        "`perezvon chats`) и впишите показанный ID"
    ),
    "cli_check_private_chat": (
        "  внимание: {key} = {value} — это ID личного чата с одним человеком: ID группы"
        " отрицательный (-100…, как его печатает `perezvon chats`). Если здесь должна быть"
        " группа, впишите её ID целиком, с минусом и -100"
    ),
    "cli_check_placeholder_admin": (
        "  внимание: telegram.admins содержит {value} — ID из perezvon.example.toml. Впишите "
        "свой ID пользователя: его покажет /start в личном чате с ботом или `perezvon chats`"
    ),
    "cli_check_telegram_config": "\n[telegram]",
    "cli_check_managers": "  чат руководителей (managers_chat): {chat}",
    "cli_check_no_managers": (
        "  чат руководителей (managers_chat) не задан: ни сводки, ни эскалаций"
    ),
    "cli_check_admins": "  администраторы (admins): {admins}",
    "cli_check_none": "нет",
    "cli_check_summary": "  сводка за вчера (daily_summary): в {time}",
    "cli_check_summary_off": "  сводка за вчера (daily_summary): выключена",
    "cli_check_hours_title": "\n[hours]",
    "cli_check_hours": (
        "  {days}, {open}–{close}; праздников: {holidays}, доп. рабочих дней: {extra}"
    ),
    "cli_check_hours_always": (
        "  таблицы [hours] нет: офис открыт всегда, время ожидания считается круглосуточно"
    ),
    "cli_check_after_hours": "  звонки в нерабочее время (after_hours): {mode}",
    "cli_check_after_digest": "сводкой при открытии (digest)",
    "cli_check_after_post": "сразу (post)",
    "cli_check_weekdays": "пн вт ср чт пт сб вс",
    "cli_check_operators_title": "\n[operators]",
    "cli_check_operator": "  доб. {extension} → пользователь {user}",
    "cli_check_operators_none": "  нет; /me 201 в чате отдела привязывает добавочный к человеку",
    "cli_check_operators_linked": "  ещё привязано через /me: {count}",
    "contacts_no_number": "строка {line}: нет номера телефона в {cell}",
    "contacts_no_name": "строка {line}: нет имени для {number}",
    "contacts_workbook": (
        "это книга Excel, а не текст CSV: в Excel — Файл → Сохранить как → «CSV UTF-8 "
        "(разделитель — запятая)», и укажите этот файл в rules.contacts_csv"
    ),
    "cli_check_contacts_title": "\nКонтакты",
    "cli_check_contacts_off": "  rules.contacts_csv не задан: карточки без имён клиентов",
    "cli_check_contacts": "  загружено контактов: {count} из {path}",
    "cli_check_contacts_skipped": "  пропущено строк: {count}; первая: {first}",
    "cli_check_contacts_missing": (
        "  внимание: файла {path} нет (rules.contacts_csv): карточки будут без имён. "
        "Положите туда CSV «телефон,имя[,компания]» или уберите ключ"
    ),
    "cli_check_contacts_unreadable": (
        "  внимание: файл {path} не читается ({error}); проверьте права и не открыт ли он в Excel"
    ),
    "cli_check_row_department": " → {department}",
    "cli_check_row_no_department": " → никуда: ни один отдел не подходит и нет default = true",
    "cli_check_row_staff": " → не случай: номер сотрудника",
    "cli_check_row_answered": " → принят: не пропущенный, в чат не идёт",
    "cli_check_row_short": " → звонил меньше {seconds} с (min_ring_seconds): в чат не идёт",
    # `check --send-test`
    "cli_send_test_title": "\nПробное сообщение в каждый чат",
    "cli_send_test_no_chats": "  ОШИБКА: в конфигурации нет ни одного чата",
    "cli_send_test_skipped": "  не отправлено: токен не прошёл проверку (см. выше)",
    "cli_send_test_ok": "  OK      {target}",
    "cli_send_test_failed": "  ОШИБКА  {target}: {error}",
    "cli_send_test_hint": "          → {hint}",
    "cli_send_test_department": "чат {chat} (отдел «{name}»{topic})",
    "cli_send_test_managers": "чат {chat} (руководители)",
    "cli_send_test_topic": ", тема {topic}",
    "cli_send_test_hint_forbidden": (
        "бот не может писать в этот чат: добавьте его туда (в канал — администратором); "
        "возможно, его удалили из чата"
    ),
    "cli_send_test_hint_not_found": (
        "чата с таким ID бот не знает: ID неверен или бот не добавлен в чат. Напишите там "
        "/start или запустите `perezvon chats`"
    ),
    "cli_send_test_hint_topic": (
        "темы с таким номером в чате нет: проверьте department.topic (0 — без темы)"
    ),
    "cli_send_test_hint_rights": "у бота нет права писать сюда: разрешите это в настройках чата",
    "cli_send_test_hint_migrated": (
        "группа стала супергруппой, её новый ID {chat}: впишите его в perezvon.toml"
    ),
    "cli_send_test_hint_network": "Telegram недоступен: проверьте сеть и TELEGRAM_BASE_URL",
    "cli_send_test_summary": "  не дошло: {failed} из {total}",
    "test_message": "🔔 Проверка связи: «Перезвон» может писать сюда ({target}).",
    "test_target_department": "отдел «{name}»",
    "test_target_managers": "чат руководителей",
    "chat_label_managers": "чат руководителей",
    # `perezvon chats`
    "cli_chats_listening": (
        "Бот @{username} ждёт сообщений {seconds} с. Добавьте его в чаты отделов и "
        "руководителей и напишите в каждом /start@{username} (в личном чате с ботом — "
        "/start). Ctrl+C — закончить раньше.\n"
    ),
    "cli_chats_chat": "  {chat_id:<16} {kind:<11} {title}{topic}{you}",
    "cli_chats_topic": " · тема {topic} (department.topic)",
    "cli_chats_private": " — ваш ID пользователя (для telegram.admins)",
    "cli_chats_cannot_reply": "      ! бот не может писать в этот чат: {error}",
    "cli_chats_none": (
        "Ни один чат не написал боту за {seconds} с. Бот добавлен в группу? В группе бот "
        "видит только команды: напишите /start@{username}."
    ),
    "cli_chats_paste": (
        "\nВпишите ID в perezvon.toml: чат отдела — chat = ID в его [[department]] (тема "
        "форума — topic = N), чат руководителей — managers_chat = ID в [telegram], свой ID "
        "пользователя — в admins. Затем `perezvon check --send-test`."
    ),
    "cli_chats_conflict": (
        "Сообщения боту уже читает другая программа (работает `perezvon run`?). Остановите "
        "её и запустите `perezvon chats` снова — или напишите /start в чате: работающий "
        "бот сам ответит ID чата."
    ),
    "chats_reply": (
        "ID этого чата: <code>{chat_id}</code>{topic}\nОн показан и в окне `perezvon chats`: "
        "впишите его в perezvon.toml."
    ),
    "chats_reply_topic": ", тема <code>{topic}</code>",
    "binding_topic": "\nТема этого сообщения: <code>{topic}</code> (для department.topic).",
    # the ledger and its lock
    "cli_ledger_damaged": (
        "ошибка: {path} — не база Перезвона или она повреждена ({error}). Остановите "
        "Перезвон, переименуйте файл (сохраните его для разбора) и восстановите базу из "
        "резервной копии — или начните заново: `perezvon import` соберёт историю из "
        "Calls.dbf."
    ),
    "cli_ledger_unwritable": (
        "ошибка: базу {path} не открыть на запись ({error}). Папка должна существовать, а "
        "пользователь, от имени которого работает Перезвон (учётная запись службы), должен "
        "иметь право записи в саму папку: рядом с базой SQLite создаёт файлы -wal и -shm; и "
        "у самого файла не должен стоять атрибут «Только чтение» (в английской Windows "
        '"Read-only"; Свойства файла; так бывает после восстановления из резервной копии).'
    ),
    "cli_ledger_is_folder": (
        "ошибка: {path} — это папка, а в database.path нужен сам файл базы, например"
        " {error} (его создаст первый запуск)."
    ),
    "cli_ledger_full": (
        "ошибка: на диске базы {path} кончилось место ({error}). Сама база цела — не"
        " удаляйте и не переносите её: освободите место на этом диске (старые журналы,"
        " резервные копии, Корзина) и повторите команду: уже сохранённые звонки не"
        " сохранятся дважды."
    ),
    "cli_ledger_locked": (
        "ошибка: база {path} занята другой программой ({error}); закройте её (просмотрщик "
        "SQLite?) и повторите."
    ),
    "cli_run_busy": (
        "ошибка: с базой {database} уже работает другой Перезвон (занят {lock}): `perezvon "
        "run` или загрузка. Второй `run` не нужен — остановите первый (службу) или "
        "дождитесь конца загрузки."
    ),
    "cli_import_busy": (
        "ошибка: `perezvon run` сейчас сам читает {path} (занят {lock}): загружать этот "
        "файл не нужно, а одновременно — нельзя. Остановите службу, загрузите и запустите её "
        "снова; архивную копию можно загружать и при работающей службе."
    ),
    "cli_chats_busy": (
        "ошибка: `perezvon run` уже работает (занят {lock}) и сам получает сообщения боту: "
        "напишите /start в чате — бот ответит его ID. Или остановите службу и запустите "
        "`perezvon chats` снова."
    ),
    "cli_check_running": (
        "  `perezvon run` работает с этой базой или идёт импорт (занят {lock}); звонки"
        " импорта, ещё не сохранённые, в числах ниже не видны"
    ),
    # problems in perezvon.toml, in the config's own language (watcher.config.problems_language)
    "config_problems_in": "Ошибки в {source}:",
    "config_file_not_found": (
        "файл не найден: {path} (скопируйте perezvon.example.toml в {name} и впишите в него "
        "свои настройки)"
    ),
    "config_is_folder": "{path} — это папка: укажите сам файл настроек, например {file}",
    "config_not_utf8": "файл сохранён не в UTF-8; сохраните его в кодировке UTF-8",
    "config_unreadable": "не удаётся прочитать файл: {error}",
    "config_toml_bad": "ошибка в синтаксисе TOML: {error}",
    "config_toml_line": ". Строка {number}: {line}",
    "config_toml_quotes": (
        'текст и время пишутся в кавычках: open = "09:00", name = "Отдел продаж";'
        " числа (chat = -1001234567890) и true/false — без кавычек"
    ),
    "config_toml_unclosed_quote": 'не закрыта кавычка: значение начинается и кончается "',
    "config_toml_unclosed_list": "не закрыт список: он кончается на ] (admins = [123, 456])",
    "config_toml_table_again": (
        "раздел {table} уже был выше: соберите его ключи под одним заголовком {table}"
    ),
    "config_toml_table_twice": (
        "раздел {table} уже был выше; второй отдел (и каждый следующий) начинается с"
        " [[department]] — в двух квадратных скобках"
    ),
    "config_windows_paths": (
        "в двойных кавычках обратную косую черту в пути Windows нужно удваивать: пишите путь "
        'через / (path = "C:/WinTariff32/Calls/Calls.dbf") или в одинарных кавычках '
        "(path = 'C:\\WinTariff32\\Calls\\Calls.dbf')"
    ),
    "config_path_control": "{key}: в {value} есть управляющий символ",
    "config_path_quoted": (
        "{key}: путь {value} взят в кавычки внутри строки (так копирует «Копировать как"
        " путь» в Проводнике). Уберите лишние кавычки:"
        " {key_name} = '{bare}'"
    ),
    "config_unknown_key": "{key}: неизвестный ключ (здесь допустимы: {known})",
    "config_key_elsewhere": (
        "{key}: этот ключ — из {table}. TOML относит строку к последнему заголовку [...]"
        " над ней: перенесите её под заголовок {table}"
    ),
    "config_unknown_key_guess": "{key}: неизвестный ключ — может быть, {guess}?",
    "config_unknown_table": "{key}: неизвестная таблица (здесь допустимы: {known})",
    "config_unknown_table_guess": "{key}: неизвестная таблица — может быть, {guess}?",
    "config_not_yet": (
        "{key}: эта версия Перезвона такой настройки ещё не поддерживает; уберите её, "
        "сейчас она ни на что не влияет"
    ),
    "config_not_table": "[{key}] должна быть таблицей",
    "config_text_required": "{key}: нужен текст в кавычках",
    "config_choice_bad": "{key}: допустимые значения — {options}; указано {value}",
    "config_number_bad": "{key}: нужно число, а не {value}",
    "config_number_min": "{key}: должно быть не меньше {minimum}",
    "config_whole_number": "{key}: нужно целое число",
    "config_bool_bad": "{key}: нужно true или false",
    "config_list_bad": '{key}: нужен список вида ["620", "201-209"]',
    "config_item_not_text": "{key}: {value} — не текст",
    "config_time_bad": '{key}: нужно время вида "{example}", а не {value}',
    "config_weekly_bad": (
        '{key}: нужны день недели и время вида "mon 09:00" (или "пн 09:00"), либо "", '
        "чтобы отключить; указано {value}"
    ),
    "config_timezone_unknown": (
        "timezone: неизвестный часовой пояс {value} (например, 'Europe/Moscow')"
    ),
    "config_timezone_meant": "timezone: неизвестный часовой пояс {value}; может быть, {meant}?",
    "config_timezone_offset": (
        "timezone: неизвестный часовой пояс {value}; постоянное смещение пишется {meant}"
        " (знак обратный, и без перехода на летнее время: офис в Риге, Кишинёве или Киеве"
        " пишет свой город, например 'Europe/Riga')"
    ),
    "config_encoding_text": "source.encoding: нужен текст, например 'auto' или 'cp866'",
    "config_encoding_unknown": (
        "source.encoding: неизвестная кодировка {value} (укажите auto, cp866 или cp1251)"
    ),
    "config_fields_table": '[source.fields] должна быть таблицей, например callerid = "{example}"',
    "config_field_name_bad": "source.fields.{role}: нужно имя поля DBF в кавычках, а не {value}",
    "config_contacts_path": "rules.contacts_csv: нужен путь к файлу в кавычках",
    "config_chat_id_bad": (
        "{key}: {value} — не ID чата (это число вида -1001234567890; его покажет /start "
        "в этом чате)"
    ),
    "config_chat_id_minus": (
        "{key} = {value}: у ID группы потерян минус впереди. Впишите -{value} (так его"
        " печатает perezvon chats)"
    ),
    "config_chat_id_zero": (
        "{key} = 0 — это не ID чата. Впишите ID чата (число вида -1001234567890): его"
        " печатает perezvon chats, когда в чате напишут /start@имя_бота"
    ),
    "config_user_id_bad": "{key}: {value} — не ID пользователя Telegram",
    "config_departments_shape": (
        "department: каждый отдел записывается отдельной таблицей [[department]]"
    ),
    "config_departments_none": "department: нужен хотя бы один отдел [[department]]",
    "config_department_not_table": "{key}: это должна быть таблица",
    "config_department_name_required": "{key}: не задано имя отдела (name)",
    "config_department_name_twice": "department {name}: это имя встречается дважды",
    "config_departments_two_defaults": (
        "department: default = true может быть только у одного отдела"
    ),
    "config_extension_bad": (
        "{key}: {pattern} — не номер, не группа и не диапазон вида 201-209 "
        '(через запятую: "630, 210-219")'
    ),
    "config_extensions_shadowed": (
        "department {second}.extensions ({other}): сюда не попадёт ни один звонок — "
        "department {first} ({pattern}) стоит раньше и забирает {shared}. Оставьте номер в "
        "одном отделе или поставьте отдел-исключение первым"
    ),
    "config_hours_days_list": 'hours.days: нужен список вида ["mon", "tue", "wed", "thu", "fri"]',
    "config_hours_day_bad": (
        "hours.days: {value} — не день недели (mon, tue, wed, thu, fri, sat, sun "
        "или пн, вт, ср, чт, пт, сб, вс)"
    ),
    "config_hours_close_before_open": (
        "hours: время закрытия close ({close}) должно быть позже открытия open ({open})"
    ),
    "config_hours_both": (
        "hours: {day} указан и как праздник (holidays), и как рабочий день (extra_workdays)"
    ),
    "config_hours_after_hours": 'hours.after_hours: допустимо "digest" или "post", а не {value}',
    "config_date_bad": (
        '{key}: {value} — не дата вида "2026-12-31" и не диапазон вида "2027-01-01..2027-01-08"'
    ),
    "config_range_backwards": "{key}: в диапазоне {value} начало больше конца",
    "config_date_fix": ': напишите "{fix}"',
    "config_dates_fix_list": ": здесь несколько дат в одной строке; напишите списком: {fix}",
    "config_dates_repeated": (
        "{key}: {value} повторяет уже указанные дни ({days}): это не ошибка, но проверьте"
        " даты; пересекающиеся диапазоны можно слить в один"
    ),
    "config_extra_workday_anyway": (
        "hours.extra_workdays: {day} — {weekday}, он и так рабочий по hours.days; сюда пишут"
        " выходные, ставшие рабочими (перенос), — проверьте дату"
    ),
    "cli_check_note": "  внимание: {note}",
    "config_short_day_closed": (
        "hours.short_days: {day} ({weekday}) — нерабочий день: сокращать нечего; проверьте дату"
    ),
    "cli_check_short_days": "  сокращённых предпраздничных дней (на час раньше): {count}",
    "config_date_no_such_day": (
        "{key}: {value}: такого дня нет в календаре; проверьте число и месяц (ГГГГ-ММ-ДД)"
    ),
    "config_range_too_long": "{key}: диапазон {value} длиннее года",
    "config_operators_table": (
        '[operators] должна быть таблицей строк вида "внутренний номер" = ID пользователя'
    ),
    "config_operator_key": (
        "operators.{extension}: слева пишется внутренний номер, справа ID пользователя: "
        '"201" = {user}, по строке на каждый номер'
    ),
    "config_operator_user": (
        "operators.{extension}: {user} — не ID пользователя Telegram (это число; "
        "его показывает /me в чате)"
    ),
    "config_operator_chat_id": (
        "operators.{extension}: {user} — это ID чата, а нужен ID пользователя Telegram:"
        " положительное число, его покажет /start в личном чате с ботом или /me в чате"
    ),
    "config_employee_numbers_joined": (
        "rules.employee_numbers: {value} — несколько номеров в одной строке, и ни один из"
        " них не узнаётся. Пишите каждый номер в своих кавычках: employee_numbers = [{parts}]"
    ),
    "config_employee_number_bad": (
        "rules.employee_numbers: {value} — не номер телефона; пишите номера сотрудников"
        ' целиком, например "+79161234567"'
    ),
    "config_line_range": (
        '{key}: {value} — линии CO перечисляются по одной (lines = ["01", "02"]),'
        " диапазоны здесь не читаются"
    ),
    "config_department_catches_nothing": (
        "{key}: нет ни extensions, ни lines, и это не default = true: ни один звонок сюда"
        " не попадёт. Впишите в extensions номера групп и станций отдела"
    ),
    # lengths of time (waits, ages, medians; talk time from an hour up)
    "span_seconds": "{seconds} с",
    "span_minutes": "{minutes} мин",
    "span_hours": "{hours} ч",
    "span_hours_minutes": "{hours} ч {minutes} мин",
    # the workbook (perezvon report, /report, the weekly summary)
    "report_sheet_summary": "Сводка",
    "report_sheet_missed": "Пропущенные",
    "report_sheet_incoming": "Входящие",
    "report_sheet_outgoing": "Исходящие",
    "report_sheet_operators": "Операторы",
    "report_sheet_new_callers": "Новые клиенты",
    "report_sheet_frequent": "Частые абоненты",
    "report_sheet_load": "Нагрузка",
    "load_weekdays": "Пн,Вт,Ср,Чт,Пт,Сб,Вс",
    "load_block_incoming": "Входящих · {day}",
    "load_block_missed": "Пропущено · {day}",
    "load_block_rate": "Доля пропущенных · {day}",
    "report_col_calls": "Звонков",
    "report_col_cases": "Случаев пропуска",
    "report_col_metric": "Показатель · {scope}",
    "report_col_change": "Изменение",
    "report_col_date": "Дата",
    "report_col_hour": "Час",
    "report_col_time": "Время",
    "report_col_department": "Отдел",
    "report_col_incoming": "Входящих",
    "report_col_answered": "Отвечено",
    "report_col_missed": "Пропущено",
    "report_col_short_abandons": "Короткие сбросы",
    "report_col_miss_rate": "Доля пропущенных",
    "report_col_phone": "Телефон",
    "report_col_contact": "Контакт",
    "report_col_company": "Компания",
    "report_col_new_caller": "Новый клиент",
    "report_col_first_call": "Первый звонок",
    "report_col_last_call": "Последний звонок",
    "report_col_attempts": "Звонков",
    "report_col_ring": "Гудки, с",
    "report_col_status": "Статус",
    "report_col_how_closed": "Как закрыт",
    "report_col_called_back_by": "Кто перезвонил",
    "report_col_callback_at": "Перезвонили в",
    "report_col_minutes_to_callback": "Минут до перезвона",
    "report_col_minutes_to_callback_office": "Рабочих минут до перезвона",
    "report_col_within": "Перезвонили {sla}",
    "report_col_callback_attempts": "Попыток перезвона",
    "report_col_extension": "Доб.",
    "report_col_operator": "Оператор",
    "report_col_load": "Нагрузка",
    "report_col_talk": "Разговор",
    "report_col_outgoing": "Исходящих с разговором",
    "report_col_callbacks": "Перезвонов",
    "report_col_median_minutes": "Медиана до перезвона, мин",
    "report_col_median_minutes_office": "Медиана до перезвона, рабочих минут",
    "report_col_within_share": "Доля перезвонов {sla}",
    "report_col_first_answered": "Ответили на первый звонок",
    "report_col_called_back": "Перезвонили",
    "report_col_came_back": "Звонил ещё",
    "report_sla": "за {minutes} мин",
    "report_sla_office": "за {minutes} рабочих минут",
    "report_m_incoming": "Входящих",
    "report_m_answered": "Отвечено",
    "report_m_missed": "Пропущено",
    "report_m_miss_rate": "Доля пропущенных",
    "report_m_cases": "Случаев пропуска",
    "report_m_closed": "Перезвонили",
    "report_m_by_call": "  по журналу звонков",
    "report_m_by_user": "  отмечено в чате",
    "report_m_got_through": "Дозвонились сами",
    "report_m_not_needed": "Не нужно перезванивать",
    "report_m_hidden": "Входящих без номера звонящего (в цифрах выше их нет)",
    "report_m_hidden_missed": "  из них без ответа",
    "report_m_new_callers": "Новые номера",
    "report_m_new_answered": "  ответили сразу",
    "report_m_new_called_back": "  перезвонили",
    "report_m_new_got_through": "  дозвонились сами",
    "report_m_new_not_needed": "  не нужно перезванивать",
    "report_m_new_waiting": "  ещё не дозвонились",
    "report_m_new_short": "  сбросили сразу (не публикуются)",
    "report_m_open": "Ещё ждут",
    "report_m_expired": "Без ответа (история)",
    "report_m_median": "Медиана до перезвона",
    "report_m_median_office": "Медиана до перезвона (рабочее время)",
    "report_m_within": "Перезвонили {sla}",
    "report_m_outgoing": "Исходящих с разговором",
    "report_m_talk": "Время разговоров",
    "report_m_answer_median": "Скорость ответа, медиана",
    "report_m_answer_p90": "Скорость ответа, 90%",
    "report_m_answer_within": "Отвечено за {target} с",
    "report_m_hung_up_median": "Положившие трубку ждали, медиана",
    "report_m_hung_up_p90": "Положившие трубку ждали, 90%",
    "report_m_reason_short_abandon": "Пропущено: короткий сброс",
    "report_m_reason_after_hours": "Пропущено: в нерабочее время",
    "report_m_reason_timed_out": "Пропущено: группа не ответила",
    "report_m_reason_hung_up": "Пропущено: положили трубку",
    "report_m_reason_unanswered": "Пропущено: без ответа",
    "report_m_reason_unknown": "Пропущено: причина неизвестна",
    "report_chart_title": "Входящие и пропущенные по дням · {label}",
    "report_extension": "доб. {extension}",
    "report_status_open": "ждёт перезвона",
    "report_status_closed": "закрыт",
    "report_how_call": "перезвонили (по журналу)",
    "report_how_answered": "клиент дозвонился сам",
    "report_how_user": "отмечено в чате",
    "report_how_not_needed": "не нужно перезванивать",
    "report_how_not_needed_by": "не нужно перезванивать ({name})",
    "report_how_expired": "не перезвонили (история)",
    "report_new_short": "сбросили сразу (не публикуются)",
    "report_yes": "да",
    "report_no": "нет",
    "report_minutes": "мин",
    "report_hours": "ч",
    "report_seconds": "с",
    "report_points": "п. п.",
    "report_caption": "📊 Отчёт за {label} · {scope}",
    "report_bad_period": (
        "Не понял период «{period}».\n"
        "Примеры: /report вчера, /report прошлая неделя, /report прошлый месяц, "
        "/report декабрь, /report 2026, /report 01.03.2024..31.03.2024"
    ),
    "report_not_allowed": "Отчёт доступен в чатах отделов и руководителей.",
    "report_failed": "Не удалось составить отчёт, подробности в журнале сервиса.",
    "cmd_report": "Отчёт Excel: неделя, месяц, квартал или даты",
    "cmd_load": "Нагрузка по дням недели и часам: когда теряем звонки",
    "load_title": "Пропущенные по дням недели и часам · {scope} · {label}",
    "load_caption": "🔥 <b>Нагрузка</b> · {scope} · {label}",
    "load_worst": "Больше всего теряем: {hours}",
    "load_worst_hour": "{day} {hour} — {count}",
    "load_none": "Пропущенных нет 🎉",
    "cli_report_written": "Записано: {path}",
    "cli_report_bad_target": "ошибка: {path}: нужен файл .xlsx, .csv или папка",
    "cli_report_no_folder": (
        "ошибка: не удалось записать {path}: папки {folder} нет. Создайте её или укажите"
        " в -o путь в существующей папке"
    ),
    "cli_report_not_written": (
        "ошибка: не удалось записать {path} ({reason}). Если файл открыт в Excel, закройте "
        "его или дайте другое имя (-o); папка должна существовать, и в неё должно быть можно "
        "писать"
    ),
    "cli_check_log": "\nЖурнал {path}",
    "cli_check_log_console": '\nЖурнал: только консоль (logging.file = "")',
    "cli_check_log_folder": "это папка",
    "cli_check_log_unwritable": (
        "  ОШИБКА: в {path} нельзя писать ({reason}): служба будет вести журнал только в"
        " консоли, которую никто не видит. Укажите в logging.file файл в папке, куда"
        " пользователь службы может писать"
    ),
    "cli_check_ledger_folder": (
        "  ОШИБКА: в папку {folder} нельзя записать ({reason}): базу не создать. Дайте "
        "пользователю службы право записи в неё или укажите другую папку в database.path"
    ),
    "token_shape_url": (
        "TELEGRAM_BOT_TOKEN похож на ссылку: в .env нужен только сам токен — то, что после "
        "/bot и до следующей /, вида 123456789:AA…"
    ),
    "token_shape_bot": (
        "TELEGRAM_BOT_TOKEN начинается с «bot»: уберите это слово, токен начинается с цифр "
        "(123456789:AA…)"
    ),
    "token_shape": (
        "TELEGRAM_BOT_TOKEN не похож на токен бота (цифры, двоеточие, затем буквы и цифры: "
        "123456789:AA…). Скопируйте его у @BotFather: /mybots → API Token"
    ),
}

EN: dict[str, str] = {
    "case_title": "📞 <b>Missed call</b> · {department}",
    "case_title_answered": "☎️ <b>Call answered</b> · {department}",
    "case_dial": "Dial: {dial}",
    "case_contact": "👤 {contact}",
    "case_new_caller": "🆕 new number",
    "case_first": "🕒 {when}",
    "case_repeated": "🕒 {when} · called {count} {times}, last at {last}",
    "case_ring": "⏳ waited {seconds} s for an answer",
    "reason_hung_up": "⏳ waited {seconds} s and hung up",
    "reason_timed_out": "⏳ the group did not answer in {seconds} s",
    "reason_unanswered": "⏳ waited {seconds} s for an answer",
    "reason_after_hours": "🌙 after hours",
    "reason_short_abandon": "⏳ hung up after {seconds} s",
    "reason_unknown": "❔ reason unknown",
    "case_reasons": "Calls:",
    "case_reason_call": "  {when} — {reason}",
    "reason_name_short_abandon": "short abandon",
    "reason_name_after_hours": "after hours",
    "reason_name_timed_out": "group did not answer",
    "reason_name_hung_up": "hung up",
    "reason_name_unanswered": "unanswered",
    "reason_name_unknown": "reason unknown",
    "closed_by_user": "✅ Called back by {name} at {when}",
    "closed_by_call": "✅ Called back from ext. {extension} at {when}, talked {duration}",
    "closed_answered_later": (
        "✅ Called again and was answered by ext. {extension} at {when}, talked {duration}"
    ),
    "closed_expired": "☑️ Closed as stale",
    "closed_not_needed": "🚫 No callback needed: {name}, {when}",
    "closed_leg": (
        "☎️ Not missed: ext. {extension} answered this same call at {when}, talked {duration}"
    ),
    "toast_already_leg": "Not a missed call: ext. {extension} answered it at {when}",
    "console_closed_leg": "not missed: ext. {extension} answered it at {when}",
    "case_claimed": "👋 Taken: {name}, {when}",
    "case_failed_user": "📵 {name} at {when} — no answer",
    "case_failed_pbx": "📵 ext. {extension} at {when} — no answer",
    "case_failed_pbx_short": (
        "📵 ext. {extension} at {when} — talked {duration}, too short to count as a callback"
    ),
    "card_more_calls_one": "  …{count} earlier call",
    "card_more_calls_few": "  …{count} earlier calls",
    "card_more_calls_many": "  …{count} earlier calls",
    "card_more_attempts_one": "📵 …{count} earlier attempt",
    "card_more_attempts_few": "📵 …{count} earlier attempts",
    "card_more_attempts_many": "📵 …{count} earlier attempts",
    "button_claim": "👋 I'm calling",
    "button_failed": "📵 No answer",
    "button_not_needed": "🚫 Not needed",
    "toast_claimed": "Taken: the call is yours",
    "toast_claimed_already_yours": "The call is yours already",
    "toast_claimed_by_other": "Already taken by {name} at {when}",
    "toast_taken_over": "The call is yours now (was taken by {name})",
    "toast_failed": "Marked: no answer, the call still waits",
    "toast_not_needed": "Marked: no callback needed",
    "toast_already_not_needed": "Already closed: not needed ({name}, {when})",
    "console_closed_not_needed": "not needed, marked by {name} at {when}",
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
    "toast_undo_newer_open": "This number called again: its newer call is open, mark that one",
    "toast_unknown": "This button is outdated or does not match a call",
    "toast_busy": "The ledger is busy, nothing was marked: press again in a minute",
    "toast_not_saved": (
        "Not saved: the server cannot write its ledger. Mark it later; the admin sees it in the log"
    ),
    "toast_stale_message": "This message is out of date; the call is shown in another. Try /missed",
    "help": (
        "I am Perezvon: I post the department's missed incoming calls from the WinTariff "
        "call log and make sure every caller gets a call back.\n\n"
        "• “👋 I'm calling” tells everyone you are on it; “✅ Called back” when done; "
        "“📵 No answer” records the attempt, the call still waits; “🚫 Not needed” for "
        "spam, a wrong number or solved otherwise. “↩️ Undo” removes the mark.\n"
        "• A callback from the PBX, or the customer getting through, closes the call "
        "by itself.\n\n"
        "Commands:\n"
        "/missed — open missed calls\n"
        "/stats [today|yesterday|week|month|last week|YYYY-MM-DD..YYYY-MM-DD] — "
        "figures and a chart\n"
        "/load [period] — when calls are lost: by weekday and hour (default: 4 weeks)\n"
        "/me 201 — your extension: cards will show your name\n"
        "/report [yesterday|last week|last month|quarter|year|YYYY-MM-DD..YYYY-MM-DD] — "
        "an Excel report\n"
        "/help — this help\n\n"
        "This chat's id: <code>{chat_id}</code>\n{binding}{user}"
    ),
    "help_user": "\nYour user id (for telegram.admins): <code>{user_id}</code>",
    "binding_department": "This chat is the department “{department}”.",
    "binding_managers": "This is the managers' chat: all departments are visible.",
    "binding_none": (
        "This chat is not in the config yet. For missed calls to come here, put "
        "<code>chat = {chat_id}</code> into the department's [[department]] in perezvon.toml "
        "(for the managers' chat: <code>managers_chat = {chat_id}</code> in [telegram]) and "
        "restart Perezvon."
    ),
    "missed_title": "📋 <b>Open missed calls</b> · {scope}: {count}",
    "missed_scope_all": "all departments",
    "missed_none": "No open missed calls 🎉",
    "missed_not_bound": (
        "This chat is not bound to a department. Chat id: <code>{chat_id}</code> — put it "
        "into perezvon.toml."
    ),
    "missed_private": (
        "I show missed calls in the departments' chats. To see them all here, ask the admin "
        "to add your id <code>{user_id}</code> to telegram.admins."
    ),
    "missed_line": "{index}. <b>{number}</b>{contact} · {when}{attempts}{department}{reason}",
    "missed_attempts": " · {count}× since {first}",
    "missed_claimed": " · 👋 {name}",
    "missed_tried": " · 📵 {count}",
    "missed_more": (
        "…and {count} more who called earlier, the oldest waiting since {since}; close these"
        " to see the rest."
    ),
    "stats_bad_period": (
        "Period not understood: “{period}”.\n"
        "Examples: /stats today, /stats yesterday, /stats week, /stats last month, "
        "/stats december, /stats 2026, /stats 2024-03-01..2024-03-31"
    ),
    "load_bad_period": (
        "Period not understood: “{period}”.\n"
        "Examples: /load (4 weeks), /load month, /load last month, "
        "/load 2024-03-01..2024-03-31"
    ),
    "stats_not_allowed": "Figures are available in department and managers' chats.",
    "stats_failed": "Could not compute the figures; see the service log.",
    "chart_caption": "Calls by hour · {label}",
    "chart_daily_caption": "Calls by day · {label}",
    "chart_daily_title": "Incoming and missed calls by day · {label}",
    "chart_day": "Day",
    "chart_title": "Incoming and missed calls by hour · {label}",
    "chart_incoming": "Incoming",
    "chart_missed": "Missed",
    "chart_hour": "Hour",
    "chart_calls": "Calls",
    "summary_title": "📊 <b>Yesterday's summary</b>, {label}",
    "summary_title_days": "📊 <b>Summary</b> for {label}",
    "summary_open": "Waiting for a callback now (from any day): <b>{count}</b>",
    "summary_no_calls": (
        "⚠️ Not one call in the log on a working day. Check that WinTariff gets the PBX's "
        "records and Perezvon reads Calls.dbf: perezvon check"
    ),
    "summary_open_none": "All missed calls are closed 👍",
    "summary_open_line": "• {number}{contact} · {department} · {when}{age}",
    "summary_age": " · waiting {age}",
    "summary_age_office": " · waiting {age} of office time",
    "summary_age_after_hours": " · came after hours",
    "summary_more": "…and {count} more",
    "reminder": "⏰ Still waiting for a callback after {wait}: <b>{number}</b>",
    "reminder_office": (
        "⏰ Still waiting for a callback after {wait} of office time: <b>{number}</b>"
    ),
    "reminder_claimed": "👋 {mention}, this call is yours",
    "reminder_claimed_stale": "👋 Taken by {mention} on {when}; today anyone may take it",
    "reminder_closed": "<s>⏰ Waited for a callback: <b>{number}</b></s>\n{closed}",
    "reminder_repeated": "🔁 called {count} {times}, last at {last}",
    "escalation_header": "🚨 <b>Not called back within {wait}</b> · {department}",
    "escalation_header_office": (
        "🚨 <b>Not called back within {wait}</b> of office time · {department}"
    ),
    "escalation_header_closed": "☑️ Waited over {wait} · {department}",
    "escalation_header_closed_office": "☑️ Waited over {wait} of office time · {department}",
    "digest_header_one": "🌙 <b>Missed after hours: {count}</b> · {department}",
    "digest_header_few": "🌙 <b>Missed after hours: {count}</b> · {department}",
    "digest_header_many": "🌙 <b>Missed after hours: {count}</b> · {department}",
    "digest_header_closed": " · closed already: {closed}",
    "digest_header_since": " · office closed since {since}",
    "cmd_me": "My extension: /me 201",
    "me_linked": "Done: ext. {extension} is {name}. Cards and figures will show this name.",
    "me_shown": "You are {extensions}.",
    "me_extension": "ext. {extension}",
    "me_none": "You are not linked to an extension. Send /me 201 (your extension).",
    "me_bad": "Extension not understood: “{value}”. Example: /me 201",
    "me_not_here": "This command works in department and managers' chats.",
    "me_admin_only": "Only an admin can link another person.",
    "me_taken": (
        "Ext. {extension} is linked to someone else: {name}. If it is yours now, ask an"
        " admin to send <code>/me {extension} {user}</code>."
    ),
    "me_moved_from": "Before: {name}.",
    "me_config_owned": "Ext. {extension} belongs to another user in perezvon.toml ([operators]).",
    "summary_weekly_title": "📊 <b>The week</b>, {label}",
    "summary_weeks_title": "📊 <b>The weeks</b>, {label}",
    "summary_compare_calls": (
        "Incoming <b>{incoming}</b> {d_incoming} · missed <b>{missed}</b> {d_missed}"
        " · rate <b>{rate}</b> {d_rate}"
    ),
    "summary_compare_cases": (
        "Called back <b>{closed}</b> {d_closed} · median time to callback <b>{median}</b>"
        " {d_median}"
    ),
    "summary_against_day": "<i>▲▼ — against {weekday} {date}</i>",
    "summary_against_week": "<i>▲▼ — against the week {first}–{last}</i>",
    "summary_against_days": "<i>▲▼ — against {first}–{last}</i>",
    "summary_delta_pp": "{value} pp",
    "weekdays_short": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
    "cmd_start": "What the bot does and this chat's id",
    "cmd_help": "Help",
    "cmd_missed": "Open missed calls",
    "cmd_stats": "Figures: today, yesterday, week, month or dates",
    "times_one": "time",
    "times_few": "times",
    "times_many": "times",
    "stats_title": "Calls for {label}",
    "stats_title_scoped": "{title} — {scope}",
    "stats_none": "No calls.",
    "stats_incoming": (
        "Incoming: {incoming} — answered {answered}, missed {missed} (miss rate {rate:.0%})"
    ),
    "stats_cases": "Missed-call cases: {total} — {parts}",
    "stats_closed": "called back {count}",
    "stats_closed_how": " (from the call log {by_call}, marked in chat {by_user})",
    "stats_got_through": "got through on their own {count}",
    "stats_open": "still open {count}",
    "stats_short_abandons": "Short abandons (not posted to the chat): {count}",
    "stats_hidden_one": (
        "Without the caller's number: {count} incoming call, {missed} not answered — in none"
        " of the figures above: there is no number to call back"
    ),
    "stats_hidden_few": (
        "Without the caller's number: {count} incoming calls, {missed} not answered — in none"
        " of the figures above: there is no number to call back"
    ),
    "stats_hidden_many": (
        "Without the caller's number: {count} incoming calls, {missed} not answered — in none"
        " of the figures above: there is no number to call back"
    ),
    "stats_new_callers": (
        "New numbers: {total} — answered at once {answered}, called back {called_back},"
        " not reached yet {waiting}"
    ),
    "stats_new_callers_got_through": (
        "New numbers: {total} — answered at once {answered}, called back {called_back},"
        " got through on their own {got_through}, not reached yet {waiting}"
    ),
    "stats_not_needed": "no callback needed {count}",
    "stats_new_callers_not_needed": ", no callback needed {count}",
    "stats_new_callers_short": ", hung up at once (not posted) {count}",
    "stats_sla": (
        "On time (within {target} min): {within} of {total} ({share:.0%}); 90% within {p90}"
    ),
    "stats_sla_office": (
        "On time (within {target} office minutes): {within} of {total} ({share:.0%});"
        " 90% within {p90}"
    ),
    "stats_expired": "never called back (history) {count}",
    "stats_median": "Median time to callback: {median}",
    "stats_reasons": "Missed calls by reason: {parts}",
    "stats_reason_part": "{name} {count}",
    "stats_top_missed": "Missed most often: {parts}",
    "stats_top_missed_part": "{number} — {count}",
    "stats_top_missed_named": "{number} ({name}) — {count}",
    "stats_answer_speed": (
        "Speed of answer: median {median}, 90% within {p90};"
        " answered within {target} s: {within} of {total} ({share:.0%})"
    ),
    "stats_hung_up_waits": (
        "Callers who hung up ({count}) had waited: median {median}, 90% within {p90}"
    ),
    "stats_departments": "By department (cases / closed / open):",
    "stats_departments_calls": (
        "By department (incoming / missed / rate / cases / closed / open):"
    ),
    "stats_operators": "By extension (answered / missed / outgoing / callbacks / talk time):",
    "stats_operators_load": (
        "By extension (answered / missed / outgoing / callbacks / talk time / load):"
    ),
    "console_new": "MISSED",
    "console_grew": "CALLED AGAIN",
    "console_closed": "CALLED BACK",
    "console_reopened": "REOPENED",
    "console_new_caller": "new caller",
    "console_repeated": "called {count} {times}, last at {last}",
    "console_once": "called at {last}",
    "console_ring": "rang {seconds} s",
    "console_closed_by_call": "called back from ext. {extension} at {when}, talked {duration}",
    "console_closed_answered": "got through, answered by ext. {extension} at {when}",
    "console_closed_by_user": "marked by {name} at {when}",
    "console_closed_expired": "closed as history",
    "console_claimed": "TAKEN",
    "console_claimed_by": "taken by {name} at {when}",
    "console_operator": "{name} (ext. {extension})",
    "console_attempt": "NO ANSWER",
    "console_attempt_pbx": "ext. {extension} dialled at {when}: no answer, still waiting",
    "console_attempt_pbx_short": (
        "ext. {extension} dialled at {when}: talked {duration}, too short to count as a"
        " callback, still waiting"
    ),
    "console_attempt_user": "{name} at {when}: no answer, still waiting",
    "console_reminder": "REMINDER",
    "console_waiting": "waiting for a callback for {wait}",
    "console_waiting_office": "waiting for a callback for {wait} of office time",
    "console_escalated": "ESCALATED",
    "console_escalated_to": "not called back within {wait} — copied to the managers' chat",
    "console_escalated_to_office": (
        "not called back within {wait} of office time — copied to the managers' chat"
    ),
    "console_digest": "🌙 Missed after hours: {count} · {department}",
    "demo_row": "  [WinTariff] {line}",
    "demo_row_missed": "missed call from {caller} to group {group} ({department}), rang {ring} s",
    "demo_row_answered": "{caller} answered at {station}, talked {talk} s",
    "demo_row_outgoing": "{station} called {number}, talked {talk} s",
    "demo_row_callback": (
        "callback: {station} called {number} (missed as {callee}), talked {talk} s"
    ),
    "demo_row_no_answer": (
        "no answer: {station} called {number} (missed as {callee}), rang {ring} s"
    ),
    "demo_row_duplicate": "duplicate of {what}, deleted {seconds} s later",
    "demo_row_the_internal": "the internal call",
    "demo_row_internal": "{caller} called {callee} internally, talked {talk} s",
    "demo_row_after_hours": "after hours: {text}",
    "demo_row_again": "again: {text}",
    "demo_row_filled": "#{index} CALLTYPE {calltype} filled in",
    "demo_row_deleted": "#{index} marked deleted",
    "demo_end": "\nThe demo day so far:\n",
    "demo_sales": "Sales",
    "demo_support": "Support",
    "demo_start": (
        "Perezvon demo: WinTariff writes calls into {dbf}\n"
        "Yesterday's history was imported without notifications: {rows} rows.\n"
        "The office opens at {opens}: calls missed after hours come as a digest at opening.\n"
        "What follows is what the department chats would get. Ctrl+C to stop.\n"
    ),
    "demo_colleague": "Olga",
    "demo_contact_1": "Irina Sokolova",
    "demo_company_1": "Vector Ltd",
    "demo_contact_3": "Pavel Orlov",
    "demo_company_3": "",
    "demo_contact_4": "Alfa-Stroy accounts",
    "demo_company_4": "Alfa-Stroy JSC",
    "cli_no_token": (
        "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather, put its token into .env "
        "(see .env.example) and start again. To try Perezvon without Telegram: perezvon demo"
    ),
    "cli_stopped": "stopped",
    "cli_bad_period": (
        "period not understood: “{period}”; use today, yesterday, week, month, last week,"
        " last month, quarter, last quarter, year, last year, a month by name (december, dec 2026,"
        " 12.2026), a year (2026), a day 2024-03-01 or 01.03.2024, or two joined by “..”"
        " (the first not after the last, years 1970–2199)"
    ),
    "cli_env_utf16": (
        '{path}: the file is saved as UTF-16 ("Unicode"), it must be UTF-8. In Notepad: '
        "File → Save as → Encoding: UTF-8"
    ),
    "cli_env_not_utf8": (
        "{path}: the file is not UTF-8 (saved as ANSI / cp1251?). In Notepad: "
        "File → Save as → Encoding: UTF-8"
    ),
    "cli_env_missing": "{path}: no such file (--env-file); check the path",
    "cli_env_txt": (
        "  hint: there is {path}: Notepad added .txt to the name. Rename it to .env "
        "(Explorer: View → File name extensions)"
    ),
    "cli_env_token_key": "  hint: {path} has {key}; the key is TELEGRAM_BOT_TOKEN",
    "cli_env_token_empty": (
        "  hint: {path} has TELEGRAM_BOT_TOKEN with nothing after its =: paste the token"
        " from @BotFather there (TELEGRAM_BOT_TOKEN=123456789:AA…) and save the file"
    ),
    "cli_env_no_equals": (
        '  hint: {path} has a TELEGRAM_BOT_TOKEN line without "="; write '
        "TELEGRAM_BOT_TOKEN=123456789:AA…"
    ),
    "cli_error": "error: {error}",
    "cli_no_department": (
        "error: no department '{name}' in the config; there are: {names}"
        " (spelled as in [[department]] name)"
    ),
    "cli_no_ledger": "error: no ledger at {path} yet (run or import first)",
    "cli_demo_kept": "demo files kept in {folder}",
    "cli_check_config": "Config {path}: OK",
    "cli_check_verdict_ok": "Result: no errors, all is ready for perezvon run",
    "cli_check_verdict_failed_one": (
        "Result: {count} error (ERROR above): perezvon run will not work as it should."
        " Fix it and run perezvon check again"
    ),
    "cli_check_verdict_failed_few": (
        "Result: {count} errors (ERROR above): perezvon run will not work as it should."
        " Fix them and run perezvon check again"
    ),
    "cli_check_verdict_failed_many": (
        "Result: {count} errors (ERROR above): perezvon run will not work as it should."
        " Fix them and run perezvon check again"
    ),
    "cli_check_language": "  language {language}, time zone {timezone}",
    "cli_check_department": "  department {name}{default}: {where} -> chat {chat}",
    "cli_check_default": " (default)",
    "cli_check_no_chat": "not set",
    "cli_check_shared_range": (
        "  warning: ext. {low}…{high} are listed by both “{first}” and “{second}”: their"
        " calls go to “{first}” (it comes first in the file). If they are “{second}”'s,"
        " take them out of “{first}”'s extensions"
    ),
    "cli_check_department_no_chat": (
        "  ERROR: department “{name}” has no chat: its missed calls reach no chat. Add the"
        " bot to the department's chat, send /start there (or run `perezvon chats`) and put"
        " the id it shows into this [[department]]'s chat"
    ),
    "cli_check_dbf": "\nCalls.dbf {path}",
    "cli_check_error": "  ERROR: {error}",
    "telegram_token_rejected": (
        "Telegram rejected TELEGRAM_BOT_TOKEN ({error}). Copy the token from @BotFather"
        " (/mybots -> API Token) into .env"
    ),
    "telegram_token_rejected_own_url": (
        "Telegram rejected TELEGRAM_BOT_TOKEN ({error}). Copy the token from @BotFather"
        " (/mybots -> API Token) into .env. TELEGRAM_BASE_URL is set ({url}): check it too,"
        " the Bot API server answers a wrong path the same way; it must be the server's"
        " address with /bot, e.g. http://127.0.0.1:8081/bot"
    ),
    "telegram_base_url_no_scheme": (
        "TELEGRAM_BASE_URL = {value} is no address: it does not start with http:// or"
        " https://. Write the Bot API server's full address into .env, e.g."
        " TELEGRAM_BASE_URL={url} (or remove the line for the bot to use api.telegram.org)"
    ),
    "telegram_unreachable": (
        "cannot reach the Bot API at {url}: {error}. Check that the server can reach the"
        " internet (or its proxy), and TELEGRAM_BASE_URL if it is set"
    ),
    "cli_check_clock_behind": (
        "  WARNING: the last record is of {newest}, but the file changed at {modified}: if"
        " the PBX writes to it now, its clock (or the server's) is off by more than {days}"
        " days. Perezvon takes such calls for history and posts none: set the PBX's clock"
        " right"
    ),
    "cli_check_clock_ahead": (
        "  WARNING: the last record is of {newest}, {hours} h after the server's clock:"
        " the PBX's or the server's clock is wrong"
    ),
    "cli_check_encoding_config": "from [source] encoding",
    "cli_check_encoding_header": "from the DBF header",
    "cli_check_encoding_default": "the default: the header names none",
    "cli_check_encoding_content": (
        "from the Russian letters in the records: the header names none (set [source] "
        "encoding to leave no guess)"
    ),
    "cli_check_layout": (
        "  {version}; code page {encoding} ({source}, language driver 0x{driver:02X})"
    ),
    "fields_unmatched": (
        "[source.fields] {role} = {name}, but the table has no such field (it has: {have})"
    ),
    "fields_missing": (
        "no {missing} field (the table has: {have}); if it has another name, map it in"
        " [source.fields]"
    ),
    "cli_arg_error": "%(prog)s: error: %(message)s (help: perezvon --help)\n",
    "cli_arg_argument": "argument %(argument_name)s: %(message)s",
    "cli_arg_required": "the following arguments are required: %s",
    "cli_arg_unrecognized": "unrecognized arguments: %s",
    "cli_arg_choice": "invalid choice: %(value)r (choose from %(choices)s)",
    "cli_arg_value": "invalid value: %(value)r",
    "cli_arg_one": "expected one argument",
    "cli_arg_at_most_one": "expected at most one argument",
    "cli_arg_at_least_one": "expected at least one argument",
    "cli_arg_ambiguous": "ambiguous option: %(option)s could match %(matches)s",
    "cli_arg_ignored": "ignored explicit argument %r",
    "cli_arg_positive": "a number above zero is needed, not {value!r}",
    "cli_arg_not_negative": "a number of zero or more is needed, not {value!r}",
    # Calls.dbf that cannot be read (check, import, the log in English)
    "dbf_not_found": "{path}: file not found",
    "dbf_no_permission": "{path}: no permission to read (is it locked?)",
    "dbf_cannot_read": "{path}: cannot read: {error}",
    "dbf_is_folder": "{path}: this is a folder; name the table's file itself, e.g. {file}",
    "dbf_not_dbf": "{path}: not a readable DBF table ({error})",
    "dbf_is_xlsx": (
        "{path}: this is an Excel workbook (.xlsx), not a DBF table (or another ZIP archive"
        " named .dbf). Perezvon reads the Calls.dbf WinTariff writes itself, or an archived"
        " copy of it (such as Calls_2026_11.dbf), not an export to Excel"
    ),
    "dbf_is_xls": (
        "{path}: this is an Excel workbook (.xls), not a DBF table. Perezvon reads the"
        " Calls.dbf WinTariff writes itself, or an archived copy of it (such as"
        " Calls_2026_11.dbf), not an export to Excel"
    ),
    "dbf_damaged": "{path}: the DBF header is damaged (no fields or bad lengths)",
    "dbf_incomplete": (
        "{path}: the DBF header is incomplete ({size} of {need} bytes; being written?)"
    ),
    "dbf_empty": (
        "{path}: the file is empty (0 bytes): WinTariff may be creating it just now (Perezvon"
        " reads it once records appear), or it is the wrong file: check source.path"
    ),
    "dbf_replaced": (
        "{path}: the file was replaced while it was read (renamed or archived?);"
        " it is read again on the next pass"
    ),
    "dbf_shrank": (
        "{path}: the file shrank while it was read ({got} of {stop} records);"
        " it is read again on the next pass"
    ),
    "dbf_disappeared": "{path}: file disappeared while reading",
    "dbf_read_failed": "{path}: read failed: {error}",
    "dbf_plan": "{path}: {problem}",
    # perezvon --help
    "cli_help_usage": "usage:",
    "cli_help_positionals": "positional arguments",
    "cli_help_options": "options",
    "cli_help_commands": "commands",
    "cli_help_command_metavar": "COMMAND",
    "cli_help_help": "show this help message and exit",
    "cli_help_description": (
        "Missed group calls from WinTariff's Calls.dbf to Telegram department chats."
    ),
    "cli_help_config": "TOML config (default: $PEREZVON_CONFIG or perezvon.toml)",
    "cli_help_env_file": (
        "environment file (default: .env next to the config, then in the current folder)"
    ),
    "cli_help_verbose": "debug logging",
    "cli_help_version": "show the version and exit",
    "cli_help_run": "watch Calls.dbf and run the Telegram bot",
    "cli_help_check": "validate the config, the DBF file and the token",
    "cli_help_check_rows": "how many last rows to show",
    "cli_help_check_send_test": (
        "post a test message to every configured chat and say where the bot cannot write"
    ),
    "cli_help_chats": "print the id of every chat that writes to the bot (for the config)",
    "cli_help_chats_seconds": "how long to listen (default 120)",
    "cli_help_import": "load a Calls.dbf history without notifications",
    "cli_help_import_path": "the Calls.dbf (or an archived copy) to import",
    "cli_help_demo": "a generated WinTariff file and the real watcher",
    "cli_help_demo_seconds": "how long to run (0 = until Ctrl+C)",
    "cli_help_lang": "the output's language: ru or en",
    "cli_help_demo_seed": "random seed of the traffic",
    "cli_help_demo_keep": "keep the demo folder afterwards",
    "cli_help_demo_rows": "also print each row WinTariff writes",
    "cli_help_demo_speed": "fast-forward the office's clock (e.g. 5)",
    "cli_help_stats": "figures for a period",
    "cli_help_stats_period": "today | week | month | YYYY-MM-DD..YYYY-MM-DD",
    "cli_help_department": "one department only (its name)",
    "cli_help_report": "the managers' workbook (.xlsx) or CSV files",
    "cli_help_report_period": (
        "as for stats, plus year | quarter | 'last week' | 'last month' | 'last quarter' | "
        "'last year' | "
        "december | 'dec 2026' | 2026 | DD.MM.YYYY | DD.MM.YYYY..DD.MM.YYYY"
    ),
    "cli_help_report_output": (
        "FILE.xlsx (default: perezvon-FIRST..LAST.xlsx here), FILE.csv or a folder for "
        "one CSV per sheet"
    ),
    "cli_check_encoding_guess": (
        "  hint: the table's header names no code page, and its text looks like "
        "{encoding}; if Russian letters in the rows below are unreadable, set [source] encoding = "
        '"{encoding}"'
    ),
    "cli_check_records": (
        "  records: {complete} complete on disk, {header} in the header; record {record_len} "
        "bytes, header {header_len} bytes"
    ),
    "cli_check_count_differs": (
        "  note: the header count differs from the data; Perezvon goes by the data"
    ),
    "cli_check_fields": "  fields:",
    "cli_check_missing_fields": "  ERROR: required fields missing: {fields}",
    "cli_check_last_rows": "  the last rows ({count}):",
    "cli_check_row": (
        "{started:%Y-%m-%d %H:%M:%S} {direction:<8} ext. {extension:<5} {remote:<14} "
        "{duration:>4} s type {calltype}"
    ),
    "cli_check_not_a_call": "not a call: {error}",
    "cli_check_direction_in": "in",
    "cli_check_direction_out": "out",
    "cli_check_direction_internal": "internal",
    "cli_check_direction_unknown": "unknown",
    "cli_check_deleted": "deleted ",
    "cli_check_ledger": "\nLedger {path}",
    "cli_check_ledger_missing": "  not created yet (the first run creates it)",
    "cli_check_ledger_gone": (
        "  WARNING: the ledger is not there, but Perezvon has worked here before ({trace}):"
        " if it was moved or deleted, `run` starts a new, empty one, without the calls, cases"
        " and callbacks of the old one. Put the old file back as {path} (with the service"
        " stopped), or import the archived Calls.dbf copies again: `perezvon import"
        " ARCHIVE.dbf` (the service reads the current Calls.dbf by itself)"
    ),
    "cli_check_ledger_counts": (
        "  {calls} calls, {open} open cases, {pending} changes waiting for Telegram"
    ),
    "cli_check_waiting": (
        "  chat {chat} (department «{department}»): {cases} cases wait since {since};"
        " Telegram's last answer: {error}"
    ),
    "cli_check_cursor": "  cursor: record {record}, {pending} pending",
    "cli_check_last_missed": "  last missed call: {when}",
    "cli_check_never": "none yet",
    "cli_check_quiet": (
        "  !!! WARNING: not a single missed call in the last {days} office days (since "
        "{since}). The PBX seems not to report unanswered calls to WinTariff: turn on Lost "
        "Call Print-out / SMDR for incoming calls (PGM 177 on LG-Ericsson ipLDK / iPECS); "
        "see the PBX checklist in the README"
    ),
    "cli_check_quiet_no_calls": (
        "  !!! WARNING: not a single call in the last {days} office days (since {since}): "
        "WinTariff seems not to receive the PBX's records. Check the PBX link to WinTariff, "
        "then Lost Call Print-out / SMDR for incoming calls (PGM 177 on ipLDK); see the PBX "
        "checklist in the README"
    ),
    "cli_check_telegram": "\nTelegram",
    "cli_check_no_token": (
        "  ERROR: TELEGRAM_BOT_TOKEN is not set, and `run` will not start without it. Put the"
        " token from @BotFather into .env next to the config (`demo` does without it)"
    ),
    "cli_check_token_ok": "  token OK: @{username}",
    "cli_check_range": "{low}…{high} ({count} extensions)",
    "cli_check_calltype": (
        "  call type: {field}; a row without it waits up to {seconds} s (settle_seconds)"
    ),
    "cli_check_no_calltype": (
        "  no CALLTYPE field: the direction comes from the other fields (NUMBER "
        "internal… → internal, CALLERID set → incoming, else outgoing); rows are final at "
        "once, without the settle_seconds wait"
    ),
    "cli_check_caller": "  caller's number: {field}",
    "cli_check_caller_from_number": (
        "  no CALLERID field: the caller's number comes from {field} on incoming calls, "
        "when it holds an outside number"
    ),
    "cli_check_no_caller": (
        "  ERROR: no field gives the caller's number (no CALLERID, and without "
        "CALLTYPE incoming calls cannot be told apart): missed calls will not be found or "
        'posted. Map the field in [source.fields]: callerid = "..."'
    ),
    "cli_check_mostly_not_calls": (
        "  ERROR: {bad} of the last {checked} rows are not calls; the service would skip them"
    ),
    "cli_check_hint_not_calls": (
        "  hint: compare the fields above with what Perezvon expects (DATE a date, ITIME "
        "seconds since midnight); map a field with another name in [source.fields]"
    ),
    "cli_check_hint_hhmmss": (
        "  ERROR: ITIME looks like HHMMSS ({example}), but Perezvon reads it as seconds "
        "since midnight: call times would be wrong. If the table has the time as text "
        '(TIME), map it: [source.fields] time = "TIME"'
    ),
    "cli_check_hint_slashed": (
        "  ERROR: dates like {example}: day and month cannot be told apart (DD/MM or "
        "MM/DD), so such rows are not read. The date must be a D field or text as "
        "DD.MM.YYYY / YYYY-MM-DD"
    ),
    "cli_check_ring_none": (
        "  ring seconds: no field (RINGBEFORE). Missed calls in office hours will have the"
        ' reason "unknown", and /stats and the reports will show no speed of answer. If'
        ' the ring seconds are in another field, map it in [source.fields]: ring = "..."'
    ),
    "cli_check_no_ring": (
        "  ERROR: no field gives the ring time (no RINGBEFORE), but {keys} reads it: that"
        " rule applies to no call. If the ring seconds are in another field, map it in"
        ' [source.fields]: ring = "..."; else set the key to 0'
    ),
    "cli_check_dbf_path_hint": (
        "  hint: this path is source.path in {config}. Write the path of the Calls.dbf"
        " WinTariff appends to (see its settings), with / or in single quotes; a relative"
        " path is taken from the config's folder"
    ),
    "cli_check_no_records": (
        "the table has no record yet, so nothing shows whether its rows read as calls."
        " Call the ring group from a mobile, hang up before anyone answers, and run"
        " perezvon check again; if no record comes, source.path names a file WinTariff"
        " does not write to"
    ),
    "cli_check_incoming_no_number": (
        "  ERROR: none of the {count} incoming calls among the last rows has the "
        "caller's number: there is nobody to call back. Check that the PBX passes the number "
        "on (CLIP on the trunks), and the number's field: if it is not called CALLERID, map "
        'it in [source.fields]: callerid = "..."'
    ),
    "cli_field_required": "required",
    "cli_field_time": "time of day (or TIME)",
    "cli_field_duration": "talk seconds (or DURATION)",
    "cli_field_number": "dialled number",
    "cli_field_callerid": "caller's number",
    "cli_field_calltype": "I / N / C",
    "cli_field_co": "trunk line",
    "cli_field_ring": "ring seconds",
    "cli_field_callmode": "AN / NA / ...",
    "cli_field_status": "destination text",
    "cli_import_done": "Imported {source} into {database}",
    "cli_import_loaded_before_all": (
        "  this file was loaded before, up to record {count}; it has no new records"
    ),
    "cli_import_loaded_before": (
        "  records 1–{count} were loaded before and not read again; read the new ones after them"
    ),
    "cli_import_records": (
        "  records read: {read}, new calls: {new}, skipped bad rows: {bad}, "
        "not final yet: {pending}"
    ),
    "cli_import_cases": (
        "  cases: {opened} opened, {merged} repeat calls, {closed} closed by the call log; "
        "no notifications were sent"
    ),
    "cli_import_mostly_bad_one": (
        "ERROR: {count} row of the table could not be read as calls, more than half. Run "
        "perezvon check: it shows what is wrong with the fields (ITIME as HHMMSS, say) and "
        "how to say so in [source.fields]"
    ),
    "cli_import_mostly_bad_few": (
        "ERROR: {count} rows of the table could not be read as calls, more than half. Run "
        "perezvon check: it shows what is wrong with the fields (ITIME as HHMMSS, say) and "
        "how to say so in [source.fields]"
    ),
    "cli_import_mostly_bad_many": (
        "ERROR: {count} rows of the table could not be read as calls, more than half. Run "
        "perezvon check: it shows what is wrong with the fields (ITIME as HHMMSS, say) and "
        "how to say so in [source.fields]"
    ),
    "cli_import_no_caller": (
        "  !!! WARNING: no field of the table gives the caller's number (no CALLERID, and "
        "without CALLTYPE incoming calls cannot be told apart): the history has no missed "
        'calls. Map the field in [source.fields]: callerid = "..."'
    ),
    "cli_import_cut": (
        "  The file's last record is cut short ({got} of {length} bytes) and was not read:"
        " WinTariff is still writing it (perezvon run reads it later), or the file was"
        " copied short"
    ),
    "cli_progress": "{done}/{total} records, {rate:,.0f}/s",
    "cli_progress_line": "{fraction:.0%} ({done}/{total} records)",
    "cli_check_placeholder": (
        "  ERROR: {key} = {value} is the id perezvon.example.toml ships with, not your "
        "chat: posts there will fail. Add the bot to the chat, send /start there (or run "
        "`perezvon chats`) and put the id it shows here"
    ),
    "cli_check_private_chat": (
        "  warning: {key} = {value} is the id of a private chat with one person: a group's"
        " id is negative (-100…, as `perezvon chats` prints it). If a group is meant here,"
        " write its whole id, with the minus and -100"
    ),
    "cli_check_placeholder_admin": (
        "  warning: telegram.admins holds {value}, the id perezvon.example.toml ships with. "
        "Put your own user id there: /start in a private chat with the bot or "
        "`perezvon chats` shows it"
    ),
    "cli_check_telegram_config": "\n[telegram]",
    "cli_check_managers": "  managers' chat (managers_chat): {chat}",
    "cli_check_no_managers": (
        "  managers' chat (managers_chat) not set: no daily summary, no escalations"
    ),
    "cli_check_admins": "  admins: {admins}",
    "cli_check_none": "none",
    "cli_check_summary": "  summary of yesterday (daily_summary): at {time}",
    "cli_check_summary_off": "  summary of yesterday (daily_summary): off",
    "cli_check_hours_title": "\n[hours]",
    "cli_check_hours": (
        "  {days}, {open}–{close}; holidays: {holidays}, extra working days: {extra}"
    ),
    "cli_check_hours_always": (
        "  no [hours] table: the office is always open, waits count around the clock"
    ),
    "cli_check_after_hours": "  calls after hours (after_hours): {mode}",
    "cli_check_after_digest": "posted as a digest at opening (digest)",
    "cli_check_after_post": "posted at once (post)",
    "cli_check_weekdays": "mon tue wed thu fri sat sun",
    "cli_check_operators_title": "\n[operators]",
    "cli_check_operator": "  ext. {extension} → user {user}",
    "cli_check_operators_none": (
        "  none; /me 201 in a department chat links an extension to a person"
    ),
    "cli_check_operators_linked": "  also linked with /me: {count}",
    "contacts_no_number": "line {line}: no phone number in {cell}",
    "contacts_no_name": "line {line}: no name for {number}",
    "contacts_workbook": (
        "this is an Excel workbook, not CSV text: in Excel, File → Save as → "
        '"CSV UTF-8 (comma delimited)", and name that file in rules.contacts_csv'
    ),
    "cli_check_contacts_title": "\nContacts",
    "cli_check_contacts_off": "  rules.contacts_csv not set: cards show no caller names",
    "cli_check_contacts": "  contacts loaded: {count}, from {path}",
    "cli_check_contacts_skipped": "  skipped lines: {count}; the first: {first}",
    "cli_check_contacts_missing": (
        "  warning: {path} does not exist (rules.contacts_csv): cards will show no names. "
        'Put a "phone,name[,company]" CSV there or remove the key'
    ),
    "cli_check_contacts_unreadable": (
        "  warning: {path} cannot be read ({error}); check its permissions and whether Excel "
        "has it open"
    ),
    "cli_check_row_department": " → {department}",
    "cli_check_row_no_department": " → nowhere: no department matches and none has default = true",
    "cli_check_row_staff": " → no case: a staff number",
    "cli_check_row_answered": " → answered: not a missed call, not posted",
    "cli_check_row_short": " → hung up within {seconds} s (min_ring_seconds): not posted",
    "cli_send_test_title": "\nTest message to every chat",
    "cli_send_test_no_chats": "  ERROR: the config names no chat at all",
    "cli_send_test_skipped": "  not sent: the token failed its check (see above)",
    "cli_send_test_ok": "  OK      {target}",
    "cli_send_test_failed": "  FAILED  {target}: {error}",
    "cli_send_test_hint": "          → {hint}",
    "cli_send_test_department": "chat {chat} (department “{name}”{topic})",
    "cli_send_test_managers": "chat {chat} (managers)",
    "cli_send_test_topic": ", topic {topic}",
    "cli_send_test_hint_forbidden": (
        "the bot cannot write to this chat: add it there (to a channel as an admin); it may "
        "have been removed from the chat"
    ),
    "cli_send_test_hint_not_found": (
        "the bot knows no chat with this id: the id is wrong or the bot is not in the chat. "
        "Send /start there or run `perezvon chats`"
    ),
    "cli_send_test_hint_topic": (
        "the chat has no topic with this number: check department.topic (0 = no topic)"
    ),
    "cli_send_test_hint_rights": "the bot may not write here: allow it in the chat's settings",
    "cli_send_test_hint_migrated": (
        "the group became a supergroup, its new id is {chat}: put that into perezvon.toml"
    ),
    "cli_send_test_hint_network": (
        "Telegram is unreachable: check the network and TELEGRAM_BASE_URL"
    ),
    "cli_send_test_summary": "  not delivered: {failed} of {total}",
    "test_message": "🔔 Connection test: Perezvon can write here ({target}).",
    "test_target_department": "department “{name}”",
    "test_target_managers": "the managers' chat",
    "chat_label_managers": "the managers' chat",
    "cli_chats_listening": (
        "Bot @{username} listens for {seconds} s. Add it to the department chats and the "
        "managers' chat and send /start@{username} in each (in a private chat with the "
        "bot: /start). Ctrl+C ends it sooner.\n"
    ),
    "cli_chats_chat": "  {chat_id:<16} {kind:<11} {title}{topic}{you}",
    "cli_chats_topic": " · topic {topic} (department.topic)",
    "cli_chats_private": " — your user id (for telegram.admins)",
    "cli_chats_cannot_reply": "      ! the bot cannot write to this chat: {error}",
    "cli_chats_none": (
        "No chat wrote to the bot in {seconds} s. Is the bot in the group? In a group it "
        "sees only commands: send /start@{username}."
    ),
    "cli_chats_paste": (
        "\nPut the ids into perezvon.toml: a department's chat as chat = ID in its "
        "[[department]] (a forum topic as topic = N), the managers' chat as managers_chat = "
        "ID in [telegram], your user id into admins. Then `perezvon check --send-test`."
    ),
    "cli_chats_conflict": (
        "Another program reads the bot's messages already (is `perezvon run` running?). Stop "
        "it and run `perezvon chats` again, or send /start in the chat: the running bot "
        "answers with the chat's id itself."
    ),
    "chats_reply": (
        "This chat's id: <code>{chat_id}</code>{topic}\nIt is shown in `perezvon chats` "
        "too: put it into perezvon.toml."
    ),
    "chats_reply_topic": ", topic <code>{topic}</code>",
    "binding_topic": "\nThis message's topic: <code>{topic}</code> (for department.topic).",
    "cli_ledger_damaged": (
        "error: {path} is not a Perezvon ledger or it is damaged ({error}). Stop Perezvon, "
        "rename the file (keep it for a closer look) and restore the ledger from a backup, "
        "or start anew: `perezvon import` rebuilds the history from Calls.dbf."
    ),
    "cli_ledger_unwritable": (
        "error: the ledger {path} cannot be opened for writing ({error}). Its folder must "
        "exist, and the account Perezvon runs as (the service's account) must be allowed to "
        "write to the folder itself: SQLite creates -wal and -shm files beside the ledger; and "
        'the file itself must not be marked "Read-only" (its Properties; a file restored '
        "from a backup often is)."
    ),
    "cli_ledger_is_folder": (
        "error: {path} is a folder; database.path must name the ledger's file itself,"
        " e.g. {error} (the first run creates it)."
    ),
    "cli_ledger_full": (
        "error: the disk of the ledger {path} is full ({error}). The ledger itself is fine:"
        " do not delete or move it; free space on that disk (old logs, backups, the Recycle"
        " Bin) and run the command again: calls already stored are not stored twice."
    ),
    "cli_ledger_locked": (
        "error: the ledger {path} is locked by another program ({error}); close it (an "
        "SQLite browser?) and try again."
    ),
    "cli_run_busy": (
        "error: another Perezvon works with the ledger {database} ({lock} is held): a "
        "`perezvon run` or an import. A second `run` is not needed: stop the first (the "
        "service) or wait for the import to end."
    ),
    "cli_import_busy": (
        "error: `perezvon run` reads {path} itself right now ({lock} is held): this file "
        "needs no import, and must not be imported at the same time. Stop the service, "
        "import, start it again; an archived copy may be imported while the service runs."
    ),
    "cli_chats_busy": (
        "error: `perezvon run` is running ({lock} is held) and gets the bot's messages "
        "itself: send /start in the chat and the bot answers with its id. Or stop the "
        "service and run `perezvon chats` again."
    ),
    "cli_check_running": (
        "  `perezvon run` works with this ledger, or an import ({lock} is held); the calls"
        " of an import not saved yet are not in the figures below"
    ),
    "config_problems_in": "Problems in {source}:",
    "config_file_not_found": (
        "file not found: {path} (copy perezvon.example.toml to {name} and edit it)"
    ),
    "config_is_folder": "{path} is a folder: give the config file itself, e.g. {file}",
    "config_not_utf8": "the file is not UTF-8 text; save it as UTF-8",
    "config_unreadable": "cannot read the file: {error}",
    "config_toml_bad": "not valid TOML: {error}",
    "config_toml_line": ". Line {number}: {line}",
    "config_toml_quotes": (
        'text and times go in quotes: open = "09:00", name = "Sales";'
        " numbers (chat = -1001234567890) and true/false go without"
    ),
    "config_toml_unclosed_quote": 'a quote is not closed: a value starts and ends with "',
    "config_toml_unclosed_list": "a list is not closed: it ends with ] (admins = [123, 456])",
    "config_toml_table_again": (
        "the table {table} came before: put its keys under one {table} header"
    ),
    "config_toml_table_twice": (
        "the table {table} came before; the second department (and each after it) starts"
        " with [[department]], in double brackets"
    ),
    "config_windows_paths": (
        "a Windows path in double quotes needs its backslashes doubled: write it with /"
        ' (path = "C:/WinTariff32/Calls/Calls.dbf") or in single quotes'
        " (path = 'C:\\WinTariff32\\Calls\\Calls.dbf')"
    ),
    "config_path_control": "{key}: {value} has a control character",
    "config_path_quoted": (
        "{key}: the path {value} has quotes inside the string (as Explorer's \"Copy as"
        ' path" gives it). Drop the inner quotes:'
        " {key_name} = '{bare}'"
    ),
    "config_unknown_key": "{key}: unknown key (known here: {known})",
    "config_key_elsewhere": (
        "{key}: this key belongs in {table}. TOML gives a line to the last [...] header"
        " above it: move the line under the {table} header"
    ),
    "config_unknown_key_guess": "{key}: unknown key, did you mean {guess}?",
    "config_unknown_table": "{key}: unknown table (known here: {known})",
    "config_unknown_table_guess": "{key}: unknown table, did you mean {guess}?",
    "config_not_yet": (
        "{key}: not supported by this version of Perezvon yet; remove it, it would have no effect"
    ),
    "config_not_table": "[{key}] must be a table",
    "config_text_required": "{key}: must be text in quotes",
    "config_choice_bad": "{key}: must be one of {options}, not {value}",
    "config_number_bad": "{key}: must be a number, not {value}",
    "config_number_min": "{key}: must be at least {minimum}",
    "config_whole_number": "{key}: must be a whole number",
    "config_bool_bad": "{key}: must be true or false",
    "config_list_bad": '{key}: must be a list like ["620", "201-209"]',
    "config_item_not_text": "{key}: {value} is not text",
    "config_time_bad": '{key}: must be a time like "{example}", not {value}',
    "config_weekly_bad": (
        '{key}: must be a day and a time like "mon 09:00", or "" for none; not {value}'
    ),
    "config_timezone_unknown": "timezone: unknown time zone {value} (e.g. 'Europe/Moscow')",
    "config_timezone_meant": "timezone: unknown time zone {value}; did you mean {meant}?",
    "config_timezone_offset": (
        "timezone: unknown time zone {value}; a fixed offset is written {meant} (the sign"
        " reversed, and no summer time: an office in Riga, Chisinau or Kyiv writes its city,"
        " e.g. 'Europe/Riga')"
    ),
    "config_encoding_text": "source.encoding: must be text such as 'auto' or 'cp866'",
    "config_encoding_unknown": (
        "source.encoding: unknown code page {value} (use auto, cp866 or cp1251)"
    ),
    "config_fields_table": '[source.fields] must be a table, like callerid = "{example}"',
    "config_field_name_bad": (
        "source.fields.{role}: must be a DBF field name in quotes, not {value}"
    ),
    "config_contacts_path": "rules.contacts_csv: must be a path in quotes",
    "config_chat_id_bad": (
        "{key}: {value} is not a chat id (a number like -1001234567890;"
        " /start in that chat prints it)"
    ),
    "config_chat_id_minus": (
        "{key} = {value}: the group id lost its leading minus. Write -{value} (as"
        " perezvon chats prints it)"
    ),
    "config_chat_id_zero": (
        "{key} = 0 is not a chat id. Write the chat's id (a number like -1001234567890):"
        " perezvon chats prints it when someone sends /start@your_bot in that chat"
    ),
    "config_user_id_bad": "{key}: {value} is not a Telegram user id",
    "config_departments_shape": "department: write each one as a [[department]] table",
    "config_departments_none": "department: at least one [[department]] is needed",
    "config_department_not_table": "{key}: must be a table",
    "config_department_name_required": "{key}: 'name' is required",
    "config_department_name_twice": "department {name}: the name is used twice",
    "config_departments_two_defaults": "department: only one department may have default = true",
    "config_extension_bad": (
        "{key}: {pattern} is not an extension, a ring group or a range like 201-209 "
        '(several: "630, 210-219")'
    ),
    "config_extensions_shadowed": (
        "department {second}.extensions ({other}) never gets a call: department {first}"
        " ({pattern}), listed before it, takes {shared} first; keep the number in one"
        " department, or list the exception first"
    ),
    "config_hours_days_list": 'hours.days: must be a list like ["mon", "tue", "wed", "thu", "fri"]',
    "config_hours_day_bad": "hours.days: {value} is not a day (mon, tue, wed, thu, fri, sat, sun)",
    "config_hours_close_before_open": "hours: close ({close}) must be after open ({open})",
    "config_hours_both": "hours: {day} is both a holiday and an extra working day",
    "config_hours_after_hours": 'hours.after_hours: must be "digest" or "post", not {value}',
    "config_date_bad": (
        '{key}: {value} is not a date like "2026-12-31" or a range like "2027-01-01..2027-01-08"'
    ),
    "config_range_backwards": "{key}: range {value} goes backwards",
    "config_date_fix": ': write "{fix}"',
    "config_dates_fix_list": ": several dates in one string; write them as a list: {fix}",
    "config_dates_repeated": (
        "{key}: {value} repeats days already listed ({days}): no harm, but check the dates;"
        " overlapping ranges can be merged into one"
    ),
    "config_extra_workday_anyway": (
        "hours.extra_workdays: {day} is a {weekday}, a working day by hours.days anyway;"
        " this list is for weekend days made working days: check the date"
    ),
    "cli_check_note": "  warning: {note}",
    "config_short_day_closed": (
        "hours.short_days: {day} (a {weekday}) is not a working day: being short changes"
        " nothing; check the date"
    ),
    "cli_check_short_days": "  short pre-holiday days (closing an hour early): {count}",
    "config_date_no_such_day": (
        "{key}: {value}: there is no such day; check the day and the month (YYYY-MM-DD)"
    ),
    "config_range_too_long": "{key}: range {value} is longer than a year",
    "config_operators_table": '[operators] must be a table of "extension" = user id',
    "config_operator_key": (
        "operators.{extension}: the key is the extension, the value the user id:"
        ' write "201" = {user}, one line per extension'
    ),
    "config_operator_user": (
        "operators.{extension}: {user} is not a Telegram user id (a number; /me in a chat shows it)"
    ),
    "config_operator_chat_id": (
        "operators.{extension}: {user} is a chat's id, and a Telegram user id is needed: a"
        " positive number, which /start in a private chat with the bot or /me in a chat shows"
    ),
    "config_employee_numbers_joined": (
        "rules.employee_numbers: {value} holds several numbers in one string, and none of"
        " them is recognised. Quote each number apart: employee_numbers = [{parts}]"
    ),
    "config_employee_number_bad": (
        "rules.employee_numbers: {value} is not a phone number; write staff numbers in full,"
        ' e.g. "+79161234567"'
    ),
    "config_line_range": (
        '{key}: {value}: CO lines are listed one by one (lines = ["01", "02"]); a range'
        " is not read here"
    ),
    "config_department_catches_nothing": (
        "{key}: no extensions, no lines, and not default = true: no call can ever come here."
        " List the department's ring groups and stations in extensions"
    ),
    "span_seconds": "{seconds} s",
    "span_minutes": "{minutes} min",
    "span_hours": "{hours} h",
    "span_hours_minutes": "{hours} h {minutes} min",
    "report_sheet_summary": "Summary",
    "report_sheet_missed": "Missed",
    "report_sheet_incoming": "Incoming",
    "report_sheet_outgoing": "Outgoing",
    "report_sheet_operators": "Operators",
    "report_sheet_new_callers": "New callers",
    "report_sheet_frequent": "Frequent callers",
    "report_sheet_load": "Load",
    "load_weekdays": "Mon,Tue,Wed,Thu,Fri,Sat,Sun",
    "load_block_incoming": "Incoming · {day}",
    "load_block_missed": "Missed · {day}",
    "load_block_rate": "Miss rate · {day}",
    "report_col_calls": "Calls",
    "report_col_cases": "Missed-call cases",
    "report_col_metric": "Figure · {scope}",
    "report_col_change": "Change",
    "report_col_date": "Date",
    "report_col_hour": "Hour",
    "report_col_time": "Time",
    "report_col_department": "Department",
    "report_col_incoming": "Incoming",
    "report_col_answered": "Answered",
    "report_col_missed": "Missed",
    "report_col_short_abandons": "Short abandons",
    "report_col_miss_rate": "Miss rate",
    "report_col_phone": "Phone",
    "report_col_contact": "Contact",
    "report_col_company": "Company",
    "report_col_new_caller": "New caller",
    "report_col_first_call": "First call",
    "report_col_last_call": "Last call",
    "report_col_attempts": "Calls",
    "report_col_ring": "Ring, s",
    "report_col_status": "Status",
    "report_col_how_closed": "How closed",
    "report_col_called_back_by": "Called back by",
    "report_col_callback_at": "Called back at",
    "report_col_minutes_to_callback": "Minutes to callback",
    "report_col_minutes_to_callback_office": "Minutes of office time to callback",
    "report_col_within": "Called back {sla}",
    "report_col_callback_attempts": "Callback attempts",
    "report_col_extension": "Ext.",
    "report_col_operator": "Operator",
    "report_col_load": "Load",
    "report_col_talk": "Talk time",
    "report_col_outgoing": "Answered outgoing",
    "report_col_callbacks": "Callbacks",
    "report_col_median_minutes": "Median minutes to callback",
    "report_col_median_minutes_office": "Median minutes of office time to callback",
    "report_col_within_share": "Share of callbacks {sla}",
    "report_col_first_answered": "First call answered",
    "report_col_called_back": "Called back",
    "report_col_came_back": "Called again",
    "report_sla": "within {minutes} min",
    "report_sla_office": "within {minutes} min of office time",
    "report_m_incoming": "Incoming calls",
    "report_m_answered": "Answered",
    "report_m_missed": "Missed",
    "report_m_miss_rate": "Miss rate",
    "report_m_cases": "Missed-call cases",
    "report_m_closed": "Called back",
    "report_m_by_call": "  from the call log",
    "report_m_by_user": "  marked in chat",
    "report_m_got_through": "Got through on their own",
    "report_m_not_needed": "No callback needed",
    "report_m_hidden": "Incoming without the caller's number (in none of the figures above)",
    "report_m_hidden_missed": "  of them not answered",
    "report_m_new_callers": "New numbers",
    "report_m_new_answered": "  answered at once",
    "report_m_new_called_back": "  called back",
    "report_m_new_got_through": "  got through on their own",
    "report_m_new_not_needed": "  no callback needed",
    "report_m_new_waiting": "  not reached yet",
    "report_m_new_short": "  hung up at once (not posted)",
    "report_m_open": "Still open",
    "report_m_expired": "Never called back (history)",
    "report_m_median": "Median time to callback",
    "report_m_median_office": "Median time to callback (office time)",
    "report_m_within": "Called back {sla}",
    "report_m_outgoing": "Answered outgoing calls",
    "report_m_talk": "Talk time",
    "report_m_answer_median": "Speed of answer, median",
    "report_m_answer_p90": "Speed of answer, 90%",
    "report_m_answer_within": "Answered within {target} s",
    "report_m_hung_up_median": "Callers who hung up waited, median",
    "report_m_hung_up_p90": "Callers who hung up waited, 90%",
    "report_m_reason_short_abandon": "Missed: short abandon",
    "report_m_reason_after_hours": "Missed: after hours",
    "report_m_reason_timed_out": "Missed: group did not answer",
    "report_m_reason_hung_up": "Missed: hung up",
    "report_m_reason_unanswered": "Missed: unanswered",
    "report_m_reason_unknown": "Missed: reason unknown",
    "report_chart_title": "Incoming and missed calls by day · {label}",
    "report_extension": "ext. {extension}",
    "report_status_open": "waiting",
    "report_status_closed": "closed",
    "report_how_call": "called back (call log)",
    "report_how_answered": "the caller got through",
    "report_how_user": "marked in chat",
    "report_how_not_needed": "no callback needed",
    "report_how_not_needed_by": "no callback needed ({name})",
    "report_how_expired": "never called back (history)",
    "report_new_short": "hung up at once (not posted)",
    "report_yes": "yes",
    "report_no": "no",
    "report_minutes": "min",
    "report_hours": "h",
    "report_seconds": "s",
    "report_points": "pp",
    "report_caption": "📊 Report for {label} · {scope}",
    "report_bad_period": (
        "Period not understood: “{period}”.\n"
        "Examples: /report yesterday, /report last week, /report last month, "
        "/report december, /report 2026, /report 2024-03-01..2024-03-31"
    ),
    "report_not_allowed": "Reports are available in department and managers' chats.",
    "report_failed": "Could not build the report; see the service log.",
    "cmd_report": "Excel report: week, month, quarter or dates",
    "cmd_load": "Load by weekday and hour: when calls are lost",
    "load_title": "Missed calls by weekday and hour · {scope} · {label}",
    "load_caption": "🔥 <b>Load</b> · {scope} · {label}",
    "load_worst": "Most calls lost: {hours}",
    "load_worst_hour": "{day} {hour} — {count}",
    "load_none": "No missed calls 🎉",
    "cli_report_written": "Written: {path}",
    "cli_report_bad_target": "error: {path}: give an .xlsx file, a .csv file or a folder",
    "cli_report_no_folder": (
        "error: cannot write {path}: there is no folder {folder}. Create it or give -o"
        " a path in a folder that exists"
    ),
    "cli_report_not_written": (
        "error: cannot write {path} ({reason}). If Excel has the file open, close it or give "
        "another name (-o); the folder must exist and be writable"
    ),
    "cli_check_log": "\nLog {path}",
    "cli_check_log_console": '\nLog: the console only (logging.file = "")',
    "cli_check_log_folder": "it is a folder",
    "cli_check_log_unwritable": (
        "  ERROR: {path} cannot be written ({reason}): the service would log to the console"
        " only, where nobody sees it. Name a file in a folder the service's user may write"
        " to in logging.file"
    ),
    "cli_check_ledger_folder": (
        "  ERROR: the folder {folder} cannot be written ({reason}): the database cannot be "
        "created there. Give the service's user the right to write there, or choose another "
        "folder in database.path"
    ),
    "token_shape_url": (
        "TELEGRAM_BOT_TOKEN looks like a link: .env needs only the token itself, the part after "
        "/bot up to the next /, like 123456789:AA…"
    ),
    "token_shape_bot": (
        'TELEGRAM_BOT_TOKEN starts with "bot": remove that word; a token starts with digits '
        "(123456789:AA…)"
    ),
    "token_shape": (
        "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters and "
        "digits: 123456789:AA…). Copy it from @BotFather: /mybots → API Token"
    ),
}

CATALOGS: dict[str, dict[str, str]] = {"ru": RU, "en": EN}


def catalog(language: str) -> dict[str, str]:
    """The catalog of ``language``; Russian for anything unknown, so a typo never crashes."""
    return CATALOGS.get(language, CATALOGS[DEFAULT_LANGUAGE])


def tr(language: str, key: str, /, **values: object) -> str:
    """One text in ``language`` with ``values`` filled in (missing keys fall back to Russian).

    Positional-only, so a placeholder may be called ``{language}`` or ``{key}``.
    """
    template = catalog(language).get(key) or RU[key]
    return template.format(**values) if values else template


def timed_key(key: str, office_time: bool) -> str:
    """``key``, or its ``_office`` form ("…рабочего времени") when waits are counted in
    office time: with office hours set. Without them a wait is wall time, nights and all."""
    return f"{key}_office" if office_time else key


class ToldError(Exception):
    """A failure told from the catalog: in English as ``str()`` (what tests and callers
    compare), in the office's language by :meth:`told` (the CLI's, and the log's through
    its formatter). ``localized``: the values that are texts themselves, in a language."""

    def __init__(
        self,
        key: str,
        *,
        localized: Callable[[str], Mapping[str, object]] | None = None,
        **values: object,
    ) -> None:
        super().__init__(tr("en", key, **values))
        self.key = key
        self.values = values
        self.localized = localized

    def told(self, language: str) -> str:
        own = self.localized(language) if self.localized is not None else {}
        return tr(language, self.key, **{**self.values, **own})


def russian_plural(count: int) -> str:
    """Which Russian plural form follows ``count``: "one" (1, 21), "few" (2-4, 22), "many"."""
    tens, units = count % 100, count % 10
    if 11 <= tens <= 14:
        return "many"
    if units == 1:
        return "one"
    if 2 <= units <= 4:
        return "few"
    return "many"


def plural_key(language: str, key: str, count: int) -> str:
    """``key_one``, ``key_few`` or ``key_many``, the form that follows ``count``: Russian
    has three; English two (``_few`` holds its plural); an unknown language gets Russian
    words, so Russian forms."""
    form = russian_plural(count)
    if catalog(language) is not RU and count != 1:
        form = "few"
    return f"{key}_{form}"


def counted(language: str, key: str, count: int) -> str:
    """The text of :func:`plural_key` with ``{count}`` filled in (…раньше ещё 5 звонков)."""
    return tr(language, plural_key(language, key, count), count=count)


def times_word(language: str, count: int) -> str:
    """The word after a count of attempts (2 раза, 5 раз; 2 times): Russian needs three forms."""
    return tr(language, plural_key(language, "times", count))


# Not strftime's %b: that follows the machine's locale (Russian on a Russian Windows).
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date, language: str) -> str:
    """A day without the year: ``12.03``; ``12 Mar`` in English, where 12.03 reads as
    December to many."""
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]}"
    return day.strftime("%d.%m")


def moment_text(moment: datetime, language: str) -> str:
    """A date and time without the year (``12.03 10:42``; ``12 Mar 10:42`` in English,
    see :func:`day_text`): every case is recent."""
    return f"{day_text(moment, language)} {moment:%H:%M}"


def clock_text(moment: datetime, reference: datetime | None, language: str) -> str:
    """``10:42`` on the reference's day, ``13.03 10:42`` on another day."""
    if reference is not None and moment.date() == reference.date():
        return moment.strftime("%H:%M")
    return moment_text(moment, language)


def operator_label(extension: str, names: Mapping[str, str] | None) -> str:
    """``201 (Ольга)`` when the extension's operator is known, else ``201``."""
    name = (names or {}).get(extension)
    return f"{extension} ({name})" if name else extension


# -- the service's log ----------------------------------------------------------------------
#
# The log is written in English in the code (a support engineer greps it, and tests read
# it through caplog) and shown to the office's admin in its language: bot.logs formats a
# record whose template is a key of LOG_RU with the Russian template instead. Keys are
# the literal templates of the log calls (%-style, as logging takes them); each value has
# the same placeholders in the same order (tests/test_log_language.py checks both, and
# that no log line of watcher/ or bot/ lacks its entry). Debug lines stay English: they
# are for support. Names of config keys, commands and files stay as they are.

LOG_RU: dict[str, str] = {
    # a text made elsewhere (a LogText, a ToldError): its arguments are told
    "%s": "%s",
    # watcher/ledger_open.py (GONE_LOGGED), logged by `run`
    "%s: the ledger is not there, but Perezvon has worked here before (%s): if it was"
    " moved or deleted, a new, empty one is started and the calls, cases and callbacks"
    " of the old one are not in it. Stop the service and put the old file back, or"
    " import the archived Calls.dbf copies again with `perezvon import` (the current"
    " Calls.dbf is read again by itself)": (
        "%s: базы нет, но Перезвон здесь уже работал (%s): если её перенесли или удалили,"
        " начата новая, пустая, и звонков, случаев и перезвонов старой в ней нет."
        " Остановите службу и верните старый файл на место или загрузите архивные копии"
        " Calls.dbf заново: `perezvon import` (текущий Calls.dbf читается заново сам)"
    ),
    # bot/apart.py
    "no process for %s (%s); running it in a thread instead": (
        "не удалось запустить отдельный процесс для %s (%s); выполняю в потоке"
    ),
    # bot/app.py
    "bot @%s is up": "бот @%s запущен",
    "stopping": "останавливаюсь",
    "%s = %s is the example config's placeholder, not a chat: posts there will fail; send"
    " /start in the real chat and put the id the bot answers into the config": (
        "%s = %s — это заглушка из примера конфигурации, а не чат: сообщения туда не дойдут."
        " Отправьте /start в нужном чате и впишите в конфигурацию ID, который ответит бот"
    ),
    "polling Telegram for updates failed (%s); retrying": (
        "не удалось получить обновления от Telegram (%s); пробую снова"
    ),
    # bot/summary.py: a scheduled summary whose day's was sent already
    "%s: already sent today; the next one is due as usual": (
        "%s: сегодня уже отправлена; следующая — в обычное время"
    ),
    # watcher/departments.py: a department the config no longer names
    "department %r is not in the config any more; its chat %s is department %r's"
    " now, so its cases (%d open) and figures are that department's from now on": (
        "отдела %r больше нет в конфигурации; его чат %s теперь у отдела %r, поэтому его"
        " звонки (открытых: %d) и цифры отныне относятся к этому отделу"
    ),
    "department %r is not in the config any more and no department has its chat;"
    " its %d open missed calls stay open: they are listed in /missed of the"
    " managers' chat and are closed there or by a callback as usual": (
        "отдела %r больше нет в конфигурации, и его чат не указан ни у одного отдела;"
        " его открытые пропущенные звонки (%d) остаются открытыми: они видны в /missed"
        " чата руководителей и закрываются там или перезвоном, как обычно"
    ),
    "department %r has a chat now: its %d waiting missed calls are posted there": (
        "у отдела %r появился чат: его ожидающие пропущенные звонки (%d) публикуются там"
    ),
    "department %r has no chat: its missed calls are not posted; send /start in its chat"
    " and put the id the bot answers into the config": (
        "у отдела %r нет чата: его пропущенные звонки не публикуются. Отправьте /start в чате"
        " отдела и впишите в конфигурацию ID, который ответит бот"
    ),
    "setMyCommands failed: %s": "не удалось задать меню команд бота (setMyCommands): %s",
    "Telegram answered after %d tries": "Telegram ответил с %d-й попытки",
    "cannot reach Telegram (%s); trying again in %.0f s (missed calls are kept and posted"
    " once it answers)": (
        "нет связи с Telegram (%s); новая попытка через %.0f с (пропущенные звонки"
        " сохраняются и будут опубликованы, как только он ответит)"
    ),
    # bot/handlers.py
    "extension %s linked to user %s by %s": (
        "добавочный %s привязан к пользователю %s (привязал %s)"
    ),
    "error while handling an update: %s": "ошибка при обработке обновления от Telegram: %s",
    "chat %s became supergroup %s; the config names neither": (
        "чат %s стал супергруппой %s; в конфигурации нет ни того, ни другого"
    ),
    "report %s (%d bytes) for chat %s": "отчёт %s (%d байт) для чата %s",
    "refused press with data %r from user %s": (
        "нажатие кнопки с данными %r от пользователя %s отклонено"
    ),
    "refused press on case %s from chat %s by user %s": (
        "нажатие по случаю %s отклонено: чат %s, пользователь %s"
    ),
    "refused press on case %s from message %s in chat %s: not the case's message": (
        "нажатие по случаю %s отклонено: сообщение %s в чате %s — не сообщение этого случая"
    ),
    "could not record the name of user %s (%s)": ("не удалось сохранить имя пользователя %s (%s)"),
    "%s failed": "%s: ошибка",
    "/%s with a bad period: %s": "/%s с непонятным периодом: %s",
    "could not update the /missed list message: %s": (
        "не удалось обновить сообщение со списком /missed: %s"
    ),
    "could not answer a button press: %s": "не удалось ответить на нажатие кнопки: %s",
    "press %r on case %s not taken: the ledger is busy (%s); the user was asked to press again": (
        "нажатие %r по случаю %s не принято: база занята (%s); пользователя попросили нажать"
        " ещё раз"
    ),
    "press %r on case %s not taken: the ledger cannot be written (%s); free space or"
    " rights on the ledger's disk, the user was told nothing was saved": (
        "нажатие %r по случаю %s не принято: в базу не записать (%s). Проверьте свободное"
        " место и права на диске с базой; пользователю сказано, что ничего не сохранено"
    ),
    # bot/logs.py
    "cannot write the log file %s (%s); logging to the console only": (
        "не удаётся писать журнал в файл %s (%s); журнал выводится только в консоль"
    ),
    "cannot write the log file %s (%s): free space on its disk (or let the account Perezvon"
    " runs as write there); until then the log is on the console only": (
        "не удаётся писать журнал в файл %s (%s): освободите место на его диске (или дайте"
        " учётной записи, от которой работает Перезвон, право писать туда); до тех пор журнал"
        " выводится только в консоль"
    ),
    "the log file %s is written again (%d lines could not be written to it)": (
        "журнал снова пишется в файл %s (%d строк записать в него не удалось)"
    ),
    # bot/messenger.py
    "chat %s became supergroup %s (Telegram upgraded the group): posting there from now"
    " on; put %s into the config in its place": (
        "чат %s стал супергруппой %s (Telegram преобразовал группу): теперь сообщения идут"
        " туда; впишите %s в конфигурацию вместо старого ID"
    ),
    "chat %s in the config became supergroup %s: the bot uses %s; put it into the config": (
        "чат %s из конфигурации стал супергруппой %s: бот пишет в %s; впишите этот ID в"
        " конфигурацию"
    ),
    "chat %s -> %s not remembered for a restart (%s)": (
        "переход чата %s -> %s не сохранён до перезапуска (%s)"
    ),
    "message %s of case %s in chat %s is gone; posting it again": (
        "сообщение %s случая %s в чате %s удалено; публикую заново"
    ),
    "the escalated copy of case %s is gone; not posting it again": (
        "копия случая %s в чате руководителей удалена; заново не публикую"
    ),
    "the managers' chat %s refused the escalated copy of case %s (%s); cases are still"
    " posted and reminded in their departments' chats. Add the bot to that chat or fix"
    " telegram.managers_chat (perezvon check --send-test tries it)": (
        "чат руководителей %s не принял копию случая %s (%s); в чатах отделов случаи"
        " по-прежнему публикуются и напоминаются. Добавьте бота в этот чат или исправьте"
        " telegram.managers_chat (проверка: perezvon check --send-test)"
    ),
    "after-hours digest for %s: %s cases": "сводка за нерабочее время, отдел %s: случаев — %s",
    "forum topic %s of department %r in chat %s is gone (%s): posting in the chat itself"
    " until a restart; set [[department]] topic to an existing topic or remove it"
    " (perezvon check --send-test shows where posts land)": (
        "тема форума %s отдела %r в чате %s удалена (%s): до перезапуска сообщения идут в"
        " сам чат. Укажите в topic раздела [[department]] существующую тему или уберите"
        " его (куда попадают сообщения, покажет perezvon check --send-test)"
    ),
    "case %s: its unconfirmed post was refused (%r); posting again": (
        "случай %s: неподтверждённая публикация отклонена (%r); публикую заново"
    ),
    "case %s: deleted its duplicate message %s": "случай %s: удалён дубликат сообщения %s",
    # bot/outbox.py
    "outbox pass failed; trying again every %.0f s": (
        "ошибка при отправке изменений в Telegram; повторяю каждые %.0f с"
    ),
    "outbox passes work again": "отправка изменений в Telegram снова работает",
    "case %s: Telegram's answer to its post was unreadable; the post may be in the chat"
    " already, so it is sent once more in %.0f s and not again": (
        "случай %s: ответ Telegram на публикацию не прочитать; сообщение, возможно, уже в"
        " чате, поэтому оно будет отправлено ещё один раз через %.0f с, и больше не будет"
    ),
    "Telegram flood control: waiting %.0f s": ("Telegram ограничил частоту сообщений: жду %.0f с"),
    "case %s waits for chat %s's flood control": (
        "случай %s ждёт, пока Telegram снимет ограничение частоты для чата %s"
    ),
    "Telegram flood control for chat %s: its posts wait %.0f s": (
        "Telegram ограничил частоту сообщений в чат %s: сообщения туда ждут %.0f с"
    ),
    "delivering case %s failed": "ошибка при отправке случая %s",
    "%s: the managers' chat %s refuses the bot (%s); trying again in %.0f s. Add the bot to"
    " that chat, or fix telegram.managers_chat (perezvon check --send-test tries it)": (
        "%s: чат руководителей %s не принимает сообщения бота (%s); повтор через %.0f с."
        " Добавьте бота в этот чат или исправьте telegram.managers_chat (проверка: perezvon"
        " check --send-test)"
    ),
    "could not answer in chat %s («%s»): %s. The bot may not post there: add it to the chat,"
    " or give it the right to send messages": (
        "не удалось ответить в чате %s («%s»): %s. Бот не может писать туда: добавьте его в"
        " чат или дайте ему право отправлять сообщения"
    ),
    "the bot may post in chat %s again (%s): %s waiting changes are sent now": (
        "бот снова может писать в чат %s (%s): ожидавшие изменения (%s) отправляются сейчас"
    ),
    "the bot's membership of chat %s changed; the config names no such chat": (
        "членство бота в чате %s изменилось; этого чата нет в конфигурации"
    ),
    "topic %s of chat %s is gone (%s): the answer goes to the chat itself": (
        "тема %s чата %s удалена или закрыта (%s): ответ отправлен в сам чат"
    ),
    "the card of case %s was deleted from chat %s; the case is closed, so it is not posted again": (
        "карточку случая %s удалили из чата %s; случай закрыт, поэтому она не публикуется заново"
    ),
    "chat %s takes the bot's messages again (department «%s»); its waiting missed calls are"
    " posted now": (
        "чат %s снова принимает сообщения бота (отдел «%s»); ожидавшие пропущенные звонки"
        " публикуются"
    ),
    "case %s: its department has no chat in the config; not posted": (
        "случай %s: у его отдела нет чата в конфигурации; не опубликован"
    ),
    "case %s: %s posts got no readable answer from Telegram; not posting it again so the"
    " chat gets no further copy (it is listed in /missed)": (
        "случай %s: на публикации (%s) не пришло внятного ответа Telegram; больше не публикую,"
        " чтобы в чате не появилось ещё копий (случай виден в /missed)"
    ),
    "case %s: another leg of the call was answered before it was posted; not posted": (
        "случай %s: на этот же звонок ответили по другой линии до публикации; не опубликован"
    ),
    "case %s is not in the ledger; dropping its outbox rows": (
        "случая %s нет в базе; его неотправленные изменения удалены"
    ),
    "Telegram unreachable (%s); %s changes wait in the outbox, retrying": (
        "нет связи с Telegram (%s); изменений ждут отправки: %s, пробую снова"
    ),
    "Telegram is slow: no answer to the post of case %s; it may be in the chat already, so"
    " posts pause %g s and each such post is sent once more at most": (
        "Telegram отвечает медленно: нет ответа на публикацию случая %s; сообщение, возможно,"
        " уже в чате, поэтому публикации приостановлены на %g с, а каждая такая публикация"
        " повторяется не больше одного раза"
    ),
    "Telegram reachable again after %.0f s (%s failed attempts)": (
        "связь с Telegram восстановилась через %.0f с (неудачных попыток: %s)"
    ),
    "case %s: giving up after %s attempts: %s (check the chat id in the config and that the"
    " bot is a member of the chat)": (
        "случай %s: после %s попыток больше не пытаюсь: %s (проверьте ID чата в конфигурации"
        " и что бот добавлен в этот чат)"
    ),
    "case %s not delivered (%s); retry in %.0f s": (
        "случай %s не доставлен (%s); повтор через %.0f с"
    ),
    "chat %s refuses the bot's messages (%s); the missed calls of department «%s» wait and"
    " are tried again every few minutes (listed in /missed meanwhile). Add the bot to that"
    " chat, or fix its id in the config (perezvon check --send-test tries it)": (
        "чат %s не принимает сообщения бота (%s); пропущенные звонки отдела «%s» ждут,"
        " попытки повторяются раз в несколько минут (пока их видно в /missed). Добавьте бота"
        " в этот чат или исправьте его ID в конфигурации (проверка: perezvon check --send-test)"
    ),
    "chat %s refuses the bot's messages (%s); the missed calls of department «%s» wait and"
    " are tried again every few minutes (listed in /missed meanwhile). Let the bot post in"
    " that chat: a group admin gives it the right to send messages (perezvon check"
    " --send-test tries it)": (
        "чат %s не принимает сообщения бота (%s); пропущенные звонки отдела «%s» ждут,"
        " попытки повторяются раз в несколько минут (пока их видно в /missed). Разрешите"
        " боту писать в этот чат: администратор группы даёт ему право отправлять сообщения"
        " (проверка: perezvon check --send-test)"
    ),
    # bot/reminders.py
    "checking reminders failed": "ошибка при проверке напоминаний",
    "reminders and escalations are off (rules.remind/escalate_after_minutes = 0)": (
        "напоминания и копии руководителям выключены (rules.remind/escalate_after_minutes = 0)"
    ),
    "escalations are off: telegram.managers_chat is not set": (
        "копии руководителям выключены: не задан telegram.managers_chat"
    ),
    # bot/replies.py
    "flood control while answering in chat %s: waiting %.0f s": (
        "Telegram ограничил частоту ответов в чат %s: жду %.0f с"
    ),
    # bot/summary.py
    "%s was due on %s while Perezvon was not running; sending it now": (
        "%s (%s) не отправлена вовремя: Perezvon не работал; отправляю сейчас"
    ),
    "daily summary is off (telegram.daily_summary is empty)": (
        "ежедневная сводка выключена (telegram.daily_summary пуст)"
    ),
    "daily summary is off: telegram.managers_chat is not set": (
        "ежедневная сводка выключена: не задан telegram.managers_chat"
    ),
    "weekly summary is off (telegram.weekly_summary is empty)": (
        "еженедельная сводка выключена (telegram.weekly_summary пуст)"
    ),
    "weekly summary is off: telegram.managers_chat is not set": (
        "еженедельная сводка выключена: не задан telegram.managers_chat"
    ),
    "weekly summary: the workbook could not be built; sent without it": (
        "еженедельная сводка: не удалось собрать файл Excel; отправлена без него"
    ),
    "%s: the office is closed today, none sent": "%s: сегодня офис не работает, не отправлена",
    "weekly summary: closed until it is due again; the next one covers both weeks": (
        "итоги недели: офис закрыт до следующего срока; следующие итоги охватят обе недели"
    ),
    "weekly summary: today is a holiday; it goes on %s": (
        "итоги недели: сегодня праздник; они придут %s"
    ),
    "%s: the day it was late for is over; the next one is due as usual": (
        "%s: день, за который она опоздала, закончился; следующая придёт как обычно"
    ),
    "%s sent to chat %s": "%s отправлена в чат %s",
    # bot/summary.py's names of the two summaries, told in the lines above
    "daily summary": "ежедневная сводка",
    "weekly summary": "еженедельная сводка",
    "%s: giving up, %s part(s) not sent to chat %s": (
        "%s: больше не пытаюсь, частей не отправлено: %s, чат %s"
    ),
    "%s: Telegram unavailable, trying again in %.0f s": (
        "%s: Telegram недоступен, новая попытка через %.0f с"
    ),
    "%s: flood control (%.0f s)": "%s: Telegram ограничил частоту сообщений (%.0f с)",
    "%s to chat %s failed: %s": "%s: не отправлена в чат %s: %s",
    # watcher/case_log.py
    "case %d %s (%s, %s)": "случай %d — %s (%s, %s)",
    # watcher/cases.py
    "missed call to extension %s matches no department and none is default": (
        "пропущенный звонок на добавочный %s не относится ни к одному отделу, а отдела по"
        " умолчанию нет"
    ),
    # watcher/contacts.py
    "contacts file %s is gone; keeping the last copy": (
        "файла контактов %s больше нет; использую прочитанную ранее копию"
    ),
    "contacts file %s cannot be read (%s); keeping the last copy": (
        "файл контактов %s не прочитать (%s); использую прочитанную ранее копию"
    ),
    "contacts %s: %s": "контакты %s: %s",
    "loaded %d contacts from %s": "загружено контактов: %d из %s",
    # watcher/ingest.py
    "%d more rows were skipped in this pass (%d in all); the first %d are above": (
        "пропущено ещё строк за этот проход: %d (всего %d); первые %d — выше"
    ),
    "built the indexes an interrupted import had left out": (
        "построены индексы, которые не успела построить прерванная загрузка"
    ),
    "%s: %d more bad rows were skipped in the last hour without a line each (%d in all)": (
        "%s: за последний час пропущено ещё испорченных строк без отдельной записи: %d (всего %d)"
    ),
    "%s: %d missed calls (the first from %s) were more than %d days old when read, so they"
    " were not posted: was Calls.dbf out of reach that long, or is the PBX clock behind the"
    " server's? `perezvon report` lists them as never called back (history)": (
        "%s: пропущенные звонки (%d, первый от %s) к моменту чтения были старше %d дн., поэтому"
        " не опубликованы. Calls.dbf был так долго недоступен, или часы АТС отстают от часов"
        " сервера? В `perezvon report` они значатся как «не перезвонили (история)»"
    ),
    "%s: missed calls are recent again and posted (%d more too old since the warning)": (
        "%s: пропущенные звонки снова свежие и публикуются (после предупреждения было ещё"
        " слишком старых: %d)"
    ),
    "%s: reading the last %d records first; the %d before them are read in the background": (
        "%s: сначала читаю последние записи (%d); предыдущие (%d) читаются в фоне"
    ),
    "%s: history read (%s records)": "%s: история прочитана (записей: %s)",
    # watcher/service.py
    "%s after %.0f s (%d failed checks)": "%s через %.0f с (неудачных проверок: %d)",
    "change listener failed": "ошибка в обработчике изменений",
    "the ledger %s was deleted or moved while Perezvon runs: what it records now is lost at"
    " the next start, which would post the open cases again. Stop Perezvon, put the file"
    " back (or restore a backup), then start it": (
        "база %s удалена или перемещена во время работы Перезвона: всё, что в неё пишется"
        " сейчас, пропадёт при следующем запуске, и открытые случаи будут опубликованы"
        " снова. Остановите Перезвон, верните файл на место (или восстановите из резервной"
        " копии) и запустите снова"
    ),
    "missed calls are reported again (last at %s)": (
        "пропущенные звонки снова поступают (последний в %s)"
    ),
    "watching %s (%s)": "слежу за %s (%s)",
    (
        "%s: the header names no code page; its Russian letters read as %s (to leave"
        ' no guess, set [source] encoding = "%s")'
    ): (
        "%s: в заголовке не указана кодовая страница; русские буквы в записях читаются"
        ' как %s (чтобы не угадывать, укажите [source] encoding = "%s")'
    ),
    "file watcher stopped; starting it again": "слежение за файлом остановилось; запускаю снова",
}

# Templates of texts made in watcher/ and passed on to be logged (as LogText), by where
# they are made: the same rules as above.
LOG_RU.update(
    {
        # watcher/case_log.py: what happened to a case ("case 12 <this> (Sales, …4567)")
        "no number": "без номера",
        "opened: missed call to %s": "открыт: пропущенный звонок на %s",
        "grew: another missed call to %s": "пополнен: ещё один пропущенный звонок на %s",
        "attempt: a callback did not get through (marked in the chat)": (
            "попытка: перезвонить не удалось (отмечено в чате)"
        ),
        "attempt: a callback from ext %s did not get through": (
            "попытка: с доб. %s перезвонить не удалось"
        ),
        "claimed in the chat": "взят в чате",
        "reminded": "напоминание отправлено",
        "escalated to the managers' chat": "копия отправлена в чат руководителей",
        "closed: called back from ext %s": "закрыт: перезвонили с доб. %s",
        "closed: the caller got through to ext %s": (
            "закрыт: клиент дозвонился сам, ответил доб. %s"
        ),
        "closed: ext %s answered another leg of the same call": (
            "закрыт: доб. %s ответил на этот же звонок по другой линии"
        ),
        "closed: marked called back in the chat": "закрыт: в чате отмечено «перезвонили»",
        "closed: marked not needed in the chat": "закрыт: в чате отмечено «не нужно»",
        "closed: expired (history, never posted)": (
            "закрыт как устаревший (история, не публиковался)"
        ),
        "reopened in the chat": "снова открыт в чате",
        # watcher/fields.py
        "no field gives the ring time (no RINGBEFORE), but %s reads it: that rule applies"
        " to no call. Map the field in [source.fields] (ring = ...), or set the key to 0": (
            "нет поля с секундами гудков (RINGBEFORE), а его читает %s: это правило не"
            " сработает ни на одном звонке. Укажите поле в [source.fields] (ring = ...) или"
            " поставьте этому ключу 0"
        ),
        "no CALLERID field: an incoming call's number is read from NUMBER, which PBXs"
        " usually leave blank on incoming calls, so missed calls may come without a number"
        " and not be posted. If the caller's number is in another field, map it in"
        " [source.fields] (callerid = ...)": (
            "нет поля CALLERID: номер входящего звонка берётся из NUMBER, а АТС обычно"
            " оставляют его пустым для входящих, поэтому пропущенные звонки могут прийти без"
            " номера и не быть опубликованы. Если номер звонящего в другом поле, укажите его"
            " в [source.fields] (callerid = ...)"
        ),
        "no field gives the caller's number (no CALLERID, and no CALLTYPE to tell incoming"
        " calls by); missed calls cannot be posted with a number to call back. Map the field"
        " in [source.fields] (callerid = ...)": (
            "ни одно поле не даёт номер звонящего (нет CALLERID и нет CALLTYPE, чтобы отличить"
            " входящие): пропущенные звонки не опубликовать с номером для перезвона. Укажите"
            " поле в [source.fields] (callerid = ...)"
        ),
        # watcher/health.py
        "turn on Lost Call Print-out / SMDR for incoming calls (PGM 177 on LG-Ericsson"
        " ipLDK / iPECS); see the PBX checklist in the README": (
            "включите на АТС Lost Call Print-out / SMDR для входящих звонков (PGM 177 на"
            " LG-Ericsson ipLDK / iPECS); см. «PBX checklist» в README"
        ),
        "none yet": "ещё не было",
        "no call at all in the last %d office days (since %s; last missed call: %s): is"
        " WinTariff still receiving the PBX's call records? Check the PBX link, then %s": (
            "за последние рабочие дни (%d, с %s) нет ни одного звонка (последний пропущенный:"
            " %s): получает ли WinTariff записи о звонках от АТС? Проверьте связь с АТС, затем"
            " %s"
        ),
        "no missed call in the last %d office days (since %s; last missed call: %s): the"
        " PBX may not report unanswered calls to WinTariff; %s": (
            "за последние рабочие дни (%d, с %s) нет ни одного пропущенного звонка (последний:"
            " %s): возможно, АТС не передаёт в WinTariff неотвеченные звонки; %s"
        ),
        # watcher/ingest.py
        "%s: %s": "%s: %s",
        "record %d: %s; skipped": "запись %d: %s; пропущена",
        "the table's structure changed": "изменилась структура таблицы",
        "the file shrank (%d records, %d were read)": (
            "файл стал короче (записей: %d, а прочитано было %d)"
        ),
        "the first record changed (file rewritten)": (
            "изменилась первая запись (файл перезаписан)"
        ),
        "the last record read has changed (rows purged or moved)": (
            "изменилась последняя прочитанная запись (строки удалены или перемещены)"
        ),
        "%s: %s; re-reading it, known calls are skipped. If WinTariff archived the old file"
        " (renamed it, and started a new one), rows written to it after the last pass were"
        " not read: `perezvon import <the archive>` reads them (without posting, as"
        " history)": (
            "%s: %s; читаю файл заново, уже известные звонки пропускаются. Если WinTariff"
            " заархивировал старый файл (переименовал его и начал новый), строки, записанные"
            " в него после последнего прохода, не прочитаны: их прочитает `perezvon import"
            " <архив>` (без публикации, как историю)"
        ),
        # watcher/ledger_open.py
        "%s: not a readable SQLite ledger; restore it from a backup or move it away and"
        " import the Calls.dbf history again (%s)": (
            "%s: не читается как база SQLite; восстановите её из резервной копии или уберите"
            " файл и загрузите историю из Calls.dbf заново (%s)"
        ),
        "%s: the ledger cannot be opened for writing; the account Perezvon runs as must be"
        " allowed to write to its folder, and the file must not be marked Read-only (%s)": (
            "%s: базу не открыть на запись; учётной записи, от имени которой работает"
            " Перезвон, нужно право записи в её папку, а у файла не должно быть атрибута"
            " «Только чтение» (%s)"
        ),
        "%s: this is a folder; database.path must name the ledger's file itself, e.g. %s": (
            "%s: это папка, а в database.path нужен сам файл базы, например %s"
        ),
        "%s: the disk of the ledger is full; free space on it, the ledger itself is fine"
        " (%s)": "%s: на диске базы кончилось место; освободите место, сама база цела (%s)",
        "%s: the ledger is locked by another program; close it and try again (%s)": (
            "%s: база занята другой программой; закройте её и повторите (%s)"
        ),
        # watcher/service.py
        "%s (%s: folder not reachable); re-checking every %g s": (
            "%s (%s: папка недоступна); проверяю снова каждые %g с"
        ),
        "%s; re-checking every %g s": "%s; проверяю снова каждые %g с",
        "cannot watch %s for changes (%s); re-checking every %g s": (
            "не удаётся следить за изменениями в %s (%s); проверяю каждые %g с"
        ),
        "watching %s for changes again": "снова слежу за изменениями в %s",
        "%s is readable again": "%s снова читается",
        "%s; retrying": "%s; пробую снова",
        "scan of %s failed": "ошибка при чтении %s",
        "scans of %s work again": "чтение %s снова работает",
        "polling every %g s": "опрос каждые %g с",
        "file events": "по событиям файловой системы",
    }
)

LOG_CATALOGS: dict[str, dict[str, str]] = {"ru": LOG_RU, "en": {}}


@runtime_checkable
class Told(Protocol):
    """A text that can be said in a given language (a :class:`ToldError`, a
    :class:`LogText`); in a log record's arguments it is told in the log's language."""

    def told(self, language: str) -> str: ...


def log_catalog(language: str) -> Mapping[str, str]:
    """The log's templates in ``language`` (English has none: the code's own are English);
    Russian for anything unknown, like :func:`catalog`."""
    return LOG_CATALOGS.get(language, LOG_RU)


def told_value(value: object, language: str) -> object:
    """A log argument as said in ``language``: a :class:`Told` text told, others as given."""
    return value.told(language) if isinstance(value, Told) else value


def log_said(language: str, template: object, args: object) -> str | None:
    """A log record's message (``template % args``, as :mod:`logging` makes it) in
    ``language``; None when nothing in it has a translation (it reads as in English)."""
    if not isinstance(template, str):
        return None
    own = log_catalog(language).get(template)
    values: object = args
    changed = False
    if isinstance(args, Mapping):
        told_map = {key: told_value(value, language) for key, value in args.items()}
        changed = any(told_map[key] is not value for key, value in args.items())
        values = told_map
    elif isinstance(args, tuple):
        told_args = tuple(told_value(value, language) for value in args)
        changed = any(new is not old for new, old in zip(told_args, args, strict=True))
        values = told_args
    if own is None and not changed:
        return None
    wording = template if own is None else own
    return wording % values if values else wording


class LogText(str):
    """A text for the log made from a LOG_RU template: English as a ``str`` (tests and
    callers compare it so), and :meth:`told` in another language. Made where the words
    are (watcher/ never configures logging), it is logged as an argument (``"%s"``) and
    the log's formatter tells it in the office's language (bot.logs.SpeakingFormatter)."""

    template: str
    args: tuple[object, ...]

    def __new__(cls, template: str, *args: object) -> LogText:
        text = super().__new__(cls, template % args if args else template)
        text.template, text.args = template, args
        return text

    def told(self, language: str) -> str:
        said = log_said(language, self.template, self.args)
        return str(self) if said is None else said
