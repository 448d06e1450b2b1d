"""Ingesting mentions (monitoring.ingest) through ``POST /api/mentions/bulk/``: counts,
idempotent re-ingest (rows, matches and minute buckets), per-index errors, a malformed
body writing nothing, the ingest right, and the hook detection listens to; and from CSV
files (``/api/mentions/import/`` and the import page): GB18030, Big5, UTF-8 with BOM, an
unknown encoding named, mapping, preview and the error report."""

import datetime
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from monitoring.hooks import batch_ingested
from monitoring.ingest import MAX_BATCH, mentions_ingest
from monitoring.models import MENTION_TEXT_LIMIT, Mention, MentionBucket, MentionMatch, Watch
from tests.conftest import grant
from tests.teams.factories import UserFactory

BULK = "/api/mentions/bulk/"
MINUTE = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)


def at(minute: int = 0, second: int = 0) -> str:
    return (MINUTE + datetime.timedelta(minutes=minute, seconds=second)).isoformat()


def item(external_id: str, text: str, **fields) -> dict:
    return {"platform": "x", "external_id": external_id, "text": text,
            "posted_at": fields.pop("posted_at", at()), **fields}


@pytest.fixture
def service(db):
    """A service account with only the ingest right, and its token."""
    user = grant(UserFactory(username="ingest-bot"), "monitoring.ingest_mention")
    return Token.objects.create(user=user).key


@pytest.fixture
def kettle(db):
    return Watch.objects.create(name="Kettle", include_terms=["kettle", "水壺"])


def post(token: str, body) -> object:
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return Client().post(BULK, data, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Token {token}")


def buckets(watch) -> list[tuple]:
    return list(MentionBucket.objects.filter(watch=watch).order_by("start").values_list(
        "start", "mentions", "negative", "positive", "reach", "negative_reach",
        "top_negative_followers"))


def test_a_batch_is_stored_matched_scored_and_counted_per_minute(service, kettle):
    batch = [
        item("1", "The kettle exploded, this is terrible and dangerous", author_followers=900,
             shares=100),
        item("2", "Love my new kettle, works great!", author_followers=50, posted_at=at(0, 30)),
        item("3", "這個水壺太爛了，漏水又燙傷人", platform="weibo", author_followers=2_000_000,
             posted_at=at(1)),
        item("4", "Nothing about appliances here", posted_at=at(1)),
    ]
    answer = post(service, batch)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"created": 4, "updated": 0, "errors": []}
    stored = {m.external_id: m for m in Mention.objects.all()}
    assert stored["1"].reach == 1000 and stored["1"].sentiment_label == "negative"
    assert stored["2"].sentiment_label == "positive" and stored["2"].language == "en"
    assert stored["3"].language == "zh-Hant" and stored["3"].sentiment_label == "negative"
    assert stored["1"].source == "api"
    assert set(MentionMatch.objects.values_list("mention__external_id", flat=True)) == {
        "1", "2", "3"}
    assert buckets(kettle) == [
        (MINUTE, 2, 1, 1, 1050, 1000, 900),
        (MINUTE + datetime.timedelta(minutes=1), 1, 1, 0, 2_000_000, 2_000_000, 2_000_000),
    ]


def test_language_codes_are_stored_as_the_filters_look_for_them(service, kettle):
    """Listening tools write languages their own way; the mention stream filters by en,
    zh-Hant and zh-Hans (and regional forms of them)."""
    sent = {"a": "EN_gb", "b": "zh-TW", "c": "zh_hans", "d": "ZH-hant-HK", "e": "zh"}
    answer = post(service, [item(key, "這個水壺漏水" if key == "e" else "kettle", language=code)
                            for key, code in sent.items()])
    assert answer.json()["created"] == 5
    assert dict(Mention.objects.values_list("external_id", "language")) == {
        "a": "en-GB", "b": "zh-Hant", "c": "zh-Hans", "d": "zh-Hant", "e": "zh-Hant"}


def test_ingesting_again_updates_and_never_duplicates(service, kettle):
    batch = [item(str(n), f"kettle number {n} is fine", posted_at=at(n % 3))
             for n in range(30)]
    assert post(service, batch).json() == {"created": 30, "updated": 0, "errors": []}
    before = buckets(kettle)
    assert post(service, batch).json() == {"created": 0, "updated": 30, "errors": []}
    assert Mention.objects.count() == 30 and MentionMatch.objects.count() == 30
    assert buckets(kettle) == before
    # Sent again with another time and a text that no longer matches: the buckets follow.
    moved = [item("0", "kettle number 0 is awful, it broke and burned me", posted_at=at(5)),
             item("1", "toaster only", posted_at=at(1))]
    assert post(service, moved).json() == {"created": 0, "updated": 2, "errors": []}
    counts = {start: (total, negative) for start, total, negative, *_rest in buckets(kettle)}
    assert counts == {MINUTE: (9, 0), MINUTE + datetime.timedelta(minutes=1): (9, 0),
                      MINUTE + datetime.timedelta(minutes=2): (10, 0),
                      MINUTE + datetime.timedelta(minutes=5): (1, 1)}
    assert Mention.objects.get(external_id="0").text.startswith("kettle number 0 is awful")
    # The same id twice in one batch: the last one wins, counted once more as an update.
    twice = [item("new", "kettle a"), item("new", "kettle b")]
    assert post(service, twice).json() == {"created": 1, "updated": 1, "errors": []}
    assert Mention.objects.get(external_id="new").text == "kettle b"
    # New mentions add to a minute already counted, also beside one sent again there.
    mixed = [item("newer", "a kettle that hurts, terrible", author_followers=7_000),
             item("3", "kettle number 3 is fine")]
    assert post(service, mixed).json() == {"created": 1, "updated": 1, "errors": []}
    first = buckets(kettle)[0]
    assert first[:3] == (MINUTE, 11, 1) and first[6] == 7_000
    assert post(service, [item("newest", "kettle again", posted_at=at(2, 5))]).json()[
        "created"] == 1
    assert {start: total for start, total, *_rest in buckets(kettle)}[
        MINUTE + datetime.timedelta(minutes=2)] == 11


def test_each_bad_item_is_reported_by_index_and_the_others_are_stored(service, kettle):
    future = (timezone.now() + datetime.timedelta(minutes=10)).isoformat()
    batch = [
        item("ok-1", "kettle fine"),
        item("bad-platform", "kettle", platform="myspace"),
        {"platform": "x", "text": "kettle"},
        item("long", "k" * (MENTION_TEXT_LIMIT + 1)),
        item("future", "kettle", posted_at=future),
        item("naive", "kettle", posted_at="2026-11-20T09:30:00"),
        item("not-a-date", "kettle", posted_at="yesterday"),
        item("negative", "kettle", likes=-1),
        item("float", "kettle", shares="12"),
        item("url", "kettle", url="javascript:alert(1)"),
        item("nul", "kettle\x00"),
        "not an object",
        item("ok-2", "kettle also fine", url="https://x.com/a/status/1", likes=3),
        item("surrogate", "kettle \ud800"),
        item("platform-list", "kettle", platform=["x"]),
        item("huge", "kettle", author_followers=10**13),
        item("year-one", "kettle", posted_at="0001-01-01T00:00:00Z"),
    ]
    answer = post(service, batch)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "platform"), (2, "external_id"), (3, "text"), (4, "posted_at"), (5, "posted_at"),
        (6, "posted_at"), (7, "likes"), (8, "shares"), (9, "url"), (10, "text"), (11, "item"),
        (13, "text"), (14, "platform"), (15, "author_followers"), (16, "posted_at")]
    assert "myspace" in body["errors"][0]["message"]
    assert "future" in body["errors"][3]["message"]
    assert set(Mention.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


@pytest.mark.parametrize(("body", "says"), [
    (b"[{\"platform\": \"x\",", "not valid JSON"),
    (b"\xff\xfe[]", "UTF-8"),
    (b"[" * 100_000, "nested"),
    (b'[{"likes": 1' + b"0" * 5_000 + b"}]", "number too long"),
    ({"platform": "x"}, "JSON array"),
    ([item(str(n), "kettle") for n in range(MAX_BATCH + 1)], "At most 5,000"),
])
def test_a_malformed_body_is_a_400_that_writes_nothing(service, kettle, body, says):
    answer = post(service, body)
    assert answer.status_code == 400
    assert says in answer.json()["detail"]
    assert not Mention.objects.exists() and not MentionBucket.objects.exists()


def test_ingesting_takes_the_ingest_right(db, kettle):
    plain = Token.objects.create(user=UserFactory(username="reader")).key
    answer = post(plain, [item("1", "kettle")])
    assert answer.status_code == 403
    assert "ingest" in answer.json()["detail"]
    assert Client().post(BULK, "[]", content_type="application/json").status_code == 401
    assert not Mention.objects.exists()
    # A person holding the right may send a batch from a signed-in session too.
    person = grant(UserFactory(username="analyst"), "monitoring.ingest_mention")
    client = Client()
    client.force_login(person)
    assert client.post(BULK, json.dumps([item("1", "kettle")]),
                       content_type="application/json").json()["created"] == 1


def test_detection_hears_of_each_batch_after_it_commits(django_capture_on_commit_callbacks,
                                                        kettle):
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    batch_ingested.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            mentions_ingest(items=[item("1", "kettle", posted_at=at(0, 59)),
                                   item("2", "kettle", posted_at=at(2)),
                                   item("3", "no match")])
        assert heard == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        batch_ingested.disconnect(listener)
    assert len(heard) == 1
    assert heard[0]["watch_ids"] == [kettle.pk]
    assert heard[0]["minutes"] == [MINUTE, MINUTE + datetime.timedelta(minutes=2)]
    assert heard[0]["source"] == "api"


# --- CSV: /api/mentions/import/ and the import page ---------------------------------------------

IMPORT = "/api/mentions/import/"
DATA = Path(__file__).resolve().parent.parent / "data"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    data = content if content is not None else (DATA / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def importer(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the page keeps uploads under it
    client = APIClient()
    client.force_authenticate(grant(UserFactory(username="importer"),
                                    "monitoring.ingest_mention"))
    return client


@pytest.mark.parametrize(("name", "encoding", "zone", "first"), [
    ("mentions_gb18030.csv", "GB18030", "Asia/Shanghai",
     ("wb-1001", "X2充电宝在地铁上冒烟了", datetime.datetime(2026, 11, 20, 1, 30,
                                                      tzinfo=datetime.UTC), 120_000)),
    ("mentions_big5.csv", "Big5", "Asia/Taipei",
     ("fb-5001", "X2行動電源在捷運上冒煙", datetime.datetime(2026, 11, 20, 9, 30,
                                                     tzinfo=datetime.UTC), 56_000)),
])
def test_a_chinese_csv_file_is_detected_mapped_and_imported(importer, name, encoding, zone,
                                                            first):
    answer = importer.post(IMPORT, {"file": upload(name), "timezone": zone},
                           format="multipart")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["encoding"] == encoding
    assert set(body["mapping"]) >= {"platform", "external_id", "text", "posted_at",
                                    "author_followers", "shares", "url"}
    mention = Mention.objects.get(external_id=first[0])
    assert mention.text.startswith(first[1])
    assert (mention.posted_at, mention.author_followers, mention.source) == (
        first[2], first[3], "csv")
    if encoding == "GB18030":  # "douyin" is not a platform name (TikTok's is "tiktok")
        assert (body["created"], body["skipped"]) == (4, 1)
        assert [(e["row"], e["field"]) for e in body["errors"]] == [(6, "platform")]
        assert "douyin" in body["errors"][0]["message"]
    else:
        assert (body["created"], body["skipped"], body["errors"]) == (4, 0, [])
    again = importer.post(IMPORT, {"file": upload(name), "timezone": zone},
                          format="multipart").json()
    assert (again["created"], again["updated"]) == (0, body["created"])


def test_a_file_in_no_known_encoding_and_a_bad_mapping_are_named(importer):
    undecodable = "名前,本文\n".encode("shift_jis") + bytes(range(0x80, 0x100)) * 8
    unknown = importer.post(IMPORT, {"file": upload("x.csv", undecodable)}, format="multipart")
    assert unknown.status_code == 400
    assert "not UTF-8, GB18030 or Big5" in unknown.json()["encoding"][0]
    forced = importer.post(IMPORT, {"file": upload("mentions_big5.csv"), "encoding": "utf-8"},
                           format="multipart")
    assert forced.status_code == 400 and "not valid UTF-8" in forced.json()["encoding"][0]
    unmapped = importer.post(IMPORT, {"file": upload("m.csv", b"\xef\xbb\xbfid,body\n1,hi\n")},
                             format="multipart")
    assert unmapped.status_code == 400
    assert "Platform" in unmapped.json()["mapping"][0]
    zone = importer.post(IMPORT, {"file": upload("mentions_big5.csv"), "timezone": "Mars/Base"},
                         format="multipart")
    assert zone.status_code == 400 and "Mars/Base" in zone.json()["timezone"][0]
    assert not Mention.objects.exists()


def test_a_preview_checks_the_first_rows_and_writes_nothing(importer):
    text = ("\ufeffid,text,time\n1,the kettle leaks,2026-11-20T09:30:00Z\n"
            "2,,2026-11-20T09:31:00Z\n").encode()
    answer = importer.post(IMPORT, {"file": upload("m.csv", text), "platform": "x",
                                    "mapping": json.dumps({"external_id": "id", "text": "text",
                                                           "posted_at": "time"}),
                                    "preview": "true"}, format="multipart")
    assert answer.status_code == 200, answer.json()
    preview = answer.json()["preview"]
    assert [(row["number"], [e["field"] for e in row["errors"]]) for row in preview] == [
        (2, []), (3, ["text"])]
    assert not Mention.objects.exists()


def test_the_import_page_goes_from_file_to_columns_to_result_and_error_report(
        db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client = Client()
    client.force_login(grant(UserFactory(username="analyst", timezone="Asia/Taipei"),
                             "monitoring.import_mention"))
    page = "/monitoring/mentions/import/"
    form = client.get(page)
    assert form.status_code == 200
    assert 'value="Asia/Taipei"' in form.content.decode()  # her zone for times without one
    # Columns or import before any upload (or after it expired): back to the file step.
    early = client.post(page, {"step": "import"}, follow=True)
    assert early.redirect_chain == [(page, 302)] and "Upload the file first" in \
        early.content.decode()
    columns = client.post(page, {"step": "upload", "encoding": "auto", "timezone": "Asia/Shanghai",
                                 "platform": "", "file": upload("mentions_gb18030.csv")})
    assert columns.status_code == 200
    assert "GB18030" in columns.content.decode() and "wb-1001" in columns.content.decode()
    mapping = {"platform": "平台", "external_id": "帖子ID", "text": "内容", "posted_at": "发布时间",
               "author_followers": "粉丝数"}
    done = client.post(page, {"step": "import", **mapping})
    assert done.status_code == 200
    assert Mention.objects.count() == 4
    assert "4 created, 0 updated, 1 skipped" in done.content.decode()
    report = client.get("/monitoring/mentions/import/errors/")
    assert report["Content-Type"].startswith("text/csv")
    assert report.content.decode("utf-8-sig").splitlines()[1].startswith("6,platform,")


def test_a_batch_larger_than_djangos_form_limit_is_taken_and_the_bulk_limit_is_named(
        service, kettle, monkeypatch):
    from monitoring import ingest_api

    long_text = "水壺" + "很好用，" * 2_000  # 8,002 characters, 24 kB in UTF-8
    body = json.dumps([item(str(n), long_text) for n in range(130)], ensure_ascii=False)
    assert len(body.encode()) > 2.5 * 1024 * 1024  # past DATA_UPLOAD_MAX_MEMORY_SIZE
    assert post(service, body).json()["created"] == 130
    monkeypatch.setattr(ingest_api, "MAX_BODY_BYTES", 1024 * 1024)
    refused = post(service, body)
    assert refused.status_code == 400 and "at most 1 MB" in refused.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_on_one_minute_count_every_mention():
    """Two batches at once on the same minute of one watch, each sending its own earlier
    mentions again (now matching nothing) and new ones: the bucket ends up right (the lock
    per watch makes the second count after the first commits)."""
    import threading

    from django.db import connections

    watch = Watch.objects.create(name="Kettle", include_terms=["kettle"])
    mentions_ingest(items=[item(f"{p}-old-{n}", "kettle") for p in "ab" for n in range(100)]
                    + [item(f"c-{n}", "kettle") for n in range(20)])
    barrier = threading.Barrier(2)
    failures = []

    def ingest(prefix: str) -> None:
        try:
            barrier.wait(timeout=10)
            mentions_ingest(items=[item(f"{prefix}-old-{n}", "toaster") for n in range(100)]
                            + [item(f"{prefix}-new-{n}", "kettle") for n in range(50)])
        except Exception as error:  # reported below, with the thread's name
            failures.append((prefix, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ingest, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert MentionMatch.objects.filter(watch=watch).count() == 120
    assert MentionBucket.objects.get(watch=watch, start=MINUTE).mentions == 120
