"""A minimal ``.env`` reader: KEY=VALUE lines, so the Windows admin needs no extra tool.

Values already in the environment win, as with every dotenv tool, so a service manager's
settings are never overridden by a stale file.
"""

from __future__ import annotations

import os
from pathlib import Path


def parse_dotenv(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, _, value = line.partition("=")
        key = key.strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key:
            values[key] = value
    return values


def load_dotenv(path: str | Path = ".env") -> list[str]:
    """Put the file's values into ``os.environ`` where unset; returns the keys it set."""
    path = Path(path)
    if not path.is_file():
        return []
    set_keys = []
    for key, value in parse_dotenv(path.read_text(encoding="utf-8-sig")).items():
        if key not in os.environ:
            os.environ[key] = value
            set_keys.append(key)
    return set_keys
