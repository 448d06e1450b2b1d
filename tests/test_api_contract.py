"""The API keeps its contract: every operation of /api/schema/, fuzzed by schemathesis
inside the test run (through the WSGI app, signed in with a crisis lead's token), answers
without a server error, with a status it documents and a body its schema allows.

Short and deterministic: a fixed seed (derandomized), a few examples per operation, no
shrinking. Path ids are mapped onto the objects the world below holds, so the rows that
carry the contract (incidents with and without a warning level, tasks without a
department, team rows without a department) are read back, not only 404s."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig

from crisis.models import IncidentType
from crisis.services import incident_create, task_create
from reports.services import action_item_create, review_open
from teams.choices import Capability
from tests.conftest import join

EXAMPLES = 5
# The fuzzing phase only, valid and invalid input alike: the coverage phase's thousands of
# boundary cases take minutes.
CONFIG = SchemathesisConfig.from_dict({
    "generation": {"max-examples": EXAMPLES, "deterministic": True, "no-shrink": True},
    "phases": {"coverage": {"enabled": False}, "examples": {"enabled": False}},
})
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True),
                                        config=CONFIG)
schema.app = get_wsgi_application()

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture
def in_process_requests():
    """Requests served inside the test's transaction: the connection stays open across them
    (as Django's test client does it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, lead, in_process_requests):
    lead = join(lead, Capability.CRISIS_MANAGER)
    outage = incident_create(actor=lead, title="Login outage",
                             type=IncidentType.objects.get(code="service_failure"))
    recall = incident_create(actor=lead, title="Battery recall", warning_level="orange",
                             type=IncidentType.objects.get(code="product_quality"))
    task = task_create(actor=lead, incident=outage, title="Call the hosting company")
    review = review_open(incident=outage, actor=lead)
    item = action_item_create(actor=lead, review=review, title="Rehearse the failover",
                              owner=lead, due_on=timezone.localdate())
    return {"token": Token.objects.create(user=lead).key,
            "ids": [outage.pk, recall.pk, task.pk, review.pk, item.pk,
                    *recall.tasks.values_list("pk", flat=True)]}


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_schema(case, world):
    ids = world["ids"]
    for name, value in (case.path_parameters or {}).items():
        if str(value).isdigit():
            case.path_parameters[name] = ids[int(value) % len(ids)]
    case.call_and_validate(headers={"Authorization": f"Token {world['token']}"}, checks=CHECKS)
