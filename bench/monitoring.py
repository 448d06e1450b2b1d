"""Early warning under load: mentions through ``POST /api/mentions/bulk/``, stored.

Issue 14: "ingest through the bulk API, mixed English/Chinese, stored: mentions/s, with its
ratio to a raw COPY of the same rows (the floor). Target ≥ 20,000 mentions/s."

- **Data** (own database, ``BENCH_DATABASE_URL``; PostgreSQL is what the target is for):
  five watches (a brand, a product, an executive, a campaign hashtag, the product in
  Chinese in both scripts) and ``--mentions`` mentions (default 100,000), English 50 %,
  Simplified Chinese 30 %, Traditional 20 %, 40-200 characters, about one in three naming a
  watch's term, spread over the last 24 hours, with authors, followers, likes, shares,
  comments, links; sent as JSON arrays of ``--batch`` (default 5,000, the API's limit),
  bodies built before the clock starts.
- **Path**: the real view through Django's test client, in this process (token of a
  service account holding only ``monitoring.ingest_mention``): JSON parsing, per-item
  checks, language detection where absent (half the items), sentiment, matching, COPY +
  upsert, matches, minute buckets, commit and the ``batch_ingested`` hook (whatever
  detection connected to it runs too; with ``REDIS_URL`` its tasks go to the broker).
- **Runs**: every batch once (all new: created), then all again (all updated), each
  timed from the first request to the last answer: mentions/s. A breakdown of one batch
  by stage (parse, check, language + sentiment + matching, store) in-process.
- **Floor**: binary ``COPY`` of the very same rows (the values the service stored) into a
  table shaped like ``monitoring_mention`` (same columns, unique index), then its ratio.
- **Hooks**: ``bench.monitoring_sentiment`` and ``bench.monitoring_detection`` (from the
  sentiment and detection work) run after, through their ``run(args)``, when present.

    BENCH_DATABASE_URL=postgres://crisisdesk@127.0.0.1:5432/crisisdesk_bench_monitoring \\
    REDIS_URL=redis://127.0.0.1:6379/13 CRISISDESK_VAR_DIR=/tmp/cd-var-bench-monitoring \\
        .venv/bin/python -m bench monitoring [--mentions 100000] [--batch 5000]
"""

import argparse
import datetime
import importlib
import json
import random
import time

from bench.harness import disable_api_throttling, drop_database, ensure_database, use_bench_database

SEED = 20261414
WATCHES = [
    ("Acme brand", ["acme", "#acmefail", "愛克美", "爱克美"]),
    ("X2 power bank", ["x2 power bank", "x2 powerbank", "X2充電寶", "X2行動電源"]),
    ("CEO Jane Wu", ["jane wu", "@janewu", "吳珍", "吴珍"]),
    ("Spring campaign", ["#acmespring", "#春日愛克美"]),
    ("Recall", ["recall", "召回"]),
]
EN_NEUTRAL = ["Picked up groceries and a new phone case today", "Traffic on the bridge again",
              "Anyone know a good ramen place downtown", "Watching the game tonight with friends",
              "Rainy Monday, coffee number three", "Our team shipped the quarterly report"]
EN_ABOUT = ["My Acme X2 power bank started smoking on the train, this is terrifying #AcmeFail",
            "Acme support has not answered in three days, worst service ever",
            "Loving the Acme spring sale #AcmeSpring, great prices",
            "Jane Wu says the recall covers every X2 powerbank sold since March",
            "Is the Acme recall real? My X2 power bank feels hot when charging",
            "Great job Acme, the replacement arrived in two days, thank you!"]
HANS_NEUTRAL = ["今天天气不错，去公园散步了", "晚上吃火锅，大家推荐哪家店",
                "地铁又晚点了，上班要迟到", "周末带孩子去博物馆，人好多"]
HANS_ABOUT = ["爱克美的X2充电宝在地铁上冒烟了，太吓人了，官方到现在都没回应",
              "爱克美客服态度太差了，退货流程麻烦得要命",
              "吴珍说召回所有X2充电宝，这个处理还算及时",
              "爱克美春季活动的价格很划算，已经下单了 #春日爱克美"]
HANT_NEUTRAL = ["今天天氣很好，去河濱公園騎腳踏車", "捷運又誤點了，真的很煩",
                "晚餐吃牛肉麵，很滿足"]
HANT_ABOUT = ["愛克美的X2行動電源在捷運上冒煙，太可怕了，公司還沒有說明",
              "愛克美客服回覆很慢，對這次召回很失望", "吳珍出面道歉並宣布召回，態度還算誠懇",
              "愛克美這次處理得很快，換貨兩天就到了，謝謝"]
PLATFORMS = ["x", "weibo", "facebook", "instagram", "xiaohongshu", "wechat", "forum", "news",
             "tiktok", "youtube", "review"]


def mentions(count: int, *, start: datetime.datetime, prefix: str = "m") -> list[dict]:
    rng = random.Random(SEED)
    items = []
    for n in range(count):
        kind = rng.random()
        about = rng.random() < 0.35
        if kind < 0.5:
            text, language = rng.choice(EN_ABOUT if about else EN_NEUTRAL), "en"
            text = f"{text} {rng.choice(['', 'honestly', 'lol', 'again', '!!', 'today'])}"
        elif kind < 0.8:
            text, language = rng.choice(HANS_ABOUT if about else HANS_NEUTRAL), "zh-Hans"
        else:
            text, language = rng.choice(HANT_ABOUT if about else HANT_NEUTRAL), "zh-Hant"
        text = f"{text} #{n % 997}"
        item = {
            "platform": rng.choice(PLATFORMS), "external_id": f"{prefix}{n}", "text": text,
            "posted_at": (start + datetime.timedelta(seconds=rng.randrange(86_400))
                          ).isoformat(),
            "author_handle": f"user{rng.randrange(50_000)}",
            "author_followers": int(rng.paretovariate(1.2) * 50),
            "likes": rng.randrange(500), "shares": rng.randrange(100),
            "comments": rng.randrange(80),
            "url": f"https://example.com/p/{prefix}{n}",
        }
        if rng.random() < 0.5:
            item["language"] = language
        items.append(item)
    return items


def _ensure_watches() -> None:
    from monitoring.models import Watch

    for name, terms in WATCHES:
        Watch.objects.update_or_create(name=name, defaults={"include_terms": terms,
                                                            "is_active": True})


def _service_token() -> str:
    from django.contrib.auth.models import Permission
    from rest_framework.authtoken.models import Token

    from teams.models import User

    user, _created = User.objects.get_or_create(username="bench-ingest")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="monitoring",
                                                     codename="ingest_mention"))
    token, _created = Token.objects.get_or_create(user=user)
    return token.key


def _send_all(client, bodies: list[bytes], token: str) -> tuple[float, dict]:
    totals = {"created": 0, "updated": 0, "errors": 0}
    started = time.perf_counter()
    for body in bodies:
        answer = client.post("/api/mentions/bulk/", body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Token {token}")
        if answer.status_code != 200:
            raise SystemExit(f"bulk answered {answer.status_code}: {answer.content[:300]!r}")
        result = answer.json()
        totals["created"] += result["created"]
        totals["updated"] += result["updated"]
        totals["errors"] += len(result["errors"])
    return time.perf_counter() - started, totals


def _breakdown(items: list[dict]) -> list[tuple[str, float]]:
    """Seconds per stage for one batch, in-process (a fresh id prefix: all created)."""
    from django.db import transaction

    from monitoring import ingest

    body = json.dumps(items).encode()
    stages = []
    started = time.perf_counter()
    parsed = json.loads(body.decode("utf-8-sig"))
    stages.append(("parse JSON", time.perf_counter() - started))
    now = datetime.datetime.now(datetime.UTC)
    started = time.perf_counter()
    rows, _errors = ingest.check_items(parsed, now=now)
    stages.append(("check items", time.perf_counter() - started))
    started = time.perf_counter()
    ingest._prepare(rows)
    stages.append(("language, sentiment, matching", time.perf_counter() - started))
    started = time.perf_counter()
    with transaction.atomic():
        from django.db import connection

        store = (ingest._store_postgresql if connection.vendor == "postgresql"
                 else ingest._store_portable)
        created, old_pairs = store(rows, source="api", now=now)
        ingest._update_buckets(rows, created_keys=created, old_pairs=old_pairs)
        transaction.set_rollback(True)
    stages.append(("store: upsert, matches, buckets", time.perf_counter() - started))
    return stages


def _floor(prefix: str) -> float | None:
    """Seconds to COPY the stored rows (as stored) into a table shaped like the mentions'."""
    from django.db import connection

    from monitoring.ingest import _COLUMN_TYPES

    if connection.vendor != "postgresql":
        return None
    columns = ("platform", "external_id", "author_handle", "author_followers", "text", "url",
               "posted_at", "language", "likes", "shares", "comments", "reach", "sentiment",
               "sentiment_label", "source", "ingested_at", "updated_at")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM monitoring_mention "
                       f"WHERE external_id LIKE %s ORDER BY id", [prefix])
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE IF EXISTS bench_mention_floor")
        cursor.execute("CREATE TABLE bench_mention_floor (LIKE monitoring_mention "
                       "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES)")
        raw = cursor.cursor
        started = time.perf_counter()
        with raw.copy(f"COPY bench_mention_floor ({', '.join(columns)}) FROM STDIN "
                      "(FORMAT BINARY)") as copy:
            copy.set_types(_COLUMN_TYPES)
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_mention_floor")
    return elapsed


def _hooks(args) -> None:
    for name in ("bench.monitoring_sentiment", "bench.monitoring_detection"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            print(f"\n({name} is not there yet: skipped)")
            continue
        print(f"\n--- {name} ---")
        # Each takes its own options (its defaults; --sentiment-/--detection- are not
        # passed through): its parser() when it has one.
        own = module.parser().parse_args([]) if hasattr(module, "parser") else args
        module.run(own)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench monitoring")
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--no-hooks", action="store_true",
                        help="skip the sentiment and detection benchmarks")
    parser.add_argument("--drop", action="store_true",
                        help="drop the PostgreSQL benchmark database afterwards")
    args, _rest = parser.parse_known_args(argv)
    args.rest = _rest

    url = use_bench_database()
    ensure_database(url)
    import django

    django.setup()
    disable_api_throttling()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from monitoring.models import Mention, MentionBucket, MentionMatch

    call_command("migrate", verbosity=0)
    _ensure_watches()
    token = _service_token()
    start = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)).replace(
        microsecond=0)
    run = f"r{int(time.time())}-"
    items = mentions(args.mentions, start=start, prefix=run)
    bodies = [json.dumps(items[i:i + args.batch], ensure_ascii=False).encode()
              for i in range(0, len(items), args.batch)]
    client = Client()
    # Warm-up: one batch of other ids (lexicons, matcher, connections), not counted.
    warm = mentions(min(args.batch, 1_000), start=start, prefix=f"{run}warm-")
    _send_all(client, [json.dumps(warm).encode()], token)

    print(f"database: {connection.vendor}; {args.mentions:,} mentions in batches of "
          f"{args.batch:,}; English 50 %, Simplified Chinese 30 %, Traditional 20 %; "
          f"{len(WATCHES)} watches")
    before = Mention.objects.count()
    created_s, created = _send_all(client, bodies, token)
    updated_s, updated = _send_all(client, bodies, token)
    stored = Mention.objects.count() - before
    print(f"\n{'run':<34} {'mentions':>9} {'seconds':>8} {'mentions/s':>11}")
    print(f"{'bulk API, new (created)':<34} {created['created']:>9,} {created_s:>8.2f} "
          f"{args.mentions / created_s:>11,.0f}")
    print(f"{'bulk API, again (updated)':<34} {updated['updated']:>9,} {updated_s:>8.2f} "
          f"{args.mentions / updated_s:>11,.0f}")
    print(f"stored: {stored:,} new rows; matches in the database: "
          f"{MentionMatch.objects.count():,}; minute buckets: {MentionBucket.objects.count():,}"
          f"; item errors: {created['errors'] + updated['errors']}")
    floor_s = _floor(f"{run}%")
    if floor_s is not None:
        print(f"{'floor: raw COPY of the same rows':<34} {args.mentions:>9,} {floor_s:>8.2f} "
              f"{args.mentions / floor_s:>11,.0f}")
        print(f"ratio: bulk API (new) takes {created_s / floor_s:.1f}× the raw COPY")
    print("\none batch by stage (in-process):")
    for stage, seconds in _breakdown(mentions(args.batch, start=start,
                                              prefix=f"{run}stage-")):
        print(f"  {stage:<34} {seconds * 1000:8.1f} ms  {args.batch / seconds:>11,.0f}/s")
    if not args.no_hooks:
        _hooks(args)
    if args.drop:
        drop_database(url)
