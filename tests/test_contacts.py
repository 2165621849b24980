"""The contacts CSV as office admins export it, and who counts as an employee."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from watcher.contacts import (
    Contact,
    ContactBook,
    employee_keys,
    parse_contacts,
    read_contacts,
)

IVAN = Contact("Иван Петров", "ООО Ромашка")


@pytest.mark.parametrize(
    "text",
    [
        "phone,name,company\n89161234567,Иван Петров,ООО Ромашка\n84951112233,Анна\n",
        "Телефон;Имя;Компания\r\n+7 916 123-45-67;Иван Петров;ООО Ромашка\r\n4951112233;Анна;\r\n",
        "89161234567,Иван Петров,ООО Ромашка\n84951112233,Анна\n",  # no header row
        "89161234567;Иван Петров;ООО Ромашка\n84951112233;Анна\n",
        "phone\tname\tcompany\n89161234567\tИван Петров\tООО Ромашка\n84951112233\tАнна\n",
        '"phone","name","company"\n"8 (916) 123-45-67","Иван Петров","ООО Ромашка"\n'
        '"84951112233","Анна",""\n',
    ],
    ids=["comma+header", "semicolon+header+crlf", "comma", "semicolon", "tab", "quoted"],
)
def test_parse_contacts_in_every_layout(text: str) -> None:
    contacts, problems = parse_contacts(text)
    assert problems == []
    assert contacts == {"+79161234567": IVAN, "+74951112233": Contact("Анна", None)}


def test_names_with_commas_in_a_semicolon_file() -> None:
    text = "phone;name;company\n89161234567;Петров, Иван;ООО «Ромашка, и Ко»\n"
    contacts, _ = parse_contacts(text)
    assert contacts["+79161234567"] == Contact("Петров, Иван", "ООО «Ромашка, и Ко»")


def test_rows_without_number_or_name_are_reported() -> None:
    text = "phone,name\n89161234567,Иван\nnot a phone,Борис\n84951112233,\n\n,\n"
    contacts, problems = parse_contacts(text)
    assert list(contacts) == ["+79161234567"]
    assert problems == [
        "line 3: no phone number in 'not a phone'",
        "line 4: no name for 84951112233",
    ]


def test_empty_text() -> None:
    assert parse_contacts("") == ({}, [])


def test_contact_book_reads_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("phone,name,company\n89161234567,Иван Петров,ООО Ромашка\n", "utf-8-sig")
    book = ContactBook(path)
    assert book.lookup("+79161234567") == IVAN
    assert len(book) == 1


def test_contact_book_reads_cp1251_from_excel(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(
        "Телефон;Имя;Компания\r\n89161234567;Иван Петров;ООО Ромашка\r\n".encode("cp1251")
    )
    book = ContactBook(path)
    assert book.lookup("+79161234567") == IVAN


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_contact_book_reads_excels_unicode_text(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode text" (UTF-16, tabs between cells), with its BOM or without."""
    path = tmp_path / "contacts.txt"
    text = "Телефон\tИмя\tКомпания\r\n89161234567\tИван Петров\tООО Ромашка\r\n"
    path.write_bytes(text.encode(encoding))
    assert ContactBook(path).lookup("+79161234567") == IVAN


def test_an_excel_workbook_renamed_to_csv_says_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(200))  # what an .xlsx starts with
    contacts, problems = read_contacts(path)
    assert contacts == {}
    assert problems == [
        "this is an Excel workbook, not CSV text: in Excel, File → Save as → "
        '"CSV UTF-8 (comma delimited)", and name that file in rules.contacts_csv'
    ]


def test_contact_book_rereads_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("89161234567,Иван\n", "utf-8")
    book = ContactBook(path)
    assert book.lookup("+79161234567") == Contact("Иван")
    path.write_text("89161234567,Иван Петров\n84951112233,Анна\n", "utf-8")
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert book.lookup("+79161234567") == Contact("Иван Петров")
    assert book.lookup("+74951112233") == Contact("Анна")


def test_contact_book_keeps_its_copy_when_the_file_goes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("89161234567,Иван\n", "utf-8")
    book = ContactBook(path)
    assert len(book) == 1
    path.unlink()
    with caplog.at_level(logging.WARNING, logger="watcher.contacts"):
        assert book.lookup("+79161234567") == Contact("Иван")
    assert "is gone" in caplog.text


def test_contact_book_without_a_file(tmp_path: Path) -> None:
    assert ContactBook(None).lookup("+79161234567") is None
    assert ContactBook(tmp_path / "missing.csv").lookup("+79161234567") is None
    assert ContactBook(None).lookup(None) is None


def test_contact_book_logs_bad_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("phone,name\n89161234567,Иван\n84951112233,\n", "utf-8")
    with caplog.at_level(logging.WARNING, logger="watcher.contacts"):
        assert len(ContactBook(path)) == 1
    assert "line 3: no name for 84951112233" in caplog.text


def test_employee_keys_normalise_every_form() -> None:
    keys = employee_keys(("+79990000000", "8 (999) 000-00-01", "201", "", "internal-5"))
    assert keys == frozenset({"+79990000000", "+79990000001", "201"})


def test_check_tells_the_skipped_lines_in_the_offices_language(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("phone;name\nnobody;Иван\n89161234567;\n", encoding="utf-8")
    assert read_contacts(path, "ru")[1] == [
        "строка 2: нет номера телефона в 'nobody'",
        "строка 3: нет имени для 89161234567",
    ]
    assert read_contacts(path)[1][0] == "line 2: no phone number in 'nobody'"  # the log's
