import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from crisis.celery import app as celery_app
from crisis.services import incident_create
from teams.choices import DepartmentKind
from teams.models import Notification
from teams.tasks import notify_incident_created
from tests.crisis.factories import IncidentFactory
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


def test_notifies_the_crisis_core_and_emails_those_with_an_address(crisis_core):
    comms, _legal = crisis_core
    incident = IncidentFactory(title="Recall rumour")

    assert notify_incident_created(incident.pk) == 1

    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "comms", "legal"}
    assert [m.to for m in mail.outbox] == [[comms.email]]
    assert "Recall rumour" in mail.outbox[0].body
    assert f"/incidents/{incident.pk}/" in mail.outbox[0].body


def test_running_again_sends_nothing_twice(crisis_core):
    incident = IncidentFactory()
    notify_incident_created(incident.pk)

    assert notify_incident_created(incident.pk) == 0

    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 2


def test_a_vanished_incident_is_final_not_an_error(db):
    assert notify_incident_created(987654) == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_notification_after_commit(crisis_core, lead, celery_not_eager):
    """Not eager: the task travels through the broker (Redis, or memory without REDIS_URL)
    to a worker consuming it, after the incident's transaction has committed."""
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        incident_create(actor=lead, title="Worker-delivered incident")
        deadline = time.monotonic() + 15
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m.to for m in mail.outbox] == [[crisis_core[0].email]]
    assert Notification.objects.filter(kind="incident_created").count() == 2
