"""The approval queue page: the exact text, the diff from what I last saw, one-click
decisions on the version shown, refusals as messages, and its live list."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comms import services
from comms.models import ApprovalDecision, Statement
from comms.selectors import approval_queue
from crisis.choices import Confidentiality
from teams.choices import Capability
from teams.management.commands.seed_demo import Command as SeedDemo
from teams.models import User
from tests.comms.conftest import FRAME
from tests.crisis.factories import IncidentFactory
from tests.crisis.test_consumers import communicator
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
QUEUE = reverse("approval-queue")


@pytest.fixture
def submitted(draft, officer):
    return services.statement_submit(actor=officer, statement=draft)


def decide_url(statement) -> str:
    return reverse("approval-decide", args=[statement.pk])


def test_queue_shows_the_exact_version_under_review(client, submitted, legal):
    client.force_login(legal)
    page = client.get(QUEUE).content.decode()
    version = submitted.versions.get(number=1)
    assert f'id="queue-item-{submitted.pk}"' in page
    assert FRAME["what_happened"] in page and "We are sorry." in page
    assert version.content_hash[:12] in page
    assert "first time you see it" in page
    assert "Legal review" in page
    assert "Approve version 1" in page


def test_queue_is_empty_for_the_author(client, submitted, officer):
    client.force_login(officer)
    assert f'id="queue-item-{submitted.pk}"' not in client.get(QUEUE).content.decode()


def test_approving_takes_the_item_out_of_the_queue(client, submitted, legal):
    client.force_login(legal)
    response = client.post(decide_url(submitted), {"version": 1, "decision": "approve"},
                           headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#approval-queue"
    body = response.content.decode()
    assert f'id="queue-item-{submitted.pk}"' not in body
    assert "You approved version 1" in body
    submitted.refresh_from_db()
    assert submitted.status == "approved"


def test_a_refusal_needs_a_reason_shown_inline(client, submitted, legal):
    client.force_login(legal)
    response = client.post(decide_url(submitted), {"version": 1, "decision": "reject"},
                           headers=HTMX)
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert not ApprovalDecision.objects.exists()


def test_request_changes_with_a_reason(client, submitted, legal):
    client.force_login(legal)
    response = client.post(decide_url(submitted), {"version": 1, "decision": "request_changes",
                                                   "comment": "Name the batch."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "draft"


def test_a_decision_on_an_outdated_version_names_the_current_one(
        client, submitted, legal, officer):
    services.statement_edit(actor=officer, statement=submitted, body="We apologise.",
                            **FRAME)
    client.force_login(legal)
    response = client.post(decide_url(submitted), {"version": 1, "decision": "approve"},
                           headers=HTMX)
    assert response.status_code == 409
    assert "version 2 is" in response.content.decode()
    assert not ApprovalDecision.objects.exists()
    # A plain form post: back to the queue with the same message.
    response = client.post(decide_url(submitted), {"version": 1, "decision": "approve"},
                           follow=True)
    assert "version 2 is" in response.content.decode()


def test_the_author_is_refused_with_a_message(client, submitted, officer):
    client.force_login(officer)
    response = client.post(decide_url(submitted), {"version": 1, "decision": "approve"},
                           headers=HTMX)
    assert response.status_code == 403
    assert "someone else must decide" in response.content.decode()
    response = client.post(decide_url(submitted), {"version": 1, "decision": "approve"},
                           follow=True)
    assert response.status_code == 200
    assert "someone else must decide" in response.content.decode()
    assert not ApprovalDecision.objects.exists()


def test_a_statement_of_an_incident_i_may_not_view_is_not_found(client, assign, admin):
    secret = IncidentFactory(confidentiality=Confidentiality.CONFIDENTIAL)
    writer = assign(secret, "communications_officer", "writer")
    statement = services.statement_create(actor=writer, incident=secret, kind="holding",
                                          language="en", title="Secret", **FRAME)
    outsider = assign(IncidentFactory(), "legal_reviewer", "outsider")
    client.force_login(outsider)
    response = client.post(decide_url(statement), {"version": 1, "decision": "approve"})
    assert response.status_code == 404


def test_diff_against_the_version_i_last_saw(client, submitted, legal, officer):
    services.statement_decide(actor=legal, statement=submitted, version=1,
                              decision="request_changes", comment="Say sorry plainly.")
    services.statement_edit(actor=officer, statement=submitted, body="We apologise.",
                            **FRAME)
    services.statement_submit(actor=officer, statement=submitted)
    client.force_login(legal)
    page = client.get(QUEUE).content.decode()
    assert "Changes since version 1, which you last saw, to version 2" in page
    assert "<del>are sorry</del>" in page
    assert "<ins>apologise</ins>" in page


def test_fallback_says_why_i_decide(client, incident, assign):
    writer = assign(incident, "legal_reviewer", "writer")
    assign(incident, "communications_officer", user=writer)
    counsel = UserFactory(username="counsel")
    counsel.groups.add(Group.objects.get(name=Capability.LEGAL_REVIEWER))
    writer = type(writer).objects.get(pk=writer.pk)
    statement = services.statement_create(actor=writer, incident=incident, kind="holding",
                                          language="en", title="Holding", body="Sorry.",
                                          **FRAME)
    services.statement_submit(actor=writer, statement=statement)
    client.force_login(counsel)
    page = client.get(QUEUE).content.decode()
    assert f'id="queue-item-{statement.pk}"' in page
    assert "capability" in page and "wrote or edited this text" in page


def test_the_list_redraws_on_notifications_and_statement_changes(client, submitted, legal):
    client.force_login(legal)
    response = client.get(QUEUE, headers={**HTMX, "HX-Target": "approval-queue"})
    body = response.content.decode()
    assert body.lstrip().startswith("<section") or 'id="approval-queue"' in body[:400]
    assert "<html" not in body
    assert "live:notification.created" in body and "live:statement.changed" in body
    assert f'id="queue-item-{submitted.pk}"' in body


@pytest.mark.django_db(transaction=True)
async def test_the_queue_page_hears_a_statement_leave_the_queue(submitted, legal, officer):
    # The queue's script listens on the incident list feed (static/js/approval-queue.js).
    socket = await communicator("/ws/incidents/", legal)
    assert (await socket.connect())[0]
    await sync_to_async(services.statement_withdraw)(actor=officer, statement=submitted)
    frame = await socket.receive_json_from(timeout=3)
    while frame["type"] != "statement.changed":
        frame = await socket.receive_json_from(timeout=3)
    assert frame["incident"] == submitted.incident_id
    assert frame["data"]["action"] == "withdrawn"
    await socket.disconnect()


def _submit_another(officer, incident, title):
    statement = services.statement_create(actor=officer, incident=incident, kind="holding",
                                          language="en", title=title, body="Sorry.", **FRAME)
    return services.statement_submit(actor=officer, statement=statement)


def test_my_work_shows_what_waits_with_a_flat_query_count(client, submitted, legal, officer,
                                                          incident):
    client.force_login(legal)
    with CaptureQueriesContext(connection) as one:
        page = client.get(reverse("home")).content.decode()
    assert 'id="my-approvals"' in page
    assert f'#queue-item-{submitted.pk}' in page and submitted.title in page

    for n in range(3):
        _submit_another(officer, incident, f"Update {n}")
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse("home")).content.decode()
    assert "Update 2" in page
    assert len(four) == len(one)


def test_the_demo_data_holds_a_statement_in_each_state_and_legal_has_one_waiting(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        SeedDemo().seed()
    assert set(Statement.objects.values_list("status", flat=True)) >= {
        "draft", "in_review", "approved", "published", "rejected"}
    queue = approval_queue(user=User.objects.get(username="legal"))
    assert [item.statement.status for item in queue] == ["in_review"]
    assert queue[0].last_seen == 1 and queue[0].version.number == 2  # she sees a diff
    # ...and contacts in the regulators', media's, partners' and customers' groups
    from comms.models import Contact

    assert {code for code in Contact.objects.values_list("groups__code", flat=True)} >= {
        "regulators", "media", "partners", "customers"}
    # ...and one delivered publication: the holding statement, in-app to the staff on X2
    from comms.models import Delivery

    delivered = Delivery.objects.filter(publication__statement__kind="holding")
    assert delivered.exists()
    assert set(delivered.values_list("channel", "status")) == {("in_app", "sent")}
    # The approved staff memo is for the employees: its publish step offers them only.
    assert Statement.objects.get(kind="internal_memo").audience == ["employees"]
    SeedDemo().seed()  # seeding again adds nothing
    assert Contact.objects.count() == 7


def test_the_queue_page_costs_the_same_queries_for_one_item_or_four(client, submitted, legal,
                                                                    officer, incident):
    client.force_login(legal)
    with CaptureQueriesContext(connection) as one:
        client.get(QUEUE)
    for n in range(3):
        _submit_another(officer, incident, f"Update {n}")
    with CaptureQueriesContext(connection) as four:
        page = client.get(QUEUE).content.decode()
    assert page.count('id="queue-item-') == 4
    assert len(four) == len(one)
