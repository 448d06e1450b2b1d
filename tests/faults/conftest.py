"""Fault tests (issue 16, "nothing lost"): the production stack loses a part and comes back.

Each test breaks parts of its own, never the machine's shared services: a private
``redis-server`` on a free port (``private_redis``), a private PostgreSQL cluster
(``private_postgres``, one per session), server processes (``servers``: daphne serving
the project's ASGI app) and Celery workers, each a process of its own. Clients are what
a browser runs, written with the ``websockets`` library (``tests.faults.clients``).

They need the production stack (PostgreSQL, which several processes share; a Redis
broker for the worker test): on the embedded default (SQLite, one process, no Redis to
lose) they are skipped. CI's PostgreSQL + Redis lane runs them.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from daphne.testing import DaphneProcess
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import get_resolver

HERE = Path(__file__).resolve().parent
START_TIMEOUT = 30.0  # seconds for a server process to listen (busy CI cores)
PRODUCTION_STACK = (settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
                    and bool(settings.REDIS_URL))


def pytest_collection_modifyitems(items):
    """Every test under tests/faults is a ``faults`` test, skipped off the production stack."""
    skip = pytest.mark.skip(
        reason="fault tests break parts of the production stack (PostgreSQL + Redis): the "
               "embedded default is one process on SQLite with no Redis to lose")
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.faults)
            if not PRODUCTION_STACK:
                item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float, what: str, *, interval: float = 0.05):
    """Poll ``condition`` until it is true; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


# --- A Redis of the test's own ----------------------------------------------------------

class PrivateRedis:
    """``redis-server`` on a free loopback port, no persistence: stopping it loses what it
    held, as a restarted Redis without persistence does."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.ping, 10, f"redis-server listening on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            conn.recv(16)


@pytest.fixture(scope="session")
def private_redis_server(tmp_path_factory) -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def private_redis(private_redis_server) -> PrivateRedis:
    """The session's private Redis, running and empty."""
    if not private_redis_server.ping():
        private_redis_server.start()
    private_redis_server.flush()
    return private_redis_server


# --- Server processes ---------------------------------------------------------------------

def redis_settings(redis_url: str) -> dict:
    """The settings config/settings.py derives from ``REDIS_URL``, for ``redis_url``."""
    return {
        "REDIS_URL": redis_url,
        "CHANNEL_LAYERS": {"default": {
            "BACKEND": settings.CHANNEL_LAYER_BACKENDS[settings.CHANNEL_LAYER],
            "CONFIG": {"hosts": [redis_url], "prefix": "faults"}}},
        "CACHES": {"default": {**settings.CACHES["default"], "LOCATION": redis_url}},
    }


def serve(*, database_names: dict[str, str], redis_url: str, log_path: str, blocker):
    """Runs in the forked server process, before it serves: the app on the test database
    and on ``redis_url`` for its channel layer, cache, presence and broker, as a process
    started with that ``REDIS_URL`` would be; its output into ``log_path``.

    Forked from the test process (which has imported the app: a fresh process takes
    seconds of CPU), like the browser journeys' servers (tests/e2e/conftest.py), whose
    notes on what a fork must drop apply here too."""
    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers
    from channels.routing import get_default_application
    from django.test.utils import override_settings

    from config.celery import app as celery_app
    from core import presence

    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    blocker.unblock()  # pytest-django blocks the database outside tests; this process serves
    for alias, name in database_names.items():
        settings.DATABASES[alias]["NAME"] = name
    override_settings(**redis_settings(redis_url)).enable()  # caches reset by setting_changed
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
    presence._registry = None
    channel_layers.backends = {}
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return get_default_application()


class Server:
    """A daphne process serving the project's ASGI app (``serve``); SIGKILL to kill it."""

    def __init__(self, name: str, *, database_names: dict[str, str], redis_url: str,
                 log_dir: Path, blocker):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.application = partial(serve, database_names=database_names, redis_url=redis_url,
                                   log_path=str(self.log_path), blocker=blocker)
        self.process: DaphneProcess | None = None

    @property
    def port(self) -> int:
        return self.process.port.value

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        self.process = DaphneProcess("127.0.0.1", self.application)
        self.process.daemon = True  # never outlives the test run
        self.process.start()
        return self

    def wait_ready(self) -> "Server":
        def listening():
            if not self.process.is_alive():
                pytest.fail(f"server {self.name} exited:\n{self.log()}")
            return self.process.ready.is_set()

        wait_until(listening, START_TIMEOUT, f"server {self.name} listening")
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as when the OOM killer or a crash ends it."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            self.process.join(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:] if self.log_path.exists() else ""


@pytest.fixture(scope="session")
def database_names(django_db_setup) -> dict[str, str]:
    """The test databases' names, for forked servers. Imports the URLconf (views, DRF,
    WeasyPrint...) first, once: every fork inherits it instead of paying on its first
    request."""
    get_resolver().url_patterns  # noqa: B018
    return {alias: connections[alias].settings_dict["NAME"] for alias in connections}


@pytest.fixture(scope="session")
def web_servers(database_names, private_redis_server, django_db_blocker,
                tmp_path_factory) -> Iterator[list[Server]]:
    """Two server processes on the test database and the private Redis, kept for the
    session; a test that kills one gets a new one at the next test's start."""
    log_dir = tmp_path_factory.mktemp("servers")
    pair = [Server(name, database_names=database_names, redis_url=private_redis_server.url,
                   log_dir=log_dir, blocker=django_db_blocker).start()
            for name in ("web1", "web2")]
    for server in pair:
        server.wait_ready()
    yield pair
    for server in pair:
        server.stop()


@pytest.fixture
def servers(web_servers, private_redis, transactional_db, request) -> Iterator[list[Server]]:
    """The two servers, both running; their logs are printed when the test fails."""
    for server in web_servers:
        if not server.alive():
            server.start().wait_ready()
    offsets = {s.name: s.log_path.stat().st_size if s.log_path.exists() else 0
               for s in web_servers}
    yield web_servers
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        for server in web_servers:
            with open(server.log_path, errors="replace") as log:
                log.seek(offsets[server.name])
                print(f"--- {server.name} (port {server.port}) log:\n{log.read()[-6000:]}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def session_cookie(user) -> str:
    """A signed-in session of ``user`` (in the database every server shares)."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
