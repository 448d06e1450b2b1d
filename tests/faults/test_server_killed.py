"""A server process is killed (SIGKILL) with 200 room sockets on it (issue 16, "nothing
lost").

Two server processes share the test's Redis; 200 clients (what the room page runs,
tests.faults.clients) have their sockets on the first, and notes keep arriving through the
second. The first is killed without any chance to say goodbye; the clients reconnect to
the other (as a load balancer sends them to the process still up) and catch up from the
event log, so each ends with every event once and in order, including those written while
it was reconnecting.
"""

import asyncio
import time

import pytest
import requests
from django.db import connections
from rest_framework.authtoken.models import Token

from crisis import services
from crisis.models import IncidentType, LiveEvent
from crisis.permissions import ADD_INCIDENT, CONTRIBUTE
from tests.conftest import grant
from tests.faults.clients import RoomClient, eventually
from tests.faults.conftest import session_cookie
from tests.teams.factories import UserFactory

SOCKETS = 200
NOTES_BEFORE, NOTES_DURING = 3, 6


@pytest.fixture
def room(transactional_db):
    lead = grant(UserFactory(username="lead"), ADD_INCIDENT, CONTRIBUTE)
    incident = services.incident_create(actor=lead, title="Warehouse fire rumour",
                                        type=IncidentType.objects.order_by("pk").first())
    return {"incident": incident, "cookie": session_cookie(lead),
            "token": Token.objects.create(user=lead).key}


def last_seq(incident_id: int) -> int:
    try:
        return LiveEvent.objects.filter(incident_id=incident_id).order_by("-seq").values_list(
            "seq", flat=True).first()
    finally:
        connections.close_all()


def post_note(server, room, body: str) -> None:
    response = requests.post(f"{server.url}/api/incidents/{room['incident'].pk}/timeline/",
                             json={"kind": "note", "body": body},
                             headers={"Authorization": f"Token {room['token']}"}, timeout=30)
    assert response.status_code == 201, response.text


@pytest.mark.django_db(transaction=True)
async def test_sockets_of_a_killed_server_reconnect_to_the_other_and_miss_nothing(
        servers, room):
    web1, web2 = servers
    incident_id = room["incident"].pk
    clients = [RoomClient([web1.ws_url], incident_id, room["cookie"]).start()
               for _ in range(SOCKETS)]
    started = time.monotonic()
    try:
        await eventually(lambda: all(c.synced.is_set() for c in clients), 90,
                         f"{SOCKETS} sockets open on web1 and caught up")
        print(f"{SOCKETS} sockets open on web1 after {time.monotonic() - started:.1f} s")
        for n in range(NOTES_BEFORE):
            await asyncio.to_thread(post_note, web2, room, f"Before the kill {n}")
        seq = await asyncio.to_thread(last_seq, incident_id)
        await eventually(lambda: all(c.last_seq == seq for c in clients), 30,
                         "the notes through web2 reaching every socket on web1")
        assert all(c.connected_to == web1.ws_url for c in clients)
        for client in clients:  # the load balancer sends reconnections to either server
            client.servers.append(web2.ws_url)

        await asyncio.to_thread(web1.kill)
        killed = time.monotonic()
        for n in range(NOTES_DURING):  # while the clients find the other server
            await asyncio.to_thread(post_note, web2, room, f"After the kill {n}")

        seq = await asyncio.to_thread(last_seq, incident_id)
        await eventually(lambda: all(c.last_seq == seq and c.connected_to == web2.ws_url
                                     for c in clients), 90, "every client on web2, caught up")
        print(f"all on web2 and caught up {time.monotonic() - killed:.1f} s after the kill")
    finally:
        for client in clients:
            await client.stop()

    for client in clients:
        assert client.applied == list(range(1, seq + 1)), client.applied  # all, once, in order
        assert client.reloads == 0
