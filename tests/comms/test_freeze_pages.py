"""The publishing freezes page: what it offers to whom, freezing and lifting through the
services, and the incidents it never shows."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from comms.models import PublishingFreeze
from comms.services import freeze_create
from crisis.choices import Confidentiality
from teams.choices import Capability
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("publishing-freezes")


@pytest.fixture
def manager(db):
    user = UserFactory(username="manager")
    user.groups.add(Group.objects.get(name=Capability.CRISIS_MANAGER))
    return user


def offered(response) -> set[str]:
    form = response.context["form"]
    return set() if form is None else {value for value, _label in
                                       form.fields["scope"].choices}


def test_a_crisis_manager_may_freeze_everywhere_or_any_incident(client, manager, incident):
    client.force_login(manager)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert {"all", str(incident.pk)} <= offered(response)
    assert f'href="{PAGE}"' in response.content.decode()  # in the navigation

    response = client.post(PAGE, {"scope": "all", "reason": "Regulator asked us to wait."})
    assert response.status_code == 302
    freeze = PublishingFreeze.objects.get()
    assert freeze.incident is None and freeze.created_by == manager
    assert "Regulator asked us to wait." in client.get(PAGE).content.decode()


def test_an_incident_lead_is_offered_only_the_incidents_they_run(client, assign, incident):
    lead = assign(incident, "lead", "runner")
    other = IncidentFactory()
    client.force_login(lead)
    response = client.get(PAGE)
    assert offered(response) == {str(incident.pk)}
    assert f'href="{PAGE}"' not in response.content.decode()  # in no navigation

    # An incident not offered is refused, and nothing is written.
    response = client.post(PAGE, {"scope": str(other.pk), "reason": "No."})
    assert response.status_code == 400
    response = client.post(PAGE, {"scope": "all", "reason": "No."})
    assert response.status_code == 400
    assert not PublishingFreeze.objects.exists()

    response = client.post(PAGE, {"scope": str(incident.pk), "reason": "Facts unclear."})
    assert response.status_code == 302
    assert PublishingFreeze.objects.get().incident == incident


def test_a_freeze_needs_a_reason(client, manager):
    client.force_login(manager)
    response = client.post(PAGE, {"scope": "all", "reason": "  "})
    assert response.status_code == 400
    assert "reason" in response.content.decode().lower()
    assert not PublishingFreeze.objects.exists()


def test_someone_who_may_not_freeze_gets_no_form(client, incident):
    client.force_login(UserFactory())
    response = client.get(PAGE)
    assert response.status_code == 200 and response.context["form"] is None
    response = client.post(PAGE, {"scope": "all", "reason": "Stop."})
    assert response.status_code == 403
    assert not PublishingFreeze.objects.exists()


def test_freezes_of_incidents_i_may_not_view_are_not_shown(client, manager, admin):
    secret = IncidentFactory(confidentiality=Confidentiality.CONFIDENTIAL)
    freeze = freeze_create(actor=admin, incident=secret, reason="Secret reason")
    client.force_login(manager)
    response = client.get(PAGE)
    assert "Secret reason" not in response.content.decode()
    assert str(secret.pk) not in offered(response)
    response = client.post(reverse("publishing-freeze-lift", args=[freeze.pk]))
    assert response.status_code == 404


def test_lifting_a_freeze(client, manager, admin):
    freeze = freeze_create(actor=admin, reason="Hold everything")
    client.force_login(manager)
    response = client.post(reverse("publishing-freeze-lift", args=[freeze.pk]), follow=True)
    assert response.status_code == 200
    freeze.refresh_from_db()
    assert freeze.lifted_by == manager
    # Lifting again is refused with a message, not an error page.
    response = client.post(reverse("publishing-freeze-lift", args=[freeze.pk]), follow=True)
    assert response.status_code == 200
    assert "already lifted" in response.content.decode()
