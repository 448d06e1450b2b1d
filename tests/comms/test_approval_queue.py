"""comms.selectors.approval_queue: what waits for whom. It must agree with the service that
takes the decision (``check_decide``), and stay a fixed number of queries."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comms import selectors, services
from comms.choices import Decision
from core.errors import ConflictError
from crisis.choices import Confidentiality
from teams.choices import Capability
from tests.comms.conftest import FRAME
from tests.conftest import grant, join
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


def queued(user):
    return [item.statement.pk for item in selectors.approval_queue(user=user)]


def decide(user, statement, decision=Decision.APPROVE, comment=""):
    statement.refresh_from_db()
    return services.statement_decide(actor=user, statement=statement, decision=decision,
                                     comment=comment, version=statement.current_version)


def may_decide(user, statement) -> bool:
    statement.refresh_from_db()
    try:
        services.check_decide(user=user, statement=statement,
                              version=statement.current_version, decision=Decision.APPROVE)
    except (PermissionDenied, ConflictError):
        return False
    return True


def test_the_queue_holds_exactly_what_the_service_would_let_each_person_decide(
        high_incident, draft, officer, legal, executive, assign):
    counsel = join(UserFactory(username="counsel"), Capability.LEGAL_REVIEWER)
    outsider = UserFactory(username="outsider")
    people = [officer, legal, executive, counsel, outsider]
    services.statement_submit(actor=officer, statement=draft)
    for step in ("legal first", "then the sponsor", "approved"):
        for person in people:
            assert (draft.pk in queued(person)) == may_decide(person, draft), (step, person)
        if step == "legal first":
            assert queued(legal) == [draft.pk] and queued(executive) == []
            decide(legal, draft)
        elif step == "then the sponsor":
            assert queued(legal) == [] and queued(executive) == [draft.pk]
            decide(executive, draft)
    assert not any(queued(person) for person in people)


def test_the_capability_holder_sees_it_when_only_the_author_holds_the_role(incident, assign):
    author = grant(assign(incident, "legal_reviewer", "lawyer_author"), "crisis.draft_statement")
    counsel = join(UserFactory(username="counsel"), Capability.LEGAL_REVIEWER)
    statement = services.statement_create(actor=author, incident=incident, kind="holding",
                                          language="en", title="T", body="B", **FRAME)
    services.statement_submit(actor=author, statement=statement)
    [item] = selectors.approval_queue(user=counsel)
    assert item.as_fallback and item.version.number == 1
    assert queued(author) == []  # never one's own text


def test_a_confidential_incident_stays_out_of_a_capability_holders_queue(incident, assign):
    incident.confidentiality = Confidentiality.CONFIDENTIAL
    incident.save(update_fields=["confidentiality"])
    author = grant(assign(incident, "legal_reviewer", "lawyer_author"), "crisis.draft_statement")
    counsel = join(UserFactory(username="counsel"), Capability.LEGAL_REVIEWER)
    statement = services.statement_create(actor=author, incident=incident, kind="holding",
                                          language="en", title="T", body="B", **FRAME)
    services.statement_submit(actor=author, statement=statement)
    assert queued(counsel) == []


def test_last_seen_is_the_version_the_reviewer_last_decided_on(draft, officer, legal):
    services.statement_submit(actor=officer, statement=draft)
    assert selectors.approval_queue(user=legal)[0].last_seen is None
    decide(legal, draft, Decision.REQUEST_CHANGES, comment="Say when.")
    services.statement_edit(actor=officer, statement=draft, body="Since 3 May.", **FRAME)
    services.statement_submit(actor=officer, statement=draft)
    [item] = selectors.approval_queue(user=legal)
    assert (item.last_seen, item.version.number) == (1, 2)


def test_overdue_items_come_first(incident, officer, legal, draft):
    later = services.statement_create(actor=officer, incident=incident, kind="holding",
                                      language="en", title="Later", body="B", **FRAME)
    services.statement_submit(actor=officer, statement=draft)
    services.statement_submit(actor=officer, statement=later)
    later.review_stages.update(due_at="2000-01-01T00:00:00Z")
    items = selectors.approval_queue(user=legal)
    assert [i.statement.pk for i in items] == [later.pk, draft.pk]
    assert items[0].overdue and not items[1].overdue


def test_the_queue_takes_the_same_queries_for_one_statement_or_many(incident, officer, legal):
    def submit_one():
        statement = services.statement_create(actor=officer, incident=incident,
                                              kind="holding", language="en", title="T",
                                              body="B", **FRAME)
        services.statement_submit(actor=officer, statement=statement)

    submit_one()
    legal = type(legal).objects.get(pk=legal.pk)
    with CaptureQueriesContext(connection) as one:
        assert len(selectors.approval_queue(user=legal)) == 1
    for _ in range(5):
        submit_one()
    legal = type(legal).objects.get(pk=legal.pk)
    with CaptureQueriesContext(connection) as six:
        assert len(selectors.approval_queue(user=legal)) == 6
    assert len(six) == len(one)


def test_a_request_for_approval_opens_the_queue(client, draft, officer, legal):
    services.statement_submit(actor=officer, statement=draft)
    asked = legal.notifications.get(kind="approval_requested")
    client.force_login(legal)
    response = client.get(reverse("notification-open", args=[asked.pk]))
    assert response["Location"] == reverse("approval-queue")
    page = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("crisis:statement-detail", args=[draft.pk])}"' in page


def test_the_queue_page_shows_twenty_at_a_time_and_counts_them_all(client, incident, officer,
                                                                    legal):
    for number in range(21):
        statement = services.statement_create(actor=officer, incident=incident,
                                              kind="holding", language="en",
                                              title=f"Statement {number}", body="B", **FRAME)
        services.statement_submit(actor=officer, statement=statement)
    client.force_login(legal)
    first = client.get(reverse("approval-queue")).content.decode()
    second = client.get(reverse("approval-queue") + "?page=2").content.decode()
    assert first.count('id="queue-item-') == 20 and second.count('id="queue-item-') == 1
    assert "21 statements waiting" in first and "?page=2" in first
