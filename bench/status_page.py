"""The public status page under a crowd: ``/status/`` for 200 concurrent readers.

Issue 13: "It must hold up to a crowd: cached, and ``bench/`` measures it." The page is
rendered once per cache generation, language, time zone and page, then served from the
cache with no query (``comms.status``); this measures what a crowd gets from a real server.

- **Data** (own database, ``BENCH_DATABASE_URL``): the incident_list desk at 50 incidents,
  then 300 published public statements over them with a long tail (languages en 60 %,
  zh-Hant 25 %, zh-Hans 15 %; kinds as a desk writes them; 1-3 versions each, the published
  one the last; one in ten corrected or retracted by a later one of the 300), plus what the
  page must leave out: 30 published internal memos and 60 drafts, reviews and approved
  ones. Reused when the counts match.
- **Server**: one Uvicorn process serving ``config.asgi:application`` (as ``scripts/run`` serves the
  app: DEBUG off, whitenoise, the app's middleware) on a free port, on the bench database
  and, with ``REDIS_URL``, the Redis cache and channel layer (production mode); without it
  the embedded default's local-memory cache.
- **Load**: a separate process (Twisted's ``Agent``, the asynchronous HTTP client that is
  installed; a persistent connection per reader) runs ``--readers`` readers, each sending
  its next GET as soon as the last answer is read, for ``--warmup`` seconds unmeasured then
  ``--seconds`` measured: p50/p95/p99 of the answers that completed, requests/s, errors
  (anything but a 200 with the expected text, timeouts after 30 s, dropped connections).
- **Floor**, same server, same load, same run: a static file (the favicon, served by
  whitenoise inside the same ASGI app, behind the first middleware). Not ``/healthz``: under
  ASGI each request in flight runs in a thread of its own with its own database
  connection, so 200 readers of it open 200 PostgreSQL connections, past the server's
  ``max_connections`` (100), and most answer 503 (measured once: 633 of them in 20 s); on a
  shared PostgreSQL that starves everyone else too. ``/status/`` answers from the cache
  without a connection.
- **Runs**: ``/status/`` for English readers; readers split over en / zh-TW / zh-CN
  (three cached pages); the Atom feed; and, with Redis, ``/status/`` while the bench starts
  a new cache generation every ``--invalidate`` seconds (what each publication does), so
  readers meet cold renders. Before that, in-process: the cost of one cold render (cache
  emptied each time) and of a cached answer, with their query counts.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisisdesk_bench_status \\
    REDIS_URL=redis://127.0.0.1:6379/13 CRISISDESK_VAR_DIR=/tmp/cd-var-bench-status \\
        .venv/bin/python -m bench status_page [--readers 200] [--seconds 20]
"""

import argparse
import contextlib
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.fanout import server_command
from bench.harness import TABLE_HEADER, drop_database, ensure_database, measure, use_bench_database

BASE_DIR = Path(__file__).resolve().parent.parent
SEED = 20261313
INCIDENTS, PUBLIC, MEMOS, UNPUBLISHED = 50, 300, 30, 60
LANGUAGES = [("en", 60), ("zh-hant", 25), ("zh-hans", 15)]
PUBLIC_KINDS = [("holding", 25), ("update", 35), ("media_response", 8), ("social_post", 10),
                ("customer_notice", 12), ("apology", 5), ("qa", 5)]
ACCEPT = {"en": "en-GB,en;q=0.9", "zh-hant": "zh-TW,zh;q=0.9,en;q=0.5",
          "zh-hans": "zh-CN,zh;q=0.9,en;q=0.5"}
MARKERS = {"page": "Status updates", "feed": "<feed", "static": "<svg"}


# --- data ---------------------------------------------------------------------------------------

def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _counts() -> tuple[int, int, int]:
    from comms.models import Publication, Statement
    from comms.status import PUBLIC_KINDS as SHOWN_KINDS

    return (Publication.objects.filter(statement__kind__in=SHOWN_KINDS).count(),
            Publication.objects.exclude(statement__kind__in=SHOWN_KINDS).count(),
            Statement.objects.filter(publication__isnull=True).count())


def seed_statements(force: bool = False) -> tuple[float, bool]:
    """The statements the page shows and those it must leave out; (seconds, seeded)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.approvals import _content, _text
    from bench.seed import bench_users, insert, spread
    from comms.models import (
        ApprovalDecision,
        Publication,
        ReviewStage,
        Statement,
        StatementComment,
        StatementVersion,
        content_hash,
    )
    from crisis.models import Incident

    started = time.perf_counter()
    if not force and _counts() == (PUBLIC, MEMOS, UNPUBLISHED):
        return time.perf_counter() - started, False
    _reader, actors = bench_users()
    models = [Publication, ApprovalDecision, StatementComment, ReviewStage, StatementVersion,
              Statement]
    rng = random.Random(SEED)
    now = timezone.now()
    incidents = list(Incident.objects.order_by("pk"))
    with transaction.atomic():
        connection.ops.execute_sql_flush(connection.ops.sql_flush(
            no_style(), [m._meta.db_table for m in models], reset_sequences=True,
            allow_cascade=True))
        counts = spread(rng, PUBLIC, len(incidents), [1] * len(incidents))
        owners = [i for i, count in zip(incidents, counts, strict=True) for _ in range(count)]
        rng.shuffle(owners)
        specs = [(incident, _pick(rng, PUBLIC_KINDS), "published") for incident in owners]
        specs += [(rng.choice(incidents), "internal_memo", "published") for _ in range(MEMOS)]
        specs += [(rng.choice(incidents), _pick(rng, PUBLIC_KINDS),
                   rng.choice(["draft", "in_review", "approved"])) for _ in range(UNPUBLISHED)]
        statements, texts = [], []
        for n, (incident, kind, status) in enumerate(specs):
            language = _pick(rng, LANGUAGES)
            versions = rng.randint(1, 3)
            # Published over the last two weeks, the newest a few minutes ago.
            published_at = now - timedelta(minutes=5 + (len(specs) - n) * rng.uniform(30, 80))
            content = None
            contents = []
            for _ in range(versions):
                content = _content(rng, language, incident, content)
                contents.append(content)
            texts.append(contents)
            author = actors[n % len(actors)]
            statements.append(Statement(
                incident_id=incident.pk, kind=kind, language=language,
                title=_text(rng, language, incident, 1)[0][:200],
                audience=(incident.stakeholder_kinds or [])[:1], status=status,
                current_version=versions, created_by_id=author.pk,
                created_at=published_at - timedelta(hours=1), updated_at=published_at,
                published_version=versions if status == "published" else None,
                published_by_id=author.pk if status == "published" else None,
                published_at=published_at if status == "published" else None))
        insert(Statement, statements)
        for statement, pk in zip(statements, Statement.objects.order_by("pk")
                                 .values_list("pk", flat=True), strict=True):
            statement.pk = statement.id = pk
        insert(StatementVersion, (
            StatementVersion(statement_id=statement.pk, number=number, author_id=statement
                             .created_by_id, created_at=statement.created_at
                             + timedelta(minutes=number), content_hash=content_hash(content),
                             **content)
            for statement, contents in zip(statements, texts, strict=True)
            for number, content in enumerate(contents, start=1)))
        version_ids = {(s, n): (pk, h) for s, n, pk, h in StatementVersion.objects.values_list(
            "statement_id", "number", "pk", "content_hash")}
        published = [s for s in statements if s.status == "published"]
        insert(Publication, (
            Publication(statement_id=s.pk, version_id=version_ids[s.pk, s.current_version][0],
                        version_hash=version_ids[s.pk, s.current_version][1],
                        published_by_id=s.published_by_id, published_at=s.published_at)
            for s in published))
        # One public statement in ten is corrected (or retracted) by a later one of its
        # incident: the later one says so, the earlier is superseded.
        public = [s for s in published if s.kind != "internal_memo"]
        for earlier in rng.sample(public, len(public) // 10):
            later = next((s for s in public if s.incident_id == earlier.incident_id
                          and s.published_at > earlier.published_at and not s.corrects_id
                          and s.pk != earlier.pk), None)
            if later is None:
                continue
            later.corrects_id = earlier.pk
            later.corrects_as = "retraction" if rng.random() < 0.3 else "correction"
            Statement.objects.filter(pk=later.pk).update(corrects_id=earlier.pk,
                                                         corrects_as=later.corrects_as)
            Statement.objects.filter(pk=earlier.pk).update(status="superseded")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(
                connection.ops.quote_name(m._meta.db_table) for m in models))
    return time.perf_counter() - started, True


# --- the server ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with (contextlib.suppress(OSError),
              urllib.request.urlopen(f"http://127.0.0.1:{port}/status/", timeout=30) as response):
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not answer within {timeout:.0f} s")


def stop_process(process: subprocess.Popen, timeout: float = 5.0) -> None:
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
            return


def server_env() -> dict[str, str]:
    """The app as scripts/run serves it (DEBUG off), on the bench database."""
    from django.conf import settings

    env = {**os.environ, "DEBUG": "0", "CRISISDESK_PLAIN_HTTP": "1", "CRISISDESK_CLOCK": "0",
           "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "LOG_LEVEL": "WARNING",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
           "CRISISDESK_VAR_DIR": str(settings.VAR_DIR)}
    if not os.environ.get("REDIS_URL"):
        env["CRISISDESK_EMBEDDED"] = "1"
    return env


def collect_static(env: dict[str, str]) -> None:
    """DEBUG off serves hashed static files (whitenoise's manifest): collect them once."""
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                       cwd=BASE_DIR, env=env, check=True)


@contextlib.contextmanager
def serving(env: dict[str, str], logs: Path):
    port = _free_port()
    with open(logs / "server.log", "w") as log:
        process = subprocess.Popen(
            server_command("uvicorn", port),
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            _wait_ready(port, process)
            yield port
        finally:
            stop_process(process)


# --- the load (its own process: python -m bench.status_page --load '<json>') ---------------------

def _load_main(raw: str) -> None:
    """``readers`` readers GET their path (each with its own Accept-Language) back to back
    over a persistent connection; the answers that complete in the measured window count.
    Prints the figures as one JSON line when the reactor has stopped."""
    import atexit

    config = json.loads(raw)
    results = {"timings": [], "errors": {}, "sizes": []}

    def report() -> None:
        print(json.dumps(results), flush=True)

    atexit.register(report)
    # ``task.react`` ends the process with sys.exit: the figures are printed on the way out.
    from twisted.internet import defer, reactor, task
    from twisted.web.client import Agent, HTTPConnectionPool, readBody
    from twisted.web.http_headers import Headers

    readers, paths = config["readers"], config["paths"]
    marker = config["marker"].encode()
    pool = HTTPConnectionPool(reactor, persistent=True)
    pool.maxPersistentPerHost = readers
    pool.retryAutomatically = False
    agent = Agent(reactor, pool=pool, connectTimeout=30)
    started = time.monotonic()
    measure_from = started + config["warmup"]
    stop_at = measure_from + config["seconds"]

    async def reader(index: int) -> None:
        path, language = paths[index % len(paths)]
        url = f"http://127.0.0.1:{config['port']}{path}".encode()
        headers = Headers({b"Accept-Language": [ACCEPT[language].encode()],
                           b"User-Agent": [b"bench-status-page"]})
        while (now := time.monotonic()) < stop_at:
            error, body = None, b""
            try:
                response = await agent.request(b"GET", url, headers).addTimeout(30, reactor)
                body = await readBody(response).addTimeout(30, reactor)
                if response.code != 200:
                    error = f"HTTP {response.code}"
                elif marker not in body:
                    error = "unexpected body"
            except Exception as exc:  # every failure is counted, by its kind
                error = type(exc).__name__
            done = time.monotonic()
            if now >= measure_from and done <= stop_at:
                if error:
                    results["errors"][error] = results["errors"].get(error, 0) + 1
                else:
                    results["timings"].append((done - now) * 1000)
                    results["sizes"].append(len(body))

    async def run(_reactor) -> None:
        await defer.gatherResults([defer.ensureDeferred(reader(i)) for i in range(readers)],
                                  consumeErrors=True)
        await pool.closeCachedConnections()

    task.react(lambda r: defer.ensureDeferred(run(r)))


@dataclass
class Run:
    name: str
    timings: list[float]
    errors: dict[str, int]
    seconds: float
    size: int

    def percentile(self, p: float) -> float:
        if not self.timings:
            return float("nan")
        ordered = sorted(self.timings)
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]

    def row(self) -> str:
        errors = sum(self.errors.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.errors.items()))
        return (f"{self.name:<40} {len(self.timings) / self.seconds:8.0f} "
                f"{self.percentile(50):8.1f} {self.percentile(95):8.1f} "
                f"{self.percentile(99):8.1f} {errors:>6} {self.size / 1024:8.1f}"
                + (f"  ({kinds})" if kinds else ""))


RUN_HEADER = (f"{'run':<40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'errors':>6} {'KiB':>8}")


def drive(name: str, *, port: int, paths: list[tuple[str, str]], marker: str, readers: int,
          seconds: float, warmup: float, logs: Path, during=None) -> Run:
    config = {"port": port, "paths": paths, "marker": marker, "readers": readers,
              "seconds": seconds, "warmup": warmup}
    with open(logs / "load.log", "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.status_page", "--load", json.dumps(config)],
            cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=log, text=True,
            start_new_session=True)
        try:
            if during is not None:
                during(warmup + seconds)
            out, _ = process.communicate(timeout=warmup + seconds + 120)
        finally:
            stop_process(process)
    results = json.loads(out.strip().splitlines()[-1])
    sizes = results["sizes"]
    return Run(name=name, timings=results["timings"], errors=results["errors"],
               seconds=seconds, size=round(sum(sizes) / len(sizes)) if sizes else 0)


# --- main ---------------------------------------------------------------------------------------

def main(argv: list[str]) -> None:
    if argv[:1] == ["--load"]:
        _load_main(argv[1])
        return
    parser = argparse.ArgumentParser(prog="python -m bench status_page")
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--invalidate", type=float, default=2.0,
                        help="seconds between new cache generations in the invalidation run")
    parser.add_argument("--repeat", type=int, default=50, help="in-process renders timed")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--drop", action="store_true",
                        help="drop the PostgreSQL benchmark database afterwards")
    args = parser.parse_args(argv)

    url = use_bench_database()
    ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.seed import Plan, seed
    from comms import status

    call_command("migrate", verbosity=0)
    desk_s, desk_fresh = seed(Plan(incidents=INCIDENTS, timeline=INCIDENTS * 10,
                                   tasks=INCIDENTS * 2, room_entries=20))
    seed_s, fresh = seed_statements(force=args.reseed or desk_fresh)
    redis = bool(os.environ.get("REDIS_URL"))
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; cache: "
          f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
          f"{INCIDENTS} incidents ({'seeded' if desk_fresh else 'reused'}, {desk_s:.1f} s), "
          f"{PUBLIC} public statements + {MEMOS} memos + {UNPUBLISHED} unpublished "
          f"({'seeded' if fresh else 'reused'}, {seed_s:.1f} s); load: {os.cpu_count()} cores, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    # In-process: what a miss costs, and a hit.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    print("\nin-process (test client, whole middleware stack)")
    print(TABLE_HEADER)

    def cold():
        status.forget()
        return client.get("/status/")

    for sample in (measure("/status/ cold (new generation each time)", cold,
                           repeat=args.repeat, warmup=2),
                   measure("/status/ cached", lambda: client.get("/status/"),
                           repeat=args.repeat * 10, warmup=2),
                   measure("/status/feed/ cold", lambda: (status.forget(),
                                                          client.get("/status/feed/"))[1],
                           repeat=args.repeat, warmup=2)):
        print(sample.row())

    env = server_env()
    collect_static(env)
    logs = Path(settings.VAR_DIR) / "bench-status-page"
    logs.mkdir(parents=True, exist_ok=True)
    connection.close()
    print(f"\nover HTTP: one Uvicorn process, {args.readers} readers, {args.warmup:.0f} s "
          f"warm-up then {args.seconds:.0f} s measured each (logs in {logs})")
    print(RUN_HEADER)
    with serving(env, logs) as port:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status/") as response:
            page = response.read().decode()
        favicon = re.search(r'href="(/static/[^"]*favicon[^"]*)"', page).group(1)
        common = {"port": port, "readers": args.readers, "seconds": args.seconds,
                  "warmup": args.warmup, "logs": logs}
        runs = [
            drive("floor: static file (whitenoise)", paths=[(favicon, "en")],
                  marker=MARKERS["static"], **common),
            drive("/status/ (en)", paths=[("/status/", "en")], marker=MARKERS["page"],
                  **common),
            drive("/status/ (en, zh-TW, zh-CN readers)",
                  paths=[("/status/", language) for language in ACCEPT],
                  marker="<main", **common),
            drive("/status/feed/ (en)", paths=[("/status/feed/", "en")],
                  marker=MARKERS["feed"], **common),
        ]
        if redis:  # the bench's forget() reaches the server's cache only through Redis
            def invalidate(total: float) -> None:
                deadline = time.monotonic() + total
                while time.monotonic() < deadline:
                    time.sleep(args.invalidate)
                    status.forget()

            runs.append(drive(f"/status/ (en), new generation every {args.invalidate:g} s",
                              paths=[("/status/", "en")], marker=MARKERS["page"],
                              during=invalidate, **common))
    for run in runs:
        print(run.row())
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.drop:
        drop_database(url)


if __name__ == "__main__":
    main(sys.argv[1:])
