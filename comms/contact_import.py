"""Reading a CSV file of contacts: its encoding (UTF-8 with or without BOM, GB18030, Big5,
detected with charset-normalizer), its table, a guess of which column is which field (by
English and Chinese headers), the mapping a person chose checked against the file, and
each row converted to the fields it sets. ``comms.stakeholder_services.contacts_import``
validates and writes; a preview runs the same checks without writing.

Every problem with the file as a whole is a ``FileProblem`` naming the input at fault
(``file``, ``mapping``, ``encoding``); problems of one row are that row's errors.
"""

import csv
import io
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.text import clean_text

from .models import StakeholderGroup
from .stakeholder_choices import Channel
from .stakeholder_services import (
    ImportResult,
    ImportRow,
    RowError,
    check_import_row,
    contacts_import,
)

MAX_BYTES = 2 * 1024 * 1024  # 2 MiB: some 20,000 contacts
MAX_ROWS = 20_000
PREVIEW_ROWS = 10

# (value, label): "auto" detects; the others decode as the person says.
ENCODINGS = {"utf-8": "UTF-8", "gb18030": "GB18030", "big5": "Big5"}
ENCODING_CHOICES = [("auto", gettext_lazy("Detect")), *ENCODINGS.items()]

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
    "chat": gettext_lazy("Chat (apprise URL)"),
    "sms": gettext_lazy("SMS number"),
}
ADDRESS_FIELDS = {"webhook": Channel.WEBHOOK, "chat": Channel.CHAT, "sms": Channel.SMS}

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
    "chat": ["chat", "apprise", "chaturl", "appriseurl"],
    "sms": ["sms", "smsnumber"],
}
_HEADER_INDEX = {alias: name for name, aliases in HEADER_NAMES.items() for alias in aliases}

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


class FileProblem(Exception):
    """The file (or the mapping) cannot be imported at all; ``field`` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number, cells); the headers are row 1
    encoding: str


# --- the file ------------------------------------------------------------------------------------

def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise FileProblem("file", _("The file is %(size)s; at most %(max)s may be imported "
                                    "at once. Split it into smaller files.")
                          % {"size": _megabytes(size), "max": _megabytes(MAX_BYTES)})


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in."""
    check_size(len(data))
    if not data.strip():
        raise FileProblem("file", _("The file is empty."))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FileProblem("encoding", _("The file is in UTF-16: save it as CSV in UTF-8 "
                                        "(or GB18030 or Big5) and upload it again."))
    if b"\x00" in data:
        raise FileProblem("file", _("This is not a text file (it holds NUL bytes): save "
                                    "the sheet as CSV and upload that."))
    if encoding != "auto":
        if encoding not in ENCODINGS:
            raise FileProblem("encoding", _("Choose one of: %(names)s.")
                              % {"names": ", ".join(ENCODINGS)})
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        try:
            return data.decode(codec), ENCODINGS[encoding]
        except UnicodeDecodeError as error:
            raise FileProblem("encoding", _(
                "The file is not valid %(encoding)s (byte %(position)d cannot be read). "
                "Choose another encoding or let it be detected.")
                % {"encoding": ENCODINGS[encoding], "position": error.start + 1}) from None
    try:  # UTF-8 is unambiguous: a file that decodes as UTF-8 is UTF-8
        return data.decode("utf-8-sig"), ENCODINGS["utf-8"]
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        raise FileProblem("encoding", _(
            "The file's encoding could not be detected: it is not UTF-8, GB18030 or Big5. "
            "Save it as CSV in UTF-8 and upload it again."))
    name = "gb18030" if best.encoding in ("gb18030", "gb2312", "gbk") else "big5"
    return data.decode(name), ENCODINGS[name]


def read_table(text: str, *, encoding: str) -> Table:
    """The headers and the rows (blank ones left out), within ``MAX_ROWS``."""
    sample = text[:4096].split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = [clean_text(h) for h in next(reader, [])]
        rows = []
        number = 1  # records as a spreadsheet numbers its rows (a cell may span lines)
        for cells in reader:
            number += 1
            if not any(clean_text(c) for c in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise FileProblem("file", _("The file has more than %(max)s contacts; split "
                                            "it into smaller files.")
                                  % {"max": f"{MAX_ROWS:,}"})
            rows.append((number, cells))
    except csv.Error as error:
        raise FileProblem("file", _("Row %(row)d cannot be read as CSV: %(error)s")
                          % {"row": number + 1, "error": error}) from None
    if not any(headers):
        raise FileProblem("file", _("The first row must name the columns."))
    seen = set()
    for header in headers:
        if header and header in seen:
            raise FileProblem("file", _("Two columns are named “%(header)s”: rename one.")
                              % {"header": header})
        seen.add(header)
    if not rows:
        raise FileProblem("file", _("The file has no contacts below its headers."))
    return Table(headers=headers, rows=rows, encoding=encoding)


def load(data: bytes, encoding: str = "auto") -> Table:
    text, used = decode(data, encoding)
    return read_table(text, encoding=used)


# --- the mapping ---------------------------------------------------------------------------------

def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-]", "", header.casefold())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """``{field: header}`` for the headers that name a field (the first one wins)."""
    mapping: dict[str, str] = {}
    for header in headers:
        name = _HEADER_INDEX.get(_header_key(header))
        if name and name not in mapping:
            mapping[name] = header
    return mapping


def check_mapping(mapping, headers: list[str]) -> dict[str, int]:
    """``{field: column index}`` from ``{field: header}`` as a person (or a client) sent it:
    known fields, headers of this file, each column once, and a column for the name or
    the email."""
    if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str | None) for k, v in mapping.items()):
        raise FileProblem("mapping", _("An object of field: column header."))
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise FileProblem("mapping", _("Unknown field: %(names)s. Fields: %(fields)s.")
                          % {"names": ", ".join(unknown), "fields": ", ".join(FIELDS)})
    columns: dict[str, int] = {}
    used: dict[int, str] = {}
    for name, header in mapping.items():
        if not header:
            continue
        if header not in headers:
            raise FileProblem("mapping", _("The file has no column “%(header)s”.")
                              % {"header": header})
        index = headers.index(header)
        if index in used:
            raise FileProblem("mapping", _("The column “%(header)s” is given to both "
                                           "%(one)s and %(other)s.")
                              % {"header": header, "one": used[index], "other": name})
        used[index] = name
        columns[name] = index
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
        index = columns.get(name)
        return clean_text(cells[index]) if index is not None and index < len(cells) else ""

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
    written; an email already in use is not a problem: that contact is updated)."""
    lookup = group_lookup()
    shown = []
    for number, cells in table.rows[:limit]:
        row = convert_row(number, cells, columns, lookup)
        check_import_row(row)
        shown.append(PreviewRow(
            number=number,
            cells={name: clean_text(cells[i]) if i < len(cells) else ""
                   for name, i in columns.items()},
            errors=row.errors))
    return shown


def run(*, actor, table: Table, columns: dict[str, int]) -> ImportResult:
    return contacts_import(actor=actor, rows=rows(table, columns))


def error_report(errors: list[RowError]) -> str:
    """The per-row error report as CSV text (row, field, message)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("field"), _("message")])
    for error in errors:
        writer.writerow([error.row, error.field, _csv_safe(error.message)])
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
