"""Declared events: builders produce the declared shapes; undeclared shapes are refused."""

import pytest

from core.frames import frame_names
from crisis import events
from crisis.choices import TimelineKind
from crisis.events import EventType, event_problems, timeline_problems
from crisis.timeline import timeline_record
from tests.crisis.factories import IncidentFactory


def test_every_event_type_has_a_shape_and_a_name_pages_receive():
    assert set(events.EVENT_SCHEMAS) == set(EventType)
    names = frame_names()
    assert all(names[member.name] == member.value for member in EventType)


def test_every_timeline_kind_has_a_shape():
    assert set(events.TIMELINE_SCHEMAS) == set(TimelineKind)


@pytest.mark.parametrize(("data", "problem"), [
    ({"id": 1, "kind": "note"}, "pinned: missing"),
    ({"id": 1, "kind": "note", "pinned": 1}, "pinned: int is not"),
    ({"id": True, "kind": "note", "pinned": False}, "id: bool is not"),
    ({"id": 1, "kind": "note", "pinned": False, "body": "x"}, "body: not declared"),
])
def test_a_frame_that_does_not_fit_its_shape_is_named(data, problem):
    problems = event_problems(EventType.TIMELINE_APPENDED, data)
    assert any(p.startswith(problem) for p in problems), problems


def test_optional_and_open_keys():
    assert event_problems(EventType.TASK_CHANGED, {"updated": [3]}) == []
    assert event_problems(EventType.TASK_CHANGED, {}) == []
    assert timeline_problems(TimelineKind.CLASSIFICATION, {"title": ["a", "b"]}) == []
    assert timeline_problems(TimelineKind.CLASSIFICATION, {"title": "b"}) != []
    assert event_problems("incident.deleted", {}) == ["'incident.deleted' is not a declared "
                                                      "event type"]


def test_recording_an_undeclared_entry_shape_is_refused_and_writes_nothing(db):
    incident = IncidentFactory()
    before = incident.timeline.count()
    with pytest.raises(ValueError, match="severity: missing"):
        timeline_record(incident=incident, kind=TimelineKind.CREATED, actor=None,
                        data={"type": "x"})
    assert incident.timeline.count() == before
