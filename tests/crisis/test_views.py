import json
import re

import pytest
from django.urls import reverse

from crisis import panels, services, timeline
from crisis.models import ChecklistItem, Incident, IncidentType, Task, TaskComment, TimelineEntry
from crisis.permissions import ADD_INCIDENT, CONTRIBUTE, MANAGE_INCIDENT
from teams.choices import Capability
from tests.conftest import count_queries, grant, join
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


def pages(incident) -> list[str]:
    return [
        reverse("crisis:incident-list"),
        reverse("crisis:incident-detail", args=[incident.pk]),
        reverse("crisis:incident-row", args=[incident.pk]),
        reverse("crisis:incident-summary-pdf", args=[incident.pk]),
    ]


def test_unknown_incident_pages_are_styled_404s(client, outsider):
    client.force_login(outsider)
    for url in pages(IncidentFactory(pk=5))[1:]:
        response = client.get(url.replace("/5/", "/987654/"))
        assert response.status_code == 404, url
    response = client.get("/incidents/987654/")
    assert b"There is nothing here" in response.content
    assert b"CrisisDesk" in response.content


def test_list_shows_incidents_newest_first(client, outsider):
    IncidentFactory(title="Older one")
    IncidentFactory(title="Newer one")
    client.force_login(outsider)
    content = client.get(reverse("crisis:incident-list")).content.decode()
    assert content.index("Newer one") < content.index("Older one")


def test_list_filters_render_a_partial_for_htmx(client, outsider):
    IncidentFactory(title="Critical recall", severity="critical")
    IncidentFactory(title="Minor complaint", severity="low")
    client.force_login(outsider)
    response = client.get(
        reverse("crisis:incident-list"),
        {"severity": "critical"},
        headers={"HX-Request": "true", "HX-Target": "incident-table"},
    )
    content = response.content.decode()
    assert "<html" not in content
    assert "Critical recall" in content
    assert "Minor complaint" not in content
    assert 'data-live-insert="off"' in content


def test_list_query_count_does_not_grow_with_rows(client, outsider):
    client.force_login(outsider)
    IncidentFactory()
    one_row = count_queries(lambda: client.get(reverse("crisis:incident-list")))
    IncidentFactory.create_batch(40)
    many_rows = count_queries(lambda: client.get(reverse("crisis:incident-list")))
    assert one_row == many_rows


def test_list_pages_stop_at_the_cap_and_say_how_to_go_further(client, outsider, monkeypatch):
    monkeypatch.setattr("crisis.views.LIST_PAGE_SIZE", 2)
    monkeypatch.setattr("crisis.views.LIST_MAX_PAGES", 2)
    for n in range(5):
        IncidentFactory(title=f"Complaint wave {n}")
    client.force_login(outsider)
    first = client.get(reverse("crisis:incident-list")).content.decode()
    assert "page=2" in first and "incident-list-capped" not in first
    deep = client.get(reverse("crisis:incident-list"), {"page": 9}).content.decode()
    assert "Complaint wave 2" in deep and "Complaint wave 1" in deep  # page 2, newest first
    assert "page=3" not in deep
    assert "3–4 of 5" in deep
    assert "The list shows the first 4 incidents; narrow it with the filters" in deep


def test_outsider_may_not_open_incidents(client, outsider):
    client.force_login(outsider)
    list_page = client.get(reverse("crisis:incident-list")).content.decode()
    assert reverse("crisis:incident-create") not in list_page
    assert client.get(reverse("crisis:incident-create")).status_code == 403
    response = client.post(reverse("crisis:incident-create"), {"title": "x", "severity": "low"})
    assert response.status_code == 403
    assert b"You may not open incidents" in response.content
    assert not Incident.objects.exists()


def test_lead_opens_an_incident_through_the_form(client, lead):
    client.force_login(lead)
    assert client.get(reverse("crisis:incident-create")).status_code == 200
    response = client.post(
        reverse("crisis:incident-create"),
        {"title": "Recall rumour", "summary": "Forum post", "severity": "high",
         "type": IncidentType.objects.get(code="product_quality").pk, "origin": "external"},
        follow=True,
    )
    incident = Incident.objects.get()
    assert response.redirect_chain[-1][0] == incident.get_absolute_url()
    assert incident.severity == "high"
    assert f"{incident.reference} is open".encode() in response.content


def test_the_opener_sets_the_warning_level(client, lead, api_client):
    client.force_login(lead)
    assert 'name="warning_level"' in client.get(reverse("crisis:incident-create")).content.decode()
    response = client.post(
        reverse("crisis:incident-create"),
        {"title": "Boycott call trending", "severity": "critical", "warning_level": "red",
         "type": IncidentType.objects.get(code="other").pk, "origin": "external"}, follow=True)
    incident = Incident.objects.get()
    assert (incident.warning_level, incident.warning_level_manual) == ("red", "red")
    assert "Incident opened: Other, severity Critical, warning level Red" in \
        response.content.decode()
    api_client.force_authenticate(lead)
    created = api_client.post("/api/incidents/", {"title": "Second wave", "type": "other",
                                                  "warning_level": "orange"}, format="json")
    assert created.status_code == 201
    assert created.json()["warning_level"] == created.json()["warning_level_manual"] == "orange"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "severity": "low"}, "title", "This field is required."),
        ({"title": "   ", "severity": "low"}, "title", "This field is required."),
        ({"title": "ok", "severity": "apocalyptic"}, "severity", "Select a valid choice"),
        ({"title": "x" * 201, "severity": "low"}, "title", "at most 200 characters"),
    ],
)
def test_form_errors_name_the_field_and_keep_what_was_typed(client, lead, data, field, message):
    client.force_login(lead)
    data = {"type": IncidentType.objects.get(code="other").pk, "origin": "external", **data,
            "summary": "Everything I typed so far"}
    response = client.post(reverse("crisis:incident-create"), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert f'href="#id_{field}"' in content
    assert "Everything I typed so far" in content
    assert not Incident.objects.exists()


def test_server_errors_render_the_styled_500_page(client, outsider):
    from django.views.defaults import server_error

    response = server_error(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_language_switcher_renders_the_page_in_chinese(client, outsider):
    client.force_login(outsider)
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/incidents/"})
    content = client.get(reverse("crisis:incident-list")).content.decode()
    assert 'lang="zh-hant"' in content
    assert "事件" in content
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/incidents/"})
    assert "事件" in client.get(reverse("crisis:incident-list")).content.decode()


def test_times_show_in_the_users_time_zone(client, outsider):
    from datetime import UTC, datetime

    outsider.timezone = "Asia/Taipei"
    outsider.save()
    IncidentFactory(created_at=datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    client.force_login(outsider)
    content = client.get(reverse("crisis:incident-list")).content.decode()
    assert 'title="2026-03-01 09:30 CST"' in content
    assert 'datetime="2026-03-01T01:30:00+00:00"' in content


# --- the incident room and its actions ------------------------------------------------------

@pytest.fixture
def contributor(db):
    """Works in incidents: notes, tasks. May not run them."""
    return grant(UserFactory(username="liaison"), CONTRIBUTE)


@pytest.fixture
def crisis_lead(lead):
    """Opens, runs and writes in incidents; sees restricted ones (a crisis manager)."""
    return join(grant(lead, MANAGE_INCIDENT, CONTRIBUTE), Capability.CRISIS_MANAGER)


@pytest.fixture
def incident(db):
    creator = grant(UserFactory(username="opener"), ADD_INCIDENT)
    return services.incident_create(
        actor=creator, title="Kettle lids pop off", summary="Two videos.", severity="medium",
        type=IncidentType.objects.get(code="product_quality"))


HTMX = {"HX-Request": "true"}


def snapshot(incident) -> tuple:
    """Everything a refused write might have touched."""
    fresh = Incident.objects.get(pk=incident.pk)
    return (
        fresh.status, fresh.severity, fresh.warning_level, fresh.title, fresh.merged_into_id,
        TimelineEntry.objects.count(), Task.objects.count(),
        tuple(Task.objects.order_by("pk").values_list("status", "owner_id")),
        TaskComment.objects.count(),
        tuple(ChecklistItem.objects.order_by("pk").values_list("done", flat=True)),
        tuple(TimelineEntry.objects.order_by("pk").values_list("pinned", flat=True)),
    )


def writes(incident) -> list[tuple[str, dict]]:
    """Every write endpoint of the room, with valid input."""
    task = incident.tasks.order_by("pk").first()
    item = ChecklistItem.objects.filter(task__incident=incident).first()
    entry = incident.timeline.first()
    other = IncidentFactory()
    return [
        (reverse("crisis:incident-transition", args=[incident.pk, "active"]), {"reason": ""}),
        (reverse("crisis:incident-escalate", args=[incident.pk]),
         {"severity": "critical", "reason": "Injuries"}),
        (reverse("crisis:incident-classify", args=[incident.pk]),
         {"title": "Renamed", "type": incident.type_id, "origin": "internal",
          "confidentiality": "internal"}),
        (reverse("crisis:incident-merge", args=[incident.pk]),
         {"into": other.reference, "reason": "Duplicate"}),
        (reverse("crisis:incident-reopen", args=[incident.pk]), {"reason": "Back"}),
        (reverse("crisis:timeline-add", args=[incident.pk]), {"kind": "note", "body": "Hi"}),
        (reverse("crisis:timeline-correct", args=[entry.pk]), {"body": "Fix"}),
        (reverse("crisis:timeline-pin", args=[entry.pk]), {"pinned": "true"}),
        (reverse("crisis:task-status", args=[task.pk]), {"status": "done"}),
        (reverse("crisis:task-assign", args=[task.pk]), {"owner": incident.created_by_id}),
        (reverse("crisis:task-comment", args=[task.pk]), {"body": "On it"}),
        (reverse("crisis:checklist-item", args=[item.task_id, item.pk]), {"done": "true"}),
        (reverse("crisis:task-create", args=[incident.pk]), {"title": "Call the press"}),
    ]


def room_pages(incident) -> list[str]:
    entry = incident.timeline.first()
    return [
        reverse("crisis:incident-transition", args=[incident.pk, "active"]),
        reverse("crisis:incident-escalate", args=[incident.pk]),
        reverse("crisis:incident-classify", args=[incident.pk]),
        reverse("crisis:incident-merge", args=[incident.pk]),
        reverse("crisis:incident-reopen", args=[incident.pk]),
        reverse("crisis:timeline-correct", args=[entry.pk]),
    ]


def test_anonymous_visitors_cannot_read_or_write_in_the_room(client, incident):
    before = snapshot(incident)
    urls = [(url, "get") for url in room_pages(incident)] + [
        (reverse("crisis:timeline-entry", args=[incident.timeline.first().pk]), "get")]
    urls += [(url, "post") for url, _data in writes(incident)]
    before = snapshot(incident)
    for url, method in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert snapshot(incident) == before


def test_outsider_reads_the_room_without_any_controls(client, outsider, incident):
    client.force_login(outsider)
    response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Kettle lids pop off" in content
    assert 'id="composer"' not in content
    assert "Escalate / de-escalate" not in content
    assert "Move to Active" not in content
    assert "Correct this" not in content
    assert "Add a task" not in content
    assert "Assemble the crisis team" in content  # the checklist, read-only
    entry = incident.timeline.first()
    assert client.get(reverse("crisis:timeline-entry", args=[entry.pk])).status_code == 200


@pytest.mark.parametrize("htmx", [False, True])
def test_outsider_writes_are_refused_and_change_nothing(client, outsider, incident, htmx):
    client.force_login(outsider)
    targets = writes(incident)
    before = snapshot(incident)
    for url, data in targets:
        response = client.post(url, data, headers=HTMX if htmx else {})
        assert response.status_code == 403, url
    for url in room_pages(incident):
        assert client.get(url).status_code == 403, url
    assert snapshot(incident) == before


def test_contributor_may_work_but_not_run_the_incident(client, contributor, incident):
    client.force_login(contributor)
    content = client.get(incident.get_absolute_url()).content.decode()
    assert 'id="composer"' in content
    assert "Escalate / de-escalate" not in content
    before = snapshot(incident)
    for url, data in writes(incident)[:5]:
        assert client.post(url, data).status_code == 403, url
    assert snapshot(incident) == before

    task = incident.tasks.get(title="Assemble the crisis team")
    response = client.post(reverse("crisis:task-status", args=[task.pk]), {"status": "done"})
    assert response.status_code == 302
    assert response["Location"] == f"{incident.get_absolute_url()}#task-{task.pk}"
    task.refresh_from_db()
    assert task.status == "done"

    response = client.post(reverse("crisis:timeline-add", args=[incident.pk]),
                           {"kind": "decision", "body": "We recall batch 7."})
    entry = incident.timeline.get(kind="decision")
    assert response["Location"] == f"{incident.get_absolute_url()}#entry-{entry.pk}"
    assert entry.actor == contributor


def test_composer_with_htmx_answers_a_fresh_composer_and_names_the_entry(
    client, contributor, incident
):
    client.force_login(contributor)
    response = client.post(reverse("crisis:timeline-add", args=[incident.pk]),
                           {"kind": "key_moment", "body": "First news story"}, headers=HTMX)
    assert response.status_code == 200
    entry = incident.timeline.get(kind="key_moment")
    assert json.loads(response["HX-Trigger"]) == {"cd:entry": {"id": entry.pk}}
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="composer"' in content
    assert "First news story" not in content  # emptied for the next one
    entry_html = client.get(reverse("crisis:timeline-entry", args=[entry.pk])).content.decode()
    assert "First news story" in entry_html
    assert "Key moment" in entry_html


def test_mentions_are_highlighted_safely_and_unknown_names_are_told(
        client, contributor, incident, api_client):
    UserFactory(username="bob")
    client.force_login(contributor)
    body = "@bob call <script>alert(1)</script> the plant; ask @nobody and @bob."
    response = client.post(reverse("crisis:timeline-add", args=[incident.pk]),
                           {"kind": "note", "body": body}, headers=HTMX)
    assert response.status_code == 200
    composer = response.content.decode()
    assert "@nobody" in composer and "not recognised" in composer  # told, entry saved
    entry = incident.timeline.get(kind="note")
    assert entry.body == body  # nothing the writer wrote is lost
    html = client.get(reverse("crisis:timeline-entry", args=[entry.pk])).content.decode()
    assert html.count('<span class="cd-mention') == 2
    assert '<span class="cd-mention fw-semibold text-primary">@bob</span>.' in html
    assert "@nobody" in html and ">@nobody<" not in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = client.post(reverse("crisis:timeline-add", args=[incident.pk]),
                       {"kind": "note", "body": "cc @ghost"}, follow=True)
    assert "not recognised: @ghost" in page.content.decode()
    api_client.force_authenticate(contributor)
    created = api_client.post(f"/api/incidents/{incident.pk}/timeline/",
                              {"kind": "note", "body": "@bob and @nobody, @phantom"},
                              format="json")
    assert created.status_code == 201
    assert created.json()["unknown_mentions"] == ["nobody", "phantom"]


@pytest.mark.parametrize("htmx", [False, True])
def test_empty_note_is_a_400_that_keeps_the_chosen_kind(client, contributor, incident, htmx):
    client.force_login(contributor)
    before = snapshot(incident)
    response = client.post(reverse("crisis:timeline-add", args=[incident.pk]),
                           {"kind": "decision", "body": "   "}, headers=HTMX if htmx else {})
    assert response.status_code == 400
    content = response.content.decode()
    assert "This field is required." in content
    assert 'aria-invalid="true"' in content
    assert 'value="decision" id="id_kind_1" class="form-selectgroup-input" checked' in content
    assert ("<html" in content) is not htmx
    assert snapshot(incident) == before


def test_lead_moves_the_incident_after_a_confirmation_page(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    room = client.get(incident.get_absolute_url()).content.decode()
    url = reverse("crisis:incident-transition", args=[incident.pk, "active"])
    assert url in room
    page = client.get(url).content.decode()
    assert f"Move {incident.reference} from Triage to Active?" in page
    assert "acknowledged time is recorded" in page
    response = client.post(url, {"reason": "Spreading"}, follow=True)
    assert response.redirect_chain[-1][0] == incident.get_absolute_url()
    incident.refresh_from_db()
    assert incident.status == "active"
    assert incident.acknowledged_at is not None
    content = response.content.decode()
    assert f"{incident.reference} is now Active." in content
    assert "Status: Triage → Active" in content
    assert "— Spreading" in content


def test_invalid_transition_explains_and_changes_nothing(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    before = snapshot(incident)
    response = client.post(reverse("crisis:incident-transition", args=[incident.pk, "closed"]),
                           follow=True)
    assert response.redirect_chain[-1][0] == incident.get_absolute_url()
    assert "it can move to Active, not to Closed" in response.content.decode()
    assert snapshot(incident) == before
    page = client.get(reverse("crisis:incident-transition", args=[incident.pk, "closed"]))
    assert "cannot move to Closed" in page.content.decode()
    assert client.get(reverse("crisis:incident-transition",
                              args=[incident.pk, "exploded"])).status_code == 404


def test_the_close_page_says_why_it_cannot_close_and_offers_no_button(
        client, crisis_lead, incident):
    """The confirmation page asks the service's own rule (check_transition), so it never
    offers a move the service refuses."""
    for status in ("active", "contained", "recovering"):
        services.incident_transition(actor=crisis_lead, incident=incident, to_status=status)
    client.force_login(crisis_lead)
    url = reverse("crisis:incident-transition", args=[incident.pk, "closed"])
    open_tasks = incident.tasks.count()
    page = client.get(url).content.decode()
    assert f"{open_tasks} checklist task(s) are still open" in page
    assert "Yes, move to Closed" not in page
    assert "Back to the room" in page
    for task in incident.tasks.all():
        services.task_set_status(actor=crisis_lead, task=task, status="waived",
                                 reason="Not needed")
    page = client.get(url).content.decode()
    assert "Yes, move to Closed" in page and "still open" not in page


def test_stepping_back_needs_a_reason(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    for status in ("active", "contained"):
        services.incident_transition(actor=crisis_lead, incident=incident, to_status=status)
    before = snapshot(incident)
    url = reverse("crisis:incident-transition", args=[incident.pk, "active"])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert 'href="#id_reason"' in response.content.decode()
    assert snapshot(incident) == before


def test_lead_escalates_with_a_reason_and_the_timeline_says_so(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    url = reverse("crisis:incident-escalate", args=[incident.pk])
    assert client.get(url).status_code == 200
    before = snapshot(incident)
    response = client.post(url, {"severity": "critical", "warning_level": ""})
    assert response.status_code == 400
    assert 'href="#id_reason"' in response.content.decode()
    assert client.post(url, {"reason": "Why not"}).status_code == 400  # nothing to change
    assert snapshot(incident) == before

    response = client.post(url, {"severity": "critical", "warning_level": "red",
                                 "reason": "Injuries reported"}, follow=True)
    incident.refresh_from_db()
    assert (incident.severity, incident.warning_level) == ("critical", "red")
    content = response.content.decode()
    assert "Escalated: severity Medium → Critical; warning level — → Red" in content
    assert "— Injuries reported" in content
    assert "Publish a holding statement" in content  # the high/critical playbook tasks
    assert "cd-level-red" in content


def test_lead_edits_the_classification(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    url = reverse("crisis:incident-classify", args=[incident.pk])
    page = client.get(url).content.decode()
    assert 'value="Kettle lids pop off"' in page
    data = {"title": "Kettle lids pop off", "type": incident.type_id, "origin": "external",
            "confidentiality": "restricted", "stakeholder_kinds": ["customers", "media"],
            "affected_products": "K3 kettle, K3 mini", "affected_regions": "Taiwan",
            "tags": "safety"}
    response = client.post(url, data, follow=True)
    incident.refresh_from_db()
    assert incident.confidentiality == "restricted"
    assert incident.affected_products == ["K3 kettle", "K3 mini"]
    assert incident.stakeholder_kinds == ["customers", "media"]
    assert "Classification changed:" in response.content.decode()
    bad = client.post(url, {**data, "stakeholder_kinds": ["aliens"]})
    assert bad.status_code == 400


def test_lead_merges_a_duplicate_by_reference(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    survivor = IncidentFactory(title="The first report")
    url = reverse("crisis:incident-merge", args=[incident.pk])
    before = snapshot(incident)
    response = client.post(url, {"into": "INC-99999", "reason": "Same"})
    assert response.status_code == 400
    assert "No incident with that reference." in response.content.decode()
    response = client.post(url, {"into": incident.reference, "reason": "Same"})
    assert response.status_code == 400  # into itself
    assert snapshot(incident) == before
    services.timeline_entry_add(actor=crisis_lead, incident=incident, kind="note",
                                body="Seen on the forum first")
    before = snapshot(incident)

    # First the page shows what the incident would be merged into, and merges nothing.
    page = client.post(url, {"into": survivor.reference, "reason": "Same story"})
    assert page.status_code == 200
    content = page.content.decode()
    assert survivor.reference in content and "The first report" in content
    assert "cd-sev-medium" in content and "cd-conf-internal" in content
    assert "Yes, merge and close this one" in content
    assert snapshot(incident) == before
    response = client.post(url, {"into": survivor.reference, "reason": "Same story",
                                 "confirm": survivor.pk})
    assert response["Location"] == survivor.get_absolute_url()
    incident.refresh_from_db()
    assert incident.merged_into == survivor
    room = client.get(survivor.get_absolute_url()).content.decode()
    assert f"{incident.reference} merged into this incident" in room
    assert f"from {incident.reference}" in room  # the moved note says where it came from


def test_the_merge_page_shows_a_drill_and_refuses_what_the_service_refuses(
        client, crisis_lead, incident):
    """Page and API follow one rule (crisis.services.check_merge)."""
    client.force_login(crisis_lead)
    url = reverse("crisis:incident-merge", args=[incident.pk])
    drill = IncidentFactory(title="Tabletop exercise", is_drill=True)
    before = snapshot(incident)
    page = client.post(url, {"into": drill.reference, "reason": "Same"})
    assert page.status_code == 400
    assert "never merged" in page.content.decode()
    assert "Yes, merge and close this one" not in page.content.decode()
    # A confirmation for another incident than the one shown is shown again, not done.
    survivor = IncidentFactory(title="The first report", is_drill=False)
    page = client.post(url, {"into": survivor.reference, "reason": "Same", "confirm": drill.pk})
    assert page.status_code == 200 and "Yes, merge and close this one" in page.content.decode()
    secret = services.incident_create(actor=crisis_lead, title="Board dispute",
                                      type=incident.type, confidentiality="internal")
    services.incident_classify(actor=crisis_lead, incident=incident,
                               confidentiality="restricted")
    before = snapshot(incident)
    page = client.post(url, {"into": secret.reference, "reason": "Same",
                             "confirm": secret.pk})
    assert page.status_code == 400
    assert "Raise the confidentiality" in page.content.decode()
    assert snapshot(incident) == before


def test_whoever_may_not_view_the_survivor_never_sees_its_reference(
        client, crisis_lead, incident, api_client):
    """The room, the timeline and the API of the merged duplicate name the incident it
    went into only to people who may view it."""
    outsider = UserFactory(username="nosy")
    secret = services.incident_create(actor=crisis_lead, title="Board dispute",
                                      type=incident.type, confidentiality="confidential")
    services.incident_merge(actor=crisis_lead, duplicate=incident, survivor=secret,
                            reason="Same")
    client.force_login(outsider)
    room = client.get(incident.get_absolute_url()).content.decode()
    assert "merged into another incident" in room
    assert secret.reference not in room and secret.get_absolute_url() not in room
    api_client.force_authenticate(outsider)
    assert api_client.get(f"/api/incidents/{incident.pk}/").json()["merged_into"] is None
    entries = api_client.get(f"/api/incidents/{incident.pk}/timeline/").json()["results"]
    assert secret.reference not in json.dumps(entries)
    assert str(secret.pk) not in json.dumps([e["data"] for e in entries])

    client.force_login(crisis_lead)  # on the survivor's team: sees where it went
    room = client.get(incident.get_absolute_url()).content.decode()
    assert secret.reference in room and secret.get_absolute_url() in room
    api_client.force_authenticate(crisis_lead)
    assert api_client.get(f"/api/incidents/{incident.pk}/").json()["merged_into"] == secret.pk


def test_lead_reopens_a_closed_incident(client, crisis_lead):
    closed = IncidentFactory(status="closed")
    client.force_login(crisis_lead)
    room = client.get(closed.get_absolute_url()).content.decode()
    assert "Reopen" in room
    url = reverse("crisis:incident-reopen", args=[closed.pk])
    assert client.post(url, {"reason": " "}).status_code == 400
    response = client.post(url, {"reason": "New videos"}, follow=True)
    closed.refresh_from_db()
    assert closed.status == "active"
    assert "Reopened: Closed → Active" in response.content.decode()


def test_task_status_needs_a_reason_when_blocked(client, contributor, incident):
    client.force_login(contributor)
    task = incident.tasks.order_by("pk").first()
    url = reverse("crisis:task-status", args=[task.pk])
    before = snapshot(incident)
    response = client.post(url, {"status": "blocked", "reason": ""}, headers=HTMX)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Give a reason" in content
    assert f'id="task-{task.pk}"' in content
    assert "<html" not in content
    response = client.post(url, {"status": "blocked", "reason": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    assert snapshot(incident) == before
    response = client.post(url, {"status": "blocked", "reason": "Waiting for legal"},
                           headers=HTMX)
    assert response.status_code == 200
    assert "Waiting for legal" in response.content.decode()


def test_task_work_on_a_closed_incident_is_a_conflict(client, contributor, incident):
    client.force_login(contributor)
    task = incident.tasks.order_by("pk").first()
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    before = snapshot(incident)
    response = client.post(reverse("crisis:task-status", args=[task.pk]), {"status": "done"},
                           headers=HTMX)
    assert response.status_code == 409
    assert "is closed; reopen it first." in response.content.decode()
    response = client.post(reverse("crisis:task-status", args=[task.pk]), {"status": "done"},
                           follow=True)
    assert "is closed; reopen it first." in response.content.decode()
    assert snapshot(incident) == before


def test_mentions_in_task_comments_notify_highlight_and_tell_unknown_names(
        client, contributor, incident, api_client):
    from teams.models import Notification

    bob = UserFactory(username="bob")
    client.force_login(contributor)
    task = incident.tasks.get(title="Verify the facts (5W1H)")
    response = client.post(reverse("crisis:task-comment", args=[task.pk]),
                           {"body": "@bob <b>check</b> with @nobody"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="cd-mention fw-semibold text-primary">@bob</span>' in html
    assert "&lt;b&gt;check&lt;/b&gt;" in html and ">@nobody<" not in html
    assert "not recognised: @nobody" in html
    assert Notification.objects.filter(recipient=bob, kind="mention").count() == 1
    api_client.force_authenticate(contributor)
    created = api_client.post(f"/api/tasks/{task.pk}/comments/", {"body": "ask @phantom"},
                              format="json")
    assert created.status_code == 201 and created.json()["unknown_mentions"] == ["phantom"]
    # The room drawn whole with the task open: the timeline's names and the comments'
    # names are both highlighted (the checklist's names replaced the timeline's).
    UserFactory(username="alice")
    client.post(reverse("crisis:timeline-add", args=[incident.pk]),
                {"kind": "note", "body": "@alice has the plant"}, headers=HTMX)
    room = client.get(reverse("crisis:incident-detail", args=[incident.pk]),
                      {"task": task.pk}).content.decode()
    assert '<span class="cd-mention fw-semibold text-primary">@alice</span>' in room
    assert '<span class="cd-mention fw-semibold text-primary">@bob</span>' in room


def test_task_comment_assign_checklist_and_new_task(client, contributor, incident):
    client.force_login(contributor)
    task = incident.tasks.get(title="Verify the facts (5W1H)")
    item = task.checklist_items.first()
    response = client.post(reverse("crisis:checklist-item", args=[task.pk, item.pk]),
                           {"done": "true"}, headers=HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.done
    response = client.post(reverse("crisis:task-comment", args=[task.pk]),
                           {"body": "Called the factory"}, headers=HTMX)
    assert "Called the factory" in response.content.decode()
    assert client.post(reverse("crisis:task-comment", args=[task.pk]), {"body": ""},
                       headers=HTMX).status_code == 400
    response = client.post(reverse("crisis:task-assign", args=[task.pk]),
                           {"owner": contributor.pk}, headers=HTMX)
    task.refresh_from_db()
    assert task.owner == contributor
    url = reverse("crisis:task-create", args=[incident.pk])
    response = client.post(url, {"title": "", "due_at": "soon"}, headers=HTMX)
    assert response.status_code == 400
    assert 'id="checklist-panel"' in response.content.decode()
    response = client.post(url, {"title": "Call the retailer", "due_at": "2030-01-02T10:00"},
                           headers=HTMX)
    assert response.status_code == 200
    assert "Call the retailer" in response.content.decode()
    assert incident.tasks.filter(title="Call the retailer", due_at__year=2030).exists()
    other = IncidentFactory()
    stranger = ChecklistItem.objects.create(task=Task.objects.create(incident=other, title="x"),
                                            text="y")
    assert client.post(reverse("crisis:checklist-item", args=[task.pk, stranger.pk]),
                       {"done": "true"}).status_code == 404


def test_task_forms_come_when_a_task_is_opened_not_with_the_room(client, contributor, incident):
    client.force_login(contributor)
    task = incident.tasks.get(title="Verify the facts (5W1H)")
    room = whole_room(client, incident)
    assert 'name="owner" id="task-' not in room and 'id="task-{task.pk}-status"' not in room
    assert f'id="task-{task.pk}-forms" hx-get="{reverse("crisis:task", args=[task.pk])}"' in room
    assert f'href="{incident.get_absolute_url()}?task={task.pk}#task-{task.pk}"' in room

    forms = client.get(reverse("crisis:task", args=[task.pk]),
                       headers={**HTMX, "HX-Target": f"task-{task.pk}-forms"})
    html = forms.content.decode()
    assert forms.status_code == 200 and "<li" not in html.split("<form")[0]
    for field in ("status", "owner", "comment"):
        assert f'id="task-{task.pk}-{field}"' in html
    assert f">{contributor.get_full_name()}</option>" in html
    # Without JavaScript: the room drawn with that one task's forms, its details open.
    opened = client.get(incident.get_absolute_url(), {"task": task.pk}).content.decode()
    assert f'id="task-{task.pk}-owner"' in opened and f'id="task-{task.pk}-forms"' not in opened
    assert opened.count('name="owner" id="task-') == 1


def test_task_forms_are_empty_for_who_may_only_read(client, outsider, incident):
    task = incident.tasks.get(title="Verify the facts (5W1H)")
    client.force_login(outsider)
    response = client.get(reverse("crisis:task", args=[task.pk]),
                          headers={**HTMX, "HX-Target": f"task-{task.pk}-forms"})
    assert response.status_code == 200 and response.content == b""


def test_the_room_shows_the_newest_pinned_entries_and_links_the_rest(
        client, contributor, incident):
    from crisis.views import PINNED_SHOWN

    client.force_login(contributor)
    pinned = [services.timeline_entry_add(actor=contributor, incident=incident, kind="decision",
                                          body=f"Decision {n}") for n in range(PINNED_SHOWN + 2)]
    for entry in pinned:
        services.timeline_entry_pin(actor=contributor, entry=entry, pinned=True)
    room = client.get(incident.get_absolute_url()).content.decode()
    shown = room[room.index('id="timeline-pinned"'):room.index('id="timeline-entries"')]
    assert [f'id="pinned-{e.pk}"' in shown for e in pinned] == [False, False] + [True] * 5
    assert f"Pinned ({PINNED_SHOWN + 2})" in shown
    assert f"Show all {PINNED_SHOWN + 2} pinned entries" in shown
    everything = client.get(incident.get_absolute_url(), {"pinned": "true"}).content.decode()
    listed = everything[everything.index('id="timeline-entries"'):]
    assert all(f'id="entry-{e.pk}"' in listed for e in pinned)


def test_a_changed_task_is_fetched_alone_with_the_checklist_counts(client, outsider, incident):
    """What a watcher's room fetches when the live stream says one task changed."""
    client.force_login(outsider)
    task = incident.tasks.get(title="Verify the facts (5W1H)")
    task.status = "done"
    task.save()
    response = client.get(reverse("crisis:task", args=[task.pk]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="list-group-item cd-task-item') == 1
    assert f'id="task-{task.pk}"' in html and "cd-task-done" in html
    total = incident.tasks.count()
    assert f'id="checklist-count" hx-swap-oob="true">{total - 1} open · {total} tasks' in html
    page = client.get(reverse("crisis:task", args=[task.pk]))
    assert page["Location"] == f"{incident.get_absolute_url()}#task-{task.pk}"


def test_timeline_pins_corrections_and_decisions_read_clearly(client, contributor, incident):
    client.force_login(contributor)
    decision = services.timeline_entry_add(actor=contributor, incident=incident, kind="decision",
                                           body="No recall yet.")
    response = client.post(reverse("crisis:timeline-correct", args=[decision.pk]),
                           {"body": "Recall of batch 7 after all."})
    correction = incident.timeline.get(kind="correction")
    assert response["Location"].endswith(f"#entry-{correction.pk}")
    assert correction.corrects == decision
    client.post(reverse("crisis:timeline-pin", args=[decision.pk]), {"pinned": "true"})
    content = client.get(incident.get_absolute_url()).content.decode()
    pinned = content.index('id="timeline-pinned"')
    assert content.index(f'id="pinned-{decision.pk}"') > pinned
    assert content.index(f'id="pinned-{decision.pk}"') < content.index('id="timeline-entries"')
    # The pinned section says what it is; the entry stays in the stream at its time too.
    assert '<h3 class="h5' in content[pinned:] and "Pinned (1)" in content
    assert "also in the timeline below at their time" in content
    assert "cd-entry-decision" in content
    assert f'href="#entry-{decision.pk}"' in content  # the correction links to it
    assert f'href="#entry-{correction.pk}"' in content  # and the decision to its correction
    assert "added from the playbook" in content


def test_room_panels_render_alone_for_live_refresh(client, outsider, incident):
    client.force_login(outsider)
    services.timeline_entry_add(actor=grant(UserFactory(), CONTRIBUTE), incident=incident,
                                kind="decision", body="Hold the statement")
    url = incident.get_absolute_url()
    for target, marker in [("room-header", 'id="room-header"'),
                           ("timeline-panel", 'id="timeline-panel"'),
                           ("checklist-panel", 'id="checklist-panel"')]:
        response = client.get(url, headers={**HTMX, "HX-Target": target})
        content = response.content.decode()
        assert response.status_code == 200
        assert content.lstrip().startswith("<") and "<html" not in content, target
        assert marker in content, target
        assert "HX-Target" in response["Vary"]
    only_decisions = client.get(url, {"kind": "decision"},
                                headers={**HTMX, "HX-Target": "timeline-panel"})
    content = only_decisions.content.decode()
    assert "Hold the statement" in content
    assert "added from the playbook" not in content
    assert 'data-live-insert="off"' in content


LAZY = {**HTMX, "HX-Target": "room-more-panels"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def whole_room(client, incident, params=None) -> str:
    """The room as a browser shows it: the page, then its lazy panels, which its
    placeholder asks for once the page has loaded."""
    url = incident.get_absolute_url()
    return (client.get(url, params or {}).content.decode()
            + client.get(url, params or {}, headers=LAZY).content.decode())


def test_panels_below_the_fold_come_after_the_page_in_one_request(client, contributor, incident):
    client.force_login(contributor)
    url = incident.get_absolute_url()
    lazy = [panel for panel in panels.room_panels(panels.SIDE) if panel.lazy]
    assert {"checklist-panel", "classification-panel", "media-inquiries-panel",
            "stakeholders-panel"} <= {panel.id for panel in lazy}
    page = client.get(url).content.decode()
    assert "Add a task" not in page and 'id="checklist"' not in page
    placeholder = page[page.index('<div id="room-more-panels"'):]
    assert 'hx-trigger="load"' in placeholder.split(">")[0]
    for panel in lazy:  # without JavaScript: a link to the room drawn whole
        assert f'<a href="?panels=all#{panel.id}">' in placeholder
    # The section menu (phones) names every panel, drawn or not.
    menu = page[page.index('class="cd-room-nav'):page.index("</nav>", page.index("cd-room-nav"))]
    assert all(f'href="#{panel.id}"' in menu for panel in lazy if panel.label)

    response = client.get(url, headers=LAZY)
    more = response.content.decode()
    assert response.status_code == 200 and "<html" not in more
    assert "HX-Target" in response["Vary"]
    starts = [more.index(f'id="{panel.id}"') for panel in lazy]
    assert starts == sorted(starts)
    assert "Add a task" in more and "Assemble the crisis team" in more
    # The same panels as in the room drawn whole (?panels=all).
    whole = client.get(url, {"panels": "all"}).content.decode()
    assert CSRF.sub("", more).strip() in CSRF.sub("", whole)
    assert 'id="room-more-panels"' not in whole
    # Their contexts are not worked out for the page.
    assert count_queries(lambda: client.get(url)) < count_queries(
        lambda: client.get(url, {"panels": "all"}))


def test_lazy_panels_of_an_incident_one_may_not_view_are_404(client, outsider, incident):
    Incident.objects.filter(pk=incident.pk).update(confidentiality="confidential")
    client.force_login(outsider)
    assert client.get(incident.get_absolute_url(), headers=LAZY).status_code == 404


def test_header_shows_state_and_clocks(client, incident):
    Incident.objects.filter(pk=incident.pk).update(is_drill=True, warning_level="orange",
                                                   confidentiality="confidential")
    client.force_login(incident.created_by)  # the lead: nobody was on duty when it opened
    header = client.get(incident.get_absolute_url(),
                        headers={**HTMX, "HX-Target": "room-header"}).content.decode()
    for text in ("Triage", "Medium", "cd-level-orange", "Orange", "Confidential", "Drill",
                 "Since detection", "Next due task", "Assemble the crisis team",
                 "data-elapsed"):
        assert text in header, text


def test_the_room_offers_only_what_exists(client, incident, monkeypatch):
    """No statement clock and no Statement or Alert filter before the statements and
    monitoring apps write such entries; declaring that they do brings them back (comms
    declares statements in its ready(); monitoring does not write alerts yet)."""
    client.force_login(incident.created_by)
    monkeypatch.setattr(timeline, "_declared", set())
    room = client.get(incident.get_absolute_url()).content.decode()
    assert "Since last public statement" not in room and "none yet" not in room
    assert 'value="note"' in room and 'value="merge"' in room
    assert 'value="statement"' not in room and 'value="alert"' not in room
    timeline.declare_written("statement")
    room = client.get(incident.get_absolute_url()).content.decode()
    assert "Since last public statement" in room and 'value="statement"' in room
    assert 'value="alert"' not in room


def test_room_query_count_does_not_grow_with_entries_or_tasks(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    url = incident.get_absolute_url()
    services.timeline_entry_pin(actor=crisis_lead, entry=incident.timeline.first(), pinned=True)
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for n in range(12):
        entry = services.timeline_entry_add(actor=crisis_lead, incident=incident, kind="note",
                                            body=f"Note {n}")
        services.timeline_entry_add(actor=grant(UserFactory(), CONTRIBUTE), incident=incident,
                                    kind="note", body="fix", corrects=entry)
        task = services.task_create(actor=crisis_lead, incident=incident, title=f"Task {n}",
                                    owner=UserFactory())
        services.task_comment_add(actor=crisis_lead, task=task, body="comment")
        ChecklistItem.objects.create(task=task, text="step")
    services.timeline_entry_pin(actor=crisis_lead, entry=entry, pinned=True)
    many = count_queries(lambda: client.get(url))
    assert few == many


def test_unknown_room_objects_are_404(client, crisis_lead):
    client.force_login(crisis_lead)
    for url in ["/incidents/987654/", "/incidents/987654/escalate/", "/incidents/987654/merge/",
                "/incidents/987654/move/active/", "/incidents/entries/987654/",
                "/incidents/entries/987654/correct/"]:
        assert client.get(url).status_code == 404, url
    for url in ["/incidents/987654/timeline/", "/incidents/tasks/987654/status/",
                "/incidents/tasks/987654/comments/", "/incidents/987654/tasks/"]:
        assert client.post(url, {"body": "x", "status": "done"}).status_code == 404, url


# --- list filters and the create form --------------------------------------------------------

def test_list_shows_levels_drills_and_filters_them(client, outsider):
    IncidentFactory(title="Real red one", warning_level="red")
    IncidentFactory(title="Practice run", is_drill=True,
                    type=IncidentType.objects.get(code="data_breach"))
    client.force_login(outsider)
    url = reverse("crisis:incident-list")
    content = client.get(url).content.decode()
    assert "Real red one" in content and "Practice run" in content  # drills shown by default
    assert "cd-level-red" in content and "cd-drill" in content
    assert content.index("Real red one") < content.index("Practice run")  # urgency first

    def titles(params):
        return client.get(url, params).content.decode()

    assert "Practice run" not in titles({"drill": "exclude"})
    assert "Real red one" not in titles({"drill": "only"})
    assert "Real red one" not in titles({"type": "data_breach"})
    assert "Practice run" not in titles({"warning_level": "red"})
    assert 'data-live-insert="off"' in titles({"drill": "only"})
    assert 'data-live-insert="on"' in titles({"drill": "include"})


def test_list_mine_filter(client, lead):
    IncidentFactory(title="Someone else's")
    IncidentFactory(title="My own", created_by=lead)
    client.force_login(lead)
    content = client.get(reverse("crisis:incident-list"), {"mine": "true"}).content.decode()
    assert "My own" in content and "Someone else's" not in content


def test_create_form_takes_the_whole_classification(client, lead):
    client.force_login(lead)
    response = client.post(reverse("crisis:incident-create"), {
        "title": "Data leak rumour", "type": IncidentType.objects.get(code="data_breach").pk,
        "severity": "high", "origin": "internal", "confidentiality": "confidential",
        "stakeholder_kinds": ["customers", "regulators"],
        "affected_products": "App, Web shop", "affected_regions": "EU，Taiwan",
        "tags": "gdpr", "is_drill": "on", "summary": "",
    })
    incident = Incident.objects.get()
    assert response["Location"] == incident.get_absolute_url()
    assert (incident.origin, incident.confidentiality, incident.is_drill) == (
        "internal", "confidential", True)
    assert incident.stakeholder_kinds == ["customers", "regulators"]
    assert incident.affected_products == ["App", "Web shop"]
    assert incident.affected_regions == ["EU", "Taiwan"]
    assert incident.tags == ["gdpr"]


def test_create_form_requires_a_type_and_links_the_error(client, lead):
    client.force_login(lead)
    response = client.post(reverse("crisis:incident-create"),
                           {"title": "No type", "severity": "low", "origin": "external",
                            "confidentiality": "internal", "tags": "a, b",
                            "stakeholder_kinds": ["media"]})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'href="#id_type"' in content
    assert "Choose the type of incident." in content
    assert 'value="a, b"' in content
    assert 'value="media" id="id_stakeholder_kinds_2" class="form-selectgroup-input" checked' \
        in content
    assert not Incident.objects.exists()


def test_room_in_chinese(client, outsider, incident):
    client.force_login(outsider)
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/incidents/"})
    response = client.get(incident.get_absolute_url())
    assert response.status_code == 200
    assert 'lang="zh-hant"' in response.content.decode()


def test_writing_in_a_merged_incident_is_a_conflict(client, crisis_lead, incident):
    client.force_login(crisis_lead)
    survivor = IncidentFactory()
    services.incident_merge(actor=crisis_lead, duplicate=incident, survivor=survivor,
                            reason="Same")
    incident.refresh_from_db()
    room = client.get(incident.get_absolute_url()).content.decode()
    assert f"Merged into {survivor.reference}" in room
    assert 'id="composer"' not in room
    before = snapshot(incident)
    url = reverse("crisis:timeline-add", args=[incident.pk])
    response = client.post(url, {"kind": "note", "body": "Late"}, headers=HTMX)
    assert response.status_code == 409
    assert "was merged into another incident" in response.content.decode()
    response = client.post(url, {"kind": "note", "body": "Late"}, follow=True)
    assert "was merged into another incident" in response.content.decode()
    assert snapshot(incident) == before
