"""Writes to media inquiries: logging one, and every change after (assigning, moving it
along, naming the statement it was answered with, correcting what was logged).

Like ``comms.services``, each write (1) checks the right (``media.can_work_inquiries``),
(2) locks the incident, then the inquiry, (3) validates against the locked rows, (4) writes,
appends its timeline entry (kind ``statement``: media relations are the communications
team's work, and the room files them together) and emits ``media_inquiry.changed``, all in
one transaction, and (5) tells the new assignee (``teams.services.notification_send``,
after commit). Bad input raises a ValidationError naming the field before anything is
written.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from crisis import live
from crisis.choices import TimelineKind
from crisis.models import Incident
from crisis.selectors import may_view
from crisis.services import check_not_closed, check_not_merged, incident_lock
from crisis.timeline import timeline_record
from teams.choices import NotificationKind
from teams.models import User
from teams.services import notification_send

from . import events
from .inquiry_choices import InquiryStatus
from .media import ANSWER_STATUSES, can_work_inquiries
from .models import MediaInquiry, Statement

MAX_OUTLET_LENGTH = 200
MAX_CONTACT_LENGTH = 200
MAX_QUESTION_LENGTH = 4_000
MAX_NOTE_LENGTH = 4_000

# The fields ``inquiry_update`` changes, in the order a timeline entry names them.
UPDATABLE = ("outlet", "journalist", "contact", "question", "received_at", "deadline",
             "assignee", "status", "answer_statement", "answer_note")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # "not sent": the field keeps its value (None clears an optional one)


# --- checks -------------------------------------------------------------------------------------

def may_not_work() -> str:
    """The refusal of a write on inquiries (in the reader's language)."""
    return _("You may not work on media inquiries in this incident.")


def _require(user, incident: Incident) -> None:
    if not can_work_inquiries(user, incident):
        raise PermissionDenied(may_not_work())


def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: [_("Expected text.")]})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("Keep it under %(n)d characters.") % {"n": limit}]})
    return value


def _moment(value, field: str, *, required: bool = False) -> datetime | None:
    if value is None:
        if required:
            raise ValidationError({field: [_("This field is required.")]})
        return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise ValidationError({field: [_("Give a date and time with its time zone.")]})
    return value


def _status(value) -> str:
    if value not in InquiryStatus.values:
        raise ValidationError({"status": [_("“%(value)s” is not one of: %(allowed)s.")
                                          % {"value": value,
                                             "allowed": ", ".join(InquiryStatus.values)}]})
    return value


def check_assignee(user: User | None, incident: Incident) -> User | None:
    """Whom an inquiry may be given to: someone who can sign in and view the incident."""
    if user is None:
        return None
    if not isinstance(user, User) or not user.is_active or not may_view(user=user,
                                                                         incident=incident):
        raise ValidationError({"assignee": [_("Choose someone who may view this incident.")]})
    return user


def check_answer_statement(statement: Statement | None, incident: Incident) -> Statement | None:
    """The statement an inquiry is answered with: approved or published, of its incident
    (read locked: it must not change while the inquiry names it)."""
    if statement is None:
        return None
    locked = Statement.objects.select_for_update().filter(pk=statement.pk).first()
    if locked is None or locked.incident_id != incident.pk:
        raise ValidationError({"answer_statement": [
            _("Choose a statement of this incident.")]})
    if locked.status not in ANSWER_STATUSES:
        raise ValidationError({"answer_statement": [
            _("Only an approved or published statement can answer an inquiry; this one is "
              "%(status)s.") % {"status": locked.get_status_display().lower()}]})
    return locked


def _check_answered(inquiry: MediaInquiry) -> None:
    """Answered says how (a statement or a note); declined says why (a note)."""
    if inquiry.status == InquiryStatus.ANSWERED and not (inquiry.answer_statement_id
                                                         or inquiry.answer_note):
        raise ValidationError({"answer_statement": [
            _("Say how it was answered: choose the statement or write a note.")]})
    if inquiry.status == InquiryStatus.DECLINED and not inquiry.answer_note:
        raise ValidationError({"answer_note": [_("Say why it was declined.")]})


def _check_times(received_at: datetime, deadline: datetime | None) -> None:
    if deadline is not None and deadline < received_at:
        raise ValidationError({"deadline": [_("The deadline comes after the inquiry was "
                                              "received.")]})


# --- recording ----------------------------------------------------------------------------------

def _record(*, incident: Incident, inquiry: MediaInquiry, actor, action: str, **data) -> None:
    """The timeline entry and the live event of one write."""
    timeline_record(incident=incident, kind=TimelineKind.STATEMENT, actor=actor,
                    data={"action": action, "inquiry": inquiry.pk, "outlet": inquiry.outlet,
                          **data})
    live.emit(incident=incident, event=events.media_inquiry_changed(inquiry, action=action))


def _tell_assignee(*, inquiry: MediaInquiry, incident: Incident, actor, key: str) -> None:
    if inquiry.assignee is None:
        return
    question = " ".join(inquiry.question.split())
    question = question if len(question) <= 100 else question[:99] + "…"

    def title() -> str:
        return _("%(ref)s: media inquiry from %(outlet)s assigned to you: %(question)s") % {
            "ref": incident.reference, "outlet": inquiry.outlet, "question": question}

    # No kind of its own yet: an inquiry to answer is work given to someone, like a task.
    notification_send(recipients=[inquiry.assignee], kind=NotificationKind.TASK_ASSIGNED,
                      title=title, dedupe_key=f"media_inquiry:{inquiry.pk}:{key}",
                      actor=actor, incident=incident)


# --- services -----------------------------------------------------------------------------------

def inquiry_create(
    *, actor, incident: Incident, outlet: str, question: str, journalist: str = "",
    contact: str = "", received_at: datetime | None = None, deadline: datetime | None = None,
    assignee: User | None = None,
) -> MediaInquiry:
    """Log a journalist's question (new; received now unless ``received_at`` says when)."""
    _require(actor, incident)
    outlet = _text(outlet, "outlet", MAX_OUTLET_LENGTH, required=True)
    journalist = _text(journalist, "journalist", MAX_OUTLET_LENGTH)
    contact = _text(contact, "contact", MAX_CONTACT_LENGTH)
    question = _text(question, "question", MAX_QUESTION_LENGTH, required=True)
    received_at = _moment(received_at, "received_at") or timezone.now()
    deadline = _moment(deadline, "deadline")
    _check_times(received_at, deadline)
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_merged(incident)
        check_not_closed(incident)
        assignee = check_assignee(assignee, incident)
        now = timezone.now()
        inquiry = MediaInquiry.objects.create(
            incident=incident, outlet=outlet, journalist=journalist, contact=contact,
            question=question, received_at=received_at, deadline=deadline, assignee=assignee,
            created_by=actor, created_at=now, updated_at=now)
        _record(incident=incident, inquiry=inquiry, actor=actor, action="inquiry_logged",
                to=inquiry.status,
                **({"assignee": str(assignee)} if assignee is not None else {}))
        _tell_assignee(inquiry=inquiry, incident=incident, actor=actor, key="logged")
    return inquiry


def inquiry_update(
    *, actor, inquiry: MediaInquiry, outlet=UNSET, journalist=UNSET, contact=UNSET,
    question=UNSET, received_at=UNSET, deadline=UNSET, assignee=UNSET, status=UNSET,
    answer_statement=UNSET, answer_note=UNSET, seen: datetime | None = None,
) -> MediaInquiry:
    """Change what is sent (``UNSET`` keeps a field): assign (``None`` unassigns), move the
    status, name the approved or published statement it was answered with, correct what
    was logged. Answered needs the statement or a note; declined needs a note. Sending
    nothing new writes nothing. ``seen``: when the inquiry was last changed as the caller
    read it (a page's form); if it changed since, nothing is saved over it (409)."""
    _require(actor, inquiry.incident)
    given = {name: value for name, value in {
        "outlet": outlet, "journalist": journalist, "contact": contact, "question": question,
        "received_at": received_at, "deadline": deadline, "assignee": assignee,
        "status": status, "answer_statement": answer_statement, "answer_note": answer_note,
    }.items() if value is not UNSET}
    cleaned: dict = {}
    for name, limit, required in (("outlet", MAX_OUTLET_LENGTH, True),
                                  ("journalist", MAX_OUTLET_LENGTH, False),
                                  ("contact", MAX_CONTACT_LENGTH, False),
                                  ("question", MAX_QUESTION_LENGTH, True),
                                  ("answer_note", MAX_NOTE_LENGTH, False)):
        if name in given:
            cleaned[name] = _text(given[name], name, limit, required=required)
    if "received_at" in given:
        cleaned["received_at"] = _moment(given["received_at"], "received_at", required=True)
    if "deadline" in given:
        cleaned["deadline"] = _moment(given["deadline"], "deadline")
    if "status" in given:
        cleaned["status"] = _status(given["status"])
    with transaction.atomic():
        incident = incident_lock(inquiry.incident)
        check_not_merged(incident)
        inquiry = (MediaInquiry.objects.select_for_update(of=("self",)).select_related("assignee")
                   .get(pk=inquiry.pk))
        inquiry.incident = incident
        if seen is not None and seen != inquiry.updated_at:
            raise ConflictError(_("Someone changed this inquiry while you were editing it. "
                                  "Here it is as it stands now; make your change again."),
                                current=inquiry.status)
        if "assignee" in given:
            cleaned["assignee"] = check_assignee(given["assignee"], incident)
        if "answer_statement" in given:
            cleaned["answer_statement"] = check_answer_statement(given["answer_statement"],
                                                                 incident)
        was = {name: getattr(inquiry, name) for name in cleaned}
        changed = [name for name in UPDATABLE if name in cleaned and cleaned[name] != was[name]]
        if not changed:
            return inquiry
        for name in changed:
            setattr(inquiry, name, cleaned[name])
        _check_times(inquiry.received_at, inquiry.deadline)
        _check_answered(inquiry)
        inquiry.updated_at = timezone.now()
        inquiry.save(update_fields=[*changed, "updated_at"])
        data: dict = {"fields": changed}
        if "status" in changed:
            data.update({"from": was["status"], "to": inquiry.status})
        if "assignee" in changed:
            data["assignee"] = str(inquiry.assignee) if inquiry.assignee else None
        if "answer_statement" in changed:
            data["answer"] = inquiry.answer_statement_id
            if inquiry.answer_statement is not None:
                data["answer_title"] = inquiry.answer_statement.title
        _record(incident=incident, inquiry=inquiry, actor=actor, action="inquiry_updated",
                **data)
        if "assignee" in changed:
            _tell_assignee(inquiry=inquiry, incident=incident, actor=actor,
                           key=f"assigned:{inquiry.updated_at.isoformat()}")
    return inquiry
