"""The API's shared conventions (core/api.py): the browsable API offers nobody a form with
objects they may not view."""

import re

import pytest
from django.test import Client

from config.urls import router
from crisis.choices import Confidentiality
from crisis.models import Incident
from tests.crisis.factories import (
    ChecklistItemFactory,
    IncidentFactory,
    TaskCommentFactory,
    TaskFactory,
    TimelineEntryFactory,
)
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Project Nightjar acquisition leak"
HIDDEN_NAMES = ("Zebulon", "Quillfeather", "zquill")


def _api_paths(ids: dict[str, int]) -> list[str]:
    """Every route of the API router, its ids filled in with ``ids``."""
    paths = []
    for pattern in router.urls:
        regex = str(pattern.pattern).removeprefix("^").removesuffix("$")
        if "(?P<format>" in regex:
            continue
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(ids[m.group(1)]), regex)
        paths.append("/api/" + path.replace("\\.", "."))
    return paths


def test_browsable_api_shows_an_outsider_nothing_they_may_not_view(outsider):
    """Every API page rendered as HTML for a signed-in outsider (lists, objects of a
    confidential incident, its actions' 405 pages): no confidential title, and nobody's
    name offered in a form (the team's, whom the outsider cannot see)."""
    hidden = UserFactory(username="zquill", first_name="Zebulon", last_name="Quillfeather")
    secret = IncidentFactory(title=SECRET_TITLE, confidentiality=Confidentiality.CONFIDENTIAL,
                             created_by=hidden)
    task = TaskFactory(incident=secret, title="Call the regulator", owner=hidden)
    ids = {"pk": secret.pk, "incident_pk": secret.pk, "task_pk": task.pk,
           "item_id": ChecklistItemFactory(task=task).pk}
    TimelineEntryFactory(incident=secret, actor=hidden)
    TaskCommentFactory(task=task, author=hidden)
    assert Incident.objects.visible_to(outsider).filter(pk=secret.pk).exists() is False

    client = Client()
    client.force_login(outsider)
    paths = _api_paths(ids)
    assert f"/api/incidents/{secret.pk}/team/handover/" in paths
    for path in paths:
        page = client.get(path, HTTP_ACCEPT="text/html").content.decode()
        assert SECRET_TITLE not in page, path
        for name in HIDDEN_NAMES:
            assert name not in page, (path, name)
