"""The embedded default's stand-in for Celery beat: one daemon thread in the web process
that runs the periodic tasks of ``CELERY_BEAT_SCHEDULE`` (eagerly, as every task runs
there) at their intervals. Production runs ``celery beat`` instead and never starts it.

Started once per process by ``config.asgi`` when ``settings.EMBEDDED_CLOCK`` is on
(``scripts/run`` turns it on); never under tests or management commands.
"""

import logging
import threading
import time
from importlib import import_module

from celery import current_app
from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

TICK = 5.0  # seconds between looks at what is due

_started = threading.Lock()
_thread: threading.Thread | None = None


def periodic_jobs() -> list[tuple[str, float]]:
    """(task name, interval in seconds) of every beat entry with a plain interval."""
    jobs = []
    for entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values():
        schedule = entry.get("schedule")
        if isinstance(schedule, int | float) and schedule > 0:
            jobs.append((entry["task"], float(schedule)))
    return jobs


def run_job(name: str) -> None:
    """Run one task here and now; a failure is logged and the clock keeps going."""
    try:
        # Outside a worker nothing has imported the task modules yet: import its own.
        import_module(name.rpartition(".")[0])
        current_app.tasks[name].apply(throw=True)
    except Exception:
        logger.exception("Periodic task %s failed", name)


def _loop(jobs: list[tuple[str, float]], stop: threading.Event) -> None:
    due = {name: time.monotonic() + interval for name, interval in jobs}
    while not stop.wait(TICK):
        now = time.monotonic()
        for name, interval in jobs:
            if now >= due[name]:
                run_job(name)
                due[name] = time.monotonic() + interval
        close_old_connections()  # this thread's own connection, as a request's end would


def start(stop: threading.Event | None = None) -> threading.Thread | None:
    """Start the clock once per process (later calls answer the running thread)."""
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            jobs = periodic_jobs()
            if not jobs:
                return None
            _thread = threading.Thread(target=_loop, args=(jobs, stop or threading.Event()),
                                       name="crisisdesk-clock", daemon=True)
            _thread.start()
            logger.info("Periodic jobs in this process: %s", ", ".join(n for n, _ in jobs))
        return _thread
