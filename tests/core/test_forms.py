"""The fields every form and filter shares (core/forms.py, core/filters.py, core/text.py):
bad input is a 4xx naming the field, never a database error."""

from datetime import timedelta

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.test.html import parse_html

from core.forms import DateTimeField, ModelMultipleIdChoiceField, PlainSelect, TextField
from core.text import clean_text
from crisis.models import IncidentType, Task
from crisis.services import incident_create
from teams.choices import Capability
from tests.conftest import join

BEYOND_64_BITS = str(2**63)
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0", "\u3000", "\u180e",
             "\u00ad", "\u2028", "\u3164", " \u200b\t\u00a0\n"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_text_made_only_of_invisible_characters_is_no_text(text):
    assert clean_text(text) == ""
    with pytest.raises(ValidationError, match="required"):
        TextField(required=True).clean(text)
    assert clean_text(f"{text}Reason\u200dwith a joiner{text}") == "Reason\u200dwith a joiner"


@pytest.fixture
def incident(lead):
    return incident_create(actor=join(lead, Capability.CRISIS_MANAGER), title="Login outage",
                           type=IncidentType.objects.get(code="service_failure"))


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "field"), [
    (f"/api/tasks/?incident={BEYOND_64_BITS}", "incident"),
    (f"/api/tasks/?owner={BEYOND_64_BITS}", "owner"),
    ("/api/incidents/{pk}/timeline/?actor=" + BEYOND_64_BITS, "actor"),
    (f"/api/duty-shifts/?user={BEYOND_64_BITS}", "user"),
    ("/api/incidents/?created_after=0001-01-01T00:00:00%2B23:00", "created_after"),
    ("/api/incidents/?created_before=9999-12-31T23:59:59-01:00", "created_before"),
])
def test_api_filters_refuse_numbers_and_times_the_database_cannot_hold(incident, path, field):
    client = Client(raise_request_exception=False)
    client.force_login(incident.created_by)
    response = client.get(path.format(pk=incident.pk))
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.django_db
def test_a_time_zone_offset_postgresql_cannot_store_is_read_as_utc(incident):
    """Python allows offsets up to ±23:59, PostgreSQL only ±15:59 (a 500 there before)."""
    client = Client(raise_request_exception=False)
    client.force_login(incident.created_by)
    response = client.get("/api/incidents/?created_after=1242-12-05T21:53:19-18:47")
    assert response.status_code == 200, response.content
    assert DateTimeField().clean("1242-12-05T21:53:19-18:47").utcoffset() == timedelta(0)


@pytest.mark.django_db
def test_pages_and_bodies_refuse_numbers_and_times_the_database_cannot_hold(incident):
    lead = incident.created_by
    lead.timezone = "Asia/Taipei"
    lead.save(update_fields=["timezone"])
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    tasks = Task.objects.count()

    listed = client.get("/incidents/", {"created_after": "0001-01-01T00:00:00+23:00"})
    due = client.post(f"/incidents/{incident.pk}/tasks/",
                      {"title": "Call the host", "due_at": "0001-01-01T00:00"})
    read = client.post("/api/notifications/read/", {"ids": [int(BEYOND_64_BITS)]},
                       content_type="application/json")

    assert listed.status_code == 400
    assert "Enter a time between the years 1 and 9999 in UTC." in listed.content.decode()
    assert due.status_code == 400
    assert "Enter a time between the years 1 and 9999 in UTC." in due.content.decode()
    assert Task.objects.count() == tasks
    assert read.status_code == 400 and "ids" in read.json()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [BEYOND_64_BITS, "0", "-1", "abc"])
def test_ids_chosen_from_a_queryset_that_no_row_can_have_are_not_valid_values(value):
    """``pk__in`` with an id beyond 64 bits raised OverflowError on SQLite (a 500 from the
    publish step and the contact form)."""
    field = ModelMultipleIdChoiceField(queryset=IncidentType.objects.all())
    with pytest.raises(ValidationError) as raised:
        field.clean([value])
    assert raised.value.code in {"invalid_pk_value", "invalid_choice"}
    chosen = IncidentType.objects.first()
    assert list(field.clean([str(chosen.pk)])) == [chosen]


@pytest.mark.parametrize("value", ["2", "", None, ["3"]])
def test_a_plain_select_draws_what_djangos_select_draws(value):
    choices = [("", "Nobody"), ("1", "Ann & <Bo>"), ("Team", [("2", "Cy"), ("3", "Di")]),
               ("4", "Ed")]
    attrs = {"id": "id_owner", "class": "form-select is-invalid", "aria-invalid": "true",
             "required": True, "disabled": False}
    ours = PlainSelect(choices=choices).render("owner", value, attrs)
    django = forms.Select(choices=choices).render("owner", value, attrs)
    assert parse_html(ours) == parse_html(django)



@pytest.mark.django_db
@pytest.mark.parametrize(("path", "field"), [
    ("/api/incidents/?mine=", "mine"),
    ("/api/incidents/{pk}/timeline/?pinned=", "pinned"),
    ("/api/incidents/{pk}/team/?include_ended=", "include_ended"),
    ("/api/tasks/?overdue=", "overdue"),
    ("/api/media-inquiries/?overdue=", "overdue"),
    ("/api/publishing-freezes/?active=", "active"),
    ("/api/contacts/?active=", "active"),
    ("/api/action-items/?overdue=", "overdue"),
])
def test_api_true_false_filters_refuse_anything_else(incident, path, field):
    """Django's NullBooleanField reads "maybe" as no filter: the list came back unfiltered."""
    client = Client(raise_request_exception=False)
    client.force_login(join(incident.created_by, Capability.ADMINISTRATOR))
    url = path.format(pk=incident.pk)
    refused = client.get(url + "maybe")
    assert refused.status_code == 400, refused.content
    assert refused.json() == {field: ["Use true or false."]}
    for value in ("true", "FALSE", "1", "0", ""):
        assert client.get(url + value).status_code == 200, (url, value)


@pytest.mark.django_db
def test_pages_name_a_true_false_filter_they_cannot_apply(incident):
    client = Client(raise_request_exception=False)
    client.force_login(incident.created_by)

    listed = client.get("/incidents/", {"mine": "maybe"})
    room = client.get(incident.get_absolute_url(), {"pinned": "maybe"})

    assert listed.status_code == 400
    assert room.status_code == 200  # the rest of the room is there; the timeline says why
    for page in (listed, room):
        assert "These filters could not be applied" in page.content.decode()
        assert "Use true or false." in page.content.decode()
