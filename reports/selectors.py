"""Permission-aware reads of reviews and action items: whatever a user sees of a review
comes through here, restricted to the incidents they may view (the confidentiality rule
of ``crisis.selectors``), already joined. Anything else is "not found"."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crisis.models import Incident
from teams.choices import Capability
from teams.models import RoleAssignment

from .models import (
    UNFINISHED_ACTION_ITEM_STATUSES,
    ActionItem,
    PostIncidentReview,
    ReviewSignOff,
    ReviewVersion,
    SignOffRole,
)


def _visible_incidents(user) -> QuerySet[Incident]:
    return Incident.objects.visible_to(user).values("pk")


def reviews_visible(*, user) -> QuerySet[PostIncidentReview]:
    """Reviews of the incidents ``user`` may view, newest first, with their incident."""
    return (PostIncidentReview.objects.filter(incident__in=_visible_incidents(user))
            .select_related("incident__type").order_by("-created_at", "-pk"))


def review_get(*, user, pk) -> PostIncidentReview:
    """The review, or 404 whether it does not exist or its incident is not visible."""
    try:
        return reviews_visible(user=user).get(pk=pk)
    except (PostIncidentReview.DoesNotExist, ValueError, TypeError):
        raise Http404("No review matches the given query.") from None


def review_for_incident(*, user, incident_pk) -> PostIncidentReview:
    """The review of an incident, or 404 whether the incident has none yet, does not
    exist, or ``user`` may not view it."""
    try:
        return reviews_visible(user=user).get(incident_id=incident_pk)
    except (PostIncidentReview.DoesNotExist, ValueError, TypeError):
        raise Http404("No review matches the given query.") from None


def versions_of(review: PostIncidentReview) -> QuerySet[ReviewVersion]:
    """A review's versions, newest first, with who wrote and signed them (the caller has
    the review from a selector, so may view it)."""
    return (ReviewVersion.objects.filter(review=review)
            .select_related("created_by", "updated_by")
            .prefetch_related(Prefetch("sign_offs",
                                       queryset=ReviewSignOff.objects.select_related("user")))
            .order_by("-number"))


def current_version(review: PostIncidentReview) -> ReviewVersion:
    """The newest version with its sign-offs and editors (every review has one)."""
    return versions_of(review).first()


def action_items_visible(*, user) -> QuerySet[ActionItem]:
    """Action items of the reviews ``user`` may view, soonest due first, joined for lists."""
    return (ActionItem.objects.filter(review__incident__in=_visible_incidents(user))
            .select_related("review__incident", "owner", "created_by", "playbook",
                            "approval_policy", "watch", "warning_rule")
            .order_by("due_on", "pk"))


def action_item_get(*, user, pk) -> ActionItem:
    try:
        return action_items_visible(user=user).get(pk=pk)
    except (ActionItem.DoesNotExist, ValueError, TypeError):
        raise Http404("No action item matches the given query.") from None


def overdue_q(today=None) -> Q:
    """Unfinished action items whose due day has passed (in the site's time zone)."""
    return Q(status__in=UNFINISHED_ACTION_ITEM_STATUSES,
             due_on__lt=today or timezone.localdate())


def my_open_action_items(*, user) -> QuerySet[ActionItem]:
    """``user``'s own unfinished action items on reviews they may still view, overdue and
    soonest first (My work)."""
    return (action_items_visible(user=user)
            .filter(owner=user, status__in=UNFINISHED_ACTION_ITEM_STATUSES))


def review_executives(incident) -> QuerySet:
    """Who hears that a review was signed off or that its PDF is ready: the incident's
    active executive sponsors and lead, and the executives (the capability) on its team."""
    on_team = RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True)
    people = on_team.filter(
        Q(role__code__in=[SignOffRole.LEAD, SignOffRole.EXECUTIVE_SPONSOR])
        | Q(user__groups__name=Capability.EXECUTIVE)).values("user_id")
    return (get_user_model().objects.filter(pk__in=people, is_active=True)
            .order_by("pk"))
