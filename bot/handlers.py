"""Commands and button presses.

Every handler answers something readable and never raises into PTB for bad input: a
forged button, a chat that is not in the config, a case that is gone. A press changes
the ledger (its conditional UPDATE decides races; the change and its outbox row commit
together), answers with a toast and wakes the outbox, the one writer of case messages.
The ledger logs each change it applies (:mod:`watcher.case_log`), so handlers do not.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberRestricted,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.figures import load_photo, report_document, stats_parts
from bot.messenger import is_chat_refusal
from bot.permissions import (
    ClaimVerdict,
    Scope,
    ScopeKind,
    UndoVerdict,
    chat_may_act_on,
    chat_scope,
    claim_day_start,
    is_admin,
    may_claim,
    may_undo,
)
from bot.render import (
    CARD_BUTTONS,
    LIST_MAX_CASES,
    Button,
    claimer_name,
    closed_toast,
    closer_name,
    esc,
    missed_messages,
    parse_callback,
    struck_list,
    without_button,
)
from bot.replies import Part, in_topic_or_chat, send_parts
from bot.runtime import Runtime, runtime_of
from watcher.models import Case
from watcher.stats import Period, days_period, parse_period
from watcher.texts import clock_text, tr

log = logging.getLogger(__name__)

COMMANDS = ("start", "help", "missed", "stats", "report", "load", "me")
# /load without a period: the last four weeks, today included.
LOAD_DEFAULT_DAYS = 28
# How long a press waits for a ledger another writer holds: its answer (the toast) must
# reach Telegram while the press is still fresh, some ten seconds at most.
PRESS_WAIT_MS = 4_000
# An extension as the PBX writes it: digits, maybe a group prefix letter (G620).
_EXTENSION = re.compile(r"^[A-Za-z]?[0-9]{1,8}$")


def register(application: Application) -> None:
    """Attach all handlers; commands answer new messages only, not edits."""
    only_new = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler(["start", "help"], help_command, filters=only_new))
    application.add_handler(CommandHandler("missed", missed_command, filters=only_new))
    application.add_handler(CommandHandler("stats", stats_command, filters=only_new))
    application.add_handler(CommandHandler("report", report_command, filters=only_new))
    application.add_handler(CommandHandler("load", load_command, filters=only_new))
    application.add_handler(CommandHandler("me", me_command, filters=only_new))
    application.add_handler(CallbackQueryHandler(button_pressed))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, chat_migrated))
    application.add_handler(
        ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(log_error)


async def bot_membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram's note that the bot was removed from a chat, added back, or had its rights
    changed: a removal is told at once (naming the department and the fix); once it may
    post again, the cases waiting for that chat go now, not at their next retry, up to
    five minutes later, while the admin who just added the bot wonders if it worked."""
    changed = update.my_chat_member
    if changed is None:
        return
    runtime = runtime_of(context)
    messenger = runtime.messenger
    chat = changed.chat.id
    if not messenger.uses_chat(chat):
        log.info("the bot's membership of chat %s changed; the config names no such chat", chat)
        return
    # The ids the ledger's cases may name for this chat: it, and a group it was before.
    chats = {chat} | {old for old in messenger.moves if messenger.chat_for(old) == chat}
    department = runtime.messenger.chat_label(chat)
    member = changed.new_chat_member
    if _may_post(member):
        runtime.outbox.chat_takes_again(chats)
        due = runtime.ledger.outbox_retry_chats_now(chats, runtime.clock())
        log.info(
            "the bot may post in chat %s again (%s): %s waiting changes are sent now",
            chat,
            department,
            due,
        )
        runtime.outbox.wake()
        return
    removed = member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
    by = changed.from_user.id if changed.from_user else "?"
    reason = f"{'removed' if removed else 'restricted'} by user {by}"
    runtime.outbox.chat_refuses(chat, chats, department, reason, no_rights=not removed)


def _may_post(member: ChatMember) -> bool:
    if member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
        return True
    if member.status == ChatMemberStatus.OWNER:
        return True
    if isinstance(member, ChatMemberRestricted):
        return member.is_member and member.can_send_messages
    return False


async def chat_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram's note that a group became a supergroup (in the old chat: migrate_to, in
    the new one: migrate_from): the bot moves there before any post of its fails."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, int(message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        old, new = int(message.migrate_from_chat_id), message.chat_id
    else:
        return
    messenger = runtime_of(context).messenger
    if not messenger.uses_chat(old):  # a group of no department: nothing to move
        log.info("chat %s became supergroup %s; the config names neither", old, new)
        return
    messenger.chat_moved(old, new)


# -- commands --------------------------------------------------------------------------


def _where(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[Runtime, Chat, int | None, Scope] | None:
    """Who is asking from which chat, and what that chat may see; None without a chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    runtime = runtime_of(context)
    user = update.effective_user
    if user is not None:
        _remember(runtime, user)
    user_id = user.id if user else None
    return runtime, chat, user_id, chat_scope(runtime.config, chat.id, user_id)


def _thread(update: Update, runtime: Runtime) -> int | None:
    """Where an answer goes in a forum: the topic the command came from, else the
    department's own topic (``department.topic``), else the chat itself."""
    message = update.effective_message
    if message is not None and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    chat = update.effective_chat
    department = runtime.config.department_for_chat(chat.id) if chat is not None else None
    return department.topic if department is not None and department.topic else None


async def _say(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, *, html: bool = False
) -> None:
    """Answer a command in its chat and topic."""
    chat = update.effective_chat
    assert chat is not None
    await in_topic_or_chat(
        chat.id,
        _thread(update, runtime_of(context)),
        lambda topic: context.bot.send_message(
            chat.id, text, parse_mode=ParseMode.HTML if html else None, message_thread_id=topic
        ),
    )


def _remember(runtime: Runtime, user: User) -> None:
    """Cards show the name the bot last saw for an operator."""
    try:
        with runtime.ledger.waiting_at_most(PRESS_WAIT_MS):
            runtime.ledger.saw_user(user.id, _user_name(user), runtime.clock())
    except sqlite3.OperationalError as error:  # a locked ledger must not cost the answer
        log.warning("could not record the name of user %s (%s)", user.id, error)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What the bot does, and the chat id an admin pastes into the config."""
    where = _where(update, context)
    if where is None:
        return
    runtime, chat, user_id, scope = where
    if scope.kind is ScopeKind.ALL:
        binding = tr(runtime.language, "binding_managers")
    elif scope.kind is ScopeKind.DEPARTMENT:
        binding = tr(runtime.language, "binding_department", department=esc(scope.department))
    else:  # what to paste where, so the first /start works before any chat is configured
        binding = tr(runtime.language, "binding_none", chat_id=chat.id)
    message = update.effective_message
    if message is not None and message.is_topic_message and message.message_thread_id:
        binding += tr(runtime.language, "binding_topic", topic=message.message_thread_id)
    user = tr(runtime.language, "help_user", user_id=user_id) if user_id is not None else ""
    text = tr(runtime.language, "help", chat_id=chat.id, binding=binding, user=user)
    await _say(update, context, text, html=True)


async def missed_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open cases of this chat's department (all of them in the managers' chat)."""
    where = _where(update, context)
    if where is None:
        return
    runtime, chat, user_id, scope = where
    language = runtime.language
    if scope.kind is ScopeKind.NONE:
        # A group is the admin's to bind; a person writing to the bot is not the admin.
        if chat.type == ChatType.PRIVATE and user_id is not None:
            text = tr(language, "missed_private", user_id=user_id)
        else:
            text = tr(language, "missed_not_bound", chat_id=chat.id)
        await _say(update, context, text, html=True)
        return
    everything = scope.kind is ScopeKind.ALL
    cases = runtime.ledger.open_cases(
        None if everything else scope.department, include_silent=False
    )
    label = tr(language, "missed_scope_all") if everything else str(scope.department)
    tried = runtime.ledger.failed_callback_counts(c.id for c in cases[:LIST_MAX_CASES])
    parts = missed_messages(cases, language, scope=label, show_department=everything, tried=tried)
    await send_parts(context.bot, chat.id, parts, thread=_thread(update, runtime))


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/stats [period]``: the report of `perezvon stats` and the hourly chart."""
    request = await _period_request(
        update,
        context,
        command="stats",
        parse=parse_period,
        not_allowed="stats_not_allowed",
        bad_period="stats_bad_period",
    )
    if request is None:
        return
    runtime, department, period = request

    async def build() -> list[Part]:
        config = runtime.config
        return await stats_parts(runtime.ledger, period, runtime.language, config, department)

    await _answer_built(
        update, context, runtime, f"stats for {period.label}", "stats_failed", build
    )


async def me_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/me`` shows the sender's extensions; ``/me 201`` links the sender to 201; an admin
    links someone else with ``/me 201 USER_ID`` or by replying to their message."""
    where = _where(update, context)
    if where is None or update.effective_user is None:
        return
    runtime, _, _, scope = where
    language = runtime.language
    sender = update.effective_user
    if scope.kind is ScopeKind.NONE:
        await _say(update, context, tr(language, "me_not_here"))
        return
    args = context.args or []
    if not args:
        links = runtime.ledger.operator_links()
        links.update(dict(runtime.config.operators))
        mine = sorted(ext for ext, user in links.items() if user == sender.id)
        text = (
            tr(
                language,
                "me_shown",
                extensions=", ".join(tr(language, "me_extension", extension=e) for e in mine),
            )
            if mine
            else tr(language, "me_none")
        )
        await _say(update, context, text)
        return
    extension = args[0].strip()
    if not _EXTENSION.match(extension):
        await _say(update, context, tr(language, "me_bad", value=extension))
        return
    target = _me_target(update, args)
    if target is None:
        await _say(update, context, tr(language, "me_bad", value=" ".join(args)))
        return
    if target != sender.id and not is_admin(runtime.config, sender.id):
        await _say(update, context, tr(language, "me_admin_only"))
        return
    owner = dict(runtime.config.operators).get(extension)
    if owner is not None and owner != target:
        text = tr(language, "me_config_owned", extension=extension)
        await _say(update, context, text)
        return
    # A colleague's extension is not taken by a typo or a joke: their callbacks would
    # read as the sender's from then on. An admin may move it (a desk changed hands).
    previous = runtime.ledger.operator_links().get(extension, target)
    holder = (runtime.ledger.user_name(previous) or str(previous)) if previous != target else None
    if holder is not None and not is_admin(runtime.config, sender.id):
        text = tr(language, "me_taken", extension=esc(extension), name=esc(holder), user=target)
        await _say(update, context, text, html=True)
        return
    runtime.ledger.link_operator(extension, target, by=sender.id, now=runtime.clock())
    name = runtime.ledger.user_name(target) or str(target)
    log.info("extension %s linked to user %s by %s", extension, target, sender.id)
    text = tr(language, "me_linked", extension=esc(extension), name=esc(name))
    if holder is not None:
        text += " " + tr(language, "me_moved_from", name=esc(holder))
    await _say(update, context, text, html=True)
    runtime.outbox.wake()


def _me_target(update: Update, args: list[str]) -> int | None:
    """Whom ``/me`` links: a user id after the extension, the author of the message
    replied to, or else the sender; None when the second word is no user id."""
    message = update.effective_message
    if len(args) > 1:
        return int(args[1]) if args[1].isdigit() else None
    replied = message.reply_to_message if message is not None else None
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return replied.from_user.id
    assert update.effective_user is not None
    return update.effective_user.id


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/report [period]``: the workbook; the managers' chat gets every department, a
    department's chat its own. Built in a process of its own, so cards keep flowing meanwhile."""
    request = await _period_request(
        update,
        context,
        command="report",
        parse=lambda text, today: parse_period(text or "yesterday", today),
        not_allowed="report_not_allowed",
        bad_period="report_bad_period",
    )
    if request is None:
        return
    runtime, department, period = request

    async def build() -> list[Part]:
        document = await report_document(
            runtime.config, runtime.ledger, period, department, runtime.language
        )
        chat = update.effective_chat.id if update.effective_chat else None
        log.info("report %s (%d bytes) for chat %s", document.filename, len(document.data), chat)
        return [document]

    what = f"report for {period.label}"
    await _answer_built(update, context, runtime, what, "report_failed", build)


async def _answer_built(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    runtime: Runtime,
    what: str,
    failed: str,
    build: Callable[[], Awaitable[list[Part]]],
) -> None:
    """What /stats, /report and /load do once the request reads: build the answer (off
    the event loop, in ``build``) and send it to the chat and topic asked from; a failure
    is logged once with its traceback and said in the chat (text ``failed``)."""
    chat = update.effective_chat
    assert chat is not None
    try:
        parts = await build()
    except Exception:
        log.exception("%s failed", what)
        await _say(update, context, tr(runtime.language, failed))
        return
    await send_parts(context.bot, chat.id, parts, thread=_thread(update, runtime))


async def _period_request(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    command: str,
    parse: Callable[[str | None, date], Period],
    not_allowed: str,
    bad_period: str,
) -> tuple[Runtime, str | None, Period] | None:
    """What /stats, /report and /load share: a chat that may see figures, and a period
    that reads; otherwise the answer that says why, and None. The department is the
    chat's own, or None where all departments are seen."""
    where = _where(update, context)
    if where is None:
        return None
    runtime, _, _, scope = where
    language = runtime.language
    if scope.kind is ScopeKind.NONE:
        await _say(update, context, tr(language, not_allowed))
        return None
    text = " ".join(context.args or []) or None
    try:
        period = parse(text, runtime.clock().date())
    except ValueError as error:
        log.info("/%s with a bad period: %s", command, error)
        await _say(update, context, tr(language, bad_period, period=esc(text or "")), html=True)
        return None
    department = scope.department if scope.kind is ScopeKind.DEPARTMENT else None
    return runtime, department, period


def load_period(text: str | None, today: date) -> Period:
    """The periods of /stats; none given: the last four weeks."""
    if text:
        return parse_period(text, today)
    return days_period(today - timedelta(days=LOAD_DEFAULT_DAYS - 1), today)


async def load_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/load [period]``: a heatmap of missed calls by weekday and hour for the chat's
    scope, captioned with the hours that lose the most; drawn in a worker thread."""
    request = await _period_request(
        update,
        context,
        command="load",
        parse=load_period,
        not_allowed="stats_not_allowed",
        bad_period="load_bad_period",
    )
    if request is None:
        return
    runtime, department, period = request

    async def build() -> list[Part]:
        config, ledger, language = runtime.config, runtime.ledger, runtime.language
        return [await load_photo(config, ledger, period, department, language)]

    await _answer_built(update, context, runtime, f"load for {period.label}", "stats_failed", build)


# -- buttons ---------------------------------------------------------------------------


async def button_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close or undo a case, after checking the chat and the user; always answer the press."""
    query = update.callback_query
    if query is None:
        return
    runtime = runtime_of(context)
    language = runtime.language
    _remember(runtime, query.from_user)
    press = parse_callback(query.data)
    message = query.message if isinstance(query.message, Message) else None
    case = runtime.ledger.get_case(press.case_id) if press is not None else None
    if press is None or case is None or message is None:
        log.info("refused press with data %r from user %s", query.data, query.from_user.id)
        await _answer(query, tr(language, "toast_unknown"))
        return
    chat_for = runtime.messenger.chat_for
    if not chat_may_act_on(runtime.config, case, message.chat_id, query.from_user.id, chat_for):
        log.info(
            "refused press on case %s from chat %s by user %s",
            case.id,
            message.chat_id,
            query.from_user.id,
        )
        await _answer(query, tr(language, "toast_foreign_chat"))
        return
    if press.action in CARD_BUTTONS and not _is_case_message(runtime, case, message):
        # Only the message recorded for the case carries its live buttons; an older copy
        # (re-posted since, or from before a restore) must not act on what it names.
        log.info(
            "refused press on case %s from message %s in chat %s: not the case's message",
            case.id,
            message.message_id,
            message.chat_id,
        )
        await _answer(query, tr(language, "toast_stale_message"))
        return
    try:
        with runtime.ledger.waiting_at_most(PRESS_WAIT_MS):
            toast = _ACTIONS[press.action](runtime, case, query.from_user)
    except sqlite3.OperationalError as error:
        if is_locked(error):
            log.warning(
                "press %r on case %s not taken: the ledger is busy (%s); the user was asked"
                " to press again",
                press.action.value,
                case.id,
                error,
            )
            toast = tr(language, "toast_busy")
        else:  # a full disk, a read-only folder: the press must not spin unanswered
            log.error(
                "press %r on case %s not taken: the ledger cannot be written (%s); free"
                " space or rights on the ledger's disk, the user was told nothing was saved",
                press.action.value,
                case.id,
                error,
            )
            toast = tr(language, "toast_not_saved")
    await _answer(query, toast)
    runtime.outbox.wake()
    if press.action is Button.LIST_CLOSE:
        await _mark_list_closed(context, runtime, message)


def is_locked(error: sqlite3.OperationalError) -> bool:
    """Another writer held the ledger past the wait; any other error is a real fault."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _is_case_message(runtime: Runtime, case: Case, message: Message) -> bool:
    """The case's own message or its escalated copy: the messages that carry its buttons."""
    return (message.chat_id, message.message_id) in runtime.ledger.case_messages_of(case.id)


def _close(runtime: Runtime, case: Case, user: User) -> str:
    result = runtime.ledger.close_by_user(
        case.id, user_id=user.id, user_name=_user_name(user), now=runtime.clock()
    )
    if result.changed:
        return tr(runtime.language, "toast_closed")
    fresh = result.case or case
    if fresh.is_open:  # cannot happen with the ledger's UPDATE, but never claim a close
        return tr(runtime.language, "toast_already_open")
    return _closed(runtime, fresh)


def _closed(runtime: Runtime, case: Case) -> str:
    """The toast for a press on a case that is closed already."""
    names = runtime.ledger.operator_names(runtime.config.operators)
    return closed_toast(case, runtime.language, now=runtime.clock(), names=names)


def _undo(runtime: Runtime, case: Case, user: User) -> str:
    language = runtime.language
    newer_open = not case.is_open and runtime.ledger.newer_case_open(case.id)
    verdict = may_undo(runtime.config, case, user.id, newer_open=newer_open)
    if verdict is UndoVerdict.ALREADY_OPEN:
        return tr(language, "toast_already_open")
    if verdict is UndoVerdict.NOT_BY_USER:
        return tr(language, "toast_undo_auto")
    if verdict is UndoVerdict.NOT_YOURS:
        return tr(language, "toast_undo_not_yours", name=closer_name(case))
    if verdict is UndoVerdict.NEWER_OPEN:
        return tr(language, "toast_undo_newer_open")
    result = runtime.ledger.reopen_by_user(
        case.id, user_id=user.id, user_name=_user_name(user), now=runtime.clock()
    )
    if result.changed:
        return tr(language, "toast_reopened")
    if runtime.ledger.newer_case_open(case.id):  # the number called again meanwhile
        return tr(language, "toast_undo_newer_open")
    return tr(language, "toast_already_open")


def _claim(runtime: Runtime, case: Case, user: User) -> str:
    """👋 The first press takes the case; later ones are told who has it."""
    language = runtime.language
    now = runtime.clock()
    verdict = may_claim(runtime.config, case, user.id, now)
    if verdict is ClaimVerdict.CLOSED:
        return _closed(runtime, case)
    if verdict is ClaimVerdict.YOURS:
        return tr(language, "toast_claimed_already_yours")
    if verdict is ClaimVerdict.TAKEN:
        return _taken_toast(case, language, now)
    result = runtime.ledger.claim(
        case.id,
        user_id=user.id,
        user_name=_user_name(user),
        now=now,
        take_over=verdict is ClaimVerdict.TAKE_OVER,
        stale_before=claim_day_start(now),
    )
    fresh = result.case or case
    if not result.changed:  # someone was faster, or it closed meanwhile
        if not fresh.is_open:
            return _closed(runtime, fresh)
        return _taken_toast(fresh, language, now)
    if verdict in (ClaimVerdict.TAKE_OVER, ClaimVerdict.TAKE_STALE):
        return tr(language, "toast_taken_over", name=claimer_name(case))
    return tr(language, "toast_claimed")


def _taken_toast(case: Case, language: str, now: datetime) -> str:
    """Who took it and when: today's time alone ("в 09:06"), another day's with its date."""
    when = clock_text(case.claimed_at, now, language) if case.claimed_at else ""
    return tr(language, "toast_claimed_by_other", name=claimer_name(case), when=when)


def _failed(runtime: Runtime, case: Case, user: User) -> str:
    """📵 A callback that did not get through: listed on the card, the case stays open."""
    if not case.is_open:
        return _closed(runtime, case)
    done = runtime.ledger.add_failed_callback(
        case.id, now=runtime.clock(), user_id=user.id, user_name=_user_name(user)
    )
    if not done:
        fresh = runtime.ledger.get_case(case.id) or case
        return _closed(runtime, fresh)
    return tr(runtime.language, "toast_failed")


def _not_needed(runtime: Runtime, case: Case, user: User) -> str:
    """🚫 Closed as needing no callback; counted apart, undoable."""
    result = runtime.ledger.close_not_needed(
        case.id, user_id=user.id, user_name=_user_name(user), now=runtime.clock()
    )
    if result.changed:
        return tr(runtime.language, "toast_not_needed")
    return _closed(runtime, result.case or case)


_ACTIONS: dict[Button, Callable[[Runtime, Case, User], str]] = {
    Button.CLOSE: _close,
    Button.LIST_CLOSE: _close,
    Button.UNDO: _undo,
    Button.CLAIM: _claim,
    Button.FAILED: _failed,
    Button.NOT_NEEDED: _not_needed,
}


async def _mark_list_closed(
    context: ContextTypes.DEFAULT_TYPE, runtime: Runtime, message: Message
) -> None:
    """A /missed list loses the buttons of the cases closed now, and their lines are
    struck through. A press that saved nothing (the ledger busy) leaves both for a second
    one. Every press carries the list as it was when pressed: two presses in one second
    carry the same old list, so each edit strikes every closed case the list still
    offers, not only its own, and the edits of one bot go one at a time."""
    lock: asyncio.Lock = context.bot_data.setdefault(_LIST_EDITS, asyncio.Lock())
    async with lock:
        offered = message.reply_markup
        closed = _closed_on_list(runtime, offered)
        if not closed:
            return
        markup = offered
        text = message.text_html if message.text else None
        for data in closed:
            markup = without_button(markup, data)
            if text is not None:
                text = struck_list(text, offered, data) or text
        try:
            if text is None:
                await message.edit_reply_markup(reply_markup=markup)
            else:
                await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except TelegramError as error:
            log.info("could not update the /missed list message: %s", error)


def _closed_on_list(runtime: Runtime, markup: InlineKeyboardMarkup | None) -> list[str]:
    """The callback data of the list's close buttons whose cases are closed now."""
    rows = markup.inline_keyboard if markup is not None else ()
    closed = []
    for data in (b.callback_data for row in rows for b in row):
        press = parse_callback(data)
        if press is None or press.action is not Button.LIST_CLOSE:
            continue
        case = runtime.ledger.get_case(press.case_id)
        if case is not None and not case.is_open:
            closed.append(str(data))
    return closed


async def _answer(query: CallbackQuery, text: str) -> None:
    try:
        await query.answer(text)
    except TelegramError as error:  # too old a query, Telegram down: nothing to do
        log.info("could not answer a button press: %s", error)


def _user_name(user: User) -> str:
    name = (user.full_name or "").strip()
    return name or (f"@{user.username}" if user.username else str(user.id))


# bot_data key: the lock that lets one edit of a /missed list run at a time.
_LIST_EDITS = "list_edits"
# bot_data key: chats where an answer was refused, told once each this run.
_ANSWER_REFUSED = "answers_refused"


async def log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Errors in handlers end up in the log, never as a crash of the bot. An answer the
    chat refused (the bot removed, or without the right to post) is no fault of the bot:
    one warning per chat, naming its department, with no traceback."""
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, TelegramError) and is_chat_refusal(error) and chat is not None:
        told: set[int] = context.bot_data.setdefault(_ANSWER_REFUSED, set())
        if chat.id in told:
            log.debug("chat %s refused an answer again (%s)", chat.id, error.message)
            return
        told.add(chat.id)
        log.warning(
            "could not answer in chat %s («%s»): %s. The bot may not post there: add it to"
            " the chat, or give it the right to send messages",
            chat.id,
            runtime_of(context).messenger.chat_label(chat.id),
            error.message,
        )
        return
    log.error("error while handling an update: %s", error, exc_info=error)
