"""Shared benchmark plumbing: a throwaway database, timing, percentiles, query counts."""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


def use_bench_database() -> str:
    """Point Django at BENCH_DATABASE_URL (default: a SQLite file under var/), never at
    the database the app runs on. Must run before django.setup()."""
    url = os.environ.get("BENCH_DATABASE_URL", "sqlite:///var/bench.sqlite3")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisis.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return url


@dataclass
class Sample:
    name: str
    timings_ms: list[float]
    queries: int

    def percentile(self, p: float) -> float:
        ordered = sorted(self.timings_ms)
        index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[index]

    def row(self) -> str:
        return (f"{self.name:<44} n={len(self.timings_ms):<5} "
                f"p50={self.percentile(50):7.2f} ms  p95={self.percentile(95):7.2f} ms  "
                f"mean={statistics.fmean(self.timings_ms):7.2f} ms  queries={self.queries}")


def measure(name: str, action: Callable[[], object], *, repeat: int, warmup: int = 3) -> Sample:
    """Time ``action`` ``repeat`` times after a warm-up, and count its queries once."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        action()
    reset_queries()  # the log is a bounded deque: a full one would count nothing
    with CaptureQueriesContext(connection) as captured:
        action()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return Sample(name=name, timings_ms=timings, queries=len(captured.captured_queries))
