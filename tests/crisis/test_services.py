import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from crisis import live
from crisis.models import Incident, LiveEvent
from crisis.services import incident_create
from teams.choices import DepartmentKind
from tests.teams.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_incident_create_opens_in_triage_and_records_the_event(lead):
    incident = incident_create(actor=lead, title="  Battery recall rumour ", summary="Seen on X",
                               severity="high")

    assert incident.title == "Battery recall rumour"
    assert incident.status == "triage"
    assert incident.created_by == lead
    event = LiveEvent.objects.get(incident=incident, type="incident.created")
    assert event.data["reference"] == incident.reference


def test_incident_create_broadcasts_only_after_commit(lead, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.INCIDENT_LIST_GROUP, channel)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident = incident_create(actor=lead, title="Data leak claim")
    assert callbacks  # nothing is sent before commit
    for callback in callbacks:
        callback()

    message = async_to_sync(layer.receive)(channel)
    assert message["frame"] == {
        "type": "incident.created",
        "incident": incident.pk,
        "seq": LiveEvent.objects.get(incident=incident, type="incident.created").pk,
        "data": {"id": incident.pk, "reference": incident.reference, "title": "Data leak claim",
                 "severity": "medium", "status": "triage", "warning_level": "",
                 "is_drill": False},
    }
    async_to_sync(layer.group_discard)(live.INCIDENT_LIST_GROUP, channel)


def test_incident_create_notifies_the_crisis_core_by_email(
    lead, django_capture_on_commit_callbacks
):
    legal = UserFactory(username="legal")
    DepartmentFactory(name="Legal", kind=DepartmentKind.LEGAL).members.add(legal, lead)

    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_create(actor=lead, title="Recall", severity="critical")

    assert [m.to for m in mail.outbox] == [[legal.email]]  # not the lead who opened it
    assert incident.reference in mail.outbox[0].subject
    assert "Severity: Critical" in mail.outbox[0].body


def test_incident_create_refuses_without_the_right_and_writes_nothing(outsider):
    with pytest.raises(PermissionDenied):
        incident_create(actor=outsider, title="Should not exist")
    assert not Incident.objects.exists()
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "severity": "apocalyptic"}, "severity"),
    ],
)
def test_incident_create_rejects_bad_input_and_writes_nothing(lead, fields, bad_field):
    with pytest.raises(ValidationError) as error:
        incident_create(actor=lead, **fields)
    assert bad_field in error.value.message_dict
    assert not Incident.objects.exists()
    assert not LiveEvent.objects.exists()
