"""The ``.env`` file: found next to the config first, parsed by python-dotenv.

python-dotenv rather than a parser of our own, because admins copy lines from elsewhere:
``TOKEN="x"  # comment``, ``export X=1``, single quotes, escapes — it reads them as every
other dotenv tool does. What it does not do is tell a Windows admin that Notepad saved
the file as UTF-16 or ANSI; :func:`read_dotenv` does, before parsing.

The file next to the config comes first, because a Windows service starts in a folder
of the service manager's choosing; then the current folder's. Values already in the
environment win over both, so a service manager's settings are never overridden by a
stale file.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import re
from pathlib import Path

from dotenv import dotenv_values

ENV_FILE = ".env"


class DotenvError(Exception):
    """The file cannot be read as text; ``key`` is the catalog text that says why."""

    def __init__(self, key: str, path: Path) -> None:
        super().__init__(f"{path}: {key}")
        self.key = key
        self.path = path


def read_dotenv(path: Path) -> dict[str, str]:
    """The file's KEY=VALUE pairs; :class:`DotenvError` when it is not UTF-8 text."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\0" in data:
        raise DotenvError("cli_env_utf16", path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DotenvError("cli_env_not_utf8", path) from None
    return parse_dotenv(text)


def parse_dotenv(text: str) -> dict[str, str]:
    """The pairs of ``.env`` text (lines without ``=`` are left out)."""
    quiet = _ToldByUs(text.splitlines())
    _DOTENV_LOG.addFilter(quiet)
    try:
        values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    finally:
        _DOTENV_LOG.removeFilter(quiet)
    return {key: value for key, value in values.items() if value is not None}


# python-dotenv warns of each line it cannot parse, in English, each time a file is read
# (three times on the way to `run`).
_DOTENV_LOG = logging.getLogger("dotenv.main")


class _ToldByUs(logging.Filter):
    """Drops python-dotenv's "could not parse statement starting at line N" for a line
    :func:`token_hints` explains itself, in the office's language; others pass."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def filter(self, record: logging.LogRecord) -> bool:
        found = re.search(r"could not parse statement starting at line (\d+)", record.getMessage())
        if found is None:
            return True
        number = int(found.group(1))
        return not (0 < number <= len(self.lines) and _token_without_equals(self.lines[number - 1]))


def _token_without_equals(line: str) -> bool:
    return TOKEN_KEY in line and "=" not in line


def load_dotenv(path: str | Path = ENV_FILE) -> list[str]:
    """Put the file's values into ``os.environ`` where unset; returns the keys it set."""
    path = Path(path)
    if not path.is_file():
        return []
    set_keys = []
    for key, value in read_dotenv(path).items():
        if key not in os.environ:
            os.environ[key] = value
            set_keys.append(key)
    return set_keys


TOKEN_KEY = "TELEGRAM_BOT_TOKEN"


def token_hints(config_path: Path, cwd: Path | None = None) -> list[tuple[str, dict[str, str]]]:
    """Why no token was found, as (catalog key, its values): a ``.env.txt`` (Notepad adds
    .txt to a name it does not know), a token under another key, a line without ``=``,
    the key with nothing after its ``=``."""
    cwd = cwd or Path.cwd()
    hints: list[tuple[str, dict[str, str]]] = []
    for folder in dict.fromkeys((config_path.absolute().parent, cwd.absolute())):
        stray = folder / f"{ENV_FILE}.txt"
        if stray.is_file():
            hints.append(("cli_env_txt", {"path": str(stray)}))
        env = folder / ENV_FILE
        if not env.is_file():
            continue
        try:
            text = env.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue  # read_dotenv has said why already
        values = parse_dotenv(text)
        for key in values:
            if key != TOKEN_KEY and "TOKEN" in key.upper():
                hints.append(("cli_env_token_key", {"path": str(env), "key": key}))
        if values.get(TOKEN_KEY) == "":  # the example's line kept, the token never pasted
            hints.append(("cli_env_token_empty", {"path": str(env)}))
        if any(_token_without_equals(line) for line in text.splitlines()):
            hints.append(("cli_env_no_equals", {"path": str(env)}))
    return hints


def dotenv_files(config_path: Path, cwd: Path | None = None) -> list[Path]:
    """The ``.env`` files to read, in order: the config's folder's, the current folder's."""
    cwd = cwd or Path.cwd()
    files: list[Path] = []
    for folder in (config_path.absolute().parent, cwd.absolute()):
        candidate = folder / ENV_FILE
        if candidate.is_file() and all(not candidate.samefile(f) for f in files):
            files.append(candidate)
    return files
