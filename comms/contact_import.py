"""Reading a CSV file of contacts: its encoding (UTF-8 with or without BOM, GB18030, Big5,
detected with charset-normalizer), its table, a guess of which column is which field (by
English and Chinese headers), the mapping a person chose checked against the file (the
shared parts in ``core.csv_import``), and each row converted to the fields it sets.
``comms.stakeholder_services.contacts_import`` validates and writes; a preview runs the
same checks without writing.

Every problem with the file as a whole is a ``FileProblem`` naming the input at fault
(``file``, ``mapping``, ``encoding``); problems of one row are that row's errors.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core import csv_import
from core.csv_import import ENCODING_CHOICES, ENCODINGS, FileProblem, Table
from core.text import clean_text

from .models import StakeholderGroup
from .stakeholder_choices import Channel
from .stakeholder_services import (
    ImportResult,
    ImportRow,
    RowError,
    check_import_row,
    contacts_import,
    known_emails,
    needs_a_name,
)

MAX_BYTES = 2 * 1024 * 1024  # 2 MiB: some 20,000 contacts
MAX_ROWS = 20_000
PREVIEW_ROWS = 10

__all__ = ["ENCODINGS", "ENCODING_CHOICES", "FIELDS", "FileProblem", "Table", "check_mapping",
           "check_size", "decode", "error_report", "guess_mapping", "load", "preview",
           "read_table", "rows", "run"]

# The fields a column can fill, with their labels.
FIELDS = {
    "name": gettext_lazy("Name"),
    "organisation": gettext_lazy("Organisation"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "language": gettext_lazy("Preferred language"),
    "groups": gettext_lazy("Groups"),
    "active": pgettext_lazy("contact", "Active"),
    "webhook": gettext_lazy("Webhook URL"),
    "sms": gettext_lazy("SMS number"),
}
ADDRESS_FIELDS = {"webhook": Channel.WEBHOOK, "sms": Channel.SMS}

# Headers that name each field, compared without case, spaces, dashes and underscores.
HEADER_NAMES = {
    "name": ["name", "fullname", "contactname", "contact", "姓名", "名稱", "名称", "名字",
             "聯絡人", "联系人"],
    "organisation": ["organisation", "organization", "org", "company", "employer",
                     "outlet", "機構", "机构", "公司", "單位", "单位", "組織", "组织"],
    "email": ["email", "emailaddress", "mail", "電子郵件", "电子邮件", "電郵", "电邮",
              "郵箱", "邮箱", "電子郵箱", "电子邮箱"],
    "phone": ["phone", "telephone", "tel", "mobile", "cell", "phonenumber", "電話",
              "电话", "手機", "手机", "電話號碼", "电话号码"],
    "language": ["language", "lang", "preferredlanguage", "locale", "語言", "语言"],
    "groups": ["groups", "group", "stakeholdergroup", "stakeholdergroups", "群組", "群组",
               "組別", "分組", "分组"],
    "active": ["active", "isactive", "enabled", "啟用", "启用"],
    "webhook": ["webhook", "webhookurl"],
    "sms": ["sms", "smsnumber"],
}
_HEADER_INDEX = csv_import.header_index(HEADER_NAMES)

LANGUAGE_NAMES = {
    "en": ["en", "english", "英文", "英語", "英语"],
    "zh-hant": ["zh-hant", "zh_hant", "zh-tw", "zh-hk", "zh-mo", "traditional chinese",
                "繁體中文", "繁体中文", "繁體", "繁中"],
    "zh-hans": ["zh-hans", "zh_hans", "zh-cn", "zh-sg", "simplified chinese", "简体中文",
                "簡體中文", "简体", "简中"],
}
_LANGUAGE_INDEX = {alias: code for code, aliases in LANGUAGE_NAMES.items()
                   for alias in aliases}
YES = {"yes", "y", "true", "1", "active", "是", "啟用", "启用"}
NO = {"no", "n", "false", "0", "inactive", "否", "停用"}
GROUP_SEPARATORS = re.compile(r"[;,、|\n]")


# --- the file ------------------------------------------------------------------------------------

def check_size(size: int) -> None:
    csv_import.check_size(size, MAX_BYTES)


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in."""
    return csv_import.decode(data, encoding, max_bytes=MAX_BYTES)


def read_table(text: str, *, encoding: str) -> Table:
    """The headers and the rows (blank ones left out), within ``MAX_ROWS``."""
    return csv_import.read_table(
        text, encoding=encoding, max_rows=MAX_ROWS,
        too_many=_("The file has more than %(max)s contacts; split it into smaller files."),
        no_rows=_("The file has no contacts below its headers."))


def load(data: bytes, encoding: str = "auto") -> Table:
    text, used = decode(data, encoding)
    return read_table(text, encoding=used)


# --- the mapping ---------------------------------------------------------------------------------

def guess_mapping(headers: list[str]) -> dict[str, str]:
    """``{field: header}`` for the headers that name a field (the first one wins)."""
    return csv_import.guess_mapping(headers, _HEADER_INDEX)


def check_mapping(mapping, headers: list[str]) -> dict[str, int]:
    """``{field: column index}`` from ``{field: header}`` as a person (or a client) sent it:
    known fields, headers of this file, each column once, and a column for the name or
    the email."""
    columns = csv_import.check_columns(mapping, headers, FIELDS)
    if "name" not in columns and "email" not in columns:
        raise FileProblem("mapping", _("Choose the column with the contacts' names (or "
                                       "their email, to update contacts by email)."))
    return columns


# --- rows ----------------------------------------------------------------------------------------

def group_lookup() -> dict[str, StakeholderGroup]:
    """Each group by its code and by its name in every language, without case."""
    lookup = {}
    for group in StakeholderGroup.objects.all():
        lookup[group.code.casefold()] = group
        lookup[group.name.casefold()] = group
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                lookup[str(group).casefold()] = group
    return lookup


def convert_row(number: int, cells: list[str], columns: dict[str, int],
                groups: dict[str, StakeholderGroup]) -> ImportRow:
    """The fields one row fills (an empty cell leaves a field as it is), and what in it
    cannot be converted."""
    row = ImportRow(number=number, data={})

    def cell(name: str) -> str:
        return csv_import.cell(cells, columns, name)

    for name in ("name", "organisation", "email", "phone"):
        if cell(name):
            row.data[name] = cell(name)
    if value := cell("language"):
        code = _LANGUAGE_INDEX.get(value.casefold().replace("_", "-"))
        if code is None:
            row.errors.append(RowError(number, "language", _(
                "Unknown language “%(value)s”: en, zh-hant or zh-hans.") % {"value": value}))
        else:
            row.data["language"] = code
    if value := cell("active"):
        if value.casefold() in YES:
            row.data["is_active"] = True
        elif value.casefold() in NO:
            row.data["is_active"] = False
        else:
            row.errors.append(RowError(number, "is_active", _(
                "“%(value)s”: yes or no.") % {"value": value}))
    if value := cell("groups"):
        chosen, unknown = [], []
        for part in GROUP_SEPARATORS.split(value):
            part = clean_text(part)
            if not part:
                continue
            group = groups.get(part.casefold())
            if group is None:
                unknown.append(part)
            elif group not in chosen:
                chosen.append(group)
        if unknown:
            row.errors.append(RowError(number, "groups", _("Unknown group: %(names)s.")
                                       % {"names": ", ".join(unknown)}))
        else:
            row.data["groups"] = chosen
    addresses = {channel.value: cell(name) for name, channel in ADDRESS_FIELDS.items()
                 if cell(name)}
    if addresses:
        row.data["addresses"] = addresses
    return row


def rows(table: Table, columns: dict[str, int]) -> list[ImportRow]:
    lookup = group_lookup()
    return [convert_row(number, cells, columns, lookup) for number, cells in table.rows]


@dataclass
class PreviewRow:
    number: int
    cells: dict[str, str]  # field: the cell as written
    errors: list[RowError]


def preview(table: Table, columns: dict[str, int], *, limit: int = PREVIEW_ROWS
            ) -> list[PreviewRow]:
    """The first rows as they would be imported, each with its problems (nothing is
    written; an email already in use is not a problem: that contact is updated, but a row
    without a name can only update one)."""
    lookup = group_lookup()
    converted = [(number, cells, convert_row(number, cells, columns, lookup))
                 for number, cells in table.rows[:limit]]
    cleaned = [check_import_row(row) for _number, _cells, row in converted]
    known = known_emails(data["email"] for data in cleaned
                         if data is not None and data.get("email"))
    shown = []
    for (number, cells, row), data in zip(converted, cleaned, strict=True):
        email = data.get("email", "").lower() if data is not None else ""
        if data is not None and "name" in data and email:
            known.add(email)  # this row creates it: a later one may update it
        elif data is not None and "name" not in data and email not in known:
            row.errors.append(needs_a_name(number))
        shown.append(PreviewRow(
            number=number,
            cells={name: clean_text(cells[i]) if i < len(cells) else ""
                   for name, i in columns.items()},
            errors=row.errors))
    return shown


def run(*, actor, table: Table, columns: dict[str, int]) -> ImportResult:
    return contacts_import(actor=actor, rows=rows(table, columns))


def field_label(field: str) -> str:
    """A field a row's problem names, in the reader's language (its code stays in the API)."""
    if field == "addresses":
        return _("Addresses")
    return str(FIELDS.get(field, field))


def error_report(errors: list[RowError]) -> str:
    """The per-row error report as CSV text (row, field, message), fields named in words."""
    return csv_import.error_report(
        [RowError(error.row, field_label(error.field), error.message) for error in errors])
