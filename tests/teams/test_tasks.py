import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from config.celery import app as celery_app
from crisis.choices import DepartmentKind
from crisis.services import incident_create
from teams.choices import NotificationKind
from teams.models import Notification
from teams.tasks import deliver_notification_emails
from tests.crisis.factories import IncidentTypeFactory
from tests.teams.factories import DepartmentFactory, UserFactory


@pytest.fixture
def crisis_core(db):
    comms = UserFactory(username="comms")
    legal = UserFactory(username="legal", email="")
    DepartmentFactory(name="Comms", kind=DepartmentKind.COMMUNICATIONS).members.add(comms)
    DepartmentFactory(name="Legal", kind=DepartmentKind.LEGAL).members.add(legal)
    DepartmentFactory(name="Marketing", kind=DepartmentKind.MARKETING).members.add(
        UserFactory(username="marketer")
    )
    return comms, legal


def test_new_incident_notifies_the_crisis_core_and_emails_those_with_an_address(
    crisis_core, lead, django_capture_on_commit_callbacks
):
    comms, _legal = crisis_core
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())

    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "comms", "legal"}
    assert set(Notification.objects.values_list("kind", flat=True)) == {
        NotificationKind.INCIDENT_CREATED}
    assert [m.to for m in mail.outbox] == [[comms.email]]
    assert "Recall rumour" in mail.outbox[0].subject
    assert f"/incidents/{incident.pk}/" in mail.outbox[0].body


def test_delivering_again_sends_nothing_twice(crisis_core, lead,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())
    ids = list(Notification.objects.values_list("pk", flat=True))

    assert deliver_notification_emails(ids) == 0

    assert len(mail.outbox) == 1


def test_notifications_are_stored_even_if_email_never_goes(crisis_core, lead,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        incident_create(actor=lead, title="Nothing lost", type=IncidentTypeFactory())
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2
    assert mail.outbox == []


def test_unknown_notifications_are_final_not_an_error(db):
    assert deliver_notification_emails([987654]) == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_notification_after_commit(crisis_core, lead, celery_not_eager):
    """Not eager: the task travels through the broker (Redis, or memory without REDIS_URL)
    to a worker consuming it, after the incident's transaction has committed."""
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        incident_create(actor=lead, title="Worker-delivered incident", type=IncidentTypeFactory())
        deadline = time.monotonic() + 15
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m.to for m in mail.outbox] == [[crisis_core[0].email]]
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 1
