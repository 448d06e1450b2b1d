"""Redis goes away and comes back (issue 16, "nothing lost").

Two server processes share a Redis of the test's own (channel layer, cache, presence,
broker), with room sockets open on both. Redis is stopped for a few seconds (``OUTAGE``)
and started again, empty, as a Redis without persistence restarts. The outage is shorter
than the issue's 30 s to keep the suite short: nothing in the app counts the time Redis is
away (the sockets' back-off is capped at 2 s here, 15 s in the browser), so a longer one
only waits longer.
"""

import asyncio
import time

import pytest
import redis
import requests
from django.conf import settings
from django.db import connections
from rest_framework.authtoken.models import Token

from core.consumers import CLOSE_TRY_AGAIN_LATER
from crisis import services
from crisis.models import IncidentType, LiveEvent, TimelineEntry
from crisis.permissions import ADD_INCIDENT, CONTRIBUTE
from teams.choices import EmailNotifications
from teams.models import Notification
from tests.conftest import grant
from tests.faults.clients import RoomClient, eventually
from tests.faults.conftest import session_cookie
from tests.teams.factories import UserFactory

OUTAGE = 3.0  # seconds Redis stays down
CLIENTS_PER_SERVER = 10
TIMEOUT = 15  # seconds a request may take: a browser (or proxy) gives up at some point


@pytest.fixture
def room(transactional_db):
    lead = grant(UserFactory(username="lead"), ADD_INCIDENT, CONTRIBUTE)
    UserFactory(username="ops", email_notifications=EmailNotifications.ALL)
    incident = services.incident_create(actor=lead, title="Outage drill",
                                        type=IncidentType.objects.order_by("pk").first())
    return {"incident": incident, "cookie": session_cookie(lead),
            "token": Token.objects.create(user=lead).key}


def stored(query):
    """Run a query from async code in a thread that closes its connection after."""
    def run():
        try:
            return query()
        finally:
            connections.close_all()

    return asyncio.to_thread(run)


def last_seq(incident_id: int) -> int:
    return LiveEvent.objects.filter(incident_id=incident_id).order_by("-seq").values_list(
        "seq", flat=True).first()


def post_note(server, room, body: str) -> requests.Response:
    return requests.post(f"{server.url}/api/incidents/{room['incident'].pk}/timeline/",
                         json={"kind": "note", "body": body},
                         headers={"Authorization": f"Token {room['token']}"}, timeout=TIMEOUT)


def get(server, path: str, room) -> requests.Response:
    return requests.get(f"{server.url}{path}", cookies={"sessionid": room["cookie"]},
                        timeout=TIMEOUT)


def queued_tasks(private_redis) -> int:
    client = redis.Redis.from_url(private_redis.url)
    try:
        return client.llen(settings.CELERY_TASK_DEFAULT_QUEUE)
    finally:
        client.close()


@pytest.mark.django_db(transaction=True)
async def test_a_redis_outage_loses_no_event_and_no_request(private_redis, servers, room):
    web1, web2 = servers
    incident_id = room["incident"].pk
    clients = [RoomClient([server.ws_url, other.ws_url], incident_id, room["cookie"]).start()
               for server, other in ((web1, web2), (web2, web1))
               for _ in range(CLIENTS_PER_SERVER)]
    try:
        await eventually(lambda: all(c.synced.is_set() for c in clients), 30,
                         "every socket open and caught up")
        before = await asyncio.to_thread(post_note, web1, room, "Before the outage")
        assert before.status_code == 201, before.text
        seq = await stored(lambda: last_seq(incident_id))
        await eventually(lambda: all(c.last_seq == seq for c in clients), 10,
                         "the note before the outage reaching every socket")

        await asyncio.to_thread(private_redis.stop)
        down_at = time.monotonic()
        # Writes are kept and answered: their broadcast, and the email task of the
        # mention, fail after commit, are logged, and fail nothing (the notification is
        # stored; the sweep emails it later).
        for n, server in enumerate((web1, web2, web1)):
            response = await asyncio.to_thread(post_note, server, room,
                                               f"During the outage {n}, @ops")
            assert response.status_code == 201, response.text
        # Pages and the API keep answering.
        page = await asyncio.to_thread(get, web2, f"/incidents/{incident_id}/", room)
        assert page.status_code == 200 and "During the outage 2" in page.text
        listing = await asyncio.to_thread(
            requests.get, f"{web1.url}/api/incidents/",
            headers={"Authorization": f"Token {room['token']}"}, timeout=TIMEOUT)
        assert listing.status_code == 200 and listing.json()["results"]
        assert (await asyncio.to_thread(get, web2, "/status/", room)).status_code == 200
        # /healthz says what is down.
        health = await asyncio.to_thread(requests.get, f"{web1.url}/healthz", timeout=TIMEOUT)
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        checks = health.json()["checks"]
        assert not checks["channel_layer"]["ok"] and not checks["broker"]["ok"]
        assert checks["database"]["ok"]
        # Sockets that cannot hear events while Redis is away are closed, so the page
        # says live updates are paused and the client knows it must catch up.
        await eventually(lambda: all(c.closes for c in clients), 10,
                         "every socket told that live updates stopped")
        assert {c.closes[0] for c in clients} == {CLOSE_TRY_AGAIN_LATER}
        await asyncio.sleep(max(0.0, down_at + OUTAGE - time.monotonic()))

        await asyncio.to_thread(private_redis.start)
        # Nothing is written after the outage: the events written during it reach every
        # client all the same, by resync from the stored log.
        seq = await stored(lambda: last_seq(incident_id))
        await eventually(lambda: all(c.last_seq == seq for c in clients), 20,
                         "every client caught up after Redis came back")
        health = await asyncio.to_thread(requests.get, f"{web2.url}/healthz", timeout=TIMEOUT)
        assert health.status_code == 200, health.json()

        # The servers recover without a restart: live events and background tasks flow.
        after = await asyncio.to_thread(post_note, web2, room, "After the outage, @ops")
        assert after.status_code == 201, after.text
        seq = await stored(lambda: last_seq(incident_id))
        await eventually(lambda: all(c.last_seq == seq for c in clients), 10,
                         "live events flowing again")
        assert await asyncio.to_thread(queued_tasks, private_redis) == 1  # the mention's email
    finally:
        for client in clients:
            await client.stop()

    for client in clients:
        assert client.applied == list(range(1, seq + 1)), client.applied  # all, once, in order
        assert client.reloads == 0
    notes = await stored(lambda: list(TimelineEntry.objects.filter(
        incident_id=incident_id, kind="note").values_list("body", flat=True)))
    assert sorted(notes) == sorted(["Before the outage", "After the outage, @ops",
                                    *(f"During the outage {n}, @ops" for n in range(3))])
    # The mentions while Redis was away are stored, still owed an email (the sweep's).
    owed = await stored(lambda: Notification.objects.filter(
        recipient__username="ops", emailed_at__isnull=True).count())
    assert owed == 4
