"""Staying usable while Redis, the broker or the database is down (core.outages)."""

import logging
from datetime import timedelta

import pytest
import redis.exceptions
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from config.asgi import application
from core import live
from core.consumers import CLOSE_TRY_AGAIN_LATER
from crisis import selectors, services
from crisis.choices import TimelineKind
from crisis.models import IncidentType
from teams import tasks
from teams.choices import EmailNotifications, NotificationKind
from teams.models import Notification
from tests.crisis.test_consumers import session_cookie
from tests.teams.factories import UserFactory


def redis_down(*args, **kwargs):
    raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")


@pytest.fixture
def incident(lead):
    return services.incident_create(actor=lead, title="Recall rumour",
                                    type=IncidentType.objects.order_by("pk").first())


@pytest.mark.django_db
def test_a_note_is_saved_once_and_answered_when_its_broadcast_fails_after_commit(
        client, lead, incident, monkeypatch, django_capture_on_commit_callbacks, caplog):
    monkeypatch.setattr(live, "group_send", redis_down)
    client.force_login(lead)
    url = reverse("crisis:timeline-add", args=[incident.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, {"kind": TimelineKind.NOTE, "body": "Supplier called back"})
    assert callbacks, "the broadcast ran (and failed) after commit"
    assert response.status_code == 302
    assert incident.timeline.filter(body="Supplier called back").count() == 1
    assert "Error 111" in caplog.text  # logged, not raised


@pytest.mark.django_db
def test_notifications_stored_while_the_broker_is_down_are_emailed_by_the_sweep(
        lead, incident, monkeypatch, django_capture_on_commit_callbacks):
    owner = UserFactory(email="owner@example.com",
                        email_notifications=EmailNotifications.ALL)
    task = incident.tasks.order_by("pk").first()
    monkeypatch.setattr(tasks.deliver_notification_emails, "delay", lambda ids: (_ for _ in ())
                        .throw(BrokerDown("broker unreachable")))
    with django_capture_on_commit_callbacks(execute=True):
        services.task_assign(actor=lead, task=task, owner=owner)
    notification = Notification.objects.get(recipient=owner, kind=NotificationKind.TASK_ASSIGNED)
    assert notification.emailed_at is None and not mail.outbox

    assert tasks.sweep_unsent_notification_emails() == 0  # too young: its own task may run
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=5))
    assert tasks.sweep_unsent_notification_emails() == 1
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert tasks.sweep_unsent_notification_emails() == 0  # once


@pytest.mark.django_db
def test_the_sweep_leaves_what_the_recipient_does_not_want_by_email(lead, incident):
    quiet = UserFactory(email="quiet@example.com", email_notifications=EmailNotifications.NONE)
    Notification.objects.create(recipient=quiet, kind=NotificationKind.MENTION, title="x",
                                dedupe_key="x", incident=incident,
                                created_at=timezone.now() - timedelta(minutes=5))
    assert tasks.sweep_unsent_notification_emails() == 0 and not mail.outbox


@pytest.mark.django_db
def test_the_api_answers_json_503_with_retry_after_when_the_database_is_down(
        lead, monkeypatch):
    def database_down(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1 port 5432 failed")

    monkeypatch.setattr(selectors, "incident_list", database_down)
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    response = client.get("/api/incidents/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert "unreachable" in response.json()["detail"]
    assert "5432" not in response.content.decode()  # no exception text

    page = client.get(reverse("crisis:incident-list"))
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "cannot reach one of its services" in page.content.decode()


@pytest.mark.django_db
def test_any_other_api_error_is_json_500_not_the_html_page(lead, monkeypatch):
    def bug(**kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(selectors, "incident_list", bug)
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    response = client.get("/api/incidents/")
    assert response.status_code == 500 and response.json() == {
        "detail": "Server error: it has been logged."}
    assert "Retry-After" not in response


@pytest.mark.django_db
def test_api_throttling_fails_open_with_a_warning_when_its_cache_is_down(
        api_client, lead, monkeypatch, caplog):
    from rest_framework.throttling import SimpleRateThrottle

    from core.outages import FailOpenMixin

    monkeypatch.setattr(SimpleRateThrottle.cache, "get", redis_down)
    monkeypatch.setattr(FailOpenMixin, "warned_at", 0.0)
    api_client.force_authenticate(lead)
    with caplog.at_level(logging.WARNING, logger="core.outages"):
        assert api_client.get("/api/incidents/").status_code == 200
        assert api_client.get("/api/incidents/").status_code == 200
    assert caplog.text.count("throttling is off") == 1


class LayerDown:
    """A channel layer whose Redis cannot be reached."""

    def __init__(self, layer):
        self.layer = layer

    def __getattr__(self, name):
        return getattr(self.layer, name)

    async def group_add(self, group, channel):
        redis_down()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_is_told_to_try_again_later_when_redis_is_down(lead, monkeypatch):
    from asgiref.sync import sync_to_async
    from channels.layers import channel_layers, get_channel_layer

    incident = await sync_to_async(services.incident_create)(
        actor=lead, title="Outage", type=await sync_to_async(
            IncidentType.objects.order_by("pk").first)())
    cookie = await sync_to_async(session_cookie)(lead)
    monkeypatch.setitem(channel_layers.backends, "default", LayerDown(get_channel_layer()))
    socket = WebsocketCommunicator(application, f"/ws/incidents/{incident.pk}/",
                                   headers=[(b"origin", b"http://localhost"),
                                            (b"host", b"localhost"), (b"cookie", cookie)])
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_output(timeout=3) == {"type": "websocket.close",
                                                      "code": CLOSE_TRY_AGAIN_LATER}
