"""Background work of statements: the review stages that passed their SLA, and the
scheduled publications that fell due (each run every minute, by Celery beat or, on the
embedded default, by the web process's own clock)."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crisis.services import incident_lock
from teams.choices import NotificationKind
from teams.models import User
from teams.selectors import current_lead
from teams.services import notification_send

from . import policy, schedule
from .choices import StatementStatus
from .models import ReviewStage, Statement
from .permissions import stage_fallback_open, stage_role_holders, statement_authors
from .services import _record

BATCH = 500


def stage_approvers(statement: Statement, stage: ReviewStage, authors: set[int]) -> set[int]:
    """Who decides ``stage`` now: its role holders but the authors; the capability's
    holders (but the authors) when the fallback is open."""
    holders = stage_role_holders(statement, stage) - authors
    if stage_fallback_open(statement, stage, authors):
        holders |= set(User.objects.filter(groups__name=stage.capability, is_active=True)
                       .values_list("pk", flat=True)) - authors
    return holders


def review_stage_mark_overdue(*, stage: ReviewStage) -> bool:
    """Tell the stage's approvers and the incident lead, once, that ``stage`` passed its
    SLA; False when it was told already or is no longer open (decided, edited, withdrawn).
    The mark is set under the stage's row lock in the transaction that stores the notices."""
    with transaction.atomic():
        incident = incident_lock(stage.statement.incident)
        statement = Statement.objects.select_for_update().get(pk=stage.statement_id)
        statement.incident = incident
        stage = ReviewStage.objects.select_for_update().get(pk=stage.pk)
        now = timezone.now()
        if (stage.overdue_notified_at is not None or stage.due_at is None or stage.due_at >= now
                or statement.status != StatementStatus.IN_REVIEW
                or stage.round != statement.review_round):
            return False
        if stage.pk not in {s.pk for s in policy.review_progress(statement).open_stages}:
            return False
        stage.overdue_notified_at = now
        stage.save(update_fields=["overdue_notified_at"])
        authors = statement_authors(statement)
        people = stage_approvers(statement, stage, authors)
        lead = current_lead(incident=incident)
        if lead is not None:
            people.add(lead.user_id)
        _record(incident=incident, statement=statement, actor=None, action="overdue",
                stage=stage.name)
        version = statement.current_version

        def title() -> str:  # in each recipient's language
            return _("Overdue: %(ref)s “%(title)s” (version %(version)d) is waiting at "
                     "“%(stage)s”") % {"ref": incident.reference, "title": statement.title,
                                      "version": version, "stage": str(stage)}

        notification_send(
            recipients=User.objects.filter(pk__in=people).order_by("pk"),
            kind=NotificationKind.APPROVAL_REQUESTED, title=title,
            dedupe_key=f"approval_overdue:{stage.pk}", actor=None, incident=incident)
    return True


@shared_task
def notify_overdue_review_stages() -> int:
    """Tell the approvers of each review stage past its SLA, and the incident lead, once
    (run every minute). Returns how many stages were announced."""
    overdue = (ReviewStage.objects
               .filter(statement__status=StatementStatus.IN_REVIEW, due_at__lt=timezone.now(),
                       overdue_notified_at__isnull=True)
               .select_related("statement__incident")
               .order_by("due_at")[:BATCH])
    return sum(review_stage_mark_overdue(stage=stage) for stage in overdue)


@shared_task
def publish_scheduled_publications() -> int:
    """Publish the scheduled publications that fell due (``comms.schedule``; run every
    minute). Returns how many were handled (published, failed, or waiting on a freeze)."""
    return len(schedule.scheduled_publications_run())
