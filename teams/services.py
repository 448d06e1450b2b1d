import datetime
from collections.abc import Callable, Iterable

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import ConflictError
from core.forms import MAX_ID
from core.live import tell_user
from core.text import clean_text
from crisis import events, live
from crisis.choices import TimelineKind
from crisis.models import IncidentUserObjectPermission
from crisis.permissions import (
    INCIDENT_RIGHT_CODENAMES,
    can_manage_team,
    forget_granted,
)
from crisis.selectors import may_view
from crisis.services import check_not_merged, incident_lock
from crisis.timeline import timeline_record

from . import selectors, tasks
from .choices import Duty, EmailNotifications, HandoverPrevious, NotificationKind, RoleCode
from .models import (
    Department,
    DutyShift,
    Notification,
    Role,
    RoleAssignment,
    User,
)
from .permissions import (
    can_add_duty_shift,
    can_change_duty_shift,
    can_delete_duty_shift,
    can_end_role,
)

MAX_NOTE_LENGTH = 240  # a note on a role change (assigning, ending, handing over)


# --- notifications --------------------------------------------------------------------------
# Stored with the change that causes them (so nothing is lost while someone is offline),
# told to the recipient's open sockets and emailed (as they chose) after commit.

NotificationTitle = str | Callable[[], str]
MAX_READ_IDS = 200


def _store_notification(*, recipient: User, kind: str, title: NotificationTitle,
                        dedupe_key: str, incident=None) -> tuple[Notification, bool]:
    """(notification, created): once per recipient and cause, even when called again."""
    existing = Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    if callable(title):
        # Written in the recipient's language: the title is what the bell, the page and
        # the email show them.
        with translation.override(recipient.email_language):
            title = str(title())
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient, kind=kind, title=title[:240], dedupe_key=dedupe_key,
                incident=incident), True
    except IntegrityError:
        return Notification.objects.get(recipient=recipient, dedupe_key=dedupe_key), False


def notification_create(
    *, recipient: User, kind: str, title: NotificationTitle, dedupe_key: str, incident=None
) -> Notification:
    """Store a notification once per recipient and cause (safe to call again on retry)."""
    return _store_notification(recipient=recipient, kind=kind, title=title,
                               dedupe_key=dedupe_key, incident=incident)[0]


def notification_send(
    *, recipients: Iterable[User], kind: str, title: NotificationTitle, dedupe_key: str,
    actor: User | None, incident=None,
) -> list[Notification]:
    """Store notifications with the change that causes them; after commit, tell the
    recipients' open pages and email those who want this kind by email.

    ``title`` is text, or a function returning it (called in each recipient's language).
    The one rule of who hears: never ``actor``, whose action caused it (``None`` when
    nobody acted, e.g. a task fell overdue); nobody about an incident they may not view
    (a confidential one, say)."""
    notifications, created = [], []
    for user in recipients:
        if actor is not None and user.pk == actor.pk:
            continue
        if incident is not None and not may_view(user=user, incident=incident):
            continue
        notification, new = _store_notification(recipient=user, kind=kind, title=title,
                                                 dedupe_key=dedupe_key, incident=incident)
        notifications.append(notification)
        if new:
            created.append(notification)
    for notification in created:
        _tell_created(notification)
    pending = [n.pk for n in notifications if n.emailed_at is None
               and EmailNotifications(n.recipient.email_notifications).wants(n.kind)]
    if pending:
        # robust: with the broker down the notification is stored all the same; the
        # periodic sweep (tasks.sweep_unsent_notification_emails) sends it later.
        transaction.on_commit(lambda: tasks.deliver_notification_emails.delay(pending),
                              robust=True)
    return notifications


def _tell_created(notification: Notification) -> None:
    user = notification.recipient
    with translation.override(user.email_language):
        frame = {"type": "notification.created",
                 "notification": selectors.notification_frame(notification),
                 "unread": selectors.notification_unread_count(user=user)}
    tell_user(user.pk, frame)


def notification_mark_emailed(*, notification: Notification) -> None:
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])


def check_notification_ids(ids, *, from_text: bool = False) -> list[int]:
    """``ids`` as notification ids to mark read, or a ValidationError naming ``ids``: a
    non-empty list of at most ``MAX_READ_IDS`` positive whole numbers (``from_text``: digits
    typed as text count too, as pages and form-encoded bodies send them). The one check of
    its shape, with one set of messages, for the page, the API, the socket and the service."""
    def refuse(message: str):
        return ValidationError({"ids": [message]})

    if isinstance(ids, str | bytes | dict) or not isinstance(ids, Iterable):
        raise refuse(_("Send a non-empty list of notification ids."))
    ids = list(ids)
    if not ids:
        raise refuse(_("Send a non-empty list of notification ids."))
    if len(ids) > MAX_READ_IDS:
        raise refuse(_("Mark at most %(n)d at a time.") % {"n": MAX_READ_IDS})
    if from_text:
        ids = [int(i) if isinstance(i, str) and i.strip().isdigit() else i for i in ids]
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID
               for i in ids):
        raise refuse(_("Each id is a positive whole number."))
    return ids


def check_notification_read(*, ids=None, every=None, from_text: bool = False) -> list[int] | None:
    """What a request to mark notifications read names: ``None`` for every one of them
    (``every`` is ``True``), else the checked ``ids``. ValidationError names ``ids`` or
    ``all``."""
    if every is not None and every is not True:
        raise ValidationError({"all": [_("Send all: true to mark every notification read.")]})
    if every:
        if ids is not None:
            raise ValidationError({"ids": [_("Send either ids or all: true, not both.")]})
        return None
    if ids is None:
        raise ValidationError({"ids": [_("Send ids (a list of notification ids) or all: "
                                         "true.")]})
    return check_notification_ids(ids, from_text=from_text)


def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s own notifications read: those in ``ids``, or all when ``ids`` is
    None. Others' ids are ignored (never an error: it would tell that they exist).
    Returns how many changed; the user's other pages hear the new unread count."""
    unread = selectors.notification_list(user=user).filter(read_at__isnull=True)
    if ids is not None:
        ids = check_notification_ids(ids)
        unread = unread.filter(pk__in=ids)
    with transaction.atomic():
        changed = list(unread.values_list("pk", flat=True))
        if changed:
            Notification.objects.filter(pk__in=changed).update(read_at=timezone.now())
            tell_user(user.pk, {"type": "notification.read", "ids": changed,
                                     "all": ids is None,
                                     "unread": selectors.notification_unread_count(user=user)})
    return len(changed)


def user_preferences_update(*, user: User, **changes) -> User:
    """Change how CrisisDesk speaks to ``user``: ``timezone``, ``language``,
    ``email_notifications`` (each optional; a bad value names its field)."""
    allowed = {"timezone", "language", "email_notifications"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    before = {name: getattr(user, name) for name in changes}
    for name, value in changes.items():
        setattr(user, name, value)
    try:
        user.full_clean(validate_unique=False, validate_constraints=False,
                        exclude=[f.name for f in User._meta.fields if f.name not in changes])
    except ValidationError:
        for name, value in before.items():
            setattr(user, name, value)
        raise
    if changes:
        user.save(update_fields=list(changes))
    return user


# --- the duty roster ------------------------------------------------------------------------
# Crisis managers and administrators keep it (the teams duty-shift rights).

DUTY_SHIFT_FIELDS = ("duty", "user", "starts_on", "ends_on")


def _duty_shift_save(shift: DutyShift) -> DutyShift:
    """Checked by ``full_clean`` (``DutyShift.clean``: the dates' order) before it is saved."""
    if not shift.user.is_active:
        raise ValidationError({"user": [_("%(name)s can no longer sign in.")
                                        % {"name": shift.user}]})
    shift.full_clean(validate_constraints=False)
    shift.save()
    return shift


def duty_shift_create(*, actor, duty: str, user: User, starts_on: datetime.date,
                      ends_on: datetime.date) -> DutyShift:
    """Put ``user`` on ``duty`` from ``starts_on`` until ``ends_on`` (inclusive)."""
    if not can_add_duty_shift(actor):
        raise PermissionDenied(_("You may not change the duty roster."))
    return _duty_shift_save(DutyShift(duty=duty, user=user, starts_on=starts_on,
                                      ends_on=ends_on))


def duty_shift_update(*, actor, shift: DutyShift, **changes) -> DutyShift:
    """Change any of ``duty``, ``user``, ``starts_on``, ``ends_on`` of a shift."""
    if not can_change_duty_shift(actor):
        raise PermissionDenied(_("You may not change the duty roster."))
    unknown = set(changes) - set(DUTY_SHIFT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(shift, name, value)
    return _duty_shift_save(shift)


def duty_shift_delete(*, actor, shift: DutyShift) -> None:
    if not can_delete_duty_shift(actor):
        raise PermissionDenied(_("You may not change the duty roster."))
    shift.delete()


# --- incident teams ------------------------------------------------------------------------
# Every change to who holds which role goes through here: it locks the incident, keeps the
# guardian rights in step with the active roles (same transaction), writes the timeline
# and tells the room. Ending a role revokes exactly what no remaining role still grants.

def _require_team_right(actor, incident) -> None:
    if not can_manage_team(actor, incident):
        raise PermissionDenied(_("You may not change this incident's team."))


def _note(note: str) -> str:
    note = clean_text(note or "")
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError({"note": [_("Keep it under %(n)d characters.")
                                        % {"n": MAX_NOTE_LENGTH}]})
    return note


def incident_rights_sync(*, incident, user) -> None:
    """Make ``user``'s guardian rights on ``incident`` exactly what their active roles grant."""
    wanted = set(
        Permission.objects.filter(
            incident_roles__assignments__incident=incident,
            incident_roles__assignments__user=user,
            incident_roles__assignments__ended_at__isnull=True,
            codename__in=INCIDENT_RIGHT_CODENAMES, content_type__app_label="crisis",
        ).values_list("pk", flat=True))
    held = IncidentUserObjectPermission.objects.filter(
        user=user, content_object=incident, permission__codename__in=INCIDENT_RIGHT_CODENAMES)
    have = set(held.values_list("permission_id", flat=True))
    if have - wanted:
        held.filter(permission_id__in=have - wanted).delete()
    IncidentUserObjectPermission.objects.bulk_create(
        IncidentUserObjectPermission(user=user, content_object=incident, permission_id=pk)
        for pk in wanted - have)
    forget_granted(incident)


def role_rights_resync(*, role: Role) -> int:
    """After an admin changed what ``role`` grants: bring every current holder in step."""
    holders = (RoleAssignment.objects.filter(role=role, ended_at__isnull=True)
               .select_related("incident", "user"))
    pairs = {(a.incident_id, a.user_id): a for a in holders}
    with transaction.atomic():
        for assignment in pairs.values():
            incident_rights_sync(incident=assignment.incident, user=assignment.user)
    return len(pairs)


def _team_changed(incident, *, actor, action: str, assignment: RoleAssignment,
                  note: str = "", extra: dict | None = None) -> None:
    data = {"action": action, "assignment": assignment.pk, "user": assignment.user_id,
            "person": str(assignment.user), "role": assignment.role.code,
            "role_name": assignment.role.name}
    if assignment.department_id:
        data["department"] = assignment.department.name
    data.update(extra or {})
    # The change before its record: a socket whose access it ends closes on team.changed,
    # before the timeline entry's frame could reach it.
    live.emit(incident=incident, event=events.team_changed(assignment, action=action))
    timeline_record(incident=incident, kind=TimelineKind.ROLE, actor=actor, body=note, data=data)


def _assign(*, actor, incident, user: User, role: Role, department: Department | None,
            note: str, action: str = "assigned", extra: dict | None = None) -> RoleAssignment:
    """Inside a transaction holding the incident's lock."""
    assignment = RoleAssignment.objects.create(
        incident=incident, user=user, role=role, department=department, note=note,
        assigned_by=actor, assigned_at=timezone.now())
    incident_rights_sync(incident=incident, user=user)
    _team_changed(incident, actor=actor, action=action, assignment=assignment, note=note,
                  extra=extra)
    notification_send(
        recipients=[user], kind=NotificationKind.TEAM_ADDED,
        title=lambda: _("%(ref)s: you are %(role)s – %(title)s")
        % {"ref": incident.reference, "role": str(role), "title": incident.title},
        dedupe_key=f"team_added:{assignment.pk}", actor=actor, incident=incident)
    return assignment


def _end(*, actor, incident, assignment: RoleAssignment, note: str,
         action: str = "ended", extra: dict | None = None) -> RoleAssignment:
    assignment.ended_at, assignment.ended_by = timezone.now(), actor
    assignment.save(update_fields=["ended_at", "ended_by"])
    incident_rights_sync(incident=incident, user=assignment.user)
    _team_changed(incident, actor=actor, action=action, assignment=assignment, note=note,
                  extra=extra)
    return assignment


def _validate_assignment(*, incident, user: User, role: Role, department) -> None:
    if not user.is_active:
        raise ValidationError({"user": [_("%(name)s can no longer sign in.") % {"name": user}]})
    if not role.is_active:
        raise ValidationError({"role": [_("This role is no longer in use.")]})
    if role.per_department and department is None:
        raise ValidationError({"department": [_("Choose the department this %(role)s speaks "
                                                "for.") % {"role": role}]})
    if not role.per_department and department is not None:
        raise ValidationError({"department": [
            _("%(role)s is not held for a department; leave Department empty.")
            % {"role": role}]})
    if RoleAssignment.objects.filter(incident=incident, user=user, role=role,
                                     department=department, ended_at__isnull=True).exists():
        raise ConflictError(_("%(name)s already holds this role.") % {"name": user},
                            current=incident.status)
    if role.single_holder:
        holder = RoleAssignment.objects.filter(incident=incident, role=role,
                                               ended_at__isnull=True).select_related("user")
        if holder:
            raise ConflictError(_("%(name)s is the %(role)s; hand the role over instead.")
                                % {"name": holder[0].user, "role": role},
                                current=incident.status)


def role_assign(*, actor, incident, user: User, role: Role,
                department: Department | None = None, note: str = "") -> RoleAssignment:
    """Give ``user`` ``role`` on ``incident`` (with its rights); they are notified."""
    _require_team_right(actor, incident)
    note = _note(note)
    given = incident
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_merged(incident)
        _validate_assignment(incident=incident, user=user, role=role, department=department)
        assignment = _assign(actor=actor, incident=incident, user=user, role=role,
                             department=department, note=note)
    forget_granted(given)
    return assignment


def role_end(*, actor, assignment: RoleAssignment, note: str = "") -> RoleAssignment:
    """End a role (kept in the history); the person keeps what their other roles grant.
    People may step down from their own roles; the lead hands over instead."""
    incident = given = assignment.incident
    if not can_end_role(actor, assignment):
        raise PermissionDenied(_("You may not change this incident's team."))
    note = _note(note)
    with transaction.atomic():
        incident = incident_lock(incident)
        assignment = RoleAssignment.objects.select_for_update(of=("self",)).select_related(
            "role", "user", "department").get(pk=assignment.pk)
        if assignment.ended_at is not None:
            raise ConflictError(_("This role already ended."), current=incident.status)
        if assignment.role.is_lead:
            raise ConflictError(_("An incident always has a lead: hand the lead over instead."),
                                current=incident.status)
        ended = _end(actor=actor, incident=incident, assignment=assignment, note=note)
    forget_granted(given)
    return ended


def lead_handover(*, actor, incident, to: User, previous: str = HandoverPrevious.DEPUTY,
                  note: str = "") -> RoleAssignment:
    """Make ``to`` the incident lead. The old lead becomes deputy (``previous="deputy"``)
    or is released from the lead role (``"release"``; other roles stay)."""
    _require_team_right(actor, incident)
    note = _note(note)
    if previous not in HandoverPrevious.values:
        raise ValidationError({"previous": [
            _("Choose whether the current lead stays on as deputy or is released.")]})
    lead_role = Role.objects.get(code=RoleCode.LEAD)
    given = incident
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_merged(incident)
        if not to.is_active:
            raise ValidationError({"to": [_("%(name)s can no longer sign in.") % {"name": to}]})
        old = (RoleAssignment.objects.select_for_update().select_related("user", "role")
               .filter(incident=incident, role=lead_role, ended_at__isnull=True).first())
        if old is not None and old.user_id == to.pk:
            raise ConflictError(_("%(name)s is already the lead.") % {"name": to},
                                current=incident.status)
        handover = {"from": str(old.user), "previous": previous} if old else {}
        if old is not None:
            _end(actor=actor, incident=incident, assignment=old, note=note, action="handed_over",
                 extra={"to": str(to)})
        for deputy in RoleAssignment.objects.select_related("user", "role", "department").filter(
                incident=incident, role__code=RoleCode.DEPUTY, user=to, ended_at__isnull=True):
            _end(actor=actor, incident=incident, assignment=deputy, note=note,
                 action="promoted")
        new = _assign(actor=actor, incident=incident, user=to, role=lead_role, department=None,
                      note=note, action="took_over" if old else "assigned", extra=handover)
        stays_deputy = old is not None and previous == HandoverPrevious.DEPUTY
        if stays_deputy and not RoleAssignment.objects.filter(
                incident=incident, user=old.user, role__code=RoleCode.DEPUTY,
                ended_at__isnull=True).exists():
            _assign(actor=actor, incident=incident, user=old.user,
                    role=Role.objects.get(code=RoleCode.DEPUTY), department=None, note=note)
    forget_granted(given)
    return new


def team_assemble(*, incident, actor, opened: bool = False) -> list[RoleAssignment]:
    """Fill the roles the incident's team policies ask for at its type and severity, with
    the people the roster and departments suggest; give it a lead if it has none (the crisis
    lead on duty, else whoever opened it). Called when the incident is opened or escalated,
    inside that transaction; the lead changes the team afterwards."""
    added: list[RoleAssignment] = []
    note, by_policy = "", {"policy": True}
    if selectors.current_lead(incident=incident) is None:
        lead_role = Role.objects.get(code=RoleCode.LEAD)
        lead = selectors.on_duty(duty=Duty.CRISIS_LEAD).first() or actor
        added.append(_assign(actor=actor, incident=incident, user=lead, role=lead_role,
                             department=None, note=note, extra=by_policy))
    if opened and not RoleAssignment.objects.filter(
            incident=incident, user=actor, ended_at__isnull=True).exists():
        # Whoever opened it keeps seeing it and records what they found.
        added.append(_assign(actor=actor, incident=incident, user=actor,
                             role=Role.objects.get(code=RoleCode.SCRIBE), department=None,
                             note=note, extra=by_policy))
    for policy in selectors.policies_for(incident=incident):
        department = None
        if policy.role.per_department:
            department = (Department.objects.filter(kind=policy.department_kind)
                          .order_by("name").first())
            if department is None:
                continue
        holders = RoleAssignment.objects.filter(incident=incident, role=policy.role,
                                                department=department, ended_at__isnull=True)
        if holders.exists():
            continue
        person = selectors.role_candidates(role=policy.role, department=department).first()
        if person is None:
            continue
        added.append(_assign(actor=actor, incident=incident, user=person, role=policy.role,
                             department=department, note=note, extra=by_policy))
    return added
