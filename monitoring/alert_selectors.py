"""Permission-aware reads of alerts and warning rules (the board, the API and the room's
Evidence panel read through here).

Alerts are global to the early warning: whoever holds ``monitoring.view_alert`` sees every
alert; anyone else sees none (an alert asked for by id answers 404)."""

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404

from crisis.choices import WarningLevel
from crisis.models import choice_rank

from .choices import ACTIVE_ALERT_STATUSES
from .models import Alert, AlertEvidence, WarningRule
from .permissions import can_view_alerts


def alert_list(*, user) -> QuerySet[Alert]:
    """The alerts ``user`` may see, joined for display (watch, rule, incident, evidence with
    its mentions): active ones first, then the highest level, then the latest change."""
    if not can_view_alerts(user):
        return Alert.objects.none()
    active_first = Case(When(status__in=ACTIVE_ALERT_STATUSES, then=Value(0)), default=Value(1),
                        output_field=IntegerField())
    return (Alert.objects.select_related("watch", "rule", "incident", "acknowledged_by",
                                         "closed_by")
            .prefetch_related(Prefetch("evidence_rows", queryset=AlertEvidence.objects
                                       .select_related("mention").order_by("rank")))
            .order_by(active_first, choice_rank("level", WarningLevel).desc(),
                      "-updated_at", "-pk"))


def alert_get(*, user, pk) -> Alert:
    """One alert ``user`` may see, or 404."""
    alert = alert_list(user=user).filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


def alerts_of_incident(*, user, incident) -> QuerySet[Alert]:
    """The alerts escalated into or attached to ``incident`` (the room's Evidence panel; the
    caller checked that ``user`` may view the incident)."""
    return alert_list(user=user).filter(incident=incident)


def warning_rule_list() -> QuerySet[WarningRule]:
    return WarningRule.objects.select_related("watch").order_by("watch__name", "level", "name")
