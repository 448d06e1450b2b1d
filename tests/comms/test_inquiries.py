"""Media inquiries (issue 13, media relations): the services under their rights, the
overdue flag, the answer statement and assignee rules, the timeline entry and live event,
the API, the room's panel and the inquiry's page. Each behaviour once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from comms import inquiry_services as services
from comms.models import MediaInquiry
from core.errors import ConflictError
from crisis.choices import Confidentiality, TimelineKind
from crisis.models import LiveEvent, TimelineEntry
from teams.choices import NotificationKind
from teams.models import Notification
from tests.comms.factories import StatementFactory
from tests.conftest import as_new_request
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/media-inquiries/"
PANEL = {"HX-Request": "true", "HX-Target": "media-inquiries-panel"}


def log(actor, incident, **changes) -> MediaInquiry:
    arguments = {"outlet": "Daily Post", "journalist": "Amy Chen", "contact": "+886 2 1234",
                 "question": "How many kettles are affected?", **changes}
    return services.inquiry_create(actor=actor, incident=incident, **arguments)


def make_statement(incident, status: str = "approved", **fields):
    """A statement row in ``status`` (published ones name their version, as the service
    leaves them)."""
    if status in ("published", "superseded"):
        fields.update(published_version=1, published_at=timezone.now())
    return StatementFactory(incident=incident, status=status, **fields)


def inquiry_url(inquiry) -> str:
    return reverse("crisis:inquiry-detail", args=[inquiry.pk])


def signed_in(api_client, user):
    return as_new_request(api_client, user)


@pytest.fixture
def liaison(incident, assign):
    """Contributes to the incident (no statement rights)."""
    return assign(incident, "scribe", "liaison")


@pytest.fixture
def observer(incident, assign):
    """May view the incident, not work in it."""
    return assign(incident, "observer", "observer")


@pytest.fixture
def inquiry(officer, incident):
    return log(officer, incident)


@pytest.fixture
def secret(assign):
    """An inquiry in a confidential incident, and someone who may not view it."""
    incident = IncidentFactory(confidentiality=Confidentiality.CONFIDENTIAL)
    officer = assign(incident, "communications_officer")
    return log(officer, incident), UserFactory(username="outsider")


# --- services ----------------------------------------------------------------------------------

def test_create_writes_the_inquiry_a_timeline_entry_and_a_live_event(liaison, incident):
    deadline = timezone.now() + timedelta(hours=2)
    inquiry = log(liaison, incident, deadline=deadline)

    assert (inquiry.status, inquiry.created_by, inquiry.deadline) == ("new", liaison, deadline)
    entry = TimelineEntry.objects.get(incident=incident, kind=TimelineKind.STATEMENT)
    assert entry.data == {"action": "inquiry_logged", "inquiry": inquiry.pk,
                          "outlet": "Daily Post", "to": "new"}
    event = LiveEvent.objects.get(incident=incident, type="media_inquiry.changed")
    assert event.data == {"id": inquiry.pk, "action": "inquiry_logged", "status": "new",
                          "overdue": False}


def test_only_those_who_contribute_or_draft_may_log_or_change_inquiries(observer, inquiry,
                                                                         incident):
    with pytest.raises(PermissionDenied):
        log(observer, incident)
    with pytest.raises(PermissionDenied):
        services.inquiry_update(actor=observer, inquiry=inquiry, status="in_progress")
    assert MediaInquiry.objects.count() == 1
    assert MediaInquiry.objects.get().status == "new"


@pytest.mark.parametrize(("change", "field"), [
    ({"outlet": "  "}, "outlet"),
    ({"question": ""}, "question"),
    ({"contact": "x" * 201}, "contact"),
    ({"deadline": timezone.now().replace(tzinfo=None)}, "deadline"),  # no time zone
    ({"received_at": timezone.now(), "deadline": timezone.now() - timedelta(hours=1)},
     "deadline"),
])
def test_create_refuses_bad_input_naming_the_field(officer, incident, change, field):
    with pytest.raises(ValidationError) as refused:
        log(officer, incident, **change)
    assert field in refused.value.message_dict
    assert not MediaInquiry.objects.exists()
    assert not TimelineEntry.objects.filter(kind=TimelineKind.STATEMENT).exists()


def test_assigning_tells_the_assignee_and_records_it(officer, liaison, inquiry, incident):
    services.inquiry_update(actor=officer, inquiry=inquiry, assignee=liaison,
                            status="in_progress")

    inquiry.refresh_from_db()
    assert (inquiry.assignee, inquiry.status) == (liaison, "in_progress")
    entry = TimelineEntry.objects.filter(data__action="inquiry_updated").get()
    assert entry.data["assignee"] == str(liaison) and entry.data["to"] == "in_progress"
    assert entry.data["fields"] == ["assignee", "status"]
    told = Notification.objects.get(recipient=liaison, kind=NotificationKind.TASK_ASSIGNED)
    assert "Daily Post" in told.title
    assert LiveEvent.objects.filter(type="media_inquiry.changed",
                                    data__action="inquiry_updated").count() == 1


def test_the_assignee_must_be_able_to_view_the_incident(assign, secret):
    inquiry, outsider = secret
    officer = inquiry.created_by
    with pytest.raises(ValidationError) as refused:
        services.inquiry_update(actor=officer, inquiry=inquiry, assignee=outsider)
    assert "assignee" in refused.value.message_dict
    inquiry.refresh_from_db()
    assert inquiry.assignee is None
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_nothing_new_writes_nothing(officer, inquiry):
    services.inquiry_update(actor=officer, inquiry=inquiry, outlet="Daily Post")
    assert not TimelineEntry.objects.filter(data__action="inquiry_updated").exists()


@pytest.mark.parametrize("status", ["approved", "published"])
def test_an_approved_or_published_statement_of_the_incident_answers(officer, inquiry, incident,
                                                                    status):
    statement = make_statement(incident, status, title="Our answer")
    services.inquiry_update(actor=officer, inquiry=inquiry, answer_statement=statement,
                            status="answered")
    inquiry.refresh_from_db()
    assert (inquiry.answer_statement, inquiry.status) == (statement, "answered")
    entry = TimelineEntry.objects.filter(data__action="inquiry_updated").get()
    assert (entry.data["answer"], entry.data["answer_title"]) == (statement.pk, "Our answer")


@pytest.mark.parametrize(("other_incident", "status"), [
    (False, "draft"), (False, "in_review"), (False, "superseded"), (True, "published")])
def test_no_other_statement_may_answer(officer, inquiry, incident, other_incident, status):
    statement = make_statement(IncidentFactory() if other_incident else incident, status)
    with pytest.raises(ValidationError) as refused:
        services.inquiry_update(actor=officer, inquiry=inquiry, answer_statement=statement,
                                status="answered")
    assert "answer_statement" in refused.value.message_dict
    inquiry.refresh_from_db()
    assert (inquiry.answer_statement, inquiry.status) == (None, "new")


def test_answered_says_how_and_declined_says_why(officer, inquiry):
    with pytest.raises(ValidationError) as answered:
        services.inquiry_update(actor=officer, inquiry=inquiry, status="answered")
    with pytest.raises(ValidationError) as declined:
        services.inquiry_update(actor=officer, inquiry=inquiry, status="declined")
    assert "answer_statement" in answered.value.message_dict
    assert "answer_note" in declined.value.message_dict
    services.inquiry_update(actor=officer, inquiry=inquiry, status="declined",
                            answer_note="We do not comment on rumours.")
    inquiry.refresh_from_db()
    assert inquiry.status == "declined"


def test_a_save_over_a_later_change_is_refused(officer, inquiry):
    seen = inquiry.updated_at
    services.inquiry_update(actor=officer, inquiry=inquiry, outlet="Evening Post")
    with pytest.raises(ConflictError, match="changed this inquiry"):
        services.inquiry_update(actor=officer, inquiry=inquiry, outlet="Morning Post",
                                seen=seen)
    inquiry.refresh_from_db()
    assert inquiry.outlet == "Evening Post"


def test_overdue_means_the_deadline_passed_without_an_answer(officer, incident):
    late = log(officer, incident, received_at=timezone.now() - timedelta(hours=3),
               deadline=timezone.now() - timedelta(minutes=1))
    future = log(officer, incident, deadline=timezone.now() + timedelta(hours=1))
    undated = log(officer, incident)
    assert (late.is_overdue, future.is_overdue, undated.is_overdue) == (True, False, False)
    services.inquiry_update(actor=officer, inquiry=late, status="declined", answer_note="No.")
    late.refresh_from_db()
    assert not late.is_overdue


def test_the_room_reads_inquiry_entries_in_words(client, officer, liaison, inquiry, incident):
    services.inquiry_update(actor=officer, inquiry=inquiry, assignee=liaison)
    client.force_login(officer)
    room = client.get(incident.get_absolute_url()).content.decode()
    assert "Media inquiry from Daily Post logged" in room
    assert f"Media inquiry from Daily Post: assigned to {liaison}" in room


# --- API ---------------------------------------------------------------------------------------

def test_api_lists_filters_and_flags_overdue(api_client, officer, incident, assign):
    late = log(officer, incident, received_at=timezone.now() - timedelta(hours=3),
               deadline=timezone.now() - timedelta(minutes=5))
    fine = log(officer, incident, outlet="Radio One")
    done = log(officer, incident, outlet="TV Two")
    services.inquiry_update(actor=officer, inquiry=done, status="declined", answer_note="No.")
    elsewhere = IncidentFactory()
    other = log(assign(elsewhere, "communications_officer", user=officer), elsewhere)
    client = signed_in(api_client, officer)

    every = client.get(LIST).json()["results"]
    # Open first (the nearest deadline first, then the newest), answered or declined after.
    assert [item["id"] for item in every] == [late.pk, other.pk, fine.pk, done.pk]
    assert {item["id"]: item["overdue"] for item in every}[late.pk] is True

    def ids(query: str) -> set[int]:
        return {item["id"] for item in client.get(LIST + query).json()["results"]}

    assert ids(f"?incident={incident.pk}") == {late.pk, fine.pk, done.pk}
    assert ids("?status=declined") == {done.pk}
    assert ids("?overdue=true") == {late.pk}
    assert ids(f"?overdue=false&incident={incident.pk}") == {fine.pk, done.pk}


def test_api_creates_and_patches(api_client, officer, liaison, incident):
    client = signed_in(api_client, officer)
    created = client.post(LIST, {"incident": incident.pk, "outlet": "Daily Post",
                                 "question": "When is the recall?",
                                 "deadline": "2030-01-01T10:00:00Z",
                                 "assignee": liaison.pk}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["assignee"]["id"], body["overdue"]) == ("new", liaison.pk,
                                                                         False)
    statement = make_statement(incident, "published")
    patched = client.patch(f"{LIST}{body['id']}/", {"status": "answered",
                                                    "answer_statement": statement.pk},
                           format="json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["status"], patched.json()["answer_statement"]) == ("answered",
                                                                              statement.pk)
    assert client.put(f"{LIST}{body['id']}/", {}, format="json").status_code == 405


@pytest.mark.parametrize(("body", "field"), [
    ({"outlet": "", "question": "Q?"}, "outlet"),
    ({"outlet": "P", "question": "Q?", "assignee": 10**9}, "assignee"),
    ({"outlet": "P", "question": "Q?", "deadline": "tomorrow"}, "deadline"),
    ({"outlet": "P", "question": "Q?", "colour": "red"}, "colour"),
])
def test_api_create_names_the_bad_field(api_client, officer, incident, body, field):
    response = signed_in(api_client, officer).post(LIST, {"incident": incident.pk, **body},
                                                   format="json")
    assert response.status_code == 400 and field in response.json()
    assert not MediaInquiry.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "lost"}, "status"),
    ({"answer_statement": "draft"}, "answer_statement"),  # a draft of the incident
    ({"assignee": "outsider"}, "assignee"),  # may not view the confidential incident
])
def test_api_patch_names_the_bad_field(api_client, secret, body, field):
    inquiry, outsider = secret
    if body.get("answer_statement") == "draft":
        body = {"answer_statement": StatementFactory(incident=inquiry.incident).pk}
    if body.get("assignee") == "outsider":
        body = {"assignee": outsider.pk}
    response = signed_in(api_client, inquiry.created_by).patch(
        f"{LIST}{inquiry.pk}/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    fresh = MediaInquiry.objects.get(pk=inquiry.pk)
    assert (fresh.status, fresh.answer_statement_id, fresh.assignee_id) == ("new", None, None)


def test_api_hides_inquiries_of_incidents_the_user_may_not_view(api_client, secret):
    inquiry, outsider = secret
    client = signed_in(api_client, outsider)
    assert client.get(LIST).json()["results"] == []
    assert client.get(f"{LIST}{inquiry.pk}/").status_code == 404
    assert client.patch(f"{LIST}{inquiry.pk}/", {"status": "in_progress"},
                        format="json").status_code == 404
    created = client.post(LIST, {"incident": inquiry.incident_id, "outlet": "P",
                                 "question": "Q?"}, format="json")
    assert created.status_code == 400 and "incident" in created.json()
    assert MediaInquiry.objects.count() == 1
    assert MediaInquiry.objects.get().status == "new"


def test_api_refuses_writes_to_those_who_may_only_view(api_client, observer, inquiry,
                                                       incident):
    client = signed_in(api_client, observer)
    assert client.get(f"{LIST}{inquiry.pk}/").status_code == 200
    assert client.patch(f"{LIST}{inquiry.pk}/", {"status": "in_progress"},
                        format="json").status_code == 403
    assert client.post(LIST, {"incident": incident.pk, "outlet": "P", "question": "Q?"},
                       format="json").status_code == 403


# --- pages -------------------------------------------------------------------------------------

def test_the_panel_lists_open_ones_first_flags_overdue_and_offers_the_form(
        client, officer, observer, incident):
    done = log(officer, incident, outlet="Answered Weekly")
    services.inquiry_update(actor=officer, inquiry=done, status="declined", answer_note="No.")
    log(officer, incident, outlet="Late Times", received_at=timezone.now() - timedelta(hours=2),
        deadline=timezone.now() - timedelta(minutes=10))
    client.force_login(officer)
    panel = client.get(incident.get_absolute_url(), headers=PANEL)
    body = panel.content.decode()
    assert panel.status_code == 200
    assert body.lstrip().startswith('<section class="card mb-3" id="media-inquiries-panel"')
    assert "live:media_inquiry.changed" in body
    assert body.index("Late Times") < body.index("Answered Weekly")
    assert body.count("cd-overdue-badge") == 1 and "deadline <time" in body
    assert "Log an inquiry" in body and reverse("crisis:inquiry-create",
                                                args=[incident.pk]) in body
    client.force_login(observer)
    watched = client.get(incident.get_absolute_url(), headers=PANEL).content.decode()
    assert "Late Times" in watched and "Log an inquiry" not in watched
    assert 'name="outlet"' not in watched


def test_logging_from_the_panel(client, liaison, incident):
    client.force_login(liaison)
    create = reverse("crisis:inquiry-create", args=[incident.pk])
    bad = client.post(create, {"outlet": "Daily Post", "question": ""}, headers=PANEL)
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
    assert not MediaInquiry.objects.exists()
    done = client.post(create, {"outlet": "Daily Post", "question": "Why?"}, headers=PANEL)
    assert done.status_code == 200 and "Daily Post" in done.content.decode()
    plain = client.post(create, {"outlet": "Radio One", "question": "When?"})
    assert plain.status_code == 302
    assert set(MediaInquiry.objects.values_list("outlet", flat=True)) == {"Daily Post",
                                                                          "Radio One"}


def test_the_page_offers_only_approved_or_published_statements_of_the_incident(
        client, officer, inquiry, incident):
    approved = make_statement(incident, "approved", title="Approved one")
    published = make_statement(incident, "published", title="Published one")
    for status in ("draft", "in_review", "rejected", "withdrawn", "superseded"):
        make_statement(incident, status, title=f"The {status} one")
    make_statement(IncidentFactory(), "published", title="Elsewhere")
    client.force_login(officer)
    response = client.get(inquiry_url(inquiry))
    assert response.status_code == 200
    offered = set(response.context["form"].fields["answer_statement"].queryset)
    assert offered == {approved, published}
    body = response.content.decode()
    assert f'<option value="{approved.pk}">' in body and "The draft one" not in body


def test_the_page_saves_what_was_changed(client, officer, liaison, inquiry, incident):
    statement = make_statement(incident, "approved")
    client.force_login(officer)
    form = client.get(inquiry_url(inquiry)).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(status="answered", assignee=liaison.pk, answer_statement=statement.pk,
                received_at=timezone.localtime(inquiry.received_at).strftime("%Y-%m-%dT%H:%M"),
                seen=inquiry.updated_at.isoformat())
    response = client.post(inquiry_url(inquiry), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.assignee, inquiry.answer_statement) == (
        "answered", liaison, statement)


def test_the_page_is_not_found_for_an_outsider_and_read_only_for_an_observer(
        client, secret, observer, inquiry):
    hidden, outsider = secret
    client.force_login(outsider)
    assert client.get(inquiry_url(hidden)).status_code == 404
    assert client.post(reverse("crisis:inquiry-create", args=[hidden.incident_id]),
                       {"outlet": "P", "question": "Q"}).status_code == 404
    client.force_login(observer)
    shown = client.get(inquiry_url(inquiry))
    assert shown.status_code == 200 and shown.context["form"] is None
    assert client.post(inquiry_url(inquiry), {"status": "declined"}).status_code == 403
