"""Who may see and change which cases: pure decisions over the config.

Callback data arrives from the client and can be forged, so a press is judged by the chat
it came from and the user who made it, never by the data alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from watcher.config import Config
from watcher.models import Case
from watcher.vocab import ClosedHow


class ScopeKind(Enum):
    ALL = "all"
    DEPARTMENT = "department"
    NONE = "none"


@dataclass(frozen=True)
class Scope:
    """What a chat sees: every department, one department, or nothing."""

    kind: ScopeKind
    department: str | None = None


def chat_scope(config: Config, chat_id: int, user_id: int | None = None) -> Scope:
    """The managers' chat (or an admin's private chat) sees all; a department chat its own."""
    if config.telegram.managers_chat is not None and chat_id == config.telegram.managers_chat:
        return Scope(ScopeKind.ALL)
    department = config.department_for_chat(chat_id)
    if department is not None:
        return Scope(ScopeKind.DEPARTMENT, department.name)
    if user_id is not None and chat_id == user_id and user_id in config.telegram.admins:
        return Scope(ScopeKind.ALL)
    return Scope(ScopeKind.NONE)


def is_admin(config: Config, user_id: int) -> bool:
    return user_id in config.telegram.admins


def chat_may_act_on(
    config: Config,
    case: Case,
    chat_id: int,
    user_id: int,
    chat_for: Callable[[int], int] = lambda chat: chat,
) -> bool:
    """The case's own chat (``chat_for``: where it is now, if its group became a
    supergroup), its department's chat today, the managers' chat, or an admin."""
    if is_admin(config, user_id):
        return True
    if case.chat is not None and chat_id in (case.chat, chat_for(case.chat)):
        return True
    scope = chat_scope(config, chat_id)
    if scope.kind is ScopeKind.ALL:
        return True
    return scope.kind is ScopeKind.DEPARTMENT and scope.department == case.department


class UndoVerdict(Enum):
    ALLOWED = "allowed"
    ALREADY_OPEN = "already_open"
    NOT_BY_USER = "not_by_user"
    NOT_YOURS = "not_yours"
    NEWER_OPEN = "newer_open"  # the number called again: its newer case is the open one


def may_undo(config: Config, case: Case, user_id: int, *, newer_open: bool = False) -> UndoVerdict:
    """Only a close made in the chat can be undone, by the same person or an admin; and
    not while the number has a newer open case (``newer_open``): one number, one open
    case, as the rules keep it."""
    if case.is_open:
        return UndoVerdict.ALREADY_OPEN
    if case.closed_how is None or not ClosedHow(case.closed_how).by_person:
        return UndoVerdict.NOT_BY_USER
    if not (case.closed_by_user_id == user_id or is_admin(config, user_id)):
        return UndoVerdict.NOT_YOURS
    return UndoVerdict.NEWER_OPEN if newer_open else UndoVerdict.ALLOWED


class ClaimVerdict(Enum):
    ALLOWED = "allowed"
    CLOSED = "closed"
    YOURS = "yours"  # already claimed by this user
    TAKEN = "taken"  # claimed by someone else; only an admin may take it over
    TAKE_OVER = "take_over"  # an admin takes over someone else's claim
    TAKE_STALE = "take_stale"  # anyone takes over a claim of an earlier day


def may_claim(config: Config, case: Case, user_id: int, now: datetime) -> ClaimVerdict:
    """👋 The first to press has the case; a second person is told who, an admin may take it.
    A claim is for its day: the next day anyone may (Friday's claimer may be off Monday)."""
    if not case.is_open:
        return ClaimVerdict.CLOSED
    if case.claimed_by_user_id is None:
        return ClaimVerdict.ALLOWED
    if case.claimed_by_user_id == user_id:
        return ClaimVerdict.YOURS
    if is_admin(config, user_id):
        return ClaimVerdict.TAKE_OVER
    return ClaimVerdict.TAKE_STALE if claim_is_stale(case, now) else ClaimVerdict.TAKEN


def claim_day_start(now: datetime) -> datetime:
    """Claims made before this moment are another day's."""
    return datetime(now.year, now.month, now.day)


def claim_is_stale(case: Case, now: datetime) -> bool:
    return case.claimed_at is not None and case.claimed_at < claim_day_start(now)
