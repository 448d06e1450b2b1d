"""Scheduled publications: an approved version published at a later time to the chosen
groups and channels (``ScheduledPublication``).

Scheduling checks what publishing now checks but the freeze (the publish right, the
statement approved with every approval on its current version, the audience), plus a time
in the future and at most ``MAX_AHEAD`` away; one waiting schedule per statement (409).
At its time ``scheduled_publications_run`` (every minute, ``comms.tasks``) publishes it
through ``delivery_services.statement_publish_to`` as the person who scheduled it:

- a publishing freeze on the incident (or everywhere) keeps it waiting, with the reason
  written once; it goes out at the first run after the freeze is lifted;
- a version that is no longer the approved current one (edited since, withdrawn, taken
  back to review), a statement already published (by hand, say), a merged incident, or a
  scheduler who lost the publish right: not published (``failed`` with the reason), and
  the scheduler is told.

Locks follow ``comms.services``: the incident, then the statement, then the schedule's row
(``skip_locked``: a row another run holds is left to it). Publishing is once per statement
(``Publication``): publishing by hand closes the statement's waiting schedule (cancelled,
saying so, ``on_statement_published``), and a run that still finds a publication fails
saying so; nothing goes out twice.
"""

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from crisis.models import Incident
from crisis.services import check_not_merged, incident_lock
from teams.choices import NotificationKind
from teams.services import notification_send

from . import delivery_services, policy
from .choices import StatementStatus
from .models import (
    Publication,
    ScheduledPublication,
    ScheduledPublicationStatus,
    Statement,
    StatementVersion,
)
from .permissions import can_publish
from .selectors import freeze_applying
from .services import _record
from .stakeholder_choices import Channel

MAX_AHEAD = timedelta(days=30)
BATCH = 100

# The schedule a run is publishing (its own publication must not cancel it).
_running: ContextVar[int | None] = ContextVar("running_schedule", default=None)


def _lock(statement: Statement) -> tuple:
    incident = incident_lock(statement.incident)
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    locked.incident = incident
    return incident, locked


def check_publish_at(publish_at, *, now: datetime | None = None) -> datetime:
    """``publish_at`` as an aware time in the future, at most ``MAX_AHEAD`` away, or a
    ValidationError naming ``publish_at``."""
    now = now or timezone.now()
    if not isinstance(publish_at, datetime):
        raise ValidationError({"publish_at": [_("Give a date and time.")]})
    if timezone.is_naive(publish_at):
        raise ValidationError({"publish_at": [
            _("Give the time with its offset from UTC (for example +08:00).")]})
    if publish_at <= now:
        raise ValidationError({"publish_at": [_("Choose a time in the future.")]})
    if publish_at > now + MAX_AHEAD:
        raise ValidationError({"publish_at": [
            _("Choose a time within %(days)d days.") % {"days": MAX_AHEAD.days}]})
    return publish_at


def check_schedulable(*, statement: Statement) -> StatementVersion:
    """The version a schedule would publish (on the locked rows): the approved current one
    with every approval; a freeze does not matter (the schedule waits for its lift)."""
    if Publication.objects.filter(statement=statement).exists():
        raise ConflictError(_("This statement was already published."),
                            current=statement.status)
    if statement.status != StatementStatus.APPROVED:
        raise ConflictError(_("Only an approved statement can be published."),
                            current=statement.status, allowed=[StatementStatus.APPROVED])
    if not policy.review_progress(statement).all_complete:
        raise ConflictError(_("Version %(version)d does not have every approval it needs.")
                            % {"version": statement.current_version}, current=statement.status)
    return StatementVersion.objects.get(statement=statement, number=statement.current_version)


def waiting_schedule(statement: Statement) -> ScheduledPublication | None:
    return (ScheduledPublication.objects.filter(statement=statement,
                                                status=ScheduledPublicationStatus.WAITING)
            .select_related("version", "created_by").prefetch_related("groups").first())


def failed_schedule(statement: Statement) -> ScheduledPublication | None:
    """The statement's latest schedule when it was not published (what its page explains
    until the statement is published or scheduled again)."""
    latest = (ScheduledPublication.objects.filter(statement=statement)
              .exclude(status=ScheduledPublicationStatus.CANCELLED)
              .select_related("version").order_by("-created_at", "-pk").first())
    if latest is None or latest.status != ScheduledPublicationStatus.FAILED:
        return None
    return latest


def publication_schedule(*, actor, statement: Statement, groups=(), channels=(),
                         publish_at) -> ScheduledPublication:
    """Schedule the approved current version for ``publish_at`` to ``groups`` on
    ``channels`` (no groups: the status page only)."""
    if not can_publish(actor, statement.incident):
        raise PermissionDenied(_("You may not publish statements in this incident."))
    publish_at = check_publish_at(publish_at)
    audience = delivery_services.check_audience(groups=groups, channels=channels,
                                                statement=statement)
    with transaction.atomic():
        incident, statement = _lock(statement)
        check_not_merged(incident)
        version = check_schedulable(statement=statement)
        existing = waiting_schedule(statement)
        if existing is not None:
            raise ConflictError(
                _("Version %(version)d is already scheduled for %(when)s; cancel that first.")
                % {"version": existing.version.number,
                   "when": f"{timezone.localtime(existing.publish_at):%Y-%m-%d %H:%M %Z}"},
                current=existing.status, schedule=existing.pk)
        schedule = ScheduledPublication.objects.create(
            statement=statement, version=version, channels=list(audience.channels),
            publish_at=publish_at, created_by=actor)
        schedule.groups.set(audience.groups)
        _record(incident=incident, statement=statement, actor=actor, action="scheduled",
                body=f"{publish_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    return schedule


def can_cancel(user, schedule: ScheduledPublication) -> bool:
    return can_publish(user, schedule.statement.incident)


def publication_schedule_cancel(*, actor, schedule: ScheduledPublication
                                ) -> ScheduledPublication:
    """Cancel a waiting schedule (409 once it was published, failed or cancelled)."""
    if not can_cancel(actor, schedule):
        raise PermissionDenied(_("You may not publish statements in this incident."))
    with transaction.atomic():
        incident, statement = _lock(schedule.statement)
        schedule = ScheduledPublication.objects.select_for_update().get(pk=schedule.pk)
        if schedule.status != ScheduledPublicationStatus.WAITING:
            raise ConflictError(_("Only a waiting scheduled publication can be cancelled."),
                                current=schedule.status,
                                allowed=[ScheduledPublicationStatus.WAITING])
        schedule.status = ScheduledPublicationStatus.CANCELLED
        schedule.cancelled_by, schedule.finished_at = actor, timezone.now()
        schedule.save(update_fields=["status", "cancelled_by", "finished_at"])
        _record(incident=incident, statement=statement, actor=actor,
                action="schedule_cancelled")
    return schedule


# --- at the time -----------------------------------------------------------------------------

def _refusal(statement: Statement, schedule: ScheduledPublication) -> str:
    """Why the scheduled version may not go out now (a freeze aside), or ""."""
    if Publication.objects.filter(statement=statement).exists():
        return _("The statement was already published.")
    if statement.status == StatementStatus.WITHDRAWN:
        return _("The statement was withdrawn.")
    if statement.current_version != schedule.version.number:
        return _("The statement was edited since: version %(version)d is no longer the "
                 "approved one.") % {"version": schedule.version.number}
    if statement.status != StatementStatus.APPROVED \
            or not policy.review_progress(statement).all_complete:
        return _("Version %(version)d is no longer approved.") % {
            "version": schedule.version.number}
    if not can_publish(schedule.created_by, statement.incident):
        return _("%(person)s may no longer publish statements in this incident.") % {
            "person": schedule.created_by}
    return ""


def _fail(*, incident, statement: Statement, schedule: ScheduledPublication, reason: str,
          now: datetime) -> None:
    schedule.status, schedule.reason, schedule.finished_at = (
        ScheduledPublicationStatus.FAILED, reason, now)
    schedule.save(update_fields=["status", "reason", "finished_at"])
    _record(incident=incident, statement=statement, actor=None, action="schedule_failed",
            body=reason, version=schedule.version.number)
    version = schedule.version.number

    def title() -> str:  # in the scheduler's language
        return _("%(ref)s: “%(title)s” (version %(version)d) was not published at its "
                 "scheduled time") % {"ref": incident.reference, "title": statement.title,
                                      "version": version}

    notification_send(recipients=[schedule.created_by],
                      kind=NotificationKind.PUBLICATION_NOT_SENT, title=title,
                      dedupe_key=f"schedule_failed:{schedule.pk}", actor=None,
                      incident=incident)


def scheduled_publication_run(*, schedule_id: int, now: datetime | None = None) -> str:
    """Publish one due waiting schedule, keep it waiting (a freeze) or fail it; the status
    it is left in, or "" when it was not due, no longer waiting or held by another run."""
    now = now or timezone.now()
    found = (ScheduledPublication.objects.select_related("statement__incident")
             .filter(pk=schedule_id).first())
    if found is None:
        return ""
    with transaction.atomic():
        incident, statement = _lock(found.statement)
        schedule = (ScheduledPublication.objects.select_for_update(skip_locked=True)
                    .filter(pk=schedule_id, status=ScheduledPublicationStatus.WAITING,
                            publish_at__lte=now).first())
        if schedule is None:
            return ""
        schedule.statement = statement
        freeze = freeze_applying(incident=incident)
        if freeze is not None:
            reason = _("Waiting for the publishing freeze to be lifted: %(reason)s") % {
                "reason": freeze.reason}
            if schedule.reason != reason:
                schedule.reason = reason
                schedule.save(update_fields=["reason"])
            return schedule.status
        reason = "" if not incident.merged_into_id else _(
            "%(ref)s was merged into another incident.") % {"ref": incident.reference}
        reason = reason or _refusal(statement, schedule)
        if not reason:
            token = _running.set(schedule.pk)
            try:
                publication = delivery_services.statement_publish_to(
                    actor=schedule.created_by, statement=statement,
                    groups=[group.pk for group in schedule.groups.all()],
                    channels=schedule.channels)
            except ConflictError as error:
                reason = error.message
            except (PermissionDenied, ValidationError) as error:
                reason = " ".join(getattr(error, "messages", None) or [str(error)])
            finally:
                _running.reset(token)
        if reason:
            _fail(incident=incident, statement=statement, schedule=schedule, reason=reason,
                  now=now)
            return schedule.status
        schedule.status, schedule.publication, schedule.reason = (
            ScheduledPublicationStatus.PUBLISHED, publication, "")
        schedule.finished_at = now
        schedule.save(update_fields=["status", "publication", "reason", "finished_at"])
    return schedule.status


def on_statement_published(sender, *, publication, statement, actor, **kwargs) -> None:
    """``hooks.statement_published`` (inside the publishing transaction, under the incident's
    and the statement's locks): published by hand, the statement's waiting schedule has
    nothing left to publish and is cancelled, saying so."""
    waiting = (ScheduledPublication.objects.select_for_update()
               .filter(statement=statement, status=ScheduledPublicationStatus.WAITING)
               .exclude(pk=_running.get() or 0).first())
    if waiting is None:
        return
    waiting.status, waiting.cancelled_by, waiting.finished_at = (
        ScheduledPublicationStatus.CANCELLED, actor, timezone.now())
    waiting.reason = _("Published by hand before its time.")
    waiting.save(update_fields=["status", "cancelled_by", "finished_at", "reason"])
    _record(incident=statement.incident, statement=statement, actor=actor,
            action="schedule_cancelled", body=waiting.reason)


def scheduled_publications_run(*, now: datetime | None = None) -> dict[int, str]:
    """Every due waiting schedule run once (oldest first): {schedule id: its status after},
    leaving out the ones another run held."""
    now = now or timezone.now()
    due = list(ScheduledPublication.objects
               .filter(status=ScheduledPublicationStatus.WAITING, publish_at__lte=now)
               .order_by("publish_at", "pk").values_list("pk", flat=True)[:BATCH])
    results = {pk: scheduled_publication_run(schedule_id=pk, now=now) for pk in due}
    return {pk: status for pk, status in results.items() if status}


# --- reads -----------------------------------------------------------------------------------

def schedule_list(*, user) -> QuerySet[ScheduledPublication]:
    """Scheduled publications of the incidents ``user`` may view."""
    return (ScheduledPublication.objects
            .filter(statement__incident__in=Incident.objects.visible_to(user).values("pk"))
            .select_related("statement__incident", "version", "created_by", "cancelled_by")
            .prefetch_related("groups"))


def schedule_get(*, user, pk) -> ScheduledPublication:
    try:
        return schedule_list(user=user).get(pk=pk)
    except (ScheduledPublication.DoesNotExist, ValueError, TypeError):
        raise Http404("No scheduled publication matches the given query.") from None


def note_waiting_schedules(statements) -> None:
    """Give each of ``statements`` its waiting schedule's time as ``scheduled_for`` (None
    when it has none): one query for a page of them."""
    times = dict(ScheduledPublication.objects
                 .filter(statement__in=[s.pk for s in statements],
                         status=ScheduledPublicationStatus.WAITING)
                 .values_list("statement_id", "publish_at"))
    for statement in statements:
        statement.scheduled_for = times.get(statement.pk)


def channel_labels(schedule: ScheduledPublication) -> list[str]:
    return [str(Channel(code).label) for code in schedule.channels]
