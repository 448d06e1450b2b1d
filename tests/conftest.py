import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TransactionTestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config.celery import app as celery_app
from crisis.permissions import ADD_INCIDENT
from teams.models import Role
from tests.teams.factories import UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs ~0.25 s per user on these machines; tests need no key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def cheap_flush(django_db_setup, django_db_blocker):
    """Transactional tests empty every table afterwards (Django's flush). Two of its costs
    buy nothing here: it recreates every content type and permission (post_migrate, about
    0.3 s), which ``reference_data`` replaces anyway before the next transactional test;
    and on PostgreSQL it is one TRUNCATE of all ~70 tables, which swaps every table's files,
    where DELETE of the few rows a test leaves is quicker (foreign keys are checked at the
    flush's commit, so the order does not matter)."""
    def fixture_teardown(self):
        for db_name in self._databases_names(include_mirrors=False):
            call_command("flush", verbosity=0, interactive=False, database=db_name,
                         reset_sequences=False, inhibit_post_migrate=True)

    ops = connection.ops

    def sql_flush(style, tables, *, reset_sequences=False, allow_cascade=False):
        return [f"DELETE FROM {ops.quote_name(table)};" for table in tables]  # noqa: S608

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", fixture_teardown)
        if connection.vendor == "postgresql":
            patch.setattr(ops, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session")
def reference_rows(django_db_setup, django_db_blocker) -> dict[str, tuple[list[str], list]]:
    """Every row the migrations leave in the test database (content types, permissions,
    and the incident types, playbooks, capabilities and roles that data migrations ship),
    read once per session: {table: (columns, rows)}."""
    rows = {}
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table == "django_migrations":  # never emptied
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            found = cursor.fetchall()
            if found:
                rows[table] = ([column[0] for column in cursor.description], found)
    return rows


def put_back(reference_rows) -> None:
    """Write ``reference_rows`` back as they were, primary keys included. The flush after a
    transactional test empties every table, then recreates content types and permissions
    (under new keys on PostgreSQL, whose sequences it does not reset): those are replaced."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:  # foreign keys checked at the end
        for table, (columns, rows) in reference_rows.items():
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
                f"VALUES ({', '.join(['%s'] * len(columns))})", rows)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Transactional tests empty every table afterwards, including the incident types,
    playbooks, capabilities and roles that data migrations ship; put them back (from the
    copy read once per session) for the tests that need a live server or real threads."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        rows = request.getfixturevalue("reference_rows")  # read before any test empties them
        request.getfixturevalue("transactional_db")
        if not Role.objects.exists():
            put_back(rows)


@pytest.fixture(autouse=True)
def sockets_database_connection_closed(request):
    """Websocket consumers keep their thread's database connection between queries
    (core.consumers.database_sync_to_async); after a test that may have run them, close it,
    or it holds the test database open at the end of the run (DROP DATABASE refused)."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get(
            "transaction")):
        from asgiref.sync import SyncToAsync
        from django.db import connections

        SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def nobody_viewing(request, settings):
    """Room presence outlives a test (process memory or Redis) while incident ids are
    used again after transactional tests empty the tables: start with nobody viewing."""
    marker = request.node.get_closest_marker("django_db")
    if not ("transactional_db" in request.fixturenames or (marker and marker.kwargs.get(
            "transaction"))):
        return
    from core import presence

    presence._registry = None
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter("crisisdesk:presence:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process unless a test starts a real worker (see tests/teams)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def celery_not_eager(eager_celery):
    """Tasks go through the real broker; a test using this starts its own worker."""
    celery_app.conf.task_always_eager = False


def count_queries(action) -> int:
    """How many SQL queries ``action`` runs (a request through the test client, say)."""
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def grant(user, *codenames: str):
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    # Permission caches live on the instance; hand back a fresh one.
    return type(user).objects.get(pk=user.pk)


def join(user, *capabilities: str):
    """Put ``user`` in capability groups (teams.choices.Capability values)."""
    from django.contrib.auth.models import Group

    user.groups.add(*(Group.objects.get(name=name) for name in capabilities))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def lead(db):
    """A crisis lead: may open incidents."""
    return grant(UserFactory(username="lead"), ADD_INCIDENT)


@pytest.fixture
def outsider(db):
    """Signed in, on no incident, may not open incidents."""
    return UserFactory(username="outsider")


@pytest.fixture
def api_client():
    return APIClient()


def as_new_request(api_client, user):
    """``api_client`` signed in as ``user`` loaded afresh, as each real request loads it
    (no permission caches left on the instance), so query counts include the sign-in."""
    api_client.force_authenticate(type(user).objects.get(pk=user.pk))
    return api_client
