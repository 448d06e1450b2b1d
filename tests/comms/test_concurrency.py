"""Two people acting on one statement at the same moment, in real threads (PostgreSQL).

As in tests/crisis/test_concurrency.py: a barrier lines the threads up and the services'
locks are held a little longer, so that without the locks (``comms.services._lock``
without ``select_for_update``) both threads would read the same old rows: an approval
would land on a version an edit had replaced, two approvers would both fill the last
slot, a statement would be published twice. SQLite serialises writes, so these skip there.
"""

import time

import pytest
from django.db import connection

from comms import services
from comms.choices import Decision, StatementStatus
from comms.models import ApprovalDecision, Publication
from core.errors import ConflictError
from crisis.choices import TimelineKind
from crisis.models import TimelineEntry
from tests.comms.conftest import FRAME
from tests.crisis.test_concurrency import HOLD_LOCK_SECONDS, errors_of, run_together

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks (select_for_update) need PostgreSQL; "
                              "set DATABASE_URL=postgres://... to run"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def slow_locks(monkeypatch):
    """Hold the statement's locks a little after taking them (the window in which a
    missing lock would let the other thread read the same old rows)."""
    lock = services._lock

    def held_lock(statement):
        locked = lock(statement)
        time.sleep(HOLD_LOCK_SECONDS)
        return locked

    monkeypatch.setattr(services, "_lock", held_lock)


@pytest.fixture
def in_review(draft, officer, legal):
    services.statement_submit(actor=officer, statement=draft)
    draft.refresh_from_db()
    return draft


def statement_entries(action: str) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(kind=TimelineKind.STATEMENT, data__action=action))


def test_an_edit_racing_an_approval_never_leaves_the_new_version_approved(
        in_review, officer, legal, slow_locks):
    outcomes = run_together(
        lambda: services.statement_decide(actor=legal, statement=in_review, version=1,
                                          decision=Decision.APPROVE),
        lambda: services.statement_edit(actor=officer, statement=in_review,
                                        body="Second wording.", **FRAME),
    )
    assert outcomes[1].error is None  # the edit always lands
    in_review.refresh_from_db()
    assert (in_review.status, in_review.current_version) == (StatementStatus.IN_REVIEW, 2)
    # The approval landed on version 1 before the edit, or was refused naming version 2.
    assert not ApprovalDecision.objects.filter(version_number=2).exists()
    if outcomes[0].error is not None:
        assert isinstance(outcomes[0].error, ConflictError)
        assert outcomes[0].error.detail["current_version"] == 2


def test_two_approvers_racing_for_the_last_slot_count_once(in_review, legal, incident,
                                                           assign, slow_locks):
    other = assign(incident, "legal_reviewer", "legal2")
    outcomes = run_together(*[
        (lambda who=who: services.statement_decide(actor=who, statement=in_review, version=1,
                                                   decision=Decision.APPROVE))
        for who in (legal, other)])
    errors = errors_of(outcomes)
    assert len(errors) == 1 and isinstance(errors[0], ConflictError)
    assert ApprovalDecision.objects.filter(statement=in_review).count() == 1
    assert len(statement_entries("decided")) == 1
    in_review.refresh_from_db()
    assert in_review.status == StatementStatus.APPROVED


def test_publishing_twice_at_once_publishes_once(in_review, officer, legal, incident, assign,
                                                 slow_locks):
    services.statement_decide(actor=legal, statement=in_review, version=1,
                              decision=Decision.APPROVE)
    lead = assign(incident, "lead")
    outcomes = run_together(
        lambda: services.statement_publish(actor=officer, statement=in_review),
        lambda: services.statement_publish(actor=lead, statement=in_review),
    )
    assert errors_of(outcomes) == []
    assert outcomes[0].result == outcomes[1].result
    assert Publication.objects.count() == 1
    assert len(statement_entries("published")) == 1
