"""Notifications: the /ws/notifications/ stream, the services behind it (mentions, mark
read, email preferences and language), the pages and the API."""

import json
import re

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from core.consumers import CLOSE_NOT_ALLOWED, MAX_FRAME_BYTES
from crisis.permissions import CONTRIBUTE, MANAGE_INCIDENT
from crisis.services import (
    incident_create,
    incident_escalate,
    task_assign,
    task_create,
    timeline_entry_add,
)
from teams.choices import EmailNotifications, NotificationKind
from teams.models import Notification
from teams.services import (
    notification_create,
    notification_mark_read,
    notification_send,
    user_preferences_update,
)
from teams.tasks import deliver_notification_emails
from tests.conftest import grant
from tests.crisis.factories import IncidentTypeFactory
from tests.crisis.test_consumers import communicator
from tests.teams.factories import UserFactory


def _note(recipient, title="Something for you", kind=NotificationKind.TASK_ASSIGNED,
          read=False, incident=None, key=None):
    notification = notification_create(recipient=recipient, kind=kind, title=title,
                                       dedupe_key=key or f"test:{title}", incident=incident)
    if read:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    return notification


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Lam")


# --- the socket ------------------------------------------------------------------------------

socket_test = pytest.mark.django_db(transaction=True)


async def _connected(user):
    socket = await communicator("/ws/notifications/", user)
    connected, _ = await socket.connect()
    assert connected
    return socket


@socket_test
async def test_anonymous_notification_socket_is_refused():
    socket = await communicator("/ws/notifications/")
    connected, code = await socket.connect()
    assert not connected
    assert code == CLOSE_NOT_ALLOWED


@socket_test
async def test_socket_opens_with_the_unread_count_and_the_latest(bob, outsider):
    await sync_to_async(_note)(bob, "Old news", read=True)
    unread = await sync_to_async(_note)(bob, "Fresh news")
    await sync_to_async(_note)(outsider, "Not for Bob")

    socket = await _connected(bob)
    state = await socket.receive_json_from(timeout=3)

    assert state["type"] == "notifications.state"
    assert state["unread"] == 1
    assert [n["title"] for n in state["latest"]] == ["Fresh news", "Old news"]
    first = state["latest"][0]
    assert first["id"] == unread.pk
    assert first["read"] is False and state["latest"][1]["read"] is True
    assert first["kind"] == "task_assigned"
    assert first["url"] == f"/notifications/{unread.pk}/"
    assert first["incident"] is None
    assert "created_at" in first
    await socket.disconnect()


@socket_test
async def test_task_assignment_reaches_the_owners_socket_live(lead, bob, outsider):
    incident = await sync_to_async(incident_create)(actor=lead, title="Recall rumour",
                                                    type=await sync_to_async(IncidentTypeFactory)())
    task = await sync_to_async(task_create)(actor=lead, incident=incident,
                                            title="Call the regulator")
    socket = await _connected(bob)
    assert (await socket.receive_json_from(timeout=3))["unread"] == 0
    other = await _connected(outsider)
    await other.receive_json_from(timeout=3)

    await sync_to_async(task_assign)(actor=lead, task=task, owner=bob)

    frame = await socket.receive_json_from(timeout=3)
    assert frame["type"] == "notification.created"
    assert frame["unread"] == 1
    assert frame["notification"]["kind"] == "task_assigned"
    assert "Call the regulator" in frame["notification"]["title"]
    assert frame["notification"]["incident"] == {
        "id": incident.pk, "reference": incident.reference,
        "url": f"/incidents/{incident.pk}/"}
    # Nobody else hears of it.
    assert await other.receive_nothing(timeout=0.3)
    await socket.disconnect()
    await other.disconnect()


@socket_test
async def test_read_frame_marks_read_and_tells_the_other_tabs(bob):
    first = await sync_to_async(_note)(bob, "One")
    await sync_to_async(_note)(bob, "Two")
    tab, other_tab = await _connected(bob), await _connected(bob)
    assert (await tab.receive_json_from(timeout=3))["unread"] == 2
    await other_tab.receive_json_from(timeout=3)

    await tab.send_json_to({"type": "notifications.read", "ids": [first.pk]})

    frames = {f["type"]: f for f in [await tab.receive_json_from(timeout=3),
                                     await tab.receive_json_from(timeout=3)]}
    assert frames["notifications.marked"] == {"type": "notifications.marked", "marked": 1,
                                              "unread": 1}
    assert frames["notification.read"]["ids"] == [first.pk]
    told = await other_tab.receive_json_from(timeout=3)
    assert told == {"type": "notification.read", "ids": [first.pk], "all": False, "unread": 1}

    await tab.send_json_to({"type": "notifications.read", "all": True})
    answers = [await tab.receive_json_from(timeout=3), await tab.receive_json_from(timeout=3)]
    assert {f["type"] for f in answers} == {"notifications.marked", "notification.read"}
    assert all(f["unread"] == 0 for f in answers)
    assert await sync_to_async(Notification.objects.filter(read_at__isnull=True).count)() == 0
    await tab.disconnect()
    await other_tab.disconnect()


@socket_test
async def test_a_read_frame_cannot_touch_another_users_notifications(bob, outsider):
    theirs = await sync_to_async(_note)(outsider, "Theirs")
    socket = await _connected(bob)
    await socket.receive_json_from(timeout=3)

    await socket.send_json_to({"type": "notifications.read", "ids": [theirs.pk]})

    assert await socket.receive_json_from(timeout=3) == {
        "type": "notifications.marked", "marked": 0, "unread": 0}
    assert await socket.receive_nothing(timeout=0.2)
    await sync_to_async(theirs.refresh_from_db)()
    assert theirs.read_at is None
    await socket.disconnect()


@socket_test
@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ("not json", "frame"),
        (json.dumps({"type": "subscribe", "user": 1}), "type"),
        (json.dumps({"type": "notifications.read"}), "ids"),
        (json.dumps({"type": "notifications.read", "ids": "1,2"}), "ids"),
        (json.dumps({"type": "notifications.read", "ids": []}), "ids"),
        (json.dumps({"type": "notifications.read", "ids": [1, "2"]}), "ids"),
        (json.dumps({"type": "notifications.read", "ids": [True]}), "ids"),
        (json.dumps({"type": "notifications.read", "ids": [-3]}), "ids"),
        (json.dumps({"type": "notifications.read", "ids": list(range(1, 202))}), "ids"),
        (json.dumps({"type": "notifications.read", "ids": [1], "all": True}), "ids"),
        (json.dumps({"type": "notifications.read", "all": False}), "all"),
        (json.dumps({"type": "notifications.read", "all": "yes"}), "all"),
        (json.dumps({"type": "notifications.read", "all": True, "user": 2}), "user"),
        (json.dumps({"type": "ping", "pad": "x" * MAX_FRAME_BYTES}), "frame"),
    ],
)
async def test_malformed_frames_get_an_error_naming_the_field_and_the_socket_stays_up(
        bob, frame, field):
    note = await sync_to_async(_note)(bob, "Still unread")
    socket = await _connected(bob)
    await socket.receive_json_from(timeout=3)

    await socket.send_to(text_data=frame)
    error = await socket.receive_json_from(timeout=3)
    assert error["type"] == "error"
    assert error["error"]["field"] == field
    assert error["error"]["message"]

    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=3) == {"type": "pong"}
    await sync_to_async(note.refresh_from_db)()
    assert note.read_at is None
    await socket.disconnect()


# --- services --------------------------------------------------------------------------------

@pytest.fixture
def room(lead):
    """An internal incident ``lead`` leads (and may write in)."""
    return incident_create(actor=lead, title="Factory fire rumour", type=IncidentTypeFactory())


def test_a_mention_notifies_that_person_once_and_never_the_author(
        room, lead, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = timeline_entry_add(actor=lead, incident=room, kind="note",
                                   body="@bob please call the plant manager; cc @lead and @bob.")

    mentions = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert [(n.recipient, n.incident, n.dedupe_key) for n in mentions] == [
        (bob, room, f"mention:{entry.pk}")]
    assert "please call the plant manager" in mentions[0].title
    assert room.reference in mentions[0].title
    assert [m.to for m in mail.outbox if "mentioned" in m.subject] == [[bob.email]]


def test_nobody_is_notified_of_their_own_action(room, lead, bob):
    """The lead who escalates (the incident's own lead, so a recipient) hears nothing of it;
    the same one rule holds for every notification (opening, mentions, tasks)."""
    lead = grant(lead, MANAGE_INCIDENT)
    incident_escalate(actor=lead, incident=room, severity="critical", reason="Injury reported")
    bob = grant(bob, CONTRIBUTE)
    task = task_create(actor=bob, incident=room, title="Call the plant", owner=bob)
    timeline_entry_add(actor=bob, incident=room, kind="note", body="I (@bob) am on it.")

    assert not Notification.objects.filter(recipient=lead).exists()
    assert not Notification.objects.filter(recipient=bob).exists()
    task_assign(actor=lead, task=task, owner=lead)
    assert not Notification.objects.filter(recipient=lead).exists()


def test_a_mention_of_someone_who_may_not_view_the_incident_tells_nobody(lead, bob):
    secret = incident_create(actor=lead, title="Board dispute", confidentiality="confidential",
                             type=IncidentTypeFactory())
    timeline_entry_add(actor=lead, incident=secret, kind="note", body="Ask @bob about it.")
    assert not Notification.objects.filter(recipient=bob).exists()


def test_mentions_ignore_email_addresses_unknown_names_and_inactive_people(room, lead, bob):
    UserFactory(username="gone", is_active=False)
    timeline_entry_add(actor=lead, incident=room, kind="note",
                       body="Mail press@bob.example, ask @nobody and @gone.")
    assert not Notification.objects.filter(kind=NotificationKind.MENTION).exists()


def test_a_correction_tells_only_people_newly_mentioned(room, lead, bob):
    carol = UserFactory(username="carol")
    entry = timeline_entry_add(actor=lead, incident=room, kind="note", body="@bob has the keys.")
    timeline_entry_add(actor=lead, incident=room, kind="note",
                       body="@bob and @carol have the keys.", corrects=entry)
    assert Notification.objects.filter(recipient=bob, kind="mention").count() == 1
    assert Notification.objects.filter(recipient=carol, kind="mention").count() == 1


def test_the_mention_title_is_written_in_the_recipients_language(room, lead, bob):
    user_preferences_update(user=bob, language="zh-hant")
    timeline_entry_add(actor=lead, incident=room, kind="note", body="@bob 請回電")
    title = Notification.objects.get(recipient=bob, kind="mention").title
    with translation.override("zh-hant"):
        expected_start = translation.gettext("%(author)s mentioned you on %(ref)s: %(text)s")
    assert title.startswith(expected_start.split("%(author)s")[0])
    assert "請回電" in title


@pytest.mark.parametrize(
    ("preference", "kind", "emailed"),
    [
        (EmailNotifications.IMPORTANT, NotificationKind.TASK_ASSIGNED, True),
        (EmailNotifications.IMPORTANT, NotificationKind.MENTION, True),
        (EmailNotifications.IMPORTANT, NotificationKind.TASK_OVERDUE, False),
        (EmailNotifications.ALL, NotificationKind.TASK_OVERDUE, True),
        (EmailNotifications.NONE, NotificationKind.TASK_ASSIGNED, False),
    ],
)
def test_email_follows_the_recipients_preference(
        bob, preference, kind, emailed, django_capture_on_commit_callbacks):
    user_preferences_update(user=bob, email_notifications=preference)
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notification_send(recipients=[bob], kind=kind, title="Look at this",
                                           dedupe_key="pref", actor=None)
    assert len(mail.outbox) == (1 if emailed else 0)
    notification.refresh_from_db()
    assert (notification.emailed_at is not None) is emailed
    assert notification.read_at is None  # kept in CrisisDesk either way


def test_the_email_task_reads_the_preference_again_when_it_runs(bob):
    notification = _note(bob, "Changed my mind")
    user_preferences_update(user=bob, email_notifications=EmailNotifications.NONE)
    assert deliver_notification_emails([notification.pk]) == 0
    assert mail.outbox == []


def test_each_email_is_in_its_recipients_language(room, lead, bob,
                                                  django_capture_on_commit_callbacks):
    alice = UserFactory(username="alice")  # no preference: the site's default
    user_preferences_update(user=bob, language="zh-hant")
    task = task_create(actor=lead, incident=room, title="Call the regulator")
    with django_capture_on_commit_callbacks(execute=True):
        task_assign(actor=lead, task=task, owner=bob)
        task_assign(actor=lead, task=task, owner=alice)

    by_recipient = {m.to[0]: m for m in mail.outbox}
    chinese, english = by_recipient[bob.email], by_recipient[alice.email]
    assert "在 CrisisDesk 中開啟" in chinese.body
    assert "有任務指派給您" in chinese.body
    assert "Open it in CrisisDesk" in english.body
    assert "Task assigned to you" in english.body
    assert translation.get_language() == settings.LANGUAGE_CODE  # nothing leaked


def test_mark_read_touches_only_ones_own_notifications(bob, outsider):
    mine, theirs = _note(bob, "Mine"), _note(outsider, "Theirs")
    _note(bob, "Mine too")

    assert notification_mark_read(user=bob, ids=[mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert notification_mark_read(user=bob) == 1
    assert notification_mark_read(user=bob) == 0
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=outsider, read_at__isnull=True).count() == 1


def test_notifications_about_an_incident_one_may_no_longer_view_are_left_out(lead, bob):
    incident = incident_create(actor=lead, title="Quiet matter", type=IncidentTypeFactory())
    note = _note(bob, "About the quiet matter", incident=incident)
    incident.confidentiality = "confidential"
    incident.save(update_fields=["confidentiality"])

    assert notification_mark_read(user=bob, ids=[note.pk]) == 0
    client_view = reverse("notification-open", args=[note.pk])
    from django.test import Client

    client = Client()
    client.force_login(bob)
    assert client.get(client_view).status_code == 404
    assert "Quiet matter" not in client.get(reverse("notifications")).content.decode()


def test_preferences_refuse_bad_values_naming_the_field(bob):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        user_preferences_update(user=bob, language="klingon")
    assert "language" in error.value.message_dict
    bob.refresh_from_db()
    assert bob.language == ""


# --- pages -----------------------------------------------------------------------------------

@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


def test_the_bell_shows_the_unread_count_and_the_latest(bob_client, bob):
    _note(bob, "Read already", read=True)
    for i in range(12):
        _note(bob, f"Task {i}")
    page = bob_client.get(reverse("roster")).content.decode()
    assert 'id="notification-bell"' in page
    assert 'data-unread-count aria-hidden="true">12<' in page
    assert "Notifications, 12 unread" in page
    assert page.count('class="list-group-item list-group-item-action cd-notification') == 11
    assert "Task 11" in page and "Task 1<" not in page
    assert "js/notifications.js" in page


def test_my_work_shows_the_five_latest_unread(bob_client, bob):
    _note(bob, "Read already", read=True)
    for i in range(7):
        _note(bob, f"Unread {i}")
    page = bob_client.get(reverse("home")).content.decode()
    section = page[page.index('id="my-unread"'):]
    section = section[:section.index("</section>")]
    assert "7 unread notifications" in page
    assert section.count("cd-notification-title") == 5
    assert "Unread 6" in section and "Unread 1<" not in section and "Read already" not in section


def test_my_work_has_no_unread_section_when_all_is_read(bob_client, bob):
    _note(bob, "Read already", read=True)
    assert 'id="my-unread"' not in bob_client.get(reverse("home")).content.decode()


def test_signed_out_pages_have_no_bell(client):
    page = client.get(reverse("login")).content.decode()
    assert "notification-bell" not in page
    assert "notifications.js" not in page


def test_notifications_page_lists_mine_and_filters_unread(bob_client, bob, outsider):
    seen = _note(bob, "Seen it", read=True)
    fresh = _note(bob, "Not yet seen")
    _note(outsider, "Someone else's")

    everything = bob_client.get(reverse("notifications")).content.decode()
    assert _rows(everything) == [fresh.pk, seen.pk]
    assert "Someone else" not in everything
    unread = bob_client.get(reverse("notifications") + "?show=unread").content.decode()
    assert _rows(unread) == [fresh.pk]
    assert 'class="cd-notification-row is-unread"' in unread


def _rows(page: str) -> list[int]:
    """The notifications listed in the page's table (not the bell's dropdown)."""
    return [int(pk) for pk in re.findall(r'<tr class="cd-notification-row[^"]*" '
                                         r'data-notification-id="(\d+)"', page)]


def test_notifications_page_is_paginated(bob_client, bob):
    for i in range(30):
        _note(bob, f"Item number {i:02d}")
    first = bob_client.get(reverse("notifications")).content.decode()
    second = bob_client.get(reverse("notifications") + "?page=2").content.decode()
    assert "Item number 29" in first and "Item number 00" not in first
    assert "Item number 00" in second


def test_opening_a_notification_marks_it_read_and_goes_to_its_incident(
        bob_client, bob, room):
    note = _note(bob, "Look", incident=room)
    response = bob_client.get(reverse("notification-open", args=[note.pk]))
    assert response.status_code == 302
    assert response["Location"] == room.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_someone_elses_notification_is_not_found(bob_client, outsider):
    theirs = _note(outsider, "Theirs")
    assert bob_client.get(reverse("notification-open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_from_the_page(bob_client, bob):
    one, two = _note(bob, "One"), _note(bob, "Two")
    response = bob_client.post(reverse("notifications-read"), {"ids": [one.pk], "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    one.refresh_from_db(), two.refresh_from_db()
    assert one.read_at is not None and two.read_at is None

    response = bob_client.post(reverse("notifications-read"),
                               {"all": "on", "next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications")
    two.refresh_from_db()
    assert two.read_at is not None


@pytest.mark.parametrize("body", [{}, {"ids": "seven"}, {"ids": ["-1"]}])
def test_mark_read_page_refuses_bad_input_naming_the_field(bob_client, bob, body):
    note = _note(bob, "Untouched")
    response = bob_client.post(reverse("notifications-read"), body)
    assert response.status_code == 400
    assert "ids:" in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read_from_the_bell_answers_204_to_scripts(bob_client, bob):
    _note(bob, "One")
    response = bob_client.post(reverse("notifications-read"), {"all": "on"},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_account_page_saves_the_settings(bob_client, bob):
    assert bob_client.get(reverse("account")).status_code == 200
    response = bob_client.post(reverse("account"), {
        "timezone": "Asia/Taipei", "language": "zh-hant", "email_notifications": "none"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.timezone, bob.language, bob.email_notifications) == (
        "Asia/Taipei", "zh-hant", "none")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"


def test_account_page_names_the_bad_fields(bob_client, bob):
    response = bob_client.post(reverse("account"), {
        "timezone": "Mars/Olympus", "language": "tlh", "email_notifications": "sometimes"})
    assert response.status_code == 400
    page = response.content.decode()
    for field in ("id_timezone", "id_language", "id_email_notifications"):
        assert f'href="#{field}"' in page
    bob.refresh_from_db()
    assert (bob.timezone, bob.language, bob.email_notifications) == ("UTC", "", "important")
    assert "Times shown in UTC" in page


def test_the_saved_language_is_used_when_the_browser_has_no_cookie(client, bob):
    user_preferences_update(user=bob, language="zh-hant")
    client.force_login(bob)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-hant">' in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("home"))
    assert '<html lang="zh-hans">' in page.content.decode()


def test_switching_language_while_signed_in_saves_it(bob_client, bob):
    response = bob_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.language == "zh-hans"
    bob_client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    bob.refresh_from_db()
    assert bob.language == "zh-hans"


# --- API -------------------------------------------------------------------------------------

@pytest.fixture
def bob_api(api_client, bob):
    api_client.force_authenticate(bob)
    return api_client


def test_api_lists_only_my_notifications_and_filters_unread(bob_api, bob, outsider, room):
    _note(bob, "Read one", read=True)
    fresh = _note(bob, "Fresh one", incident=room)
    _note(outsider, "Not mine")

    body = bob_api.get("/api/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["Fresh one", "Read one"]
    unread = bob_api.get("/api/notifications/?unread=true").json()["results"]
    assert [n["id"] for n in unread] == [fresh.pk]
    assert unread[0]["incident"] == {"id": room.pk, "reference": room.reference,
                                     "title": room.title}
    assert unread[0]["read"] is False and unread[0]["kind"] == "task_assigned"
    response = bob_api.get("/api/notifications/?unread=perhaps")
    assert response.status_code == 400 and "unread" in response.json()


def test_api_someone_elses_notification_is_not_found(bob_api, outsider):
    theirs = _note(outsider, "Theirs")
    assert bob_api.get(f"/api/notifications/{theirs.pk}/").status_code == 404


def test_api_marks_read(bob_api, bob, outsider):
    one, _two = _note(bob, "One"), _note(bob, "Two")
    theirs = _note(outsider, "Theirs")
    response = bob_api.post("/api/notifications/read/", {"ids": [one.pk, theirs.pk]},
                            format="json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}
    response = bob_api.post("/api/notifications/read/", {"all": True}, format="json")
    assert response.json() == {"marked": 1, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "ids"),
        ({"ids": "1,2"}, "ids"),
        ({"ids": []}, "ids"),
        ({"ids": [0]}, "ids"),
        ({"ids": list(range(1, 202))}, "ids"),
        ({"ids": [1], "all": True}, "ids"),
        ({"all": False}, "all"),
        ({"all": True, "everyone": True}, "everyone"),
    ],
)
def test_api_mark_read_refuses_bad_input_naming_the_field(bob_api, bob, body, field):
    note = _note(bob, "Untouched")
    response = bob_api.post("/api/notifications/read/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    note.refresh_from_db()
    assert note.read_at is None


@socket_test
async def test_a_change_of_rights_redraws_the_bell_and_a_deactivated_socket_closes(bob):
    from channels.layers import get_channel_layer

    from core import live

    socket = await _connected(bob)
    await socket.receive_json_from(timeout=3)
    layer_send = get_channel_layer().group_send

    await layer_send(live.user_group(bob.pk), {"type": live.ACCESS_MESSAGE_TYPE})
    assert (await socket.receive_json_from(timeout=3))["type"] == "notifications.state"

    bob.is_active = False
    await sync_to_async(bob.save)(update_fields=["is_active"])
    await layer_send(live.user_group(bob.pk), {"type": live.ACCESS_MESSAGE_TYPE})
    assert (await socket.receive_output(timeout=3)) == {"type": "websocket.close",
                                                        "code": CLOSE_NOT_ALLOWED}
