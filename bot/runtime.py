"""What the handlers and jobs share: config, the bot's own ledger connection, delivery.

Kept in ``Application.bot_data`` under one key so handlers stay plain functions and a
test can build the same runtime around a fake Bot API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telegram.ext import CallbackContext

from bot.messenger import CaseMessenger
from bot.outbox import OutboxSender
from watcher.config import Config
from watcher.ledger import Ledger

RUNTIME_KEY = "perezvon"


@dataclass
class Runtime:
    ledger: Ledger
    messenger: CaseMessenger
    outbox: OutboxSender
    clock: Callable[[], datetime]  # naive local wall time, like the ledger's timestamps

    @property
    def config(self) -> Config:
        """The config as the bot uses it: the messenger's, which follows a group that
        Telegram upgraded to a supergroup (see :meth:`CaseMessenger.chat_moved`)."""
        return self.messenger.config

    @property
    def language(self) -> str:
        return self.config.language


def runtime_of(context: CallbackContext) -> Runtime:
    runtime = context.bot_data[RUNTIME_KEY]
    assert isinstance(runtime, Runtime)
    return runtime
