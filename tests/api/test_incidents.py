import pytest
from django.urls import reverse

from crisis.models import Incident, LiveEvent
from tests.conftest import count_queries
from tests.crisis.factories import IncidentFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/incidents/"


def detail_url(pk) -> str:
    return f"/api/incidents/{pk}/"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("outsider", 200), ("lead", 200)],
)
def test_list_and_retrieve_by_role(api_client, request, who, expected):
    incident = IncidentFactory()
    if who != "anonymous":
        api_client.force_authenticate(request.getfixturevalue(who))

    assert api_client.get(LIST_URL).status_code == expected
    assert api_client.get(detail_url(incident.pk)).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("outsider", 403), ("lead", 201)],
)
def test_create_by_role_and_refusals_change_nothing(api_client, request, who, expected):
    if who != "anonymous":
        api_client.force_authenticate(request.getfixturevalue(who))

    response = api_client.post(LIST_URL, {"title": "Spike in complaints"}, format="json")

    assert response.status_code == expected
    assert Incident.objects.count() == (1 if expected == 201 else 0)


def test_create_returns_the_incident_as_the_api_shows_it(api_client, lead):
    api_client.force_authenticate(lead)

    response = api_client.post(
        LIST_URL,
        {"title": "直播中產品起火", "summary": "影片在抖音流傳", "severity": "critical"},
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
    assert body["count"] == 1
    assert body["results"][0]["title"] == "Recall of X2 power bank"

    assert api_client.get(LIST_URL, {"q": "delivery"}).json()["count"] == 1
    assert api_client.get(LIST_URL, {"status": ["closed", "triage"]}).json()["count"] == 2
    assert api_client.get(LIST_URL, {"severity": "bogus"}).status_code == 400


def test_list_query_count_does_not_grow_with_rows(api_client, outsider):
    api_client.force_authenticate(outsider)
    IncidentFactory()
    one_row = count_queries(lambda: api_client.get(LIST_URL, {"page_size": 50}))
    IncidentFactory.create_batch(30)
    many_rows = count_queries(lambda: api_client.get(LIST_URL, {"page_size": 50}))
    assert one_row == many_rows <= 3


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
