"""Fault tests (issue 16, "nothing lost"): the production stack loses a part and comes back.

Each test breaks parts of its own, never the machine's shared services: a private
``redis-server`` on a free port (``private_redis``), a private PostgreSQL cluster
(``private_postgres``, one per session), server processes (``servers``: Uvicorn serving
the project's ASGI app, as docs/deploy runs it) and Celery workers, each a process of its
own. Clients are what a browser runs, written with the ``websockets`` library
(``tests.faults.clients``).

They need the production stack (PostgreSQL, which several processes share; a Redis
broker for the worker test): on the embedded default (SQLite, one process, no Redis to
lose) they are skipped. CI's PostgreSQL + Redis lane runs them.
"""

import contextlib
import logging.config
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import get_resolver

from tests.asgi_server import UvicornProcess

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


# --- A PostgreSQL cluster of the test's own ----------------------------------------------

def postgres_bin(name: str) -> str | None:
    """A PostgreSQL server program (initdb, pg_ctl), from the newest version installed."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                   key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    return str(found[-1]) if found else shutil.which(name)


class PrivatePostgres:
    """A PostgreSQL cluster in a temporary directory on a free loopback port, run as the
    ``postgres`` OS user (the server refuses to run as root), trust authentication, no
    fsync (nothing here must survive a power cut): one ``initdb`` per session (about a
    second), restarted as a test likes."""

    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="crisisdesk-faults-pg-"))
        self.data = self.directory / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *command: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_postgres, *command], check=True, capture_output=True,
                              text=True, **kwargs)

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self.run(postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8", "--no-sync")

    def pg_ctl(self, action: str, *options: str) -> None:
        self.run(postgres_bin("pg_ctl"), action, "-D", str(self.data), "-w", "-t", "30",
                 "-l", str(self.directory / "server.log"), *options,
                 "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                       "-c fsync=off -c full_page_writes=off")

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """fast: what a restart does (sessions and open transactions ended at once);
        immediate: what a crash does (recovery from the log at the next start)."""
        self.pg_ctl("stop", "-m", mode)

    def url(self, database: str, user: str = "crisisdesk") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        return subprocess.run(["psql", self.url(database, "postgres"), "-qtAX",
                               "-v", "ON_ERROR_STOP=1", "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def copy_of(self, settings_dict: dict, name: str) -> dict:
        """A copy of the database ``settings_dict`` names (the test database, with what the
        test wrote) as database ``name`` here; the settings a server connects with."""
        self.psql(f"DROP DATABASE IF EXISTS {name}")
        self.psql(f"CREATE DATABASE {name} OWNER crisisdesk")
        source = database_url(settings_dict)
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", source],
                              check=True, capture_output=True)
        subprocess.run(["psql", self.url(name), "-qX", "-v", "ON_ERROR_STOP=1"],
                       input=dump.stdout, check=True, capture_output=True)
        return {"NAME": name, "HOST": "127.0.0.1", "PORT": str(self.port),
                "USER": "crisisdesk", "PASSWORD": ""}

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def database_url(settings_dict: dict) -> str:
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    return (f"postgres://{quote(settings_dict['USER'])}{password}@"
            f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
            f"{settings_dict['NAME']}")


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (postgres_bin("initdb") and postgres_bin("pg_ctl") and shutil.which("pg_dump")):
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        cluster.psql("CREATE ROLE crisisdesk LOGIN SUPERUSER")
        yield cluster
    finally:
        cluster.remove()


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


def serve(*, databases: dict[str, dict], redis_url: str, log_path: str, blocker):
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
    # The fork inherited pytest's capture of sys.stdout/stderr: log to the file instead.
    sys.stdout = sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    logging.config.dictConfig(settings.LOGGING)
    blocker.unblock()  # pytest-django blocks the database outside tests; this process serves
    for alias, database in databases.items():  # the test database, or another one
        settings.DATABASES[alias].update(database)
    override_settings(**redis_settings(redis_url)).enable()  # caches reset by setting_changed
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
    presence._registry = None
    channel_layers.backends = {}
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return get_default_application()


class Server:
    """A Uvicorn process serving the project's ASGI app (``serve``); SIGKILL to kill it."""

    def __init__(self, name: str, *, databases: dict[str, dict], redis_url: str,
                 log_dir: Path, blocker):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.application = partial(serve, databases=databases, redis_url=redis_url,
                                   log_path=str(self.log_path), blocker=blocker)
        self.process: UvicornProcess | None = None

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
        self.process = UvicornProcess("127.0.0.1", self.application)
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
def test_databases(django_db_setup) -> dict[str, dict]:
    """The test databases, for forked servers (their NAME, which the fork must be told).
    Imports the URLconf (views, DRF, WeasyPrint...) first, once: every fork inherits it
    instead of paying on its first request."""
    get_resolver().url_patterns  # noqa: B018
    return {alias: {"NAME": connections[alias].settings_dict["NAME"]} for alias in connections}


@pytest.fixture(scope="session")
def web_servers(test_databases, private_redis_server, django_db_blocker,
                tmp_path_factory) -> Iterator[list[Server]]:
    """Two server processes on the test database and the private Redis, kept for the
    session; a test that kills one gets a new one at the next test's start."""
    log_dir = tmp_path_factory.mktemp("servers")
    pair = [Server(name, databases=test_databases, redis_url=private_redis_server.url,
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
