"""PostgreSQL restarts while people work (issue 16, "nothing lost").

A server process runs on a PostgreSQL cluster of the test's own (a copy of the test
database), with a room socket open. Someone keeps writing notes through the API and
opening the room page while the cluster is stopped (``pg_ctl stop -m fast``, which ends
every session and aborts open transactions, as a restart does) and started again.
Asserted: every answer is the work done (201, 200) or a clean 503 with ``Retry-After``
(JSON for the API, CrisisDesk's page for the browser), never a 500 or a traceback; every
note answered 201 is stored once, and every stored note has its live event (nothing half
written: the event log counts 1, 2, 3... without a gap); the same server process answers
again once the database is back, and the socket ends with every event.
"""

import asyncio
import threading
import time

import pytest
import requests
from django.db import connection, connections
from rest_framework.authtoken.models import Token

from crisis import services
from crisis.models import IncidentType
from crisis.permissions import ADD_INCIDENT, CONTRIBUTE
from tests.conftest import grant
from tests.faults.clients import RoomClient, eventually
from tests.faults.conftest import Server, session_cookie
from tests.teams.factories import UserFactory

DOWN_FOR = 2.0  # seconds the database is stopped
NOTES_AFTER = 3  # notes answered 201 after the restart before the test stops writing


@pytest.fixture
def room(transactional_db):
    lead = grant(UserFactory(username="lead"), ADD_INCIDENT, CONTRIBUTE)
    incident = services.incident_create(actor=lead, title="Database maintenance",
                                        type=IncidentType.objects.order_by("pk").first())
    return {"incident": incident, "cookie": session_cookie(lead),
            "token": Token.objects.create(user=lead).key}


@pytest.fixture
def server_on_private_postgres(room, private_postgres, private_redis, django_db_blocker,
                               tmp_path):
    """A server process on a copy of the test database in the private cluster."""
    database = private_postgres.copy_of(connection.settings_dict, "faults_restart")
    server = Server("web-pg", databases={"default": database}, redis_url=private_redis.url,
                    log_dir=tmp_path, blocker=django_db_blocker).start().wait_ready()
    yield server
    server.stop()
    print(f"--- {server.name} log:\n{server.log()}")


class Worker:
    """Someone at work: a note through the API, then the room page, again and again;
    every answer kept."""

    def __init__(self, server: Server, room):
        self.server, self.room = server, room
        self.answers: list[tuple[str, str, requests.Response]] = []  # (what, body, answer)
        self.stop = threading.Event()

    def run(self):
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            body = f"Note {n}"
            n += 1
            note = session.post(
                f"{self.server.url}/api/incidents/{self.room['incident'].pk}/timeline/",
                json={"kind": "note", "body": body}, timeout=30,
                headers={"Authorization": f"Token {self.room['token']}"})
            self.answers.append(("api", body, note))
            page = session.get(f"{self.server.url}/incidents/{self.room['incident'].pk}/",
                               cookies={"sessionid": self.room["cookie"]}, timeout=30)
            self.answers.append(("page", body, page))
            time.sleep(0.05)

    def notes(self, status: int) -> list[str]:
        return [body for what, body, answer in self.answers
                if what == "api" and answer.status_code == status]


def stored(private_postgres, sql: str) -> list[str]:
    return private_postgres.psql(sql, database="faults_restart").split()


@pytest.mark.django_db(transaction=True)
async def test_a_postgres_restart_fails_requests_cleanly_and_the_app_recovers(
        private_postgres, server_on_private_postgres, room):
    server = server_on_private_postgres
    pid = server.process.pid
    incident_id = room["incident"].pk
    socket = RoomClient([server.ws_url], incident_id, room["cookie"]).start()
    worker = Worker(server, room)
    writer = threading.Thread(target=worker.run, daemon=True)
    try:
        await eventually(socket.synced.is_set, 30, "the room socket open")
        writer.start()
        await eventually(lambda: len(worker.notes(201)) >= 2, 30, "notes saved before")

        await asyncio.to_thread(private_postgres.stop, "fast")
        await eventually(lambda: worker.notes(503), 30, "a request during the outage")
        await asyncio.sleep(DOWN_FOR)
        await asyncio.to_thread(private_postgres.start)
        saved = len(worker.notes(201))
        await eventually(lambda: len(worker.notes(201)) >= saved + NOTES_AFTER, 60,
                         "notes saved again after the restart")
        worker.stop.set()
        await asyncio.to_thread(writer.join, 30)

        events = await asyncio.to_thread(stored, private_postgres, (
            f"SELECT seq FROM crisis_liveevent WHERE incident_id = {incident_id} "  # noqa: S608
            "ORDER BY seq"))
        last = int(events[-1])
        await eventually(lambda: socket.last_seq == last, 60, "the socket caught up")
    finally:
        worker.stop.set()
        await socket.stop()
        connections.close_all()

    assert server.process.pid == pid and server.alive()  # recovered without a restart
    for what, body, answer in worker.answers:
        assert answer.status_code in (200, 201, 503), (what, body, answer.status_code,
                                                       answer.text[:500])
        assert "Traceback" not in answer.text
        if answer.status_code == 503:
            assert answer.headers["Retry-After"] == "30"
            if what == "api":
                assert answer.headers["Content-Type"] == "application/json"
                assert "unreachable" in answer.json()["detail"]
            else:
                assert "cannot reach one of its services" in answer.text
    notes = await asyncio.to_thread(stored, private_postgres, (
        "SELECT body FROM crisis_timelineentry "  # noqa: S608 (an id the test made)
        f"WHERE incident_id = {incident_id} AND kind = 'note' ORDER BY id"))
    # Notes are one word pair ("Note n"); psql's output splits them: pair them again.
    notes = [" ".join(pair) for pair in zip(notes[::2], notes[1::2], strict=True)]
    saved = worker.notes(201)
    assert sorted(set(notes)) == sorted(notes), "a note stored twice"
    assert set(saved) <= set(notes), "a note answered 201 and lost"
    # Nothing half written: each stored note has its live event, numbered without a gap.
    appended = await asyncio.to_thread(stored, private_postgres, (
        f"SELECT count(*) FROM crisis_liveevent WHERE incident_id = {incident_id} "  # noqa: S608
        "AND type = 'timeline.appended' AND data->>'kind' = 'note'"))
    assert int(appended[0]) == len(notes)
    assert [int(seq) for seq in events] == list(range(1, last + 1))
    assert socket.applied == list(range(1, last + 1))
