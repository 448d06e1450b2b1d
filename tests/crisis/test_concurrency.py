"""Two people acting on the same incident at the same moment, in real threads.

Each thread has its own database connection (Django's are per thread) and closes it when
done. A barrier lines the threads up, and the services' row lock is widened with a short
pause after it is taken, so that without the lock both threads would read the same old row
and one update would be lost. Row locks only mean something on PostgreSQL: SQLite
serialises whole-database writes, so these tests skip there.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from core.errors import ConflictError
from crisis import services
from crisis.choices import IncidentStatus, TaskStatus, TimelineKind
from crisis.models import Incident, Task, TimelineEntry
from crisis.permissions import CONTRIBUTE, MANAGE_INCIDENT
from tests.conftest import grant
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks (select_for_update) need PostgreSQL; "
                              "set DATABASE_URL=postgres://... to run"),
    pytest.mark.django_db(transaction=True),
]

HOLD_LOCK_SECONDS = 0.05
TIMEOUT_SECONDS = 20


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None


def run_together(*actions: Callable[[], Any]) -> list[Outcome]:
    """Start each action in its own thread at the same instant; wait for all of them."""
    barrier = threading.Barrier(len(actions), timeout=TIMEOUT_SECONDS)
    outcomes = [Outcome() for _ in actions]

    def worker(action, outcome):
        try:
            barrier.wait()
            outcome.result = action()
        except BaseException as error:  # handed back to the test thread
            outcome.error = error
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=worker, args=pair, daemon=True)
               for pair in zip(actions, outcomes, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_SECONDS)
        assert not thread.is_alive(), "a thread hung: a lock was never released"
    return outcomes


@pytest.fixture
def slow_locks(monkeypatch):
    """Widen the window between reading a row and writing it back, so a missing row lock
    would show as a lost update or a doubled timeline entry instead of passing by luck."""
    lock_incident = services.incident_lock

    def held_incident_lock(incident):
        locked = lock_incident(incident)
        time.sleep(HOLD_LOCK_SECONDS)
        return locked

    monkeypatch.setattr(services, "incident_lock", held_incident_lock)
    save_task = Task.save

    def slow_task_save(self, *args, **kwargs):
        time.sleep(HOLD_LOCK_SECONDS)  # between reading the status and writing it
        return save_task(self, *args, **kwargs)

    monkeypatch.setattr(Task, "save", slow_task_save)


@pytest.fixture
def managers(db):
    return [grant(UserFactory(username=name), MANAGE_INCIDENT, CONTRIBUTE)
            for name in ("ana", "ben")]


def errors_of(outcomes: list[Outcome]) -> list[BaseException]:
    return [o.error for o in outcomes if o.error is not None]


def entries(incident: Incident, kind: str) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(incident=incident, kind=kind).order_by("pk"))


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ({"severity": "high"}, {"warning_level": "orange"},
         {"severity": "high", "warning_level": "orange"}),
        ({"severity": "critical"}, {"warning_level": "red"},
         {"severity": "critical", "warning_level": "red"}),
    ],
    ids=["high-and-orange", "critical-and-red"],
)
def test_simultaneous_escalations_of_different_fields_both_land(
    managers, slow_locks, first, second, expected
):
    incident = IncidentFactory(status=IncidentStatus.ACTIVE, severity="medium")
    ana, ben = managers

    outcomes = run_together(
        lambda: services.incident_escalate(actor=ana, incident=incident, reason="Press", **first),
        lambda: services.incident_escalate(actor=ben, incident=incident, reason="Trend",
                                           **second),
    )

    assert errors_of(outcomes) == []
    incident.refresh_from_db()
    assert {"severity": incident.severity, "warning_level": incident.warning_level} == expected
    escalations = entries(incident, TimelineKind.ESCALATION)
    assert len(escalations) == 2  # one per successful escalation, in commit order
    changed = sorted(sorted(set(e.data) - {"direction", "override"}) for e in escalations)
    assert changed == [["severity"], ["warning_level"]]
    assert all(e.data["direction"] == "up" for e in escalations)


def test_simultaneous_identical_escalations_land_once(managers, slow_locks):
    incident = IncidentFactory(status=IncidentStatus.ACTIVE, severity="medium")
    ana, ben = managers

    outcomes = run_together(*(
        lambda actor=actor: services.incident_escalate(actor=actor, incident=incident,
                                                       reason="Recall", severity="critical")
        for actor in (ana, ben)
    ))

    errors = errors_of(outcomes)
    assert len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert "already" in str(errors[0])
    incident.refresh_from_db()
    assert incident.severity == "critical"
    [escalation] = entries(incident, TimelineKind.ESCALATION)
    assert escalation.data["severity"] == ["medium", "critical"]
    # Playbook tasks for the new severity were added once, not once per person.
    templates = list(Task.objects.filter(incident=incident).values_list("template", flat=True))
    assert templates
    assert len(templates) == len(set(templates))


def test_simultaneous_transitions_to_active_only_one_wins(managers, slow_locks):
    incident = IncidentFactory(status=IncidentStatus.TRIAGE)
    ana, ben = managers

    outcomes = run_together(*(
        lambda actor=actor: services.incident_transition(actor=actor, incident=incident,
                                                         to_status="active")
        for actor in (ana, ben)
    ))

    errors = errors_of(outcomes)
    assert len(errors) == 1
    assert isinstance(errors[0], ConflictError)
    assert errors[0].detail["current"] == IncidentStatus.ACTIVE
    [winner] = [o.result for o in outcomes if o.error is None]
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACTIVE
    assert incident.acknowledged_at is not None
    assert incident.acknowledged_at == winner.acknowledged_at  # set once, by the winner
    [change] = entries(incident, TimelineKind.STATUS)
    assert change.data == {"from": "triage", "to": "active"}
    [winner_index] = [i for i, o in enumerate(outcomes) if o.error is None]
    assert change.actor == managers[winner_index]


def test_simultaneous_task_completion_records_one_change(managers, slow_locks):
    incident = IncidentFactory(status=IncidentStatus.ACTIVE)
    task = Task.objects.create(incident=incident, title="Brief the spokesperson")
    ana, ben = managers

    outcomes = run_together(*(
        lambda actor=actor: services.task_set_status(actor=actor, task=task, status="done")
        for actor in (ana, ben)
    ))

    assert errors_of(outcomes) == []
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None
    changes = [e for e in entries(incident, TimelineKind.TASK) if e.data.get("task") == task.pk]
    assert len(changes) == 1
    assert (changes[0].data["from"], changes[0].data["to"]) == ("open", "done")


def test_concurrent_events_get_gapless_seqs_in_commit_order(monkeypatch):
    """The live stream's seq: six writers at once still number 1..6, each once, and a
    later commit never carries a smaller seq (what reconnecting clients rely on)."""
    from django.db import transaction

    from crisis import live
    from crisis.events import Event, EventType
    from crisis.models import LiveEvent

    incident = IncidentFactory()
    save_event = LiveEvent.save

    def slow_event_save(self, *args, **kwargs):
        time.sleep(HOLD_LOCK_SECONDS)  # between reading the last seq and writing the next
        return save_event(self, *args, **kwargs)

    monkeypatch.setattr(LiveEvent, "save", slow_event_save)
    committed: list[int] = []

    def write(n):
        def action():
            with transaction.atomic():
                event = live.emit(incident=incident, event=Event(EventType.TASK_CHANGED,
                                                              {"updated": [n]}))
                transaction.on_commit(lambda: committed.append(event.seq))
            return event.seq
        return action

    outcomes = run_together(*(write(n) for n in range(6)))

    assert errors_of(outcomes) == []
    assert sorted(o.result for o in outcomes) == [1, 2, 3, 4, 5, 6]
    assert committed == [1, 2, 3, 4, 5, 6]
    assert list(LiveEvent.objects.filter(incident=incident).values_list("seq", flat=True)) == \
        [1, 2, 3, 4, 5, 6]
