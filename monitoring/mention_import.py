"""Mentions from a CSV file: each row becomes an item for ``monitoring.ingest`` (the same
checks as the bulk API), its problems reported by row number (as a spreadsheet shows them)
and field. Decoding (UTF-8 with or without BOM, GB18030, Big5), the table, header guessing
and the mapping checks are ``core.csv_import``'s.

A time without a time zone is read in the zone the person chose (UTC unless chosen); a
file without a platform column takes the platform chosen for the file. Counts may be
written with thousands separators ("12,300")."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import csv_import
from core.csv_import import ENCODING_CHOICES, FileProblem, Table

from .choices import MentionSource
from .ingest import MAX_BATCH, IngestResult, item_problem, mentions_ingest

__all__ = ["ENCODING_CHOICES", "FIELDS", "FileProblem", "ImportOutcome", "RowError", "Table",
           "check_mapping", "check_size", "error_report", "guess_mapping", "load", "preview", "run"]

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB: some 50,000 posts
MAX_ROWS = 50_000
PREVIEW_ROWS = 10

FIELDS = {
    "platform": gettext_lazy("Platform"),
    "external_id": gettext_lazy("Post id"),
    "text": gettext_lazy("Text"),
    "posted_at": gettext_lazy("Posted at"),
    "author_handle": gettext_lazy("Author"),
    "author_followers": gettext_lazy("Author's followers"),
    "url": gettext_lazy("Link"),
    "language": gettext_lazy("Language"),
    "likes": gettext_lazy("Likes"),
    "shares": gettext_lazy("Shares"),
    "comments": gettext_lazy("Comments"),
}
REQUIRED = ("external_id", "text", "posted_at")
COUNTS = ("author_followers", "likes", "shares", "comments")
HEADER_NAMES = {
    "platform": ["platform", "source", "site", "network", "平台", "來源", "来源"],
    "external_id": ["external_id", "id", "post_id", "postid", "mention_id", "帖子id",
                    "貼文id", "编号", "編號"],
    "text": ["text", "content", "body", "message", "post", "內容", "内容", "正文", "文本"],
    "posted_at": ["posted_at", "posted", "date", "time", "datetime", "created_at",
                  "published", "發布時間", "发布时间", "時間", "时间", "日期"],
    "author_handle": ["author", "author_handle", "handle", "user", "username", "screen_name",
                      "作者", "用戶", "用户", "帳號", "账号"],
    "author_followers": ["followers", "author_followers", "follower_count", "粉絲", "粉丝",
                         "粉絲數", "粉丝数", "追蹤者", "關注者", "关注者"],
    "url": ["url", "link", "permalink", "連結", "链接", "網址", "网址"],
    "language": ["language", "lang", "語言", "语言"],
    "likes": ["likes", "like_count", "favorites", "讚", "赞", "點讚", "点赞"],
    "shares": ["shares", "share_count", "retweets", "reposts", "轉發", "转发", "分享"],
    "comments": ["comments", "comment_count", "replies", "評論", "评论", "回覆", "回复"],
}
_HEADER_INDEX = csv_import.header_index(HEADER_NAMES)


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the headers are row 1
    field: str
    message: str


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


def check_size(size: int) -> None:
    csv_import.check_size(size, MAX_BYTES)


def load(data: bytes, encoding: str = "auto") -> Table:
    text, used = csv_import.decode(data, encoding, max_bytes=MAX_BYTES)
    return csv_import.read_table(
        text, encoding=used, max_rows=MAX_ROWS,
        too_many=_("The file has more than %(max)s mentions; split it into smaller files."),
        no_rows=_("The file has no mentions below its headers."))


def guess_mapping(headers: list[str]) -> dict[str, str]:
    return csv_import.guess_mapping(headers, _HEADER_INDEX)


def check_mapping(mapping, headers: list[str], *, default_platform: str = ""
                  ) -> dict[str, int]:
    """``{field: column index}``: the post id, text and time must have a column; the
    platform a column or a platform chosen for the whole file."""
    columns = csv_import.check_columns(mapping, headers, FIELDS)
    missing = [str(FIELDS[name]) for name in REQUIRED if name not in columns]
    if "platform" not in columns and not default_platform:
        missing.insert(0, str(FIELDS["platform"]))
    if missing:
        raise FileProblem("mapping", _("Choose the column of: %(fields)s.")
                          % {"fields": ", ".join(missing)})
    return columns


def check_zone(name: str) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise FileProblem("timezone", _("Unknown time zone “%(name)s” (e.g. UTC, "
                                        "Asia/Taipei, Asia/Shanghai).")
                          % {"name": name[:60]}) from None


def _time(value: str, zone: datetime.tzinfo) -> str:
    """An ISO 8601 time with its zone: the cell's own, else ``zone``'s."""
    try:
        moment = datetime.datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return value  # left for the ingest check to name
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def _count(value: str):
    plain = value.replace(",", "").replace("_", "").replace(" ", "")
    return int(plain) if plain.isdigit() else value


def item_of(cells: list[str], columns: dict[str, int], *, zone: datetime.tzinfo) -> dict:
    """The row as a bulk-API item (empty cells left out)."""
    item = {}
    for name in columns:
        value = csv_import.cell(cells, columns, name)
        if not value:
            continue
        if name in COUNTS:
            item[name] = _count(value)
        elif name == "posted_at":
            item[name] = _time(value, zone)
        elif name == "platform":
            item[name] = value.casefold()
        else:
            item[name] = value
    return item


@dataclass
class PreviewRow:
    number: int
    cells: dict[str, str]
    errors: list[RowError]


def preview(table: Table, columns: dict[str, int], *, zone: datetime.tzinfo,
            default_platform: str = "", limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first rows as they would be imported, each with its problem (nothing is
    written)."""
    now = datetime.datetime.now(datetime.UTC)
    shown = []
    for number, cells in table.rows[:limit]:
        problem = item_problem(item_of(cells, columns, zone=zone), now=now,
                               default_platform=default_platform)
        errors = [RowError(number, problem.field, problem.message)] if problem else []
        shown.append(PreviewRow(number=number, errors=errors, cells={
            name: csv_import.cell(cells, columns, name) for name in columns}))
    return shown


def run(*, table: Table, columns: dict[str, int], zone: datetime.tzinfo,
        default_platform: str = "") -> ImportOutcome:
    """Import every row, ``MAX_BATCH`` rows to a transaction; a bad row is skipped and
    reported, the others are stored."""
    outcome = ImportOutcome()
    for start in range(0, len(table.rows), MAX_BATCH):
        chunk = table.rows[start:start + MAX_BATCH]
        result: IngestResult = mentions_ingest(
            items=[item_of(cells, columns, zone=zone) for _number, cells in chunk],
            source=MentionSource.CSV, default_platform=default_platform)
        outcome.created += result.created
        outcome.updated += result.updated
        outcome.skipped += len(result.errors)
        outcome.errors.extend(RowError(chunk[error.index][0], error.field, error.message)
                              for error in result.errors)
    return outcome


def error_report(errors: list[RowError]) -> str:
    return csv_import.error_report(errors)
