"""Ingestion: a batch of mentions (dicts, as the bulk API, a CSV file or a connector sends
them) checked, scored, matched to the watches and stored, for all three ways in.

``mentions_ingest(items=[...], source=...)``:

1. each item is checked (``check_item``): a bad item is reported by its index and field
   (``ItemError``) and left out, the others go on; a batch that is not a list of at most
   ``MAX_BATCH`` items is refused as a whole (``BatchRefused``), writing nothing;
2. each good item gets its language (detected when absent), its sentiment
   (``monitoring.sentiment.score``), its reach (followers + shares) and the watches it
   matches (``monitoring.matching``);
3. in ONE transaction: the mentions are upserted by (platform, external id): the same
   mention sent again updates the row, never duplicates it. On PostgreSQL the rows go
   through ``COPY`` into a temporary table and one ``INSERT … ON CONFLICT DO UPDATE`` (psycopg
   3); elsewhere (SQLite) through the ORM. The matches of the touched mentions are written
   anew, and the minute buckets (``MentionBucket``) of every (watch, minute) a mention sent
   before touched (before or after) are counted again from the matches, so they stay right
   when a mention comes again with another text or time; new mentions add their counts;
4. after commit, ``monitoring.hooks.batch_ingested`` is sent (detection listens).

An item sent twice in one batch counts once as created (or updated) and once as updated:
the last one wins."""

import datetime
import functools
import re
import threading
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import clean_text, is_invisible

from .choices import MentionSource, Platform, SentimentLabel
from .hooks import batch_ingested
from .matching import watch_matcher
from .models import MENTION_TEXT_LIMIT, Mention, MentionBucket, MentionMatch
from .sentiment import detect_language, score

__all__ = ["MAX_BATCH", "BatchRefused", "IngestResult", "ItemError", "batch_ingested",
           "check_item", "item_problem", "mentions_ingest"]

MAX_BATCH = 5_000
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
# No post is older than the Unix epoch; the year 1 stored was a 500 on every page that shows
# it in a time zone west of UTC (the date before the year 1 does not exist).
EARLIEST_POST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MAX_COUNT = 10**12  # a trillion followers or likes: more is an error (and sums stay in bigint)
PLATFORMS = frozenset(Platform.values)
COUNT_FIELDS = ("author_followers", "likes", "shares", "comments")
FIELDS = ("platform", "external_id", "author_handle", "author_followers", "text", "url",
          "posted_at", "language", "likes", "shares", "comments")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
# A web address: http(s), a host, then anything but spaces and control characters. The
# same as Django's URLValidator for what listening tools send, at a twentieth of its cost
# (it was the dearest part of checking an item); an address it lets through that Django's
# would refuse is only ever shown as a link.
_URL = re.compile(r"https?://[^\s/?#@\x00-\x1f\x7f]+(?:[/?#][^\s\x00-\x1f\x7f]*)?",
                  re.IGNORECASE)
MINUTE = datetime.timedelta(minutes=1)
_one_writer = threading.Lock()


class BatchRefused(Exception):
    """The body as a whole cannot be taken (not a list, too long): nothing is written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ItemError:
    index: int  # the item's position in the batch (0-based)
    field: str  # the item's field at fault ("item" for the item as a whole)
    message: str

    def as_dict(self) -> dict:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    errors: list[ItemError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated,
                "errors": [error.as_dict() for error in self.errors]}


@dataclass(slots=True)
class _Row:
    """One checked item, ready to store."""

    platform: str
    external_id: str
    author_handle: str
    author_followers: int
    text: str
    url: str
    posted_at: datetime.datetime
    language: str
    likes: int
    shares: int
    comments: int
    reach: int = 0
    sentiment: float = 0.0
    sentiment_label: str = SentimentLabel.NEUTRAL
    watch_ids: list[int] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.external_id)


# --- checking one item ---------------------------------------------------------------------------

class _Bad(Exception):
    def __init__(self, field_name: str, message: str):
        self.field = field_name
        self.message = message


def _string(item: dict, name: str, *, limit: int, required: bool = False) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise _Bad(name, _("This field is required."))
        return ""
    if not isinstance(value, str):
        raise _Bad(name, _("A string is expected."))
    if len(value) > limit:
        raise _Bad(name, _("At most %(limit)s characters (it has %(length)s).")
                   % {"limit": f"{limit:,}", "length": f"{len(value):,}"})
    if "\x00" in value:
        raise _Bad(name, _("The text holds a NUL character."))
    if not value.isascii() and _SURROGATE.search(value):
        raise _Bad(name, _("The text holds a lone UTF-16 surrogate (not valid Unicode)."))
    return value


def _blank(value: str) -> bool:
    """Nothing but spaces and invisible characters (``core.text``), checked cheaply: the
    first character past the spaces is usually visible."""
    stripped = value.strip()
    return not stripped or (is_invisible(stripped[0]) and not clean_text(stripped))


def _count(item: dict, name: str) -> int:
    value = item.get(name)
    if value is None:
        return 0
    if type(value) is not int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise _Bad(name, _("A whole number is expected."))
    if value < 0 or value > MAX_COUNT:
        raise _Bad(name, _("A whole number from 0 is expected."))
    return value


def _posted_at(item: dict, now: datetime.datetime) -> datetime.datetime:
    value = item.get("posted_at")
    if value is None or value == "":
        raise _Bad("posted_at", _("This field is required."))
    if not isinstance(value, str):
        raise _Bad("posted_at", _("An ISO 8601 date and time is expected."))
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad("posted_at", _("“%(value)s” is not an ISO 8601 date and time.")
                   % {"value": value[:40]}) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _Bad("posted_at", _("Give the time zone (e.g. “Z” or “+08:00”)."))
    if moment > now + FUTURE_TOLERANCE:
        raise _Bad("posted_at", _("It is in the future (more than %(minutes)d minutes "
                                  "ahead of the server's clock).")
                   % {"minutes": FUTURE_TOLERANCE.seconds // 60})
    try:
        moment = moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise _Bad("posted_at", _("Enter a time between the years 1 and 9999 in UTC.")
                   ) from None
    if moment < EARLIEST_POST:
        raise _Bad("posted_at", _("It is before 1970: not the time of a post."))
    return moment


def check_item(item, *, now: datetime.datetime, default_platform: str = "") -> _Row:
    """The item as a row to store; ``_Bad`` (field, message) at its first problem."""
    if not isinstance(item, dict):
        raise _Bad("item", _("Each mention is an object."))
    platform = item.get("platform") or default_platform
    if not platform:
        raise _Bad("platform", _("This field is required."))
    if not isinstance(platform, str) or platform not in PLATFORMS:
        raise _Bad("platform", _("Unknown platform “%(value)s”; one of: %(names)s.")
                   % {"value": str(platform)[:40], "names": ", ".join(sorted(PLATFORMS))})
    external_id = item.get("external_id")
    if type(external_id) is int:
        external_id = str(external_id)
    external_id = _string({"external_id": external_id}, "external_id", limit=200,
                          required=True)
    if _blank(external_id):
        raise _Bad("external_id", _("This field is required."))
    text = _string(item, "text", limit=MENTION_TEXT_LIMIT, required=True)
    if _blank(text):
        raise _Bad("text", _("This field is required."))
    url = _string(item, "url", limit=1000)
    if url and not _URL.fullmatch(url):
        raise _Bad("url", _("An http or https address is expected."))
    language = _string(item, "language", limit=16)
    if language and not _LANGUAGE.fullmatch(language):
        raise _Bad("language", _("A language code is expected (en, zh-Hant, zh-Hans…)."))
    language = canonical_language(language) if language else ""
    return _Row(
        platform=platform, external_id=external_id,
        author_handle=_string(item, "author_handle", limit=200),
        author_followers=_count(item, "author_followers"), text=text, url=url,
        posted_at=_posted_at(item, now), language=language, likes=_count(item, "likes"),
        shares=_count(item, "shares"), comments=_count(item, "comments"))


_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})


@functools.lru_cache(maxsize=512)
def canonical_language(code: str) -> str:
    """A language code as stored, so that the mention stream's filters find it: BCP 47's
    case (``EN_gb`` → ``en-GB``) and Chinese by its script (``zh-TW``, ``zh-hant`` →
    ``zh-Hant``; ``zh-CN``, ``zh_hans`` → ``zh-Hans``); a bare ``zh`` says no script: ""
    (detected from the text)."""
    parts = code.replace("_", "-").split("-")
    first, rest = parts[0].lower(), [part.lower() for part in parts[1:]]
    if first == "zh":
        if not rest:
            return ""
        traditional = rest[0] == "hant" or rest[0] in _TRADITIONAL_REGIONS or (
            rest[0] != "hans" and len(rest) > 1 and rest[1] in _TRADITIONAL_REGIONS)
        return "zh-Hant" if traditional else "zh-Hans"
    return "-".join([first, *(part.title() if len(part) == 4 and part.isalpha()
                             else part.upper() if len(part) == 2 else part
                             for part in rest)])


def item_problem(item, *, now: datetime.datetime, default_platform: str = "",
                 index: int = 0) -> ItemError | None:
    """The first problem of one item (the preview of an import), or None."""
    try:
        check_item(item, now=now, default_platform=default_platform)
    except _Bad as bad:
        return ItemError(index, bad.field, bad.message)
    return None


def check_items(items: list, *, now: datetime.datetime, default_platform: str = ""
                ) -> tuple[list[_Row], list[ItemError]]:
    rows, errors = [], []
    for index, item in enumerate(items):
        try:
            rows.append(check_item(item, now=now, default_platform=default_platform))
        except _Bad as bad:
            errors.append(ItemError(index, bad.field, bad.message))
    return rows, errors


def _prepare(rows: list[_Row]) -> None:
    """Language, sentiment, reach and watches of each row."""
    matcher = watch_matcher()
    match = matcher.match
    for row in rows:
        if not row.language:
            row.language = detect_language(row.text)
        sentiment = score(row.text, row.language)
        row.sentiment, row.sentiment_label = sentiment.score, sentiment.label
        row.reach = min(row.author_followers + row.shares, MAX_COUNT)
        row.watch_ids = match(row.text, language=row.language, platform=row.platform)


# --- the service ---------------------------------------------------------------------------------

def mentions_ingest(*, items, source: str = MentionSource.API, default_platform: str = "",
                    now: datetime.datetime | None = None) -> IngestResult:
    """Check, score, match and store ``items``; the good ones are stored, the bad ones
    reported by index. ``BatchRefused`` when ``items`` is not a list of at most
    ``MAX_BATCH``."""
    if not isinstance(items, list):
        raise BatchRefused(_("The body must be a JSON array of mentions."))
    if len(items) > MAX_BATCH:
        raise BatchRefused(_("At most %(max)s mentions at once (%(count)s sent).")
                           % {"max": f"{MAX_BATCH:,}", "count": f"{len(items):,}"})
    now = now or timezone.now()
    rows, errors = check_items(items, now=now, default_platform=default_platform)
    result = IngestResult(errors=errors)
    if not rows:
        return result
    _prepare(rows)
    unique: dict[tuple[str, str], _Row] = {}
    for row in rows:
        unique[row.key] = row  # the last one wins
    repeated = len(rows) - len(unique)
    rows = list(unique.values())
    postgresql = connection.vendor == "postgresql"
    # SQLite (the embedded default, one process): one batch at a time. Two transactions
    # that read and then write fail there at once with "database is locked".
    with nullcontext() if postgresql else _one_writer, transaction.atomic():
        store = _store_postgresql if postgresql else _store_portable
        created_keys, old_pairs = store(rows, source=source, now=now)
        pairs = _update_buckets(rows, created_keys=created_keys, old_pairs=old_pairs)
        transaction.on_commit(lambda: batch_ingested.send(
            sender=Mention, watch_ids=sorted({w for w, _m in pairs}),
            minutes=sorted({m for _w, m in pairs}), pairs=pairs, source=source))
    result.created = len(created_keys)
    result.updated = len(rows) - len(created_keys) + repeated
    return result


def _minute(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(second=0, microsecond=0)


# --- PostgreSQL: COPY and one upsert -------------------------------------------------------------

_COLUMNS = ("platform", "external_id", "author_handle", "author_followers", "text", "url",
            "posted_at", "language", "likes", "shares", "comments", "reach", "sentiment",
            "sentiment_label", "source", "ingested_at", "updated_at")
_COLUMN_TYPES = ["varchar", "varchar", "varchar", "int8", "text", "varchar", "timestamptz",
                 "varchar", "int8", "int8", "int8", "int8", "float8", "varchar", "varchar",
                 "timestamptz", "timestamptz"]
_INCOMING = "monitoring_mention_incoming"
_CREATE_INCOMING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_INCOMING} (
    platform varchar(16), external_id varchar(200), author_handle varchar(200),
    author_followers bigint, text text, url varchar(1000), posted_at timestamptz,
    language varchar(16), likes bigint, shares bigint, comments bigint, reach bigint,
    sentiment double precision, sentiment_label varchar(8), source varchar(16),
    ingested_at timestamptz, updated_at timestamptz
) ON COMMIT DELETE ROWS"""
_KEPT_ON_UPDATE = ("ingested_at",)
_UPSERT = f"""
INSERT INTO monitoring_mention ({", ".join(_COLUMNS)})
SELECT {", ".join(_COLUMNS)} FROM {_INCOMING} ORDER BY platform, external_id
ON CONFLICT (platform, external_id) DO UPDATE SET
{", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in _KEPT_ON_UPDATE)}
RETURNING id, platform, external_id, (xmax = 0)"""  # noqa: S608 (our constants only)


Pairs = set[tuple[int, datetime.datetime]]  # (watch id, minute)


def _update_buckets(rows: list[_Row], *, created_keys: set[tuple[str, str]],
                    old_pairs: Pairs) -> list[tuple[int, datetime.datetime]]:
    """Bring the buckets of every (watch, minute) the batch touched up to date; the
    touched pairs, sorted. A pair touched by a mention sent before (its old or new
    matches) is counted again from the matches; one touched only by new mentions gets
    their counts added (the same result, without reading the minute's other mentions).
    Concurrent batches on one watch take turns (a lock per watch until commit), so each
    counts, or adds to, what the other committed."""
    recount: Pairs = set(old_pairs)
    added: dict[tuple[int, datetime.datetime], list[int]] = {}
    for row in rows:
        if not row.watch_ids:
            continue
        minute = _minute(row.posted_at)
        if row.key not in created_keys:
            recount.update((watch, minute) for watch in row.watch_ids)
            continue
        negative = row.sentiment_label == SentimentLabel.NEGATIVE
        for watch in row.watch_ids:
            counts = added.setdefault((watch, minute), [0, 0, 0, 0, 0, 0])
            counts[0] += 1
            counts[1] += negative
            counts[2] += row.sentiment_label == SentimentLabel.POSITIVE
            counts[3] += row.reach
            if negative:
                counts[4] += row.reach
                counts[5] = max(counts[5], row.author_followers)
    for pair in recount:
        added.pop(pair, None)
    touched = sorted(recount | set(added))
    if not touched:
        return touched
    if connection.vendor != "postgresql":
        _recompute_buckets_portable(touched)  # one writer at a time: counting again is cheap
        return touched
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_WATCHES, (sorted({w for w, _m in touched}),))
        if added:
            pairs = sorted(added)
            cursor.execute(_ADD_TO_BUCKETS, (
                [w for w, _m in pairs], [m for _w, m in pairs],
                *([added[pair][i] for pair in pairs] for i in range(6))))
        if recount:
            pairs = sorted(recount)
            watches, starts = [w for w, _m in pairs], [m for _w, m in pairs]
            cursor.execute(_UPSERT_BUCKETS, (watches, starts))
            cursor.execute(_DELETE_EMPTY_BUCKETS, (watches, starts))
    return touched


def _store_postgresql(rows: list[_Row], *, source: str, now: datetime.datetime
                      ) -> tuple[set[tuple[str, str]], Pairs]:
    """Upsert the rows and write their matches; the keys of the mentions created, and the
    (watch, minute) pairs of the matches the updated ones had before."""
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg's own: COPY
        cursor.execute(_CREATE_INCOMING)
        # Emptied at each commit; a batch inside a longer transaction empties it itself.
        cursor.execute(f"TRUNCATE {_INCOMING}")
        # Binary COPY with the types given: 2 to 4 times faster than text (psycopg then
        # adapts nothing by guessing).
        with cursor.copy(f"COPY {_INCOMING} ({', '.join(_COLUMNS)}) FROM STDIN "
                         "(FORMAT BINARY)") as copy:
            copy.set_types(_COLUMN_TYPES)
            write = copy.write_row
            for r in rows:
                write((r.platform, r.external_id, r.author_handle, r.author_followers, r.text,
                       r.url, r.posted_at, r.language, r.likes, r.shares, r.comments, r.reach,
                       r.sentiment, r.sentiment_label, source, now, now))
        cursor.execute(_UPSERT)
        ids, created, updated_ids = {}, set(), []
        for pk, platform, external_id, is_new in cursor.fetchall():
            ids[(platform, external_id)] = pk
            if is_new:
                created.add((platform, external_id))
            else:
                updated_ids.append(pk)
        old_pairs: Pairs = set()
        if updated_ids:
            cursor.execute("DELETE FROM monitoring_mentionmatch WHERE mention_id = ANY(%s) "
                           "RETURNING watch_id, posted_at", (updated_ids,))
            old_pairs.update((watch, _minute(at)) for watch, at in cursor.fetchall())
        with cursor.copy("COPY monitoring_mentionmatch (mention_id, watch_id, posted_at) "
                         "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "int8", "timestamptz"])
            write = copy.write_row
            for row in rows:
                pk = ids[row.key]
                for watch in row.watch_ids:
                    write((pk, watch, row.posted_at))
    return created, old_pairs


_LOCK_WATCHES = """
SELECT pg_advisory_xact_lock(1297041747, w::integer)
FROM (SELECT w FROM unnest(%s::bigint[]) AS w ORDER BY w) AS watches"""
_UPSERT_BUCKETS = """
INSERT INTO monitoring_mentionbucket (watch_id, start, mentions, negative, positive, reach,
                                      negative_reach, top_negative_followers)
SELECT t.watch_id, t.start, count(m.id),
       count(m.id) FILTER (WHERE m.sentiment_label = 'negative'),
       count(m.id) FILTER (WHERE m.sentiment_label = 'positive'),
       coalesce(sum(m.reach), 0),
       coalesce(sum(m.reach) FILTER (WHERE m.sentiment_label = 'negative'), 0),
       coalesce(max(m.author_followers) FILTER (WHERE m.sentiment_label = 'negative'), 0)
FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(watch_id, start)
LEFT JOIN monitoring_mentionmatch mm
       ON mm.watch_id = t.watch_id AND mm.posted_at >= t.start
      AND mm.posted_at < t.start + interval '1 minute'
LEFT JOIN monitoring_mention m ON m.id = mm.mention_id
GROUP BY t.watch_id, t.start
ON CONFLICT (watch_id, start) DO UPDATE SET
    mentions = EXCLUDED.mentions, negative = EXCLUDED.negative,
    positive = EXCLUDED.positive, reach = EXCLUDED.reach,
    negative_reach = EXCLUDED.negative_reach,
    top_negative_followers = EXCLUDED.top_negative_followers"""
_ADD_TO_BUCKETS = """
INSERT INTO monitoring_mentionbucket AS b (watch_id, start, mentions, negative, positive,
                                           reach, negative_reach, top_negative_followers)
SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::integer[], %s::integer[],
                     %s::integer[], %s::bigint[], %s::bigint[], %s::bigint[])
ON CONFLICT (watch_id, start) DO UPDATE SET
    mentions = b.mentions + EXCLUDED.mentions, negative = b.negative + EXCLUDED.negative,
    positive = b.positive + EXCLUDED.positive, reach = b.reach + EXCLUDED.reach,
    negative_reach = b.negative_reach + EXCLUDED.negative_reach,
    top_negative_followers = GREATEST(b.top_negative_followers,
                                      EXCLUDED.top_negative_followers)"""
_DELETE_EMPTY_BUCKETS = """
DELETE FROM monitoring_mentionbucket b
USING unnest(%s::bigint[], %s::timestamptz[]) AS t(watch_id, start)
WHERE b.watch_id = t.watch_id AND b.start = t.start AND b.mentions = 0"""


# --- elsewhere (SQLite): the ORM -----------------------------------------------------------------

_CHUNK = 400


def _store_portable(rows: list[_Row], *, source: str, now: datetime.datetime
                    ) -> tuple[set[tuple[str, str]], Pairs]:
    by_platform: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_platform[row.platform].append(row.external_id)
    existing: dict[tuple[str, str], int] = {}
    for platform, external_ids in by_platform.items():
        for start in range(0, len(external_ids), _CHUNK):
            existing.update(
                ((platform, external_id), pk) for pk, external_id in Mention.objects.filter(
                    platform=platform, external_id__in=external_ids[start:start + _CHUNK]
                ).values_list("pk", "external_id"))
    old_pairs: Pairs = set()
    updated_ids = list(existing.values())
    for start in range(0, len(updated_ids), _CHUNK):
        matches = MentionMatch.objects.filter(mention_id__in=updated_ids[start:start + _CHUNK])
        old_pairs.update((watch, _minute(at))
                         for watch, at in matches.values_list("watch_id", "posted_at"))
        matches.delete()

    def mention(row: _Row) -> Mention:
        return Mention(
            pk=existing.get(row.key), platform=row.platform, external_id=row.external_id,
            author_handle=row.author_handle, author_followers=row.author_followers,
            text=row.text, url=row.url, posted_at=row.posted_at, language=row.language,
            likes=row.likes, shares=row.shares, comments=row.comments, reach=row.reach,
            sentiment=row.sentiment, sentiment_label=row.sentiment_label, source=source,
            ingested_at=now, updated_at=now)

    changed = [mention(row) for row in rows if row.key in existing]
    kept = (*_KEPT_ON_UPDATE, "platform", "external_id")
    Mention.objects.bulk_update(changed, [c for c in _COLUMNS if c not in kept],
                                batch_size=_CHUNK)
    new = Mention.objects.bulk_create([mention(row) for row in rows if row.key not in existing],
                                      batch_size=_CHUNK)
    ids = dict(existing)
    ids.update(((m.platform, m.external_id), m.pk) for m in new)
    MentionMatch.objects.bulk_create(
        [MentionMatch(mention_id=ids[row.key], watch_id=watch, posted_at=row.posted_at)
         for row in rows for watch in row.watch_ids], batch_size=_CHUNK)
    return {(m.platform, m.external_id) for m in new}, old_pairs


def _recompute_buckets_portable(pairs: list[tuple[int, datetime.datetime]]) -> None:
    minutes_of: dict[int, set[datetime.datetime]] = defaultdict(set)
    for watch, minute in pairs:
        minutes_of[watch].add(minute)
    buckets = []
    for watch, minutes in minutes_of.items():
        counts: dict[datetime.datetime, MentionBucket] = {}
        for run_start, run_end in _runs(sorted(minutes)):
            found = MentionMatch.objects.filter(
                watch_id=watch, posted_at__gte=run_start, posted_at__lt=run_end + MINUTE,
            ).values_list("posted_at", "mention__sentiment_label", "mention__reach",
                          "mention__author_followers")
            for posted_at, label, reach, followers in found.iterator():
                minute = _minute(posted_at)
                if minute not in minutes:
                    continue
                bucket = counts.get(minute)
                if bucket is None:
                    bucket = counts[minute] = MentionBucket(watch_id=watch, start=minute)
                bucket.mentions += 1
                bucket.reach += reach
                if label == SentimentLabel.NEGATIVE:
                    bucket.negative += 1
                    bucket.negative_reach += reach
                    bucket.top_negative_followers = max(bucket.top_negative_followers,
                                                        followers)
                elif label == SentimentLabel.POSITIVE:
                    bucket.positive += 1
        MentionBucket.objects.filter(watch_id=watch, start__in=list(minutes)).delete()
        buckets.extend(counts.values())
    MentionBucket.objects.bulk_create(buckets, batch_size=_CHUNK)


def _runs(minutes: list[datetime.datetime], gap: datetime.timedelta = datetime.timedelta(
        hours=1)) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Sorted minutes as (first, last) runs, a run broken where they are ``gap`` apart."""
    runs = []
    for minute in minutes:
        if runs and minute - runs[-1][1] <= gap:
            runs[-1][1] = minute
        else:
            runs.append([minute, minute])
    return [(first, last) for first, last in runs]
