"""/ws/monitoring/: who may listen, what they hear, and that a right taken away closes it."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from core import live
from core.consumers import CLOSE_NOT_ALLOWED
from monitoring.events import alert_changed
from monitoring.permissions import VIEW_ALERT
from tests.conftest import grant
from tests.crisis.test_consumers import communicator
from tests.monitoring.helpers import make_alert, make_watch
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _analyst():
    return grant(UserFactory(), VIEW_ALERT)


def _changed(alert):
    with transaction.atomic():
        alert_changed(alert)


async def test_anonymous_and_people_without_the_board_right_are_refused():
    anonymous = await communicator("/ws/monitoring/")
    assert await anonymous.connect() == (False, CLOSE_NOT_ALLOWED)
    someone = await communicator("/ws/monitoring/", await sync_to_async(UserFactory)())
    assert await someone.connect() == (False, CLOSE_NOT_ALLOWED)


async def test_an_analyst_hears_each_alert_change_after_commit():
    analyst = await sync_to_async(_analyst)()
    alert = await sync_to_async(lambda: make_alert(make_watch(), level="orange"))()
    socket = await communicator("/ws/monitoring/", analyst)
    assert (await socket.connect())[0]

    await sync_to_async(_changed)(alert)

    frame = await socket.receive_json_from(timeout=3)
    assert frame == {"type": "alert.changed",
                     "data": {"id": alert.pk, "watch": alert.watch_id, "level": "orange",
                              "peak_level": "orange", "status": "open", "incident": None}}
    await socket.disconnect()


async def test_a_right_taken_away_closes_the_socket_on_the_next_event_and_at_once():
    analyst = await sync_to_async(_analyst)()
    other = await sync_to_async(_analyst)()
    alert = await sync_to_async(lambda: make_alert(make_watch()))()
    socket = await communicator("/ws/monitoring/", analyst)
    others = await communicator("/ws/monitoring/", other)
    assert (await socket.connect())[0] and (await others.connect())[0]

    await sync_to_async(lambda: analyst.user_permissions.clear())()
    await sync_to_async(_changed)(alert)  # the next event: checked before it is sent

    closed = await socket.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_ALLOWED}
    assert (await others.receive_json_from(timeout=3))["data"]["id"] == alert.pk

    # Rights changed (core.live.access_changed): closed without waiting for an alert.
    await sync_to_async(lambda: other.user_permissions.clear())()
    await sync_to_async(lambda: transaction.atomic()(live.access_changed)(other.pk))()
    closed = await others.receive_output(timeout=3)
    assert closed["type"] == "websocket.close" and closed["code"] == CLOSE_NOT_ALLOWED
