"""Reading a CSV file a person uploads, for any import (contacts, mentions): its encoding
(UTF-8 with or without BOM, GB18030, Big5, told apart by charset-normalizer), its table,
a guess of which column is which field from the headers, the mapping a person chose checked
against the file, the per-row error report as CSV, and the decoded table kept between the
wizard's steps (``UploadStore``). What the rows mean is the importing app's.

Every problem with the file as a whole is a ``FileProblem`` naming the input at fault
(``file``, ``mapping``, ``encoding``)."""

import csv
import io
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .text import clean_text

# (value, label): "auto" detects; the others decode as the person says.
ENCODINGS = {"utf-8": "UTF-8", "gb18030": "GB18030", "big5": "Big5"}
ENCODING_CHOICES = [("auto", gettext_lazy("Detect")), *ENCODINGS.items()]


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


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileProblem("file", _("The file is %(size)s; at most %(max)s may be imported "
                                    "at once. Split it into smaller files.")
                          % {"size": _megabytes(size), "max": _megabytes(max_bytes)})


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def decode(data: bytes, encoding: str = "auto", *, max_bytes: int) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in."""
    check_size(len(data), max_bytes)
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


def read_table(text: str, *, encoding: str, max_rows: int, too_many: str, no_rows: str
               ) -> Table:
    """The headers and the rows (blank ones left out), within ``max_rows``. ``too_many``
    (with ``%(max)s``) and ``no_rows`` are the importer's words for those problems."""
    sample = text[:4096].split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # strict: a quote left open is an error naming its row, not the rest of the file read
    # as one cell (it made one contact of every line after it)
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    try:
        headers = [clean_text(h) for h in next(reader, [])]
        rows = []
        number = 1  # records as a spreadsheet numbers its rows (a cell may span lines)
        for cells in reader:
            number += 1
            if not any(clean_text(c) for c in cells):
                continue
            if len(rows) == max_rows:
                raise FileProblem("file", too_many % {"max": f"{max_rows:,}"})
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
        raise FileProblem("file", no_rows)
    return Table(headers=headers, rows=rows, encoding=encoding)


def header_key(header: str) -> str:
    """A header as compared with the names of a field: without case, spaces, dashes and
    underscores."""
    return re.sub(r"[\s_\-]", "", header.casefold())


def header_index(header_names: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{alias: field}`` from ``{field: [aliases]}``."""
    return {header_key(alias): name for name, aliases in header_names.items()
            for alias in aliases}


def guess_mapping(headers: list[str], index: Mapping[str, str]) -> dict[str, str]:
    """``{field: header}`` for the headers that name a field (the first one wins)."""
    mapping: dict[str, str] = {}
    for header in headers:
        name = index.get(header_key(header))
        if name and name not in mapping:
            mapping[name] = header
    return mapping


def check_columns(mapping, headers: list[str], fields: Iterable[str]) -> dict[str, int]:
    """``{field: column index}`` from ``{field: header}`` as a person (or a client) sent it:
    known fields, headers of this file, each column once. Which fields are required is
    the importer's rule."""
    fields = list(fields)
    if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str | None) for k, v in mapping.items()):
        raise FileProblem("mapping", _("An object of field: column header."))
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise FileProblem("mapping", _("Unknown field: %(names)s. Fields: %(fields)s.")
                          % {"names": ", ".join(unknown), "fields": ", ".join(fields)})
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
    return columns


def cell(cells: list[str], columns: Mapping[str, int], name: str) -> str:
    """The cleaned cell of field ``name`` ("" when unmapped or missing)."""
    index = columns.get(name)
    return clean_text(cells[index]) if index is not None and index < len(cells) else ""


def error_report(errors: Iterable) -> str:
    """The per-row error report as CSV text (row, field, message) of errors with ``row``,
    ``field`` and ``message``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("field"), _("message")])
    for error in errors:
        writer.writerow([error.row, error.field, csv_safe(error.message)])
    return out.getvalue()


def csv_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


class UploadStore:
    """An uploaded file's decoded table (and what the steps after it add), kept between the
    steps of an import wizard: a JSON file under ``VAR_DIR/<folder>/`` named by a random
    token that only the uploader's session holds, never in the database nor the page. A
    file older than ``keep_seconds`` is removed when another is saved."""

    TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")

    def __init__(self, folder: str, session_key: str, keep_seconds: int):
        self.folder, self.session_key, self.keep_seconds = folder, session_key, keep_seconds

    def _directory(self) -> Path:
        path = Path(settings.VAR_DIR) / self.folder
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _token(self, request) -> str | None:
        token = request.session.get(self.session_key)
        return token if isinstance(token, str) and self.TOKEN.fullmatch(token) else None

    def save(self, request, payload: dict) -> None:
        """Keep ``payload`` for this session (in place of what it kept before)."""
        directory = self._directory()
        cutoff = time.time() - self.keep_seconds
        for old in directory.glob("*.json"):
            try:
                if old.stat().st_mtime < cutoff:
                    old.unlink()
            except FileNotFoundError:
                pass
        token = self._token(request)
        if token is None:
            token = request.session[self.session_key] = secrets.token_urlsafe(24)  # 32 chars
        (directory / f"{token}.json").write_text(
            json.dumps({**payload, "user": request.user.pk}, ensure_ascii=False),
            encoding="utf-8")

    def read(self, request) -> dict | None:
        """What this session kept, if it is still there (and was kept for this user)."""
        token = self._token(request)
        if token is None:
            return None
        try:
            payload = json.loads((self._directory() / f"{token}.json").read_text(
                encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return payload if payload.get("user") == request.user.pk else None
