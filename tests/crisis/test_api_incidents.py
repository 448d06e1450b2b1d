import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from crisis import selectors, services
from crisis.models import Incident, IncidentType, LiveEvent, Task, TimelineEntry
from tests.conftest import as_new_request, count_queries
from tests.crisis.factories import IncidentFactory, IncidentTypeFactory
from tests.crisis.helpers import db_state

pytestmark = pytest.mark.django_db

LIST_URL = "/api/incidents/"


def detail_url(pk) -> str:
    return f"/api/incidents/{pk}/"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("outsider", 403), ("contributor", 403), ("lead", 201)],
)
def test_create_by_role_and_refusals_change_nothing(api_client, sign_in, who, expected):
    sign_in(who)

    response = api_client.post(LIST_URL, {"title": "Spike in complaints", "type": "other"},
                               format="json")

    assert response.status_code == expected
    assert Incident.objects.count() == (1 if expected == 201 else 0)


def test_create_returns_the_incident_as_the_api_shows_it(api_client, lead):
    api_client.force_authenticate(lead)

    response = api_client.post(
        LIST_URL,
        {"title": "直播中產品起火", "summary": "影片在抖音流傳", "severity": "critical",
         "type": "other"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    incident = Incident.objects.get()
    assert body["id"] == incident.pk
    assert body["reference"] == incident.reference
    assert body["title"] == "直播中產品起火"
    assert body["status"] == "triage"
    assert body["severity"] == "critical"
    assert body["created_by"]["username"] == "lead"
    assert body["url"].endswith(detail_url(incident.pk))


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "severity": "apocalyptic"}, "severity"),
        ({"title": ["not", "a", "string"]}, "title"),
        ({"title": "ok", "type": "no_such_type"}, "type"),
        ({"title": "ok", "origin": "martian"}, "origin"),
        ({"title": "ok", "confidentiality": "top-secret"}, "confidentiality"),
        ({"title": "ok", "stakeholder_kinds": ["aliens"]}, "stakeholder_kinds"),
        ({"title": "ok", "stakeholder_kinds": "customers"}, "stakeholder_kinds"),
        ({"title": "ok", "tags": ["x" * 81]}, "tags"),
        ({"title": "ok", "tags": [f"t{n}" for n in range(31)]}, "tags"),
        ({"title": "ok", "is_drill": "maybe"}, "is_drill"),
        ({"title": "ok", "warning_level": "purple"}, "warning_level"),
        ({"title": "ok", "detected_at": "yesterday"}, "detected_at"),
        ({"title": "ok", "status": "closed"}, "status"),
        ({"title": "\u200b\u2060\ufeff"}, "title"),
        ({"title": "ok", "summary": "x" * 10_001}, "summary"),
    ],
)
def test_create_rejects_bad_input_naming_the_field(api_client, lead, payload, field):
    api_client.force_authenticate(lead)

    response = api_client.post(LIST_URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Incident.objects.exists()
    assert not LiveEvent.objects.exists()


def test_malformed_json_is_a_400(api_client, lead):
    api_client.force_authenticate(lead)
    response = api_client.post(LIST_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_unknown_incident_is_404(api_client, outsider):
    api_client.force_authenticate(outsider)
    assert api_client.get(detail_url(999999)).status_code == 404


def test_list_is_paginated_filtered_and_searchable(api_client, outsider):
    IncidentFactory(title="Recall of X2 power bank", severity="critical")
    IncidentFactory(title="Delivery delays", severity="low", status="closed")
    api_client.force_authenticate(outsider)

    body = api_client.get(LIST_URL, {"severity": "critical"}).json()
    assert [row["title"] for row in body["results"]] == ["Recall of X2 power bank"]
    assert body["next"] is None and body["previous"] is None

    assert len(api_client.get(LIST_URL, {"q": "delivery"}).json()["results"]) == 1
    assert len(api_client.get(LIST_URL, {"status": ["closed", "triage"]}).json()["results"]) == 2
    assert api_client.get(LIST_URL, {"severity": "bogus"}).status_code == 400


@pytest.mark.parametrize("ordering", [None, "created_at", "-updated_at"])
def test_list_pages_by_cursor_in_its_order_forward_and_back(api_client, outsider, ordering):
    """Keyset pages: the urgency order mixes directions (open before closed, then level,
    severity and newest, each descending), so pages cross from one group to the next."""
    for status, level, severity in [("active", "red", "critical"), ("triage", "", "low"),
                                    ("closed", "red", "high"), ("closed", "", "medium"),
                                    ("active", "yellow", "high"), ("closed", "", "medium"),
                                    ("contained", "red", "critical")]:
        IncidentFactory(status=status, warning_level=level, severity=severity)
    api_client.force_authenticate(outsider)
    expected = selectors.incident_list(user=outsider)
    if ordering:
        expected = expected.order_by(ordering, ordering.replace(ordering.lstrip("-"), "pk"))
    params = {"page_size": 2, **({"ordering": ordering} if ordering else {})}

    pages = [api_client.get(LIST_URL, params).json()]
    while pages[-1]["next"]:
        pages.append(api_client.get(pages[-1]["next"]).json())
    assert ([row["id"] for page in pages for row in page["results"]]
            == list(expected.values_list("pk", flat=True)))
    assert [len(page["results"]) for page in pages] == [2, 2, 2, 1]
    assert pages[0]["previous"] is None
    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(api_client.get(back[-1]["previous"]).json())
    assert [page["results"] for page in back[::-1]] == [page["results"] for page in pages]


def test_list_refuses_page_numbers_and_cursors_it_did_not_give(api_client, outsider):
    IncidentFactory.create_batch(3)
    api_client.force_authenticate(outsider)
    cursor = api_client.get(LIST_URL, {"page_size": 1}).json()["next"].split("cursor=")[1]
    cursor = cursor.split("&")[0]
    for params, field in [({"page": 2}, "page"), ({"cursor": "not-a-cursor"}, "cursor"),
                          ({"cursor": cursor[:-3] + "AAA"}, "cursor"),
                          ({"cursor": cursor, "ordering": "created_at"}, "cursor")]:
        response = api_client.get(LIST_URL, params)
        assert response.status_code == 400, params
        assert list(response.json()) == [field]
    assert api_client.get(LIST_URL, {"cursor": cursor}).status_code == 200


def test_list_query_count_does_not_grow_with_rows_or_depth(api_client, outsider):
    api_client.force_authenticate(outsider)
    IncidentFactory()
    one_row = count_queries(
        lambda: as_new_request(api_client, outsider).get(LIST_URL, {"page_size": 50}))
    IncidentFactory.create_batch(30)
    many_rows = count_queries(
        lambda: as_new_request(api_client, outsider).get(LIST_URL, {"page_size": 10}))
    deeper = api_client.get(LIST_URL, {"page_size": 10}).json()["next"]
    deep = count_queries(lambda: as_new_request(api_client, outsider).get(deeper))
    assert one_row == many_rows == deep <= 3  # user, their global rights, the page


def test_list_answers_each_incident_as_the_detail_serializer_does(api_client, outsider):
    """The list writes its rows in plain Python (``IncidentListSerializer``): the same keys,
    values and order as ``IncidentSerializer`` for every kind of incident, and the merged
    ones checked in one query whatever their number."""
    from crisis.serializers import IncidentSerializer

    now = timezone.now()
    hidden = IncidentFactory(confidentiality="confidential")
    visible = IncidentFactory(tags=["recall", "直播"], affected_regions=["HK"],
                              stakeholder_kinds=["customers"], warning_level="red",
                              warning_level_overridden=True, is_drill=True, detected_at=now,
                              acknowledged_at=now, contained_at=now)
    IncidentFactory(summary="", status="closed", closed_at=now, resolved_at=now)
    IncidentFactory.create_batch(2, merged_into=visible, status="closed")
    IncidentFactory(merged_into=hidden, status="closed")
    outsider.timezone = "Asia/Hong_Kong"  # times in the reader's zone, as DRF writes them
    outsider.save()
    api_client.force_login(outsider)  # signed in by session: the middleware sets the zone

    response = api_client.get(LIST_URL, {"page_size": 50})

    rows = response.json()["results"]
    request = response.wsgi_request
    with timezone.override(zoneinfo.ZoneInfo("Asia/Hong_Kong")):
        expected = [IncidentSerializer(incident, context={"request": request}).data
                    for incident in selectors.incident_list(user=outsider)]
    assert rows[0]["created_at"].endswith("+08:00")
    assert len(rows) == 5  # not the confidential one
    assert rows == expected
    assert sorted(str(row["merged_into"]) for row in rows) == sorted(
        ["None", "None", "None", str(visible.pk), str(visible.pk)])  # not into the hidden one
    assert [list(row) for row in rows] == [list(IncidentSerializer.Meta.fields)] * 5
    before = count_queries(lambda: api_client.get(LIST_URL))
    IncidentFactory.create_batch(3, merged_into=visible, status="closed")
    assert count_queries(lambda: api_client.get(LIST_URL)) == before  # one for the survivors


def test_token_authentication(api_client, lead):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=lead)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(LIST_URL).status_code == 200


def test_incident_update_and_delete_are_not_offered(api_client, lead):
    incident = IncidentFactory(title="Original")
    api_client.force_authenticate(lead)
    assert api_client.patch(detail_url(incident.pk), {"title": "x"}).status_code == 405
    assert api_client.delete(detail_url(incident.pk)).status_code == 405
    incident.refresh_from_db()
    assert incident.title == "Original"


def test_schema_and_docs_are_served(client, outsider):
    client.force_login(outsider)
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    assert b"/api/incidents/" in schema.content
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


def action_url(pk, action) -> str:
    return f"/api/incidents/{pk}/{action}/"


def hide_incidents(monkeypatch, *hidden):
    """Make ``hidden`` invisible to everyone, as restricted incidents will be."""
    visible = selectors.incident_list

    def incident_list(*, user):
        return visible(user=user).exclude(pk__in=[i.pk for i in hidden])

    monkeypatch.setattr(selectors, "incident_list", incident_list)


# --- create ------------------------------------------------------------------------------

def test_create_takes_the_classification_and_adds_the_playbook(api_client, lead):
    api_client.force_authenticate(lead)

    response = api_client.post(LIST_URL, {
        "title": "Leaked customer list", "type": "data_breach", "origin": "internal",
        "confidentiality": "restricted", "stakeholder_kinds": ["customers", "regulators"],
        "affected_products": ["Shop app"], "affected_regions": ["TW", "HK"],
        "tags": ["gdpr", " gdpr "], "is_drill": True, "warning_level": "orange",
    }, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["type"] == {"code": "data_breach", "name": "Data or security breach"}
    assert body["origin"] == "internal"
    assert body["confidentiality"] == "restricted"
    assert body["stakeholder_kinds"] == ["customers", "regulators"]
    assert body["affected_regions"] == ["TW", "HK"]
    assert body["tags"] == ["gdpr"]
    assert body["is_drill"] is True
    assert body["warning_level"] == "orange"
    assert Task.objects.filter(incident_id=body["id"]).exists()


def test_create_refuses_detection_in_the_future(api_client, lead):
    api_client.force_authenticate(lead)
    future = (timezone.now() + timezone.timedelta(days=1)).isoformat()

    response = api_client.post(LIST_URL, {"title": "ok", "type": "other", "detected_at": future},
                               format="json")

    assert response.status_code == 400
    assert "detected_at" in response.json()
    assert not Incident.objects.exists()


# --- the lifecycle and classification actions: who may -----------------------------------

def _lifecycle_request(action: str):
    """(incident, method, url, payload) of a valid request for ``action``."""
    if action == "reopen":
        incident = IncidentFactory(status="closed", closed_at=timezone.now())
        return incident, "post", action_url(incident.pk, action), {"reason": "It is back"}
    incident = IncidentFactory()
    payloads = {
        "transition": ("post", {"to_status": "active"}),
        "merge": ("post", {"into": IncidentFactory().pk, "reason": "Same story"}),
        "escalate": ("post", {"severity": "high", "reason": "National press picked it up"}),
        "classify": ("patch", {"tags": ["recall"], "origin": "internal"}),
    }
    method, payload = payloads[action]
    return incident, method, action_url(incident.pk, action), payload


LIFECYCLE_ACTIONS = ("transition", "reopen", "merge", "escalate", "classify")


@pytest.mark.parametrize("action", LIFECYCLE_ACTIONS)
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("outsider", 403), ("contributor", 403), ("lead", 200)],
)
def test_lifecycle_actions_by_role_and_refusals_change_nothing(
    api_client, sign_in, action, who, expected
):
    _, method, url, payload = _lifecycle_request(action)
    sign_in(who)
    before = db_state()

    response = getattr(api_client, method)(url, payload, format="json")

    assert response.status_code == expected, response.content
    if expected == 200:
        assert db_state() != before
        assert TimelineEntry.objects.filter(actor__username="lead").exists()
    else:
        assert db_state() == before


@pytest.mark.parametrize("action", LIFECYCLE_ACTIONS)
def test_lifecycle_actions_on_an_unknown_or_hidden_incident_are_404(
    api_client, manager, monkeypatch, action
):
    incident, method, url, payload = _lifecycle_request(action)
    api_client.force_authenticate(manager)
    hide_incidents(monkeypatch, incident)
    before = db_state()

    hidden = getattr(api_client, method)(url, payload, format="json")
    unknown = getattr(api_client, method)(action_url(999999, action), payload, format="json")

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()  # never reveal that it exists
    assert db_state() == before


def test_a_hidden_incident_is_404_and_missing_from_the_list(api_client, outsider, monkeypatch):
    shown, hidden = IncidentFactory(), IncidentFactory()
    hide_incidents(monkeypatch, hidden)
    api_client.force_authenticate(outsider)

    assert api_client.get(detail_url(hidden.pk)).status_code == 404
    assert [row["id"] for row in api_client.get(LIST_URL).json()["results"]] == [shown.pk]


@pytest.mark.parametrize("action", LIFECYCLE_ACTIONS)
def test_lifecycle_actions_reject_malformed_json(api_client, manager, action):
    _, method, url, _ = _lifecycle_request(action)
    api_client.force_authenticate(manager)
    before = db_state()

    response = getattr(api_client, method)(url, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert db_state() == before


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("transition", {}, "to_status"),
        ("transition", {"to_status": ""}, "to_status"),
        ("transition", {"to_status": "exploded"}, "to_status"),
        ("transition", {"to_status": ["active"]}, "to_status"),
        ("transition", {"to_status": "active", "reason": 42.5, "when": "now"}, "when"),
        ("reopen", {}, "reason"),
        ("reopen", {"reason": "   "}, "reason"),
        ("reopen", {"reason": "x" * 10_001}, "reason"),
        ("merge", {"reason": "dup"}, "into"),
        ("merge", {"into": "abc", "reason": "dup"}, "into"),
        ("merge", {"into": 999999, "reason": "dup"}, "into"),
        ("merge", {"into": "self", "reason": "dup"}, "into"),
        ("merge", {"into": "other"}, "reason"),
        ("escalate", {"severity": "high"}, "reason"),
        # Invisible characters alone are no reason (escalating to critical tells the
        # executives why).
        *[("escalate", {"severity": "critical", "reason": text}, "reason")
          for text in ("\u200b", "\u200c\u200d", "\u2060", "\ufeff", "\u00a0", "\u3000",
                       "\u180e\u00ad", "\u3164", " \u200b\n\u2029")],
        ("escalate", {"severity": "apocalyptic", "reason": "r"}, "severity"),
        ("escalate", {"warning_level": "purple", "reason": "r"}, "warning_level"),
        ("escalate", {"reason": "nothing to change"}, "severity"),
        ("escalate", {"severity": "medium", "reason": "same as now"}, "severity"),
        ("escalate", {"severity": "high", "override": True, "reason": "r"}, "override"),
        ("escalate", {"warning_level": "red", "override": "perhaps", "reason": "r"},
         "override"),
        ("classify", {}, "non_field_errors"),
        ("classify", {"severity": "high"}, "severity"),
        ("classify", {"title": ""}, "title"),
        ("classify", {"title": "   "}, "title"),
        ("classify", {"title": "x" * 201}, "title"),
        ("classify", {"type": "no_such_type"}, "type"),
        ("classify", {"origin": "martian"}, "origin"),
        ("classify", {"confidentiality": "secret"}, "confidentiality"),
        ("classify", {"stakeholder_kinds": ["aliens"]}, "stakeholder_kinds"),
        ("classify", {"affected_products": "not a list"}, "affected_products"),
        ("classify", {"affected_regions": [["nested"]]}, "affected_regions"),
        ("classify", {"tags": [1, 2]}, "tags"),
        ("classify", {"is_drill": "maybe"}, "is_drill"),
    ],
)
def test_lifecycle_actions_reject_bad_input_naming_the_field(
    api_client, manager, action, payload, field
):
    incident = IncidentFactory()
    other = IncidentFactory()
    if payload.get("into") == "self":
        payload = {**payload, "into": incident.pk}
    elif payload.get("into") == "other":
        payload = {**payload, "into": other.pk}
    api_client.force_authenticate(manager)
    before = db_state()
    method = "patch" if action == "classify" else "post"

    response = getattr(api_client, method)(action_url(incident.pk, action), payload,
                                           format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert db_state() == before


# --- lifecycle ---------------------------------------------------------------------------

def test_transition_moves_on_stamps_and_records(api_client, manager):
    incident = IncidentFactory()
    api_client.force_authenticate(manager)

    response = api_client.post(action_url(incident.pk, "transition"), {"to_status": "active"},
                               format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    incident.refresh_from_db()
    assert incident.status == "active"
    assert incident.acknowledged_at is not None
    entry = TimelineEntry.objects.get(incident=incident, kind="status")
    assert entry.data == {"from": "triage", "to": "active"}
    assert entry.actor == manager


def test_closing_from_triage_is_a_409_naming_current_and_allowed(api_client, manager):
    incident = IncidentFactory()
    api_client.force_authenticate(manager)
    before = db_state()

    response = api_client.post(action_url(incident.pk, "transition"), {"to_status": "closed"},
                               format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["current"] == "triage"
    assert body["allowed"] == ["active"]
    assert incident.reference in body["detail"]
    assert db_state() == before


def test_reopening_an_open_incident_is_a_409(api_client, manager):
    incident = IncidentFactory(status="active")
    api_client.force_authenticate(manager)
    before = db_state()

    response = api_client.post(action_url(incident.pk, "reopen"), {"reason": "Back again"},
                               format="json")

    assert response.status_code == 409
    assert response.json()["current"] == "active"
    assert response.json()["allowed"] == []
    assert db_state() == before


def test_stepping_back_needs_a_reason(api_client, manager):
    incident = IncidentFactory(status="recovering")
    api_client.force_authenticate(manager)

    response = api_client.post(action_url(incident.pk, "transition"), {"to_status": "active"},
                               format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    incident.refresh_from_db()
    assert incident.status == "recovering"


def _recovering_incident_with_playbook_tasks(manager) -> Incident:
    incident = services.incident_create(actor=manager, title="Battery fire video",
                                        type=IncidentTypeFactory())
    for status in ("active", "contained", "recovering"):
        incident = services.incident_transition(actor=manager, incident=incident,
                                                to_status=status)
    return incident


def test_closing_with_open_tasks_is_a_409_and_closes_once_they_are_finished(
    api_client, manager
):
    incident = _recovering_incident_with_playbook_tasks(manager)
    open_tasks = incident.tasks.count()
    assert open_tasks
    api_client.force_authenticate(manager)
    before = db_state()

    refused = api_client.post(action_url(incident.pk, "transition"), {"to_status": "closed"},
                              format="json")

    assert refused.status_code == 409
    assert refused.json()["open_tasks"] == open_tasks
    assert refused.json()["current"] == "recovering"
    assert refused.json()["allowed"] == ["closed", "active"]
    assert db_state() == before

    for task in incident.tasks.all():
        services.task_set_status(actor=manager, task=task, status="waived", reason="Drill")
    closed = api_client.post(action_url(incident.pk, "transition"), {"to_status": "closed"},
                             format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None

    reopened = api_client.post(action_url(incident.pk, "reopen"), {"reason": "New claims"},
                               format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "active"
    assert reopened.json()["closed_at"] is None


def test_merge_moves_timeline_and_tasks_and_answers_the_survivor(api_client, manager):
    duplicate = services.incident_create(actor=manager, title="Fire video on TikTok",
                                         type=IncidentTypeFactory())
    survivor = services.incident_create(actor=manager, title="Battery fire",
                                        type=IncidentTypeFactory())
    services.timeline_entry_add(actor=manager, incident=duplicate, kind="note", body="First seen")
    own = services.task_create(actor=manager, incident=duplicate, title="Ask TikTok")
    moved_entries = set(duplicate.timeline.values_list("pk", flat=True))
    moved_tasks = {own.pk}  # the playbook's tasks the survivor has too stay behind
    kept_tasks = set(survivor.tasks.values_list("pk", flat=True))
    api_client.force_authenticate(manager)

    response = api_client.post(action_url(duplicate.pk, "merge"),
                               {"into": survivor.pk, "reason": "Same fire"}, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == survivor.pk
    duplicate.refresh_from_db()
    assert duplicate.status == "closed"
    assert duplicate.merged_into == survivor
    assert set(survivor.tasks.values_list("pk", flat=True)) == moved_tasks | kept_tasks
    assert moved_entries <= set(survivor.timeline.values_list("pk", flat=True))
    assert list(duplicate.timeline.values_list("kind", flat=True)) == ["merge"]
    moved = api_client.get(f"/api/incidents/{survivor.pk}/timeline/").json()["results"]
    assert {e["merged_from"] for e in moved if e["id"] in moved_entries} == {
        duplicate.reference}
    detail = api_client.get(detail_url(duplicate.pk)).json()
    assert detail["merged_into"] == survivor.pk


def test_merge_into_an_incident_the_user_may_not_view_names_into(
    api_client, manager, monkeypatch
):
    duplicate, hidden = IncidentFactory(), IncidentFactory()
    hide_incidents(monkeypatch, hidden)
    api_client.force_authenticate(manager)
    before = db_state()

    response = api_client.post(action_url(duplicate.pk, "merge"),
                               {"into": hidden.pk, "reason": "dup"}, format="json")
    unknown = api_client.post(action_url(duplicate.pk, "merge"),
                              {"into": 999999, "reason": "dup"}, format="json")

    assert response.status_code == unknown.status_code == 400
    assert response.json() == unknown.json()
    assert "into" in response.json()
    assert db_state() == before


def test_merging_a_closed_incident_is_a_409(api_client, manager):
    duplicate = IncidentFactory(status="closed", closed_at=timezone.now())
    survivor = IncidentFactory()
    api_client.force_authenticate(manager)
    before = db_state()

    response = api_client.post(action_url(duplicate.pk, "merge"),
                               {"into": survivor.pk, "reason": "dup"}, format="json")

    assert response.status_code == 409
    assert response.json()["current"] == "closed"
    assert db_state() == before


def test_escalate_sets_severity_and_warning_level_with_override(api_client, manager):
    incident = IncidentFactory(warning_level="red", warning_level_auto="red")
    api_client.force_authenticate(manager)

    response = api_client.post(action_url(incident.pk, "escalate"), {
        "severity": "critical", "warning_level": "yellow", "override": True,
        "reason": "Rumour debunked, but regulators asked",
    }, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["severity"] == "critical"
    assert body["warning_level"] == "yellow"
    assert body["warning_level_overridden"] is True
    entry = TimelineEntry.objects.get(incident=incident, kind="escalation")
    assert entry.body == "Rumour debunked, but regulators asked"


def test_escalating_a_closed_incident_is_a_409(api_client, manager):
    incident = IncidentFactory(status="closed", closed_at=timezone.now())
    api_client.force_authenticate(manager)
    before = db_state()

    response = api_client.post(action_url(incident.pk, "escalate"),
                               {"severity": "high", "reason": "r"}, format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": response.json()["detail"], "current": "closed",
                               "allowed": []}
    assert db_state() == before


def test_classify_changes_only_what_is_sent_and_applies_the_new_playbook(api_client, manager):
    incident = IncidentFactory(title="Kept", tags=["old"])
    api_client.force_authenticate(manager)

    response = api_client.patch(action_url(incident.pk, "classify"), {
        "type": "product_quality", "stakeholder_kinds": ["customers"], "is_drill": True,
        "affected_products": ["X2 power bank"],
    }, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Kept"
    assert body["tags"] == ["old"]
    assert body["type"]["code"] == "product_quality"
    assert body["is_drill"] is True
    entry = TimelineEntry.objects.get(incident=incident, kind="classification")
    assert set(entry.data) == {"type", "stakeholder_kinds", "is_drill", "affected_products"}
    assert incident.tasks.filter(template__playbook__incident_type__code="product_quality") \
        .exists()


def test_classify_is_a_patch_only(api_client, manager):
    incident = IncidentFactory()
    api_client.force_authenticate(manager)
    response = api_client.post(action_url(incident.pk, "classify"), {"tags": ["x"]},
                               format="json")
    assert response.status_code == 405


def test_classify_takes_form_data_without_resetting_unsent_booleans(api_client, manager):
    incident = IncidentFactory(is_drill=True)
    api_client.force_authenticate(manager)

    response = api_client.patch(action_url(incident.pk, "classify"),
                                "title=Renamed", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200, response.content
    incident.refresh_from_db()
    assert (incident.title, incident.is_drill) == ("Renamed", True)


def test_reclassifying_a_merged_incident_is_a_409(api_client, manager):
    survivor = IncidentFactory()
    merged = IncidentFactory(status="closed", merged_into=survivor)
    api_client.force_authenticate(manager)
    before = db_state()

    response = api_client.patch(action_url(merged.pk, "classify"), {"tags": ["x"]},
                                format="json")

    assert response.status_code == 409
    assert db_state() == before


# --- incident types ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("outsider", 200), ("contributor", 200), ("lead", 200)],
)
def test_incident_types_by_role(api_client, sign_in, who, expected):
    sign_in(who)
    assert api_client.get("/api/incident-types/").status_code == expected


def test_incident_types_list_the_active_ones(api_client, outsider):
    IncidentTypeFactory(code="retired_kind", is_active=False)
    api_client.force_authenticate(outsider)

    body = api_client.get("/api/incident-types/").json()

    codes = [row["code"] for row in body["results"]]
    assert codes == list(IncidentType.objects.filter(is_active=True).values_list("code",
                                                                                 flat=True))
    assert "retired_kind" not in codes
    assert set(body["results"][0]) == {"code", "name", "description"}
    assert api_client.post("/api/incident-types/", {"code": "x"}).status_code == 405
