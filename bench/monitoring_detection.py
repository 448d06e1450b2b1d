"""Detection benchmarks (issue 14): rule evaluation time for a watch holding 1,000,000
mentions (target <= 200 ms), and detection latency from a storm posted to the bulk API to
its alert frame on ``/ws/monitoring/`` (target p95 <= 2 s).

    BENCH_DATABASE_URL=postgres://crisisdesk@127.0.0.1:5432/crisisdesk_bench \\
        .venv/bin/python -m bench.monitoring_detection [--held-mentions N] [--storms 20] [--reuse]

**Evaluation.** One watch gets ``--held-mentions`` mentions spread over the last four weeks
(their matches and minute buckets too; written with one ``INSERT … SELECT`` from
``generate_series`` on PostgreSQL, in batches elsewhere), then a storm in its last ten
minutes; its baseline is refreshed. Timed: ``detection.evaluate`` (the rules against the
buckets and the baseline) and ``evaluate`` + ``alerts.alert_update_from_evaluation`` (what
the task runs each time), ``--evaluation-runs`` times each, p50/p95. The figure does not depend on
the number of mentions: detection reads buckets, never mentions.

**Latency** (``run_latency``, PostgreSQL + Redis): a Uvicorn process and a Celery worker
are started on the benchmark database; an analyst's websocket listens on ``/ws/monitoring/``;
``--storms`` storms (``--storm-size`` negative mentions each, on as many watches with two
quiet days of history) are posted one after the other to ``/api/mentions/bulk/`` with an
ingest token; each latency is from sending the POST to receiving the storm's first
``alert.changed`` frame (after one storm more that warms the worker and server up, not
counted). p50/p95 (target p95 <= 2 s).
"""

import argparse
import datetime
import os
import time

from bench.harness import ensure_database, use_bench_database

TARGET_EVALUATION_MS = 200.0


def _setup_django() -> str:
    url = use_bench_database()
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def fill_watch(watch, *, mentions: int, now: datetime.datetime, days: int = 28) -> float:
    """``mentions`` ordinary mentions of ``watch`` over ``days`` days before ``now``, their
    matches and buckets; returns the seconds it took."""
    from django.db import connection, transaction

    from monitoring.models import Mention, MentionBucket, MentionMatch

    started = time.perf_counter()
    start = now - datetime.timedelta(days=days)
    step = days * 86_400 / mentions  # seconds between two mentions
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""INSERT INTO {Mention._meta.db_table}
                    (platform, external_id, author_handle, author_followers, text, url,
                     posted_at, language, likes, shares, comments, reach, sentiment,
                     sentiment_label, source, ingested_at, updated_at)
                    SELECT 'x', 'bench-' || g, 'user' || (g %% 5000), 500 + g %% 3000,
                           'bench mention ' || g, '', %s + g * %s * interval '1 second',
                           'en', 0, 0, 0, 500 + g %% 3000,
                           CASE WHEN g %% 10 = 0 THEN -0.6 ELSE 0.2 END,
                           CASE WHEN g %% 10 = 0 THEN 'negative' ELSE 'neutral' END,
                           'demo', now(), now()
                    FROM generate_series(0, %s - 1) AS g""",
                    [start, step, mentions])
                cursor.execute(
                    f"""INSERT INTO {MentionMatch._meta.db_table} (mention_id, watch_id, posted_at)
                    SELECT id, %s, posted_at FROM {Mention._meta.db_table}
                    WHERE external_id LIKE 'bench-%%'""",
                    [watch.pk])
                cursor.execute(
                    f"""INSERT INTO {MentionBucket._meta.db_table}
                    (watch_id, start, mentions, negative, positive, reach, negative_reach,
                     top_negative_followers)
                    SELECT %s, date_trunc('minute', m.posted_at), count(*),
                           count(*) FILTER (WHERE m.sentiment_label = 'negative'), 0,
                           sum(m.reach),
                           coalesce(sum(m.reach) FILTER (WHERE m.sentiment_label = 'negative'), 0),
                           coalesce(max(m.author_followers)
                                    FILTER (WHERE m.sentiment_label = 'negative'), 0)
                    FROM {Mention._meta.db_table} m WHERE m.external_id LIKE 'bench-%%'
                    GROUP BY 2""",
                    [watch.pk])
        else:
            buckets: dict = {}
            batch, matches = [], []
            for g in range(mentions):
                posted_at = start + datetime.timedelta(seconds=g * step)
                negative = g % 10 == 0
                batch.append(Mention(platform="x", external_id=f"bench-{g}", text="bench",
                                     posted_at=posted_at, reach=500 + g % 3000,
                                     sentiment=-0.6 if negative else 0.2,
                                     sentiment_label="negative" if negative else "neutral"))
                minute = posted_at.replace(second=0, microsecond=0)
                row = buckets.setdefault(minute, [0, 0, 0, 0])
                row[0] += 1
                row[1] += negative
                row[2] += 500 + g % 3000
                row[3] += (500 + g % 3000) if negative else 0
                if len(batch) == 5000:
                    created = Mention.objects.bulk_create(batch)
                    matches = [MentionMatch(mention=m, watch=watch, posted_at=m.posted_at)
                               for m in created]
                    MentionMatch.objects.bulk_create(matches)
                    batch = []
            if batch:
                created = Mention.objects.bulk_create(batch)
                MentionMatch.objects.bulk_create(
                    [MentionMatch(mention=m, watch=watch, posted_at=m.posted_at)
                     for m in created])
            MentionBucket.objects.bulk_create(
                [MentionBucket(watch=watch, start=minute, mentions=r[0], negative=r[1],
                               reach=r[2], negative_reach=r[3],
                               top_negative_followers=3500 if r[1] else 0)
                 for minute, r in buckets.items()], batch_size=5000)
    return time.perf_counter() - started


def run_evaluation(args: argparse.Namespace) -> dict:
    """Rule evaluation time for one watch holding ``args.held_mentions`` mentions."""
    from django.db import connection
    from django.utils import timezone

    from monitoring.alerts import alert_update_from_evaluation
    from monitoring.baseline import baseline_refresh
    from monitoring.detection import evaluate
    from monitoring.models import Alert, Mention, MentionBucket, Watch

    Alert.objects.filter(watch__name="Bench watch").delete()
    now = timezone.now().replace(second=0, microsecond=0)
    watch = Watch.objects.filter(name="Bench watch").first()
    fill_seconds = 0.0
    if watch is None or not args.reuse or watch.matches.count() != args.held_mentions:
        Watch.objects.filter(name="Bench watch").delete()
        Mention.objects.filter(external_id__startswith="bench-").delete()
        watch = Watch.objects.create(name="Bench watch", include_terms=["bench"])
        fill_seconds = fill_watch(watch, mentions=args.held_mentions, now=now)
    started = time.perf_counter()
    baseline_refresh(watch=watch, now=now)
    baseline_seconds = time.perf_counter() - started
    for m in range(10):  # the storm: 60 negative mentions a minute, wide reach
        MentionBucket.objects.update_or_create(
            watch=watch, start=now - datetime.timedelta(minutes=m),
            defaults={"mentions": 60, "negative": 50, "reach": 60 * 30_000,
                      "negative_reach": 50 * 30_000, "top_negative_followers": 900_000})
    evaluate_ms, alert_ms, level = [], [], ""
    for _ in range(args.evaluation_runs):
        started = time.perf_counter()
        evaluation = evaluate(watch_id=watch.pk)
        evaluate_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        alert_update_from_evaluation(evaluate(watch_id=watch.pk))
        alert_ms.append((time.perf_counter() - started) * 1000)
        level = evaluation.level
    held = watch.matches.count()
    return {
        "database": connection.vendor,
        "mentions_held": held,
        "buckets_held": watch.buckets.count(),
        "fill_s": round(fill_seconds, 1),
        "baseline_refresh_ms": round(baseline_seconds * 1000, 1),
        "level": level,
        "evaluate_ms_p50": round(_percentile(evaluate_ms, 50), 2),
        "evaluate_ms_p95": round(_percentile(evaluate_ms, 95), 2),
        "evaluate_and_alert_ms_p50": round(_percentile(alert_ms, 50), 2),
        "evaluate_and_alert_ms_p95": round(_percentile(alert_ms, 95), 2),
        "target_ms": TARGET_EVALUATION_MS,
        "met": _percentile(alert_ms, 95) <= TARGET_EVALUATION_MS,
    }


STORM_TEXT = ("The {term} power bank exploded while charging, terrible and dangerous, "
              "I want a refund #{term}")


def _latency_world(storms: int):
    """``storms`` watches with two quiet days each (1 mention a minute), an analyst's
    session cookie and an ingest token."""
    from django.conf import settings
    from django.contrib.auth.models import Permission
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from monitoring.baseline import baseline_refresh
    from monitoring.models import Alert, MentionBucket, Watch
    from teams.models import User

    now = timezone.now().replace(second=0, microsecond=0)
    Alert.objects.filter(watch__name__startswith="Latency watch").delete()
    Watch.objects.filter(name__startswith="Latency watch").delete()
    watches = []
    for i in range(storms):
        watch = Watch.objects.create(name=f"Latency watch {i}",
                                     include_terms=[f"latencybench{i}"])
        MentionBucket.objects.bulk_create([
            MentionBucket(watch=watch, start=now - datetime.timedelta(minutes=m), mentions=1,
                          reach=500) for m in range(1, 2 * 1440)])
        baseline_refresh(watch=watch, now=now)
        watches.append(watch)

    def person(username: str, *codenames: str) -> User:
        user, _ = User.objects.get_or_create(username=username)
        user.user_permissions.set(Permission.objects.filter(
            content_type__app_label="monitoring", codename__in=codenames))
        return user

    analyst = person("bench-analyst", "view_alert")
    ingester = person("bench-ingest", "ingest_mention")
    token, _ = Token.objects.get_or_create(user=ingester)
    client = Client()
    client.force_login(analyst, backend="django.contrib.auth.backends.ModelBackend")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return watches, cookie, token.key


def run_latency(args: argparse.Namespace) -> dict:
    """Storm posted to ``/api/mentions/bulk/`` → its ``alert.changed`` frame on
    ``/ws/monitoring/``: a Uvicorn process and a Celery worker (both on this database and
    Redis) are started; ``args.storms`` storms on as many watches, one after the other."""
    import asyncio
    import json
    import subprocess
    import sys
    import tempfile
    import urllib.request
    from pathlib import Path

    from django.utils import timezone
    from websockets.asyncio.client import connect

    from bench.fanout import BASE_DIR, _wait_port, start_servers, stop_process

    watches, cookie, token = _latency_world(args.storms + 1)  # the first one warms up
    logs = Path(tempfile.mkdtemp(prefix="bench-detection-"))
    from django.conf import settings

    # The servers sign sessions as this process did (the analyst's cookie).
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0"}
    os.environ.update({k: env[k] for k in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                                           "SECURE_SSL_REDIRECT")})
    servers, ports = start_servers(1, os.environ.get("CHANNEL_LAYER", "pubsub"),
                                   args.detection_port, logs)
    worker_log = open(logs / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
         "--loglevel", "WARNING", "-Q", os.environ.get("CELERY_QUEUE", "crisisdesk")],
        cwd=BASE_DIR, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{ports[0]}"
    latencies, missed = [], 0
    try:
        _wait_port(ports[0], servers[0])
        time.sleep(args.worker_warmup)

        def post(items: list) -> dict:
            request = urllib.request.Request(
                f"{base}/api/mentions/bulk/", data=json.dumps(items).encode(), method="POST",
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())

        async def storms() -> None:
            nonlocal missed
            async with (connect(f"ws://127.0.0.1:{ports[0]}/ws/monitoring/", origin=base,
                                additional_headers={"Cookie": cookie},
                                open_timeout=30) as ws):
                for i, watch in enumerate(watches):
                    now = timezone.now()
                    items = [{"platform": "x", "external_id": f"latency-{watch.pk}-{k}",
                              "text": STORM_TEXT.format(term=f"latencybench{i}"),
                              "language": "en", "author_handle": f"angry{k}",
                              "author_followers": 50_000,
                              "posted_at": (now - datetime.timedelta(seconds=k)).isoformat()}
                             for k in range(args.storm_size)]
                    started = time.perf_counter()
                    answer = await asyncio.to_thread(post, items)
                    if answer.get("created") != len(items):
                        raise RuntimeError(f"bulk: {answer}")
                    deadline = started + args.storm_timeout
                    while True:
                        left = deadline - time.perf_counter()
                        if left <= 0:
                            missed += 1
                            break
                        try:
                            raw = await asyncio.wait_for(ws.recv(), timeout=left)
                        except TimeoutError:
                            missed += 1
                            break
                        frame = json.loads(raw)
                        if (frame.get("type") == "alert.changed"
                                and frame["data"].get("watch") == watch.pk):
                            if i:  # not the warm-up storm
                                latencies.append((time.perf_counter() - started) * 1000)
                            break

        asyncio.run(storms())
    finally:
        stop_process(worker)
        for server in servers:
            stop_process(server)
        worker_log.close()
    return {
        "storms": len(watches) - 1, "mentions_per_storm": args.storm_size,
        "alerts_received": len(latencies), "missed": missed,
        "latency_ms_p50": round(_percentile(latencies, 50), 1) if latencies else None,
        "latency_ms_p95": round(_percentile(latencies, 95), 1) if latencies else None,
        "latency_ms_max": round(max(latencies), 1) if latencies else None,
        "target_ms_p95": 2000.0,
        "met": bool(latencies) and not missed and _percentile(latencies, 95) <= 2000.0,
        "logs": str(logs),
    }


def run(args: argparse.Namespace) -> dict:
    """The detection figures (``bench.monitoring`` calls this after django.setup()):
    evaluation always; latency unless ``args.storms`` is 0 (it needs PostgreSQL + Redis).
    Options it does not find on ``args`` take this module's defaults (``parser``)."""
    defaults = vars(parser().parse_args([]))
    args = argparse.Namespace(**{**defaults, **{k: v for k, v in vars(args).items()
                                                if k in defaults}})
    figures = {"evaluation": run_evaluation(args)}
    if args.storms:
        figures["latency"] = run_latency(args)
    return figures


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.monitoring_detection")
    parser.add_argument("--held-mentions", type=int, default=1_000_000,
                        help="mentions the evaluated watch holds")
    parser.add_argument("--evaluation-runs", type=int, default=50)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the watch's mentions from an earlier run (its clock "
                             "moved on: the storm is written at the current minute)")
    parser.add_argument("--storms", type=int, default=20,
                        help="storms for the latency figure (0: skip it)")
    parser.add_argument("--storm-size", type=int, default=60)
    parser.add_argument("--storm-timeout", type=float, default=15.0)
    parser.add_argument("--detection-port", type=int, default=8391)
    parser.add_argument("--worker-warmup", type=float, default=4.0)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    _setup_django()
    figures = run(args)
    for name, values in figures.items():
        print(name)
        for key, value in values.items():
            print(f"  {key:<28} {value}")


if __name__ == "__main__":
    main()
