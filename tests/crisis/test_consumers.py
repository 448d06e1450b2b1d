import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from crisis.asgi import application
from crisis.consumers import CLOSE_NOT_ALLOWED, MAX_FRAME_BYTES
from crisis.permissions import CONTRIBUTE, MANAGE_INCIDENT
from crisis.services import incident_classify, incident_create, timeline_add
from teams.choices import Capability
from teams.models import Role
from teams.services import role_assign, role_end
from tests.conftest import grant, join
from tests.crisis.factories import IncidentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def communicator(path: str, user=None) -> WebsocketCommunicator:
    """A socket through the real ASGI stack: origin check, session auth, routing."""
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    return WebsocketCommunicator(application, path, headers=headers)


async def test_anonymous_socket_is_refused():
    socket = await communicator("/ws/incidents/")
    connected, code = await socket.connect()
    assert not connected
    assert code == CLOSE_NOT_ALLOWED


async def test_foreign_origin_is_refused(outsider):
    socket = WebsocketCommunicator(application, "/ws/incidents/",
                                   headers=[(b"origin", b"http://evil.example")])
    connected, _ = await socket.connect()
    assert not connected


async def test_signed_in_socket_receives_new_incidents(lead, outsider):
    socket = await communicator("/ws/incidents/", outsider)
    connected, _ = await socket.connect()
    assert connected

    incident = await sync_to_async(incident_create)(actor=lead, title="Leaked memo")

    frame = await socket.receive_json_from(timeout=3)
    assert frame["type"] == "incident.created"
    assert frame["incident"] == incident.pk
    assert frame["data"]["title"] == "Leaked memo"
    assert isinstance(frame["seq"], int)
    await socket.disconnect()


async def test_incident_socket_gets_that_incidents_events_only(lead, outsider):
    watched = await sync_to_async(IncidentFactory)()
    socket = await communicator(f"/ws/incidents/{watched.pk}/", outsider)
    connected, _ = await socket.connect()
    assert connected

    await sync_to_async(incident_create)(actor=lead, title="Another incident")

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_unknown_incident_socket_is_refused(outsider):
    socket = await communicator("/ws/incidents/987654/", outsider)
    connected, code = await socket.connect()
    assert not connected
    assert code == CLOSE_NOT_ALLOWED


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ("not json at all", "frame"),
        ("[1, 2, 3]", "frame"),
        (json.dumps({"type": "subscribe", "incident": 1}), "type"),
        (json.dumps({"no": "type"}), "type"),
        (json.dumps({"type": "ping", "pad": "x" * MAX_FRAME_BYTES}), "frame"),
    ],
)
async def test_malformed_frames_get_an_error_frame_and_the_socket_stays_up(outsider, frame, field):
    socket = await communicator("/ws/incidents/", outsider)
    assert (await socket.connect())[0]

    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from(timeout=3)
    assert error["type"] == "error"
    assert error["error"]["field"] == field

    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong"}
    await socket.disconnect()


async def test_binary_frames_are_refused_with_an_error_frame(outsider):
    socket = await communicator("/ws/incidents/", outsider)
    assert (await socket.connect())[0]
    await socket.send_to(bytes_data=b"\x00\x01")
    error = await socket.receive_json_from(timeout=3)
    assert error == {"type": "error", "error": {"field": "frame",
                     "message": "Binary frames are not accepted; send JSON text."}}
    await socket.disconnect()


async def test_incident_socket_streams_timeline_and_task_changes_in_order(lead, outsider):
    from crisis.services import task_set_status, timeline_add
    from tests.conftest import grant

    manager = await sync_to_async(grant)(lead, "crisis.change_incident",
                                         "crisis.add_timelineentry")
    incident = await sync_to_async(incident_create)(actor=manager, title="Room stream")
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]

    await sync_to_async(timeline_add)(actor=manager, incident=incident, kind="decision",
                                      body="Hold all posts")
    task = await sync_to_async(lambda: incident.tasks.first())()
    await sync_to_async(task_set_status)(actor=manager, task=task, status="done")

    frames = [await socket.receive_json_from(timeout=3) for _ in range(3)]
    assert [f["type"] for f in frames] == ["timeline.entry", "timeline.entry", "tasks.changed"]
    assert frames[0]["data"]["kind"] == "decision"
    assert all(f["incident"] == incident.pk for f in frames)
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs)
    await socket.disconnect()


async def _receive_until_closed(socket, timeout=3) -> dict:
    """Frames until the server closes the socket; answers the close message."""
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output


async def test_raising_confidentiality_closes_open_sockets_of_those_who_lost_access(
        lead, outsider):
    runner = await sync_to_async(grant)(lead, MANAGE_INCIDENT, CONTRIBUTE)
    incident = await sync_to_async(incident_create)(actor=runner, title="Supplier audit")
    outsiders = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    leads = await communicator(f"/ws/incidents/{incident.pk}/", runner)
    assert (await outsiders.connect())[0] and (await leads.connect())[0]

    await sync_to_async(incident_classify)(actor=runner, incident=incident,
                                           confidentiality="confidential")

    closed = await _receive_until_closed(outsiders)
    assert closed["code"] == CLOSE_NOT_ALLOWED
    frame = await leads.receive_json_from(timeout=3)  # the team keeps receiving
    assert frame["incident"] == incident.pk
    # Nothing more reaches the closed socket, whatever happens next.
    await sync_to_async(timeline_add)(actor=runner, incident=incident, kind="note",
                                      body="Privileged: counsel engaged")
    assert await outsiders.receive_nothing(timeout=0.3)
    await leads.disconnect()


async def test_ending_a_role_closes_that_persons_socket_on_a_confidential_incident(
        lead, outsider):
    runner = await sync_to_async(join)(lead, Capability.CRISIS_MANAGER)
    admin = await sync_to_async(lambda: type(lead).objects.create_superuser("root"))()
    incident = await sync_to_async(incident_create)(actor=runner, title="Board leak",
                                                    confidentiality="confidential")
    denied = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    connected, code = await denied.connect()
    assert not connected and code == CLOSE_NOT_ALLOWED

    observer = await sync_to_async(Role.objects.get)(code="observer")
    assignment = await sync_to_async(role_assign)(actor=admin, incident=incident,
                                                  user=outsider, role=observer)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]

    await sync_to_async(role_end)(actor=admin, assignment=assignment)
    closed = await _receive_until_closed(socket)
    assert closed["code"] == CLOSE_NOT_ALLOWED
