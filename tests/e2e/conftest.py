"""Browser journeys: real headless Chromium against a live Uvicorn serving the ASGI app.

``asgi_live_server`` does for flat pytest functions what channels'
``ChannelsLiveServerTestCase`` does for a TestCase: it forks a server process
(``tests.asgi_server.UvicornProcess``, as production runs Uvicorn) that serves
``get_default_application()`` (static files from the finders) against the test database.
Data a test writes must be committed to be seen by that process, hence
``transactional_db``. ``second_asgi_live_server`` is another such process on the same
database (events cross between them only on a shared channel layer: Redis).

Playwright's sync API keeps an event loop running in the test's thread; the tests make
their writes ``off_the_event_loop``, in a plain thread as a request would.
"""

import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.urls import get_resolver
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.asgi_server import UvicornProcess
from tests.conftest import grant
from tests.teams.factories import PASSWORD, UserFactory

HERE = Path(__file__).resolve().parent
LIVE_HOST = "localhost"
SERVER_START_TIMEOUT = 15  # seconds; the server is usually listening in well under one
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Several watchers' pages are open at once and only one can be in front: without these,
    # Chromium throttles the others' timers to once a second, as for a tab in the background.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
VIEWPORT = {"width": 1280, "height": 900}
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e is an ``e2e`` test (``-m "not e2e"`` skips them all)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


# --- The live ASGI server -----------------------------------------------------------------
# Everything handed to the server process is module level (picklable under any start method).


def make_application():
    """Runs in the server process: the project's ASGI application plus static files."""
    from channels.routing import get_default_application

    return ASGIStaticFilesHandler(get_default_application())


def prepare_server_process(database_names: dict[str, str]):
    """Runs in the forked server process before it serves.

    - Point at the parent's test databases. Channels' own ``set_database_connection``
      re-derives the name from NAME, which the parent's test setup has already rewritten
      in place (PostgreSQL would get ``test_test_crisisdesk``), so the parent passes the
      names it actually uses.
    - Drop state the fork copied from the parent that is tied to the parent's threads and
      loops: asgiref's thread-sensitive executor (its worker thread did not survive the fork,
      so after any async test in the run every ``database_sync_to_async`` call, and with it
      every websocket handshake, would hang) and the cached channel layers.
    - Switch Django's async-safety check back on: only the parent needs it off (Playwright's
      event loop), and the server must fail on ORM calls from async code as production does.
    """
    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers
    from django.conf import settings

    for alias, name in database_names.items():
        settings.DATABASES[alias]["NAME"] = name
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    channel_layers.backends = {}
    os.environ.pop(ASYNC_UNSAFE, None)


class LiveServer(str):
    """The base URL of a live server (``http://localhost:<port>``), which is what tests and
    Playwright need, plus the process behind it for tests about the servers themselves."""

    process: UvicornProcess

    def __new__(cls, url: str, process: UvicornProcess):
        server = super().__new__(cls, url)
        server.process = process
        return server

    @property
    def port(self) -> int:
        return self.process.port.value

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def serving(database_names: dict[str, str]) -> Iterator[LiveServer]:
    """Fork a server process serving the app on the given test databases; stop it on exit.

    The caller has already made the test databases reachable (committed data, a file or
    server database) and put ``LIVE_HOST`` in ALLOWED_HOSTS: the fork inherits both.
    Several can run at once (each on its own free port), e.g. two servers behind one
    Redis channel layer.
    """
    setup = partial(prepare_server_process, database_names)
    server = UvicornProcess(LIVE_HOST, make_application, setup=setup)
    server.daemon = True  # never outlive the test run, whatever happens
    server.start()
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not server.ready.wait(timeout=0.1):
            if not server.is_alive() or time.monotonic() > deadline:
                detail = server.errors.get(timeout=1)[1] if not server.errors.empty() else ""
                raise RuntimeError(f"the server did not start listening\n{detail}")
        yield LiveServer(f"http://{LIVE_HOST}:{server.port.value}", server)
    finally:
        server.terminate()
        server.join(timeout=10)


@pytest.fixture
def live_server_databases(transactional_db, settings) -> dict[str, str]:
    """Make the test databases servable by forked servers; the names they must use."""
    for connection in connections.all():
        if connection.vendor == "sqlite" and connection.is_in_memory_db():
            raise ImproperlyConfigured("The live server needs a file or server test database.")
    # Before the fork, so the server process inherits it (as modify_settings does in channels).
    if LIVE_HOST not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, LIVE_HOST]

    # Import the URLconf (views, DRF, WeasyPrint...) here, once per run: every forked server
    # inherits it instead of paying for it on its first request.
    get_resolver().url_patterns  # noqa: B018
    return {alias: connections[alias].settings_dict["NAME"] for alias in connections}


@pytest.fixture
def asgi_live_server(live_server_databases) -> Iterator[LiveServer]:
    """Base URL (``http://localhost:<port>``) of a server process serving the app on the
    test DB."""
    with serving(live_server_databases) as server:
        yield server


@pytest.fixture
def second_asgi_live_server(live_server_databases, asgi_live_server) -> Iterator[LiveServer]:
    """Another server process on the same test DB, next to ``asgi_live_server``.

    Events reach its sockets only through a channel layer both processes share (Redis);
    the in-memory layer lives inside one process.
    """
    with serving(live_server_databases) as server:
        yield server


# --- Playwright ---------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the e2e package.

    Package, not session, scope: Playwright's sync API keeps an asyncio loop marked as
    running in the main thread until it stops, which would break async tests collected
    after this package. While it runs, Django's async-safety check would refuse every ORM
    call the test makes, so DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that span.
    """
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def new_context(browser: Browser, asgi_live_server):
    """Factory of fresh browser contexts (own cookies) on the live server; closed after."""
    contexts: list[BrowserContext] = []

    def make(base_url: str | None = None) -> BrowserContext:
        """A context on ``asgi_live_server``, or on ``base_url`` (another live server)."""
        # Playwright's string predicates (wait_for_function) run through eval, which the
        # pages' Content-Security-Policy forbids; test_security_headers.py checks the pages
        # under the policy in a context of its own.
        context = browser.new_context(base_url=base_url or asgi_live_server,
                                      viewport=VIEWPORT, bypass_csp=True)
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context):
    """Factory of pages, each in its own context (so each is its own signed-in user)."""
    return lambda: new_context().new_page()


def at_path(path: str, query: str = "") -> re.Pattern[str]:
    """A URL pattern for ``expect(page).to_have_url``: exactly this path (and query).

    Anchored at the host, so the login page's ``?next=/incidents/`` does not pass for
    ``/incidents/``.
    """
    suffix = re.escape(path) + (re.escape("?" + query) if query else "")
    return re.compile(rf"^https?://[^/]+{suffix}$")


def sign_in(
    page: Page, username: str, password: str = PASSWORD, *, next_path: str = "/incidents/"
) -> None:
    """Sign in through the real login form and wait until ``next_path`` has loaded."""
    page.goto(f"/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(at_path(next_path))


# --- Data ---------------------------------------------------------------------------------


def off_the_event_loop(action):
    """Run ``action`` in a plain thread: services broadcast with async_to_sync, which
    refuses to run in this thread while Playwright's event loop is running."""

    def run():
        try:
            return action()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def person(username: str, *codenames: str, **names):
    """A user with these rights (``app.codename``), made off the event loop (granting
    rights tells that user's open sockets, teams/signals.py)."""
    return off_the_event_loop(
        lambda: grant(UserFactory(username=username, **names), *codenames))


@pytest.fixture
def crisis_lead(transactional_db):
    """May open incidents, run them (lifecycle, escalation) and write in them."""
    from crisis.permissions import ADD_INCIDENT, CONTRIBUTE, MANAGE_INCIDENT

    return person("lead", ADD_INCIDENT, MANAGE_INCIDENT, CONTRIBUTE)
