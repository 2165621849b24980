"""The contacts CSV (``phone,name[,company]``) and who counts as an employee.

Office admins export this from Excel, so both UTF-8 and cp1251, comma and semicolon,
with or without a header row, are accepted. The file is re-read when it changes.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from watcher.phones import phone_key
from watcher.texts import tr

# The bot logs a contacts file's skipped lines in English, as its other log lines.
LOG_LANGUAGE = "en"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    name: str
    company: str | None = None


def parse_contacts(text: str, language: str = LOG_LANGUAGE) -> tuple[dict[str, Contact], list[str]]:
    """Contacts by phone key, and a readable line for every row that was skipped (in
    ``language``: English for the log, the office's for ``perezvon check``)."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        # The sniffer wants the same number of delimiters on every line, but company is
        # optional: take the delimiter found on the most lines (';' first, as Excel writes).
        lines = [line for line in text[:4096].splitlines() if line.strip()]
        dialect = csv.excel
        best = max(";\t,", key=lambda d: sum(d in line for line in lines))
        if any(best in line for line in lines):
            dialect = type("Contacts", (csv.excel,), {"delimiter": best})
    contacts: dict[str, Contact] = {}
    problems: list[str] = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        key = phone_key(cells[0]) if cells else None
        if key is None:
            if line_no > 1:
                problems.append(
                    tr(language, "contacts_no_number", line=line_no, cell=repr(cells[0]))
                )
            continue
        name = cells[1] if len(cells) > 1 else ""
        if not name:
            problems.append(tr(language, "contacts_no_name", line=line_no, number=cells[0]))
            continue
        company = cells[2] if len(cells) > 2 and cells[2] else None
        contacts[key] = Contact(name, company)
    return contacts, problems


def read_contacts(path: Path, language: str = LOG_LANGUAGE) -> tuple[dict[str, Contact], list[str]]:
    """The contacts of a CSV file (UTF-8, Excel's "Unicode text" UTF-16, else cp1251) and
    its skipped lines; OSError when it cannot be read."""
    data = path.read_bytes()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # .xlsx (a zip), or .xls
        return {}, [
            "this is an Excel workbook, not CSV text: in Excel, File → Save as → "
            '"CSV UTF-8 (comma delimited)", and name that file in rules.contacts_csv'
        ]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    elif b"\0" in data[:4096]:  # UTF-16 without its BOM: every other byte of Latin text 0
        text = data.decode("utf-16-le", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1251", errors="replace")
    return parse_contacts(text, language)


class ContactBook:
    """Contacts from a CSV file, re-read whenever its modification time changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self._contacts: dict[str, Contact] = {}

    def lookup(self, key: str | None) -> Contact | None:
        if key is None:
            return None
        self._refresh()
        return self._contacts.get(key)

    def __len__(self) -> int:
        self._refresh()
        return len(self._contacts)

    def _refresh(self) -> None:
        if self.path is None:
            return
        try:
            stat = self.path.stat()
        except OSError:
            if self._stamp is not None:
                log.warning("contacts file %s is gone; keeping the last copy", self.path)
                self._stamp = None
            return
        stamp = (stat.st_mtime, stat.st_size)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._contacts, problems = read_contacts(self.path)
        except OSError as error:  # locked by Excel, no permission: keep the last copy
            reason = error.strerror or error
            log.warning(
                "contacts file %s cannot be read (%s); keeping the last copy", self.path, reason
            )
            return
        for problem in problems[:20]:
            log.warning("contacts %s: %s", self.path, problem)
        log.info("loaded %d contacts from %s", len(self._contacts), self.path)


def employee_keys(numbers: tuple[str, ...]) -> frozenset[str]:
    return frozenset(k for k in (phone_key(n) for n in numbers) if k)
