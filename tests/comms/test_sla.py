"""Review stages past their SLA: their approvers and the incident lead hear of it once."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from comms import services
from comms.models import ReviewStage
from comms.tasks import notify_overdue_review_stages
from core import clock
from crisis.models import LiveEvent, TimelineEntry
from teams.choices import Capability, NotificationKind
from teams.models import Notification
from teams.selectors import current_lead
from tests.comms.conftest import FRAME
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


def _overdue_notices(user) -> int:
    return Notification.objects.filter(recipient=user, kind=NotificationKind.APPROVAL_REQUESTED,
                                       dedupe_key__startswith="approval_overdue:").count()


def _pass_deadline(statement) -> ReviewStage:
    stage = ReviewStage.objects.get(statement=statement, round=statement.review_round,
                                    position=1)
    ReviewStage.objects.filter(pk=stage.pk).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1))
    return stage


@pytest.fixture
def lead(incident, assign):
    holder = current_lead(incident=incident)
    return holder.user if holder else assign(incident, "lead", "incident-lead")


def test_overdue_stage_tells_its_approvers_and_the_lead_once(draft, officer, legal, lead):
    statement = services.statement_submit(actor=officer, statement=draft)
    stage = _pass_deadline(statement)

    assert notify_overdue_review_stages() == 1
    assert notify_overdue_review_stages() == 0  # the second run sends nothing more

    assert _overdue_notices(legal) == 1
    assert _overdue_notices(lead) == 1
    assert _overdue_notices(officer) == 0  # the author is never asked as an approver
    stage.refresh_from_db()
    assert stage.overdue_notified_at is not None
    event = LiveEvent.objects.filter(incident=statement.incident,
                                     type="statement.changed").latest("seq")
    assert event.data["action"] == "overdue"
    assert TimelineEntry.objects.filter(incident=statement.incident,
                                        data__action="overdue").count() == 1


def test_a_stage_not_yet_due_or_already_decided_is_not_announced(draft, officer, legal, lead):
    statement = services.statement_submit(actor=officer, statement=draft)
    assert notify_overdue_review_stages() == 0  # due in an hour

    stage = _pass_deadline(statement)
    services.statement_decide(actor=legal, statement=statement, version=1, decision="approve")
    assert notify_overdue_review_stages() == 0  # approved: nothing waits at the stage
    assert _overdue_notices(legal) == _overdue_notices(lead) == 0
    stage.refresh_from_db()
    assert stage.overdue_notified_at is None


def test_fallback_reaches_the_capability_holders_but_never_the_author(
        incident, assign, lead):
    # The only legal reviewer on the incident wrote the text: the capability decides.
    writer = assign(incident, "legal_reviewer", "writer")
    assign(incident, "communications_officer", user=writer)
    writer.groups.add(Group.objects.get(name=Capability.LEGAL_REVIEWER))
    counsel = UserFactory(username="counsel")
    counsel.groups.add(Group.objects.get(name=Capability.LEGAL_REVIEWER))
    writer = type(writer).objects.get(pk=writer.pk)
    statement = services.statement_create(actor=writer, incident=incident, kind="holding",
                                          language="en", title="Holding", body="Sorry.",
                                          **FRAME)
    statement = services.statement_submit(actor=writer, statement=statement)
    _pass_deadline(statement)

    assert notify_overdue_review_stages() == 1
    assert _overdue_notices(counsel) == 1
    assert _overdue_notices(writer) == 0


def test_the_embedded_clock_runs_the_beat_schedule_including_the_sla(draft, officer, legal,
                                                                     lead, caplog):
    # The embedded default has no beat: core.clock runs CELERY_BEAT_SCHEDULE in-process.
    assert ("comms.tasks.notify_overdue_review_stages", 60.0) in clock.periodic_jobs()
    statement = services.statement_submit(actor=officer, statement=draft)
    _pass_deadline(statement)
    clock.run_job("comms.tasks.notify_overdue_review_stages")
    assert _overdue_notices(legal) == 1
    clock.run_job("no.such.task")  # a failing job is logged; the clock keeps going
    assert "no.such.task" in caplog.text


def test_the_clock_starts_only_when_asked(settings):
    assert settings.EMBEDDED_CLOCK is False  # tests, management commands: never
