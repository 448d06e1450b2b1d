"""Shared benchmark plumbing: a throwaway database, timing, percentiles, query counts."""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def use_bench_database() -> str:
    """Point Django at BENCH_DATABASE_URL (default: a SQLite file under var/), never at
    the database the app runs on. Must run before django.setup()."""
    url = os.environ.get("BENCH_DATABASE_URL", "sqlite:///var/bench.sqlite3")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The in-process test client calls itself "testserver".
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    return url


def _maintenance_connection(url: str):
    """A psycopg connection to the server's ``postgres`` database, and the benchmark
    database's name; (None, None) for anything but PostgreSQL."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return None, None
    params = {"host": config["HOST"] or None, "port": config["PORT"] or None,
              "user": config["USER"] or None, "password": config["PASSWORD"] or None}
    connection = psycopg.connect(dbname="postgres", autocommit=True,
                                 **{k: v for k, v in params.items() if v})
    return connection, config["NAME"]


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL benchmark database when it is missing; True when created."""
    connection, name = _maintenance_connection(url)
    if connection is None:
        return False
    from psycopg import sql

    with connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              [name]).fetchone():
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def drop_database(url: str) -> None:
    """Drop the PostgreSQL benchmark database (Django's connections are closed first)."""
    from django.db import connections

    connections.close_all()
    connection, name = _maintenance_connection(url)
    if connection is None:
        return
    from psycopg import sql

    with connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                           .format(sql.Identifier(name)))


def disable_api_throttling() -> None:
    """Thousands of requests a minute from one user would answer 429 (1,200/minute);
    the throttle's cache round trip is left out of the figures."""
    from rest_framework.views import APIView

    APIView.throttle_classes = ()


@dataclass
class Sample:
    name: str
    timings_ms: list[float]
    queries: int
    status: int | None = None
    sql: list[str] = field(default_factory=list, repr=False)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.timings_ms)
        index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.timings_ms)

    def row(self, target_ms: float | None = None) -> str:
        ratio = f"{self.percentile(95) / target_ms:6.2f}" if target_ms else f"{'':>6}"
        return (f"{self.name:<52} {self.status or '':>3} {len(self.timings_ms):>4} "
                f"{self.percentile(50):8.2f} {self.percentile(95):8.2f} {self.mean:8.2f} "
                f"{self.queries:>4} {ratio}")


TABLE_HEADER = (f"{'request':<52} {'st':>3} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} "
                f"{'mean ms':>8} {'sql':>4} {'p95/target':>6}")


def measure(name: str, action: Callable[[], object], *, repeat: int, warmup: int = 3,
            budget_s: float | None = None, min_repeat: int = 20) -> Sample:
    """Time ``action`` ``repeat`` times after a warm-up, and count its queries once.

    With ``budget_s``, stop early (after at least ``min_repeat`` runs) once the timed runs
    have taken that long, so one slow page does not hold the whole benchmark up.
    """
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        action()
    reset_queries()  # the log is a bounded deque: a full one would count nothing
    with CaptureQueriesContext(connection) as captured:
        response = action()
    # Read now: every request clears the log as it starts (request_started), and with
    # DEBUG off the timed requests below log nothing, so the slice would come back empty.
    sql = [q["sql"] for q in captured.captured_queries]
    timings = []
    spent = 0.0
    for i in range(repeat):
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started
        timings.append(elapsed * 1000)
        spent += elapsed
        if budget_s is not None and i + 1 >= min_repeat and spent > budget_s:
            break
    return Sample(name=name, timings_ms=timings, queries=len(sql),
                  status=getattr(response, "status_code", None), sql=sql)


def measure_ab(name: str, action: Callable[[], object], switch: Callable[[bool], None], *,
               repeat: int, warmup: int = 3, budget_s: float | None = None,
               min_repeat: int = 20) -> tuple[Sample, Sample]:
    """Like ``measure``, for A (``switch(False)``) and B (``switch(True)``) interleaved run
    by run (ABBA…), so a busy machine slows both alike. Ends with A switched on."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    sql, responses = {}, {}
    for state in (False, True):
        switch(state)
        for _ in range(warmup):
            action()
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            responses[state] = action()
        sql[state] = [q["sql"] for q in captured.captured_queries]  # before the log clears
    timings: dict[bool, list[float]] = {False: [], True: []}
    spent = 0.0
    for i in range(repeat):
        for state in (False, True) if i % 2 == 0 else (True, False):
            switch(state)
            started = time.perf_counter()
            action()
            elapsed = time.perf_counter() - started
            timings[state].append(elapsed * 1000)
            spent += elapsed
        if budget_s is not None and i + 1 >= min_repeat and spent > budget_s:
            break
    switch(False)
    return tuple(Sample(name=name, timings_ms=timings[state], queries=len(sql[state]),
                        status=getattr(responses[state], "status_code", None),
                        sql=sql[state])
                 for state in (False, True))


def explain(sample: Sample, *, min_ms: float = 1.0, max_lines: int = 8,
            match: str = "") -> list[str]:
    """EXPLAIN ANALYZE each of the sample's queries (PostgreSQL); lines for those slower
    than ``min_ms`` (and containing ``match``): execution time, then the plan's top
    ``max_lines`` nodes."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return ["(EXPLAIN ANALYZE needs PostgreSQL)"]
    lines = []
    with connection.cursor() as cursor:
        for sql in sample.sql:
            if not sql.lstrip().upper().startswith("SELECT") or match not in sql:
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
            total = next((float(p.split(":")[1].split()[0]) for p in plan
                          if p.startswith("Execution Time")), 0.0)
            if total >= min_ms:
                lines.append(f"  {total:7.2f} ms  {sql[:150]}")
                lines.extend(f"             {p}" for p in plan[:max_lines])
    return lines


def collect_static() -> None:
    """With DEBUG off pages name hashed static files (whitenoise's manifest): collect them
    into STATIC_ROOT, or every page raises "Missing staticfiles manifest entry"; once, and
    again when a source is newer than the manifest (as scripts/run does)."""
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    if settings.DEBUG:
        return
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        collected = manifest.stat().st_mtime
        sources = [*Path(settings.BASE_DIR, "static").rglob("*"),
                   Path(settings.NODE_MODULES, ".package-lock.json")]
        if not any(p.exists() and p.stat().st_mtime > collected for p in sources):
            return
    call_command("collectstatic", interactive=False, verbosity=0)


def cursor_page(client, path: str, params: dict, page: int) -> dict:
    """The query of page ``page`` (1 = the first) of a cursor-paged API list, reached by
    following its ``next`` links as a client does; its ``cursor`` says where it starts."""
    from urllib.parse import parse_qs, urlsplit

    query = dict(params)
    for _ in range(page - 1):
        following = client.get(path, query).json()["next"]
        if following is None:
            raise SystemExit(f"{path} {params} has fewer than {page} pages")
        query = {key: values[-1] for key, values in parse_qs(urlsplit(following).query).items()}
    return query
