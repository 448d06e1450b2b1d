"""Every live event and timeline entry a test stores must fit its declared shape
(crisis.events), whichever service wrote it: checked after each database test, as Zulip
checks every event its tests send. Loaded for the whole suite (pyproject addopts)."""

from contextlib import contextmanager

import pytest


def _uses_database(request) -> str | None:
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        return "transactional_db"
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        return "transactional_db" if marker.kwargs.get("transaction") else "db"
    return "db" if "db" in names else None


def last_stored() -> tuple[int, int]:
    """The keys of the last live event and the last timeline entry stored (0: none)."""
    from django.db.models import Max

    from crisis.models import LiveEvent, TimelineEntry

    return (LiveEvent.objects.aggregate(last=Max("pk"))["last"] or 0,
            TimelineEntry.objects.aggregate(last=Max("pk"))["last"] or 0)


@contextmanager
def stored_rows_fit_their_shapes(since: tuple[int, int] | None = None):
    """Fail if what the block stored (live events, timeline entries after ``since``, by
    default the last ones stored before it) does not fit its shape. For a test that runs
    several cases each in a savepoint rolled back at its end (the permission matrix): the
    check after the test would find nothing left; each case starts from the same rows, so
    it may pass ``since`` read once."""
    from crisis.events import event_problems, timeline_problems
    from crisis.models import LiveEvent, TimelineEntry

    last_event, last_entry = since or last_stored()
    yield
    problems = [
        f"live event {event.type} #{event.seq}: {problem}"
        for event in LiveEvent.objects.filter(pk__gt=last_event)
        for problem in event_problems(event.type, event.data)
    ] + [
        f"timeline entry {entry.kind} {entry.pk}: {problem}"
        for entry in TimelineEntry.objects.filter(pk__gt=last_entry)
        for problem in timeline_problems(entry.kind, entry.data)
    ]
    assert not problems, "Stored data that does not fit its declared shape:\n" + "\n".join(
        problems)


@pytest.fixture(autouse=True)
def stored_events_fit_their_shapes(request):
    database = _uses_database(request)
    if database is None:
        yield
        return
    request.getfixturevalue(database)
    # Only what this test stored: rows shared by a module's tests (the permission matrix's
    # world, built by the first test that asks for it) are checked once, by that test, not
    # again after each of the tests that follow (their rows are written once).
    with stored_rows_fit_their_shapes():
        yield
