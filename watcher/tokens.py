"""How a Telegram bot token may be shown: never whole.

Both halves of Perezvon need it: the bot masks the token it runs with in every log line
(``bot.logs``), and the config's problems quote what was written, which may be a token
pasted into the wrong place (a ``.env`` given as the config, a token as a chat id).
"""

from __future__ import annotations

import re

# Digits, a colon and a long run of token characters: what @BotFather hands out. The
# secret half is long; a shorter run would mask ordinary text such as a clock.
_TOKEN_SHAPED = re.compile(r"\d{3,}:[A-Za-z0-9_-]{8,}")


def mask(token: str) -> str:
    """How a token may be shown: the bot's id and the last three characters."""
    head, sep, tail = token.partition(":")
    return f"{head}:…{tail[-3:]}" if sep else f"…{token[-3:]}"


def mask_token_shaped(text: str) -> str:
    """``text`` with anything that looks like a bot token shown as :func:`mask` does."""
    return _TOKEN_SHAPED.sub(lambda found: mask(found.group(0)), text)
