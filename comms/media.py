"""Media inquiries: who may log and work them, and the reads of them restricted to what
the asking user may see (404 otherwise), with the FilterSet the API uses. Writes are in
``comms.inquiry_services``."""

import django_filters
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, OverdueFilter
from crisis.models import Incident
from crisis.permissions import DRAFT_STATEMENT, can_contribute, has_right
from crisis.selectors import may_view

from .choices import StatementStatus
from .inquiry_choices import OPEN_INQUIRY_STATUSES, InquiryStatus
from .models import MediaInquiry, Statement

# An inquiry is answered with a statement that may go out: approved or already published.
ANSWER_STATUSES = (StatementStatus.APPROVED, StatementStatus.PUBLISHED)


# --- rights -------------------------------------------------------------------------------------

def can_work_inquiries(user, incident: Incident) -> bool:
    """Log, assign and answer media inquiries: whoever contributes to the incident or
    drafts its statements."""
    return may_view(user=user, incident=incident) and (
        can_contribute(user, incident) or has_right(user, incident, DRAFT_STATEMENT))


# --- reads --------------------------------------------------------------------------------------

def overdue_q() -> Q:
    """Inquiries whose deadline passed while they wait for an answer."""
    return Q(status__in=OPEN_INQUIRY_STATUSES, deadline__lt=timezone.now())


def inquiry_list(*, user, incident: Incident | None = None) -> QuerySet[MediaInquiry]:
    """Media inquiries of the incidents ``user`` may view."""
    inquiries = MediaInquiry.objects.filter(
        incident__in=Incident.objects.visible_to(user).values("pk")
    ).select_related("incident", "assignee", "created_by", "answer_statement")
    if incident is not None:
        inquiries = inquiries.filter(incident=incident)
    return inquiries


def open_first(inquiries: QuerySet[MediaInquiry]) -> QuerySet[MediaInquiry]:
    """Open ones first, the nearest deadline first (those without one after), then the
    newest; answered and declined ones after, newest first."""
    return inquiries.annotate(
        closed=Case(When(status__in=OPEN_INQUIRY_STATUSES, then=Value(0)), default=Value(1),
                    output_field=IntegerField()),
    ).order_by("closed", F("deadline").asc(nulls_last=True), "-received_at", "-pk")


def inquiry_get(*, user, pk) -> MediaInquiry:
    try:
        return inquiry_list(user=user).get(pk=pk)
    except (MediaInquiry.DoesNotExist, ValueError, TypeError):
        raise Http404("No media inquiry matches the given query.") from None


def answer_statements(*, incident: Incident) -> QuerySet[Statement]:
    """The statements an inquiry of ``incident`` may be answered with (the caller may view
    the incident): its approved and published ones, newest first."""
    return (Statement.objects.filter(incident=incident, status__in=ANSWER_STATUSES)
            .order_by("-updated_at", "-pk"))


# --- filters ------------------------------------------------------------------------------------

class MediaInquiryFilter(django_filters.FilterSet):
    incident = IdFilter(field_name="incident_id", label=_("Incident"))
    status = django_filters.MultipleChoiceFilter(choices=InquiryStatus.choices,
                                                 label=_("Status"), distinct=False)
    overdue = OverdueFilter(overdue_q)

    class Meta:
        model = MediaInquiry
        fields = ["incident", "status", "overdue"]
