import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from core import consumers, presence
from core.consumers import CLOSE_NOT_ALLOWED, MAX_FRAME_BYTES
from crisis import live, selectors
from crisis.models import Incident
from crisis.permissions import CONTRIBUTE, MANAGE_INCIDENT, VIEW
from crisis.services import incident_classify, incident_create, timeline_entry_add
from teams.choices import Capability
from teams.models import Role
from teams.services import role_assign, role_end, role_rights_resync
from tests.conftest import grant, join
from tests.crisis.factories import IncidentFactory, IncidentTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


class Socket(WebsocketCommunicator):
    """A room socket whose tests read events; presence frames are read only when asked."""

    def __init__(self, *args, presence: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.presence = presence

    # Waits, not timed assertions: generous bounds so a busy CI core cannot fail a
    # handshake or a frame that does arrive (channels' defaults are 1 s).
    async def connect(self, timeout=10):
        return await super().connect(timeout)

    async def receive_json_from(self, timeout=5):
        while True:
            frame = await super().receive_json_from(timeout)
            if self.presence or not frame["type"].startswith("presence."):
                return frame

    async def receive_nothing(self, timeout=0.1, interval=0.01):
        """Nothing but presence frames (unless presence is asked for) within ``timeout``."""
        while not await super().receive_nothing(timeout, interval):
            output = await self.receive_output()
            if output["type"] != "websocket.send":
                return False
            if self.presence or not json.loads(output["text"])["type"].startswith("presence."):
                return False
        return True


async def communicator(path: str, user=None, presence: bool = False) -> Socket:
    """A socket through the real ASGI stack: origin check, session auth, routing."""
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    return Socket(application, path, headers=headers, presence=presence)


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

    incident = await sync_to_async(incident_create)(actor=lead, title="Leaked memo",
                                                    type=await sync_to_async(IncidentTypeFactory)())

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

    await sync_to_async(incident_create)(actor=lead, title="Another incident",
                                         type=await sync_to_async(IncidentTypeFactory)())

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
        (json.dumps({"type": ["ping"]}), "type"),  # not a string: no crash, an error frame
        (json.dumps({"type": {"a": 1}}), "type"),
        ("[" * 1500 + "]" * 1500, "frame"),  # nested too deep for the parser, under 4 KB
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
    from crisis.services import task_set_status, timeline_entry_add
    from tests.conftest import grant

    manager = await sync_to_async(grant)(lead, "crisis.change_incident",
                                         "crisis.add_timelineentry")
    incident = await sync_to_async(incident_create)(actor=manager, title="Room stream",
                                                    type=await sync_to_async(IncidentTypeFactory)())
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]

    await sync_to_async(timeline_entry_add)(actor=manager, incident=incident, kind="decision",
                                            body="Hold all posts")
    task = await sync_to_async(lambda: incident.tasks.first())()
    await sync_to_async(task_set_status)(actor=manager, task=task, status="done")

    frames = [await socket.receive_json_from(timeout=3) for _ in range(3)]
    assert [f["type"] for f in frames] == ["timeline.appended", "timeline.appended", "task.changed"]
    assert frames[0]["data"]["kind"] == "decision"
    assert all(f["incident"] == incident.pk for f in frames)
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs)
    await socket.disconnect()


async def _receive_until_closed(socket, timeout=3) -> dict:
    """Frames until the server closes the socket; answers the close message. Access is
    checked before an event is sent: no event frame may come first."""
    while True:
        output = await socket.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output
        assert "seq" not in json.loads(output["text"]), output


async def test_raising_confidentiality_closes_open_sockets_of_those_who_lost_access(
        lead, outsider):
    runner = await sync_to_async(grant)(lead, MANAGE_INCIDENT, CONTRIBUTE)
    incident = await sync_to_async(incident_create)(actor=runner, title="Supplier audit",
                                                    type=await sync_to_async(IncidentTypeFactory)())
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
    await sync_to_async(timeline_entry_add)(actor=runner, incident=incident, kind="note",
                                            body="Privileged: counsel engaged")
    assert await outsiders.receive_nothing(timeout=0.3)
    await leads.disconnect()


async def test_ending_a_role_closes_that_persons_socket_on_a_confidential_incident(
        lead, outsider):
    runner = await sync_to_async(join)(lead, Capability.CRISIS_MANAGER)
    admin = await sync_to_async(lambda: type(lead).objects.create_superuser("root"))()
    incident = await sync_to_async(incident_create)(actor=runner, title="Board leak",
                                                    confidentiality="confidential",
                                                    type=await sync_to_async(IncidentTypeFactory)())
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


# --- seq, resync ---------------------------------------------------------------------------

async def _notes(actor, incident, count: int, prefix: str = "Note"):
    for n in range(count):
        await sync_to_async(timeline_entry_add)(actor=actor, incident=incident, kind="note",
                                                body=f"{prefix} {n}")


async def _room(lead, title="Room"):
    runner = await sync_to_async(grant)(lead, MANAGE_INCIDENT, CONTRIBUTE)
    incident = await sync_to_async(incident_create)(actor=runner, title=title,
                                                    type=await sync_to_async(IncidentTypeFactory)())
    return runner, incident


async def test_events_carry_a_per_incident_seq_without_gaps(lead, outsider):
    runner, incident = await _room(lead)
    other = await sync_to_async(incident_create)(actor=runner, title="Elsewhere",
                                                 type=await sync_to_async(IncidentTypeFactory)())
    before = await sync_to_async(live.last_seq)(incident.pk)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]

    await _notes(runner, incident, 2)
    await _notes(runner, other, 2)  # another incident counts on its own
    await _notes(runner, incident, 1)

    seqs = [(await socket.receive_json_from(timeout=3))["seq"] for _ in range(3)]
    assert seqs == [before + 1, before + 2, before + 3]
    assert await sync_to_async(live.last_seq)(other.pk) == before + 2
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_reconnecting_client_receives_exactly_what_it_missed(lead, outsider):
    runner, incident = await _room(lead)
    first = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await first.connect())[0]
    await _notes(runner, incident, 1, "Seen")
    seen = (await first.receive_json_from(timeout=3))["seq"]
    await first.disconnect()

    await _notes(runner, incident, 3, "Missed")  # while the client was away

    again = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await again.connect())[0]
    await again.send_json_to({"type": "resync", "after": seen})
    replayed = [await again.receive_json_from(timeout=3) for _ in range(4)]
    assert [f["seq"] for f in replayed[:3]] == [seen + 1, seen + 2, seen + 3]
    assert all(f["type"] == "timeline.appended" for f in replayed[:3])
    assert replayed[3] == {"type": "resync.done", "seq": seen + 3}

    await _notes(runner, incident, 1, "Live again")  # then the live stream goes on
    assert (await again.receive_json_from(timeout=3))["seq"] == seen + 4
    await again.disconnect()


async def test_resync_with_nothing_missed_says_done_at_once(lead, outsider):
    _, incident = await _room(lead)
    latest = await sync_to_async(live.last_seq)(incident.pk)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "resync", "after": latest})
    assert await socket.receive_json_from(timeout=3) == {"type": "resync.done", "seq": latest}
    await socket.disconnect()


async def test_a_client_that_missed_too_much_is_told_to_reload(lead, outsider, monkeypatch):
    monkeypatch.setattr(consumers, "RESYNC_LIMIT", 3)
    runner, incident = await _room(lead)
    await _notes(runner, incident, 4)
    latest = await sync_to_async(live.last_seq)(incident.pk)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]

    await socket.send_json_to({"type": "resync", "after": latest - 4})
    assert await socket.receive_json_from(timeout=3) == {"type": "resync.reload", "seq": latest}
    await socket.send_json_to({"type": "resync", "after": latest - 3})  # 3 is still fine
    frames = [await socket.receive_json_from(timeout=3) for _ in range(4)]
    assert frames[-1] == {"type": "resync.done", "seq": latest}
    await socket.disconnect()


@pytest.mark.parametrize("after", [-1, "3", None, 1.5, True, [1], 2**63, 10**40])
async def test_malformed_resync_names_the_field_and_keeps_the_socket(lead, outsider, after):
    _, incident = await _room(lead)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "resync", "after": after})
    error = await socket.receive_json_from(timeout=3)
    assert error["type"] == "error" and error["error"]["field"] == "after"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong"}
    await socket.disconnect()


async def test_a_frame_cannot_subscribe_a_socket_to_another_incident(lead, outsider):
    runner = await sync_to_async(join)(lead, Capability.CRISIS_MANAGER)
    watched = await sync_to_async(incident_create)(actor=runner, title="Open to all",
                                                   type=await sync_to_async(IncidentTypeFactory)())
    secret = await sync_to_async(incident_create)(actor=runner, title="Board matter",
                                                  confidentiality="confidential",
                                                  type=await sync_to_async(IncidentTypeFactory)())
    socket = await communicator(f"/ws/incidents/{watched.pk}/", outsider)
    assert (await socket.connect())[0]

    await socket.send_json_to({"type": "subscribe", "incident": secret.pk})
    assert (await socket.receive_json_from(timeout=3))["error"]["field"] == "type"
    await socket.send_json_to({"type": "resync", "after": 0, "incident": secret.pk})
    replay = []
    while (frame := await socket.receive_json_from(timeout=3))["type"] != "resync.done":
        replay.append(frame)
    assert replay and {f["incident"] for f in replay} == {watched.pk}
    await sync_to_async(timeline_entry_add)(actor=runner, incident=secret, kind="note",
                                            body="Secret")
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_unrelated_events_do_not_cost_an_access_query(lead, outsider):
    """Fan-out to hundreds of sockets: only events that can change access are re-checked."""
    runner, incident = await _room(lead)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]
    checks = []
    original = selectors.incident_visible

    def counting(**kwargs):
        checks.append(kwargs["incident_id"])
        return original(**kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "incident_visible", counting)
        await _notes(runner, incident, 3)
        for _ in range(3):
            await socket.receive_json_from(timeout=3)
        await sync_to_async(incident_classify)(actor=runner, incident=incident,
                                               title="Room, renamed")
        renamed = [await socket.receive_json_from(timeout=3) for _ in range(2)]
        assert [frame["type"] for frame in renamed] == ["incident.updated", "timeline.appended"]
        assert checks == []
        await sync_to_async(incident_classify)(actor=runner, incident=incident,
                                               confidentiality="restricted")
        assert (await _receive_until_closed(socket))["code"] == CLOSE_NOT_ALLOWED
    assert checks == [incident.pk]  # confidentiality changed: that one was re-checked
    await socket.disconnect()


async def test_a_frame_is_encoded_once_by_its_publisher_not_once_per_socket(
        lead, outsider, monkeypatch):
    """Fan-out: the frame's JSON text travels in the group message (core.live.group_message)
    and every socket sends it as it is; no consumer encodes it again."""
    runner, incident = await _room(lead)
    sockets = [await communicator(f"/ws/incidents/{incident.pk}/", user)
               for user in (outsider, runner)]
    for socket in sockets:
        assert (await socket.connect())[0]
    encoded = []
    encode = consumers.LiveConsumer.encode_json
    monkeypatch.setattr(consumers.LiveConsumer, "encode_json", classmethod(
        lambda cls, content: encoded.append(content["type"]) or encode(content)))
    await _notes(runner, incident, 1)
    texts = []
    for socket in sockets:
        while (output := await socket.receive_output(timeout=3))["text"].startswith(
                '{"type": "presence.'):
            pass
        texts.append(output["text"])
    frame = json.loads(texts[0])
    assert frame["type"] == "timeline.appended" and frame["incident"] == incident.pk
    assert texts == [json.dumps(frame)] * 2  # the same text, as send_json would write it
    assert "timeline.appended" not in encoded
    for socket in sockets:
        await socket.disconnect()


async def test_a_frame_for_a_client_that_has_gone_is_dropped():
    """An ASGI server may raise an OSError for a send after the client went (Uvicorn's
    ClientDisconnected): the consumer then ends through the disconnect that follows, not
    through an error (presence batches are sent by a task of their own, at any time)."""
    async def gone(message):
        raise OSError("the client has gone")

    await consumers.send_unless_gone(gone, {"type": "websocket.send", "text": "{}"})


# --- presence ------------------------------------------------------------------------------

async def _presence(socket, kind: str, timeout=4) -> dict:
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def test_presence_shows_who_is_here_and_who_left(lead, outsider):
    runner, incident = await _room(lead)
    path = f"/ws/incidents/{incident.pk}/"
    ana = await communicator(path, runner, presence=True)
    assert (await ana.connect())[0]
    state = await _presence(ana, "presence.state")
    me = state["you"]
    assert me["user"] == runner.pk and me["name"] == str(runner)
    assert state["viewers"] == [me] and state["more"] == 0

    ben = await communicator(path, outsider, presence=True)
    assert (await ben.connect())[0]
    ben_state = await _presence(ben, "presence.state")  # Ben is told who is already here
    ben_me = ben_state["you"]
    assert {v["key"] for v in ben_state["viewers"]} == {me["key"], ben_me["key"]}
    assert (await _presence(ana, "presence.changed")) == {  # Ana hears at once
        "type": "presence.changed", "here": [ben_me], "left": []}

    await ben.disconnect()
    assert (await _presence(ana, "presence.changed")) == {  # within the 1 s batch
        "type": "presence.changed", "here": [], "left": [ben_me]}
    await ana.disconnect()


async def test_arrivals_within_a_second_reach_a_socket_as_one_frame(lead, outsider):
    runner, incident = await _room(lead)
    path = f"/ws/incidents/{incident.pk}/"
    ana = await communicator(path, runner, presence=True)
    assert (await ana.connect())[0]
    await _presence(ana, "presence.state")
    others = [await communicator(path, outsider) for _ in range(4)]
    for socket in others:
        assert (await socket.connect())[0]

    arrived = []
    while len(arrived) < 4:
        arrived += (await _presence(ana, "presence.changed"))["here"]
    assert len({v["key"] for v in arrived}) == 4
    for socket in others:
        await socket.disconnect()
    left = []
    frames = 0
    while len(left) < 4:
        left += (await _presence(ana, "presence.changed"))["left"]
        frames += 1
    assert frames <= 2  # gathered: at most one frame a second
    await ana.disconnect()


async def test_a_heartbeat_answers_with_who_is_still_here(lead, outsider, monkeypatch):
    monkeypatch.setattr(consumers, "PRESENCE_BEAT_MIN_INTERVAL", 0)
    runner, incident = await _room(lead)
    path = f"/ws/incidents/{incident.pk}/"
    ana = await communicator(path, runner, presence=True)
    assert (await ana.connect())[0]
    me = (await _presence(ana, "presence.state"))["you"]
    ben = await communicator(path, outsider)
    assert (await ben.connect())[0]
    await _presence(ana, "presence.changed")

    await ana.send_json_to({"type": "presence.beat"})
    state = await _presence(ana, "presence.state")
    assert len(state["viewers"]) == 2 and me in state["viewers"]

    # A viewer whose server died never says goodbye: it expires without heartbeats.
    ben_viewer = next(v for v in state["viewers"] if v["key"] != me["key"])
    expires_after = presence.EXPIRES_AFTER
    monkeypatch.setattr(presence, "EXPIRES_AFTER", -1)
    await presence.registry().beat(incident.pk, ben_viewer)  # his last beat, long ago
    monkeypatch.setattr(presence, "EXPIRES_AFTER", expires_after)
    await ana.send_json_to({"type": "presence.beat"})
    state = await _presence(ana, "presence.state")
    assert state["viewers"] == [me]
    await ben.disconnect()
    await ana.disconnect()


async def test_presence_beats_are_answered_at_most_once_a_second(lead, outsider):
    _, incident = await _room(lead)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider, presence=True)
    assert (await socket.connect())[0]
    await _presence(socket, "presence.state")
    for _ in range(5):
        await socket.send_json_to({"type": "presence.beat"})
    assert await socket.receive_nothing(timeout=0.5)  # all within a second of connecting
    await socket.disconnect()


async def test_a_big_room_lists_a_bounded_number_of_viewers(lead, outsider, monkeypatch):
    monkeypatch.setattr(presence, "LIMIT", 2)
    _, incident = await _room(lead)
    for n in range(3):
        await presence.registry().join(incident.pk, {"key": f"k{n}", "user": 900 + n,
                                                     "name": f"Viewer {n}"})
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider, presence=True)
    assert (await socket.connect())[0]
    state = await _presence(socket, "presence.state")
    assert len(state["viewers"]) == 2 and state["more"] == 2
    await socket.disconnect()


async def test_presence_is_not_an_event_and_has_no_seq(lead, outsider):
    _, incident = await _room(lead)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider, presence=True)
    assert (await socket.connect())[0]
    frame = await socket.receive_json_from(timeout=3)
    assert frame["type"] == "presence.state" and "seq" not in frame
    await socket.disconnect()


# --- global rights ---------------------------------------------------------------------------

async def test_leaving_a_capability_group_closes_sockets_it_alone_opened(lead, outsider):
    runner = await sync_to_async(join)(lead, Capability.CRISIS_MANAGER)
    incident = await sync_to_async(incident_create)(actor=runner, title="Restricted recall",
                                                    confidentiality="restricted",
                                                    type=await sync_to_async(IncidentTypeFactory)())
    executive = await sync_to_async(join)(outsider, Capability.EXECUTIVE)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", executive)
    assert (await socket.connect())[0]
    keeps = await communicator(f"/ws/incidents/{incident.pk}/", runner)
    assert (await keeps.connect())[0]

    group = await sync_to_async(lambda: executive.groups.get())()
    await sync_to_async(executive.groups.remove)(group)

    assert (await _receive_until_closed(socket))["code"] == CLOSE_NOT_ALLOWED
    await sync_to_async(timeline_entry_add)(actor=runner, incident=incident, kind="note", body="On")
    assert (await keeps.receive_json_from(timeout=3))["type"] == "timeline.appended"
    await keeps.disconnect()


async def test_deactivating_a_person_closes_their_sockets(lead, outsider):
    _, incident = await _room(lead)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]

    outsider.is_active = False
    await sync_to_async(outsider.save)(update_fields=["is_active"])

    assert (await _receive_until_closed(socket))["code"] == CLOSE_NOT_ALLOWED


async def test_unticking_superuser_closes_sockets_before_the_next_frame(lead):
    runner, incident = await _room(lead)
    await sync_to_async(incident_classify)(actor=runner, incident=incident,
                                           confidentiality="confidential")
    admin = await sync_to_async(lambda: type(lead).objects.create_superuser("root"))()
    socket = await communicator(f"/ws/incidents/{incident.pk}/", admin)
    assert (await socket.connect())[0]

    admin.is_superuser = False
    await sync_to_async(admin.save)()  # as the admin's change form saves it
    await _notes(runner, incident, 1, "Counsel engaged")

    assert (await _receive_until_closed(socket))["code"] == CLOSE_NOT_ALLOWED


async def test_a_right_taken_from_a_role_closes_its_holders_sockets(lead, outsider):
    runner, incident = await _room(lead)
    await sync_to_async(incident_classify)(actor=runner, incident=incident,
                                           confidentiality="confidential")
    observer = await sync_to_async(Role.objects.get)(code="observer")
    await sync_to_async(role_assign)(actor=runner, incident=incident, user=outsider,
                                     role=observer)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]

    def take_view_right():
        observer.permissions.remove(observer.permissions.get(codename=VIEW.split(".")[1]))
        role_rights_resync(role=observer)  # what the role admin does after the change

    await sync_to_async(take_view_right)()
    await _notes(runner, incident, 1, "Counsel engaged")

    assert (await _receive_until_closed(socket))["code"] == CLOSE_NOT_ALLOWED


async def test_resync_replays_nothing_to_someone_who_lost_access(lead, outsider):
    runner, incident = await _room(lead)
    await _notes(runner, incident, 2)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]
    # Access goes without a word reaching the socket (as if that message were lost).
    await sync_to_async(Incident.objects.filter(pk=incident.pk).update)(
        confidentiality="confidential")

    await socket.send_json_to({"type": "resync", "after": 0})

    assert (await _receive_until_closed(socket))["code"] == CLOSE_NOT_ALLOWED


async def test_a_new_capability_does_not_disturb_open_sockets(lead, outsider):
    _, incident = await _room(lead)
    socket = await communicator(f"/ws/incidents/{incident.pk}/", outsider)
    assert (await socket.connect())[0]
    await sync_to_async(join)(outsider, Capability.AUDITOR)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong"}
    await socket.disconnect()
