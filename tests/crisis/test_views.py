import pytest
from django.urls import reverse

from crisis.models import Incident, IncidentType
from tests.conftest import count_queries
from tests.crisis.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def pages(incident) -> list[str]:
    return [
        reverse("crisis:incident-list"),
        reverse("crisis:incident-detail", args=[incident.pk]),
        reverse("crisis:incident-row", args=[incident.pk]),
        reverse("crisis:incident-summary-pdf", args=[incident.pk]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    incident = IncidentFactory()
    for url in [*pages(incident), reverse("crisis:incident-create")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["outsider", "lead"])
def test_signed_in_users_see_the_incident_pages(client, request, who):
    incident = IncidentFactory(title="Battery swelling")
    client.force_login(request.getfixturevalue(who))
    for url in pages(incident):
        assert client.get(url).status_code == 200, url


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
