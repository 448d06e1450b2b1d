"""Scheduled publications (comms.schedule, the publish endpoint's ``publish_at``,
/api/scheduled-publications/ and the statement page's "Publish at"): scheduled with the
rules of publishing now, published at its time as the scheduler, kept waiting by a freeze
and sent at the first run after its lift, refused (with the reason, the scheduler told)
when the version is no longer the approved one, never published twice."""

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comms import delivery_services, schedule, services
from comms.choices import Decision
from comms.models import Delivery, Publication, ScheduledPublication, StakeholderGroup
from comms.tasks import publish_scheduled_publications
from core.errors import ConflictError
from crisis.models import TimelineEntry
from teams.models import Notification, RoleAssignment
from teams.services import role_end
from tests.comms.conftest import FRAME
from tests.conftest import as_new_request
from tests.crisis.factories import IncidentFactory
from tests.crisis.test_concurrency import HOLD_LOCK_SECONDS, errors_of, run_together
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


def group(code: str) -> StakeholderGroup:
    return StakeholderGroup.objects.get(code=code)


@pytest.fixture
def approved(officer, legal, incident):
    statement = services.statement_create(
        actor=officer, incident=incident, kind="holding", language="en",
        title="Kettle recall", body="Return your kettle.", **FRAME)
    services.statement_submit(actor=officer, statement=statement)
    statement.refresh_from_db()
    services.statement_decide(actor=legal, statement=statement, decision=Decision.APPROVE,
                              version=statement.current_version)
    statement.refresh_from_db()
    return statement


@pytest.fixture
def scheduled(approved, officer):
    """``approved`` scheduled for in an hour to the employees group, in the app."""
    return schedule.publication_schedule(
        actor=officer, statement=approved, groups=[group("employees").pk],
        channels=["in_app"], publish_at=timezone.now() + timedelta(hours=1))


def later(hours: float = 2):
    return timezone.now() + timedelta(hours=hours)


def run(at, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return schedule.scheduled_publications_run(now=at)


def actions(incident) -> list[str]:
    return [entry.data["action"] for entry in
            TimelineEntry.objects.filter(incident=incident, kind="statement").order_by("pk")]


# --- the service -------------------------------------------------------------------------------

def test_a_schedule_publishes_at_its_time_as_the_scheduler_to_its_audience(
        scheduled, approved, officer, incident, django_capture_on_commit_callbacks):
    assert actions(incident)[-1] == "scheduled"
    assert run(timezone.now(), django_capture_on_commit_callbacks) == {}  # not due yet
    assert not Publication.objects.filter(statement=approved).exists()

    assert run(later(), django_capture_on_commit_callbacks) == {scheduled.pk: "published"}

    scheduled.refresh_from_db()
    publication = Publication.objects.get(statement=approved)
    assert (scheduled.status, scheduled.publication, scheduled.reason) == (
        "published", publication, "")
    assert publication.published_by == officer and publication.version == scheduled.version
    assert list(publication.target.groups.all()) == [group("employees")]
    assert publication.target.channels == ["in_app"]
    assert Delivery.objects.filter(publication=publication, channel="in_app").exists()
    approved.refresh_from_db()
    assert approved.status == "published"
    # The next minute has nothing to do: never published twice.
    assert run(later(3), django_capture_on_commit_callbacks) == {}
    assert Publication.objects.filter(statement=approved).count() == 1


def test_a_freeze_keeps_it_waiting_with_the_reason_once_and_it_goes_after_the_lift(
        scheduled, approved, admin, incident, django_capture_on_commit_callbacks):
    freeze = services.freeze_create(actor=admin, reason="Legal hold.")  # everywhere
    assert run(later(), django_capture_on_commit_callbacks) == {scheduled.pk: "waiting"}
    scheduled.refresh_from_db()
    assert scheduled.reason == "Waiting for the publishing freeze to be lifted: Legal hold."
    assert not Publication.objects.filter(statement=approved).exists()
    # Written once, not every minute.
    with CaptureQueriesContext(connection) as queries:
        assert run(later(3), django_capture_on_commit_callbacks) == {scheduled.pk: "waiting"}
    assert not [q for q in queries.captured_queries
                if q["sql"].startswith("UPDATE") and "scheduledpublication" in q["sql"]]

    services.freeze_lift(actor=admin, freeze=freeze)
    assert run(later(4), django_capture_on_commit_callbacks) == {scheduled.pk: "published"}
    scheduled.refresh_from_db()
    assert scheduled.reason == "" and scheduled.publication.statement == approved


def test_an_edit_since_fails_it_with_the_reason_and_tells_the_scheduler(
        scheduled, approved, officer, incident, django_capture_on_commit_callbacks):
    services.statement_edit(actor=officer, statement=approved, title=approved.title,
                            body="Return your kettle today.", **FRAME)
    assert run(later(), django_capture_on_commit_callbacks) == {scheduled.pk: "failed"}

    scheduled.refresh_from_db()
    assert scheduled.reason == ("The statement was edited since: version 1 is no longer the "
                                "approved one.")
    assert scheduled.finished_at is not None
    assert not Publication.objects.filter(statement=approved).exists()
    notice = Notification.objects.get(recipient=officer, dedupe_key=f"schedule_failed:"
                                                                     f"{scheduled.pk}")
    assert "was not published at its scheduled time" in notice.title
    assert notice.kind == "publication_not_sent"
    assert actions(incident)[-1] == "schedule_failed"


def test_a_scheduler_who_lost_the_publish_right_is_not_published_for_and_the_page_says_why(
        client, scheduled, approved, officer, assign, incident, admin,
        django_capture_on_commit_callbacks):
    role_end(actor=admin, assignment=RoleAssignment.objects.get(
        user=officer, incident=incident, ended_at__isnull=True))
    assert run(later(), django_capture_on_commit_callbacks) == {scheduled.pk: "failed"}
    client.force_login(assign(incident, "lead"))
    page = client.get(reverse("crisis:statement-detail", args=[approved.pk])).content.decode()
    assert 'id="statement-schedule-failed"' in page
    assert "Version 1 was not published at its scheduled time" in page
    assert "may no longer publish statements in this incident" in page


def test_a_manual_publish_before_the_time_closes_the_schedule_not_a_second_publication(
        scheduled, approved, officer, incident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publication = delivery_services.statement_publish_to(actor=officer, statement=approved)
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.reason, scheduled.cancelled_by) == (
        "cancelled", "Published by hand before its time.", officer)
    assert "schedule_cancelled" in actions(incident)
    assert run(later(), django_capture_on_commit_callbacks) == {}
    assert list(Publication.objects.filter(statement=approved)) == [publication]
    # A run that finds a publication anyway (published past the hook) fails saying so.
    ScheduledPublication.objects.filter(pk=scheduled.pk).update(status="waiting")
    assert run(later(), django_capture_on_commit_callbacks) == {scheduled.pk: "failed"}
    scheduled.refresh_from_db()
    assert scheduled.reason == "The statement was already published."


def test_cancel_and_one_waiting_schedule_per_statement(
        scheduled, approved, officer, incident):
    with pytest.raises(ConflictError):
        schedule.publication_schedule(actor=officer, statement=approved, publish_at=later(3))
    schedule.publication_schedule_cancel(actor=officer, schedule=scheduled)
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.cancelled_by) == ("cancelled", officer)
    assert actions(incident)[-1] == "schedule_cancelled"
    with pytest.raises(ConflictError):
        schedule.publication_schedule_cancel(actor=officer, schedule=scheduled)
    again = schedule.publication_schedule(actor=officer, statement=approved, publish_at=later(3))
    assert again.status == "waiting"
    assert schedule.scheduled_publications_run(now=later(1)) == {}  # the cancelled one is done


@pytest.mark.parametrize(("when", "message"), [
    (lambda: timezone.now() - timedelta(minutes=1), "Choose a time in the future."),
    (lambda: timezone.now() + timedelta(days=31), "Choose a time within 30 days."),
    (lambda: timezone.now().replace(tzinfo=None) + timedelta(hours=1), "offset from UTC"),
    (lambda: "tomorrow", "Give a date and time."),
])
def test_a_bad_time_is_refused_naming_publish_at(approved, officer, when, message):
    with pytest.raises(ValidationError) as refused:
        schedule.publication_schedule(actor=officer, statement=approved, publish_at=when())
    assert message in " ".join(refused.value.message_dict["publish_at"])
    assert not ScheduledPublication.objects.exists()


def test_scheduling_needs_the_publish_right_and_an_approved_statement(
        approved, legal, officer, draft):
    with pytest.raises(PermissionDenied):
        schedule.publication_schedule(actor=legal, statement=approved, publish_at=later())
    with pytest.raises(ConflictError):
        schedule.publication_schedule(actor=officer, statement=draft, publish_at=later())
    with pytest.raises(ValidationError) as refused:
        schedule.publication_schedule(actor=officer, statement=approved, groups=[999_999],
                                      channels=["email"], publish_at=later())
    assert "groups" in refused.value.message_dict
    assert not ScheduledPublication.objects.exists()


def test_the_periodic_task_runs_due_schedules(scheduled, django_capture_on_commit_callbacks):
    ScheduledPublication.objects.filter(pk=scheduled.pk).update(
        publish_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_scheduled_publications() == 1
    scheduled.refresh_from_db()
    assert scheduled.status == "published"


# --- the API -----------------------------------------------------------------------------------

def test_api_publish_with_publish_at_answers_202_with_the_schedule_then_lists_and_cancels(
        approved, officer, api_client):
    client = as_new_request(api_client, officer)
    url = reverse("api:statement-publish", kwargs={"pk": approved.pk})
    when = (timezone.now() + timedelta(hours=5)).replace(microsecond=0)
    response = client.post(url, {"publish_at": when.isoformat(),
                                 "groups": [group("employees").pk], "channels": ["in_app"]},
                           format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["statement"], body["version"], body["groups"],
            body["channels"]) == ("waiting", approved.pk, 1, [group("employees").pk],
                                  ["in_app"])
    assert not Publication.objects.filter(statement=approved).exists()

    again = client.post(url, {"publish_at": when.isoformat()}, format="json")
    assert again.status_code == 409

    listed = client.get(reverse("api:scheduled-publication-list"),
                        {"statement": approved.pk, "status": "waiting"}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    other = client.get(reverse("api:scheduled-publication-list"),
                       {"incident": IncidentFactory().pk}).json()
    assert other["results"] == []

    cancel = reverse("api:scheduled-publication-cancel", kwargs={"pk": body["id"]})
    assert client.post(cancel, {}, format="json").json()["status"] == "cancelled"
    assert client.post(cancel, {}, format="json").status_code == 409


@pytest.mark.parametrize("value", ["2020-01-01T09:00:00+08:00", "2030-13-45T99:00",
                                   "next tuesday", "2026-12-01T09:00:00", 12])
def test_api_a_past_naive_or_garbage_time_is_a_400_naming_publish_at(
        approved, officer, api_client, value):
    client = as_new_request(api_client, officer)
    response = client.post(reverse("api:statement-publish", kwargs={"pk": approved.pk}),
                           {"publish_at": value}, format="json")
    assert response.status_code == 400, response.content
    assert "publish_at" in response.json()
    assert not ScheduledPublication.objects.exists()
    assert not Publication.objects.exists()


def test_api_schedules_of_an_incident_one_may_not_view_answer_404(scheduled, api_client):
    stranger = UserFactory()
    type(scheduled.statement.incident).objects.filter(
        pk=scheduled.statement.incident_id).update(confidentiality="confidential")
    client = as_new_request(api_client, stranger)
    assert client.get(reverse("api:scheduled-publication-detail",
                              kwargs={"pk": scheduled.pk})).status_code == 404
    assert client.post(reverse("api:scheduled-publication-cancel", kwargs={"pk": scheduled.pk}),
                       {}, format="json").status_code == 404
    assert client.get(reverse("api:scheduled-publication-list")).json()["results"] == []


# --- the pages ---------------------------------------------------------------------------------

def test_the_page_schedules_in_the_users_time_zone_shows_it_and_cancels_it(
        client, officer, approved, incident):
    type(officer).objects.filter(pk=officer.pk).update(timezone="Asia/Taipei")
    client.force_login(officer)
    publish = reverse("crisis:statement-publish", args=[approved.pk])
    detail = reverse("crisis:statement-detail", args=[approved.pk])
    assert 'name="publish_at"' in client.get(detail).content.decode()

    when = timezone.localtime(later(24), timezone=ZoneInfo("Asia/Taipei")).replace(
        second=0, microsecond=0)
    response = client.post(publish, {"groups": [group("employees").pk], "channels": ["in_app"],
                                     "publish_at": f"{when:%Y-%m-%dT%H:%M}", "when": "at"})
    assert response.status_code == 302
    scheduled = ScheduledPublication.objects.get(statement=approved)
    assert scheduled.publish_at == when  # 09:00 in Taipei is 01:00 UTC, stored as such
    assert not Publication.objects.exists()

    page = client.get(detail).content.decode()
    assert 'id="statement-schedule"' in page
    assert f"Version 1 is scheduled for {when:%Y-%m-%d %H:%M} CST" in page
    assert "Employees" in page and "Cancel the scheduled publication" in page
    chinese = client.get(detail, headers={"accept-language": "zh-hant"}).content.decode()
    to_whom = re.search(r'id="statement-schedule".*?</div>\s*</div>', chinese, re.S).group()
    assert "員工" in to_whom and "Employees" not in to_whom  # the group in the reader's words
    listed = client.get(reverse("crisis:statement-list", args=[incident.pk])).content.decode()
    assert f"scheduled for {when:%Y-%m-%d %H:%M} CST" in listed

    cancel = reverse("crisis:statement-schedule-cancel", args=[approved.pk, scheduled.pk])
    assert client.post(cancel).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled"
    assert 'id="statement-schedule"' not in client.get(detail).content.decode()


def test_the_page_refuses_a_past_or_missing_time_naming_the_field(client, officer, approved):
    client.force_login(officer)
    publish = reverse("crisis:statement-publish", args=[approved.pk])
    for value in ("2020-01-01T09:00", ""):
        response = client.post(publish, {"publish_at": value, "when": "at"})
        assert response.status_code == 400
        assert 'id="id_publish_at_error"' in response.content.decode()
    assert not ScheduledPublication.objects.exists() and not Publication.objects.exists()
    # "Publish now" ignores the time field.
    response = client.post(publish, {"publish_at": "garbage", "when": "now"})
    assert response.status_code == 302 and Publication.objects.filter(statement=approved).exists()


# --- at once (PostgreSQL) ----------------------------------------------------------------------

@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks (select_for_update) need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_runs_and_a_manual_publish_at_once_publish_once(
        scheduled, approved, officer, monkeypatch):
    lock = schedule._lock

    def held_lock(statement):  # the window in which a missing lock would publish twice
        locked = lock(statement)
        time.sleep(HOLD_LOCK_SECONDS)
        return locked

    monkeypatch.setattr(schedule, "_lock", held_lock)
    outcomes = run_together(
        lambda: schedule.scheduled_publications_run(now=later()),
        lambda: schedule.scheduled_publications_run(now=later()),
        lambda: delivery_services.statement_publish_to(actor=officer, statement=approved),
    )
    assert errors_of(outcomes) == []
    assert Publication.objects.filter(statement=approved).count() == 1
    scheduled.refresh_from_db()
    runs = [outcome.result for outcome in outcomes[:2]]
    if scheduled.status == "published":  # a run came first; the manual publish answered it
        assert sorted(runs, key=len) == [{}, {scheduled.pk: "published"}]
        assert scheduled.publication == Publication.objects.get(statement=approved)
        assert outcomes[2].result == scheduled.publication
    else:  # the manual publish came first and closed the schedule
        assert runs == [{}, {}]
        assert (scheduled.status, scheduled.reason) == (
            "cancelled", "Published by hand before its time.")
