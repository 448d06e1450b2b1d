import datetime

from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone

from crisis.choices import (
    UNFINISHED_TASK_STATUSES,
    DepartmentKind,
    IncidentStatus,
    Severity,
    WarningLevel,
)
from crisis.models import Task, choice_rank
from crisis.selectors import incident_list, task_list, visible_to

from .choices import STANDING_CRISIS_CORE, Duty, NotificationKind, RoleCode
from .models import (
    Department,
    DutyShift,
    Notification,
    Role,
    RoleAssignment,
    RolePolicy,
    User,
)


def today() -> datetime.date:
    return timezone.localdate()


def on_duty(*, duty: str, day: datetime.date | None = None) -> QuerySet[User]:
    """Who is on ``duty`` on ``day`` (today by default), by name."""
    day = day or today()
    return (User.objects.filter(is_active=True, duty_shifts__duty=duty,
                                duty_shifts__starts_on__lte=day, duty_shifts__ends_on__gte=day)
            .distinct().order_by("first_name", "last_name", "username"))


def roster(*, start: datetime.date, days: int = 14) -> QuerySet[DutyShift]:
    """Shifts overlapping ``days`` days from ``start``, earliest first."""
    end = start + datetime.timedelta(days=days - 1)
    return (DutyShift.objects.filter(starts_on__lte=end, ends_on__gte=start)
            .select_related("user").order_by("starts_on", "duty", "user__username"))


def incident_created_recipients(*, incident) -> QuerySet[User]:
    """Who hears of a new incident: the standing crisis core and whoever is on monitoring or
    crisis lead duty today, except whoever opened it."""
    day = today()
    on_duty_now = Q(duty_shifts__starts_on__lte=day, duty_shifts__ends_on__gte=day)
    return (
        User.objects.filter(Q(departments__kind__in=STANDING_CRISIS_CORE) | on_duty_now,
                            is_active=True)
        .exclude(pk=incident.created_by_id)
        .distinct()
        .order_by("pk")
    )


def escalation_recipients(*, incident) -> QuerySet[User]:
    """Who hears when an incident turns critical or red: the executives, the crisis lead on
    duty today and the incident's own lead."""
    day = today()
    lead_on_duty = Q(duty_shifts__duty=Duty.CRISIS_LEAD, duty_shifts__starts_on__lte=day,
                     duty_shifts__ends_on__gte=day)
    incident_lead = Q(role_assignments__incident=incident,
                      role_assignments__role__code=RoleCode.LEAD,
                      role_assignments__ended_at__isnull=True)
    return (
        User.objects.filter(Q(departments__kind=DepartmentKind.EXECUTIVE) | lead_on_duty
                            | incident_lead, is_active=True)
        .distinct()
        .order_by("pk")
    )


def role_list() -> QuerySet[Role]:
    return Role.objects.filter(is_active=True).order_by("position", "name")


def department_list() -> QuerySet[Department]:
    return (Department.objects.select_related("head")
            .prefetch_related(Prefetch("members", queryset=User.objects.filter(is_active=True)
                                       .order_by("first_name", "last_name", "username")))
            .order_by("name"))


def team_for(*, incident, include_ended: bool = False) -> QuerySet[RoleAssignment]:
    """Who holds (or held) which role on ``incident``, by role then since when."""
    assignments = incident.role_assignments.select_related(
        "user", "role", "department", "assigned_by", "ended_by")
    if not include_ended:
        assignments = assignments.filter(ended_at__isnull=True)
    return assignments.order_by("ended_at", "role__position", "assigned_at", "pk")


def current_lead(*, incident) -> RoleAssignment | None:
    return (incident.role_assignments.filter(role__code=RoleCode.LEAD, ended_at__isnull=True)
            .select_related("user").first())


def role_candidates(*, role: Role, department: Department | None = None,
                    duty: str | None = None) -> QuerySet[User]:
    """People to suggest for ``role``: the department's members (head first) when it is per
    department, otherwise holders of the role's capability; whoever is on ``duty`` today
    comes first."""
    people = User.objects.filter(is_active=True)
    if department is not None:
        people = people.filter(departments=department)
    elif role.capability_id:
        people = people.filter(groups=role.capability_id)
    day = today()
    on_duty_now = DutyShift.objects.filter(user=OuterRef("pk"), starts_on__lte=day,
                                           ends_on__gte=day)
    if duty:
        on_duty_now = on_duty_now.filter(duty=duty)
    is_head = (Exists(Department.objects.filter(pk=department.pk, head=OuterRef("pk")))
               if department else Value(False))
    return (people.annotate(on_duty=Exists(on_duty_now), is_head=is_head).distinct()
            .order_by("-on_duty", "-is_head", "first_name", "last_name", "username"))


def policies_for(*, incident) -> QuerySet[RolePolicy]:
    """The team policies ``incident`` meets at its current type and severity."""
    reached = [s.value for s in Severity if s.rank <= Severity(incident.severity).rank]
    return (RolePolicy.objects.filter(Q(incident_type__isnull=True)
                                      | Q(incident_type=incident.type_id),
                                      min_severity__in=reached, role__is_active=True)
            .select_related("role").order_by("role__position", "pk"))


MY_TASKS_SHOWN = 100
OTHER_OPEN_SHOWN = 10


def my_work(*, user) -> dict:
    """The home page's lists for ``user``, most pressing first: the incidents they hold a
    role on (open before closed, then warning level, severity, the next task due in it), the
    unfinished tasks they own (their incident's warning level and severity, then due time)
    and a few other open incidents. Only incidents ``user`` may view."""
    visible = incident_list(user=user)
    mine: dict[int, dict] = {}
    for assignment in my_assignments(user=user):
        entry = mine.setdefault(assignment.incident_id,
                                {"incident": assignment.incident, "roles": []})
        entry["roles"].append(assignment)
    next_due = dict(Task.objects.filter(incident__in=list(mine),
                                        status__in=UNFINISHED_TASK_STATUSES)
                    .order_by().values_list("incident").annotate(next_due=Min("due_at")))
    never = datetime.datetime.max.replace(tzinfo=datetime.UTC)

    def pressing(entry: dict) -> tuple:
        incident = entry["incident"]
        level = WarningLevel(incident.warning_level).rank if incident.warning_level else 0
        return (incident.status == IncidentStatus.CLOSED, -level,
                -Severity(incident.severity).rank, next_due.get(incident.pk) or never,
                -incident.created_at.timestamp())

    tasks = (task_list(user=user).filter(owner=user, status__in=UNFINISHED_TASK_STATUSES)
             .order_by(choice_rank("incident__warning_level", WarningLevel).desc(),
                       choice_rank("incident__severity", Severity).desc(),
                       F("due_at").asc(nulls_last=True), "pk"))
    return {
        "my_incidents": sorted(mine.values(), key=pressing),
        "my_tasks": list(tasks[:MY_TASKS_SHOWN]),
        "open_elsewhere": list(visible.exclude(Q(status=IncidentStatus.CLOSED)
                                               | Q(pk__in=list(mine)))[:OTHER_OPEN_SHOWN]),
    }


def my_assignments(*, user) -> QuerySet[RoleAssignment]:
    """``user``'s current roles on incidents they may view, those not closed first."""
    return (RoleAssignment.objects.filter(user=user, ended_at__isnull=True,
                                          incident__in=incident_list(user=user).values("pk"))
            .select_related("incident", "incident__type", "role", "department")
            .order_by("incident__closed_at", "-incident__created_at"))


# --- notifications ----------------------------------------------------------------------
LATEST_NOTIFICATIONS = 10  # in the bell and the socket's first frame


# Reads of one's own notifications. Notifications about an incident the person may no
# longer view (confidentiality went up, their role ended) are left out, like the incident.

def notification_list(*, user: User):
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    mine = visible_to(Notification.objects.filter(recipient=user), user=user)
    return mine.select_related("incident").order_by("-created_at", "-pk")


def notification_unread_count(*, user: User) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


def notification_frame(notification: Notification) -> dict:
    """The small dict the bell, the socket and the API's live frames share."""
    incident = notification.incident
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": str(NotificationKind(notification.kind).label),
        "icon": NotificationKind(notification.kind).icon,
        "important": NotificationKind(notification.kind).is_important,
        "title": notification.title,
        "incident": {"id": incident.pk, "reference": incident.reference,
                     "url": incident.get_absolute_url()} if incident else None,
        "url": reverse("notification-open", args=[notification.pk]),
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
    }
