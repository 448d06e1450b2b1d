"""Every live event and timeline entry a test stores must fit its declared shape
(crisis.events), whichever service wrote it: checked after each database test, as Zulip
checks every event its tests send. Loaded for the whole suite (pyproject addopts)."""

import pytest


def _uses_database(request) -> str | None:
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        return "transactional_db"
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        return "transactional_db" if marker.kwargs.get("transaction") else "db"
    return "db" if "db" in names else None


@pytest.fixture(autouse=True)
def stored_events_fit_their_shapes(request):
    database = _uses_database(request)
    if database is None:
        yield
        return
    request.getfixturevalue(database)
    yield
    from crisis.events import event_problems, timeline_problems
    from crisis.models import LiveEvent, TimelineEntry

    problems = [
        f"live event {event.type} #{event.seq}: {problem}"
        for event in LiveEvent.objects.all()
        for problem in event_problems(event.type, event.data)
    ] + [
        f"timeline entry {entry.kind} {entry.pk}: {problem}"
        for entry in TimelineEntry.objects.all()
        for problem in timeline_problems(entry.kind, entry.data)
    ]
    assert not problems, "Stored data that does not fit its declared shape:\n" + "\n".join(
        problems)
