import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from crisis.celery import app as celery_app
from crisis.permissions import ADD_INCIDENT
from tests.teams.factories import UserFactory


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process unless a test starts a real worker (see tests/teams)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def grant(user, *codenames: str):
    for codename in codenames:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    # Permission caches live on the instance; hand back a fresh one.
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def lead(db):
    """A crisis lead: may open incidents."""
    return grant(UserFactory(username="lead"), ADD_INCIDENT)


@pytest.fixture
def outsider(db):
    """Signed in, on no incident, may not open incidents."""
    return UserFactory(username="outsider")


@pytest.fixture
def api_client():
    return APIClient()
