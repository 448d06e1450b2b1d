"""The permission matrix of the "Crisis teams" issue, generated from ONE table.

Every API endpoint (route name and method) and every page is a row of ``TABLE``; each row
runs for every persona (anonymous, a signed-in outsider, the holders of five roles on the
incident, an executive, an auditor and an administrator) and asserts the exact status. A
row about one incident runs for each signed-in persona on an internal, a restricted and a
confidential incident. The others run once per persona, since the level cannot change their
answer: rows not tied to one incident (lists, creation, the roster, one's notifications...),
and the anonymous user, who is refused before any incident is looked up. Those single runs
check what the level does change against all three incidents at once: which of them a list
shows, and that no title the persona may not view leaks into the answer. The expected
status follows from the row and the persona only:

1. anonymous: the API answers 401 (token authentication comes first, so DRF says "not
   authenticated"), a page redirects to the sign-in page;
2. an incident the persona may not view: 404 (the row may say otherwise: a body naming an
   incident it may not view is a 400, the Django admin redirects);
3. a right the persona lacks: 403;
4. else the row's success status.

Rights come from the data, never from the app's permission functions: the groups'
permissions and the rights the persona's role grants (``Role.permissions``), read from the
database once. A refused write (any status but the row's success) leaves every row a write
could touch as it was; a successful one changes something.

``test_every_route_is_in_the_table`` fails when an API route (or one of its methods) or a
page has no row: a new endpoint must be added here.

The world (users, incidents, roles) is built once per module inside a transaction that is
rolled back at the end; each case runs in its own savepoint, so writes never leak from one
case into the next.
"""

import dataclasses
import datetime
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comms import inquiry_services
from comms import schedule as comms_schedule
from comms import services as comms_services
from comms.acknowledgement_links import acknowledgement_token
from comms.models import (
    ApprovalDecision,
    Contact,
    Delivery,
    IncidentStakeholder,
    MediaInquiry,
    Publication,
    PublishingFreeze,
    ReviewStage,
    ScheduledPublication,
    StakeholderGroup,
    Statement,
    StatementComment,
    StatementVersion,
)
from crisis.choices import Confidentiality, DepartmentKind, IncidentStatus
from crisis.models import (
    ChecklistItem,
    Incident,
    IncidentUserObjectPermission,
    LiveEvent,
    Task,
    TaskComment,
    TimelineEntry,
)
from monitoring.connectors import signature
from monitoring.models import Alert, Connector, Mention, WarningRule, Watch
from reports import services as reports_services
from reports.models import ActionItem, PostIncidentReview, ReviewSignOff, ReviewVersion
from teams.choices import Duty
from teams.models import (
    Department,
    DutyShift,
    Notification,
    Role,
    RoleAssignment,
    User,
)
from teams.services import role_assign
from tests.crisis.factories import (
    ChecklistItemFactory,
    IncidentFactory,
    IncidentTypeFactory,
    TaskCommentFactory,
    TaskFactory,
    TimelineEntryFactory,
)
from tests.event_shapes import last_stored, stored_rows_fit_their_shapes

# --- who asks, about which incident ----------------------------------------------------------

PERSONAS = ("anonymous", "outsider", "observer", "liaison", "communications_officer",
            "legal_reviewer", "lead", "executive", "auditor", "administrator")
# The Django admin is also asked by a staff member who is an auditor: it sees restricted
# incidents there, not confidential ones.
ADMIN_PERSONAS = (*PERSONAS, "staff_auditor")
ROLE_OF = {"observer": "observer", "liaison": "liaison",
           "communications_officer": "communications_officer",
           "legal_reviewer": "legal_reviewer", "lead": "lead"}
GROUP_OF = {"executive": "Executives", "auditor": "Auditors", "administrator": "Administrators",
            "staff_auditor": "Auditors"}
STAFF = {"administrator", "staff_auditor"}
CONFIDENTIALITIES = tuple(Confidentiality.values)
assert CONFIDENTIALITIES == ("internal", "restricted", "confidential")

# Rights a row needs, as alternatives; "a+b" needs both. "staff" is ``is_staff``.
MANAGE = ("crisis.change_incident",)
CONTRIBUTE = ("crisis.contribute_incident", "crisis.change_incident")
TEAM = ("crisis.manage_team",)
ADD_INCIDENT = ("crisis.add_incident",)
ADMIN_VIEW = ("staff+crisis.view_incident",)
DRAFT = ("crisis.draft_statement",)
PUBLISH = ("crisis.publish_statement",)
# Deciding the legal stage takes the role on the incident (its capability decides only when
# nobody but the author holds the role): a right named after the role, held by its holder.
LEGAL_STAGE = ("role:legal_reviewer",)
COMMENT = (*CONTRIBUTE, *DRAFT, *LEGAL_STAGE)
FREEZE = ("comms.add_publishingfreeze", "crisis.change_incident")
STAKEHOLDERS = ("crisis.manage_stakeholders", "crisis.change_incident")
INQUIRIES = (*CONTRIBUTE, *DRAFT)  # whoever works on the incident or drafts its statements
VIEW_CONTACTS = ("comms.view_contact",)
MANAGE_CONTACTS = ("comms.view_contact+comms.change_contact+comms.add_contact",)
VIEW_ALERTS = ("monitoring.view_alert",)
CHANGE_ALERTS = ("monitoring.view_alert+monitoring.change_alert",)
OPEN_FROM_ALERT = ("monitoring.view_alert+monitoring.change_alert+crisis.add_incident",)
ALERT_PAGE = {"pk": lambda s: s.alert}
VIEW_WATCHES = ("monitoring.view_watch", "monitoring.view_alert")
INGEST = ("monitoring.ingest_mention",)  # a service account's right: no persona holds it
IMPORT = ("monitoring.import_mention", *INGEST)  # a CSV file: analysts and administrators
CHANGE_RULES = ("monitoring.view_alert+monitoring.change_warningrule",)
DASHBOARD = ("reports.view_dashboard",)  # executives, crisis managers, auditors, admins
EDIT_REVIEW = ("crisis.edit_review",)


@dataclasses.dataclass(frozen=True)
class Scene:
    """What one case's URLs and bodies point at (primary keys; objects are reloaded)."""

    conf: str
    incident: int
    title: str
    twin: int  # same confidentiality and team: what a merge merges into
    entry: int
    task: int
    item: int
    assignment: int  # the scribe's role: what ending a role ends
    candidate: int  # someone with no role: whom roles and the lead go to
    scribe: int  # on the team: whom the task goes to
    department: int
    shift: int
    incident_type: int
    notification: int = 0  # the scribe's, about this incident: nobody else's to open
    draft: int = 0  # statements written by someone on no persona's side (the root)
    in_review: int = 0  # ...waiting for the legal stage
    approved: int = 0  # ...approved by legal, ready to publish
    freeze: int = 0  # a publishing freeze in force on the twin
    published: int = 0  # a published statement's publication (the public status page)
    contact: int = 0  # someone the company tells (personal data: not tied to an incident)
    delivery: int = 0  # the published statement's email to the contact, failed
    group: int = 0  # a stakeholder group
    inquiry: int = 0  # a journalist's question, logged
    watch: int = 0  # what the early warning listens for (not tied to an incident)
    alert: int = 0  # an open alert on that watch
    schedule: int = 0  # the approved statement, scheduled for tomorrow
    review: int = 0  # the incident's post-incident review (issue 15)
    action_item: int = 0  # ...and an action item of it, owned by the scribe


    @property
    def today(self) -> str:
        return timezone.localdate().isoformat()


@dataclasses.dataclass(frozen=True)
class World:
    users: dict[str, int]
    scenes: dict[str, Scene]
    global_rights: dict[str, frozenset[str]]
    role_rights: dict[str, frozenset[str]]

    def may_view(self, persona: str, conf: str) -> bool:
        """The confidentiality rule of the issue, from the persona's data."""
        if persona == "anonymous":
            return False
        held, on_team = self.global_rights[persona], self.role_rights[persona]
        return (conf == Confidentiality.INTERNAL
                or "crisis.view_every_incident" in held
                or "crisis.view_incident" in on_team
                or (conf == Confidentiality.RESTRICTED
                    and "crisis.view_restricted_incident" in held))

    def holds(self, persona: str, need: tuple[str, ...]) -> bool:
        rights = self.global_rights[persona] | self.role_rights[persona]
        return any(set(alternative.split("+")) <= rights for alternative in need)


# --- the table -------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Row:
    route: str  # URL name: "api:incident-detail", "crisis:team-assign", "home", ...
    method: str
    url: Callable[[Scene], str]
    body: Callable[[Scene], dict] | None = None
    need: tuple[str, ...] | None = None  # None: whoever may view (or is signed in) may
    ok: int = 200
    scoped: bool = True  # about the incident under test: its confidentiality counts
    hidden: int = 404  # the answer when the persona may not view that incident
    denied: int = 403
    anonymous: int | None = None  # None: 401 for the API, 302 to sign in for pages
    listed: Callable[[object, Scene], bool] | None = None  # lists: is the incident shown?
    prepare: Callable[[Scene], None] | None = None
    label: str = ""
    personas: tuple[str, ...] = PERSONAS
    format: str = "json"  # of an API write's body ("multipart" for a file)
    changes: bool = True  # a granted write changes the database (not an upload's first step)

    @property
    def api(self) -> bool:
        return self.route.startswith("api:") or self.route == "api-schema"

    @property
    def writes(self) -> bool:
        return self.method != "get"

    @property
    def id(self) -> str:
        return f"{self.route}{'[' + self.label + ']' if self.label else ''}:{self.method.upper()}"


def url(name: str, **kwargs: Callable[[Scene], object]) -> Callable[[Scene], str]:
    return lambda s: reverse(name, kwargs={key: get(s) for key, get in kwargs.items()})


def _rule(s: Scene) -> int:
    return WarningRule.objects.order_by("pk").values_list("pk", flat=True).first()


def _incident(s):
    return s.incident


def _close(s: Scene) -> None:
    Incident.objects.filter(pk=s.incident).update(status=IncidentStatus.CLOSED,
                                                  closed_at=timezone.now())


def _ids(response) -> set[int]:
    body = response.json()
    return {item["id"] for item in (body["results"] if isinstance(body, dict) else body)}


def _incident_listed(response, s: Scene) -> bool:
    return s.incident in _ids(response)


def _task_listed(response, s: Scene) -> bool:
    return s.task in _ids(response)


def _title_shown(response, s: Scene) -> bool:
    return s.title in response.content.decode()


def _counted(response, s: Scene) -> bool:
    return s.incident in {row["id"] for row in response.json()["incident_list"]}


def _notification(s: Scene) -> int:
    return s.notification


def _unread_for_everyone(s: Scene) -> None:
    """Something unread for every persona, so marking all read changes something."""
    Notification.objects.bulk_create(
        Notification(recipient=user, kind="task_overdue", title="Matrix reminder",
                     dedupe_key=f"matrix:{s.conf}")
        for user in User.objects.filter(username__startswith="matrix-"))


def _shift(s: Scene, days: int = 0) -> dict:
    day = (timezone.localdate() + datetime.timedelta(days=days)).isoformat()
    return {"duty": Duty.CRISIS_LEAD, "user": s.candidate, "starts_on": s.today, "ends_on": day}


def _statement_listed(response, s: Scene) -> bool:
    return s.draft in _ids(response)


def _publication(s: Scene) -> int:
    return s.published


def _publication_listed(response, s: Scene) -> bool:
    return s.published in _ids(response)


def _delivery(s: Scene) -> int:
    return s.delivery


def _acknowledgement_token(s: Scene) -> str:
    return acknowledgement_token(Delivery.objects.get(pk=s.delivery))


def _delivery_listed(response, s: Scene) -> bool:
    return s.delivery in _ids(response)


def _contacts_file(s: Scene) -> dict:
    return {"file": SimpleUploadedFile("contacts.csv", b"Name,Email\nMia,mia@matrix.example\n",
                                       content_type="text/csv")}


def _schedule(s: Scene) -> int:
    return s.schedule


def _schedule_listed(response, s: Scene) -> bool:
    return s.schedule in _ids(response)


def _review_listed(response, s: Scene) -> bool:
    return s.review in _ids(response)


def _action_item_listed(response, s: Scene) -> bool:
    return s.action_item in _ids(response)


def _review_edit(s: Scene) -> dict:
    current = ReviewVersion.objects.filter(review=s.review).order_by("-number").first()
    return {"base_revision": current.revision, "lessons": "Learnt in the matrix."}


def _review_page_edit(s: Scene) -> dict:
    current = ReviewVersion.objects.filter(review=s.review).order_by("-number").first()
    return {"version": current.number, "base": current.revision,
            "executive_summary": current.executive_summary, "lessons": "Learnt on the page."}


def _reviewless(s: Scene) -> None:
    """A recovering incident whose review nobody opened yet: opening it changes something."""
    PostIncidentReview.objects.filter(pk=s.review).delete()
    Incident.objects.filter(pk=s.incident).update(status=IncidentStatus.RECOVERING)


def _action_item_page(s: Scene) -> dict:
    return {"title": "Matrix action, reworded", "owner": s.scribe,
            "due_on": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
            "status": "in_progress", "target": "other"}


def _inquiry(s: Scene) -> int:
    return s.inquiry


def _inquiry_listed(response, s: Scene) -> bool:
    return s.inquiry in _ids(response)


def _inquiry_edit(s: Scene) -> dict:
    inquiry = MediaInquiry.objects.get(pk=s.inquiry)
    return {"status": "in_progress", "outlet": inquiry.outlet, "question": inquiry.question,
            "received_at": timezone.localtime(inquiry.received_at).strftime("%Y-%m-%dT%H:%M"),
            "seen": inquiry.updated_at.isoformat()}


_MENTION_ITEM = {"platform": "x", "external_id": "matrix-1", "text": "matrix outage",
                 "posted_at": "2026-11-20T09:30:00+00:00"}


def _mention(s: Scene) -> int:
    return Mention.objects.get(platform="x", external_id="matrix-seen").pk


def _mentions_file(s: Scene) -> dict:
    return {"file": SimpleUploadedFile(
        "mentions.csv", b"platform,id,text,posted_at\nx,matrix-2,matrix down,"
                        b"2026-11-20T09:30:00Z\n", content_type="text/csv")}


def _connector(s: Scene) -> None:
    Connector.objects.get_or_create(slug="matrix", defaults={
        "name": "Matrix feed", "secret": signature(secret="x", timestamp="0", body=b"")})


DRAFT_API = {"pk": lambda s: s.draft}
REVIEW_API = {"pk": lambda s: s.in_review}
STATEMENT_TEXT = {"title": "Matrix statement", "what_happened": "Kettles overheat.",
                  "when": "Since Monday.", "where": "Taiwan.", "who_is_affected": "Owners.",
                  "what_we_do": "Recalling them.", "body": "We are sorry."}
INCIDENT = url("api:incident-detail", pk=_incident)
TIMELINE = url("api:incident-timeline-list", incident_pk=_incident)
ENTRY = {"incident_pk": _incident, "pk": lambda s: s.entry}
TEAM_API = url("api:incident-team-list", incident_pk=_incident)
ASSIGNMENT = {"incident_pk": _incident, "pk": lambda s: s.assignment}
TASK = {"pk": lambda s: s.task}
SHIFT = url("api:duty-shift-detail", pk=lambda s: s.shift)

API_ROWS = [
    # incidents
    Row("api:incident-list", "get", url("api:incident-list"), scoped=False,
        listed=_incident_listed),
    Row("api:incident-list", "post", url("api:incident-list"),
        lambda s: {"title": "Opened by the matrix", "type": "other", "confidentiality": s.conf},
        need=ADD_INCIDENT, ok=201, scoped=False),
    Row("api:incident-detail", "get", INCIDENT),
    Row("api:incident-transition", "post", url("api:incident-transition", pk=_incident),
        lambda s: {"to_status": "active"}, need=MANAGE),
    Row("api:incident-reopen", "post", url("api:incident-reopen", pk=_incident),
        lambda s: {"reason": "New complaints came in."}, need=MANAGE, prepare=_close),
    Row("api:incident-merge", "post", url("api:incident-merge", pk=_incident),
        lambda s: {"into": s.twin, "reason": "Same incident."}, need=MANAGE),
    Row("api:incident-escalate", "post", url("api:incident-escalate", pk=_incident),
        lambda s: {"severity": "high", "reason": "It spreads."}, need=MANAGE),
    Row("api:incident-classify", "patch", url("api:incident-classify", pk=_incident),
        lambda s: {"tags": ["matrix"]}, need=MANAGE),
    # timeline
    Row("api:incident-timeline-list", "get", TIMELINE),
    Row("api:incident-timeline-list", "post", TIMELINE,
        lambda s: {"kind": "note", "body": "Seen from the matrix."}, need=CONTRIBUTE, ok=201),
    Row("api:incident-timeline-detail", "get", url("api:incident-timeline-detail", **ENTRY)),
    Row("api:incident-timeline-pin", "post", url("api:incident-timeline-pin", **ENTRY),
        lambda s: {"pinned": True}, need=CONTRIBUTE),
    # tasks
    Row("api:task-list", "get", url("api:task-list"), scoped=False, listed=_task_listed),
    # The incident is named in the body: one the persona may not view is a bad input.
    Row("api:task-list", "post", url("api:task-list"),
        lambda s: {"incident": s.incident, "title": "Call the regulator"}, need=CONTRIBUTE,
        ok=201, hidden=400),
    Row("api:task-detail", "get", url("api:task-detail", **TASK)),
    Row("api:task-status", "post", url("api:task-status", **TASK),
        lambda s: {"status": "in_progress"}, need=CONTRIBUTE),
    Row("api:task-assign", "post", url("api:task-assign", **TASK),
        lambda s: {"owner": s.scribe}, need=CONTRIBUTE),
    Row("api:task-checklist-item", "post",
        url("api:task-checklist-item", pk=lambda s: s.task, item_id=lambda s: s.item),
        lambda s: {"done": True}, need=CONTRIBUTE),
    Row("api:task-comment-list", "get", url("api:task-comment-list", task_pk=lambda s: s.task)),
    Row("api:task-comment-list", "post", url("api:task-comment-list", task_pk=lambda s: s.task),
        lambda s: {"body": "On it."}, need=CONTRIBUTE, ok=201),
    Row("api:incident-type-list", "get", url("api:incident-type-list"), scoped=False),
    # teams
    Row("api:incident-team-list", "get", TEAM_API),
    Row("api:incident-team-list", "post", TEAM_API,
        lambda s: {"user": s.candidate, "role": "observer"}, need=TEAM, ok=201),
    Row("api:incident-team-detail", "get", url("api:incident-team-detail", **ASSIGNMENT)),
    Row("api:incident-team-end", "post", url("api:incident-team-end", **ASSIGNMENT),
        lambda s: {"note": "Stood down."}, need=TEAM),
    Row("api:incident-team-handover", "post",
        url("api:incident-team-handover", incident_pk=_incident),
        lambda s: {"to": s.candidate, "previous": "deputy"}, need=TEAM, ok=201),
    Row("api:role-list", "get", url("api:role-list"), scoped=False),
    Row("api:department-list", "get", url("api:department-list"), scoped=False),
    Row("api:department-detail", "get", url("api:department-detail", pk=lambda s: s.department),
        scoped=False),
    Row("api:duty-shift-list", "get", url("api:duty-shift-list"), scoped=False),
    Row("api:duty-shift-list", "post", url("api:duty-shift-list"), _shift,
        need=("teams.add_dutyshift",), ok=201, scoped=False),
    Row("api:duty-shift-detail", "get", SHIFT, scoped=False),
    Row("api:duty-shift-detail", "put", SHIFT, lambda s: _shift(s, days=3),
        need=("teams.change_dutyshift",), scoped=False),
    Row("api:duty-shift-detail", "patch", SHIFT, lambda s: {"ends_on": _shift(s, 2)["ends_on"]},
        need=("teams.change_dutyshift",), scoped=False),
    Row("api:duty-shift-detail", "delete", SHIFT, need=("teams.delete_dutyshift",), ok=204,
        scoped=False),
    # notifications: one's own only; someone else's is "not found" to everyone
    Row("api:notification-list", "get", url("api:notification-list"), scoped=False),
    Row("api:notification-detail", "get", url("api:notification-detail", pk=_notification),
        scoped=False, ok=404, label="someone else's"),
    Row("api:notification-read", "post", url("api:notification-read"),
        lambda s: {"all": True}, scoped=False, prepare=_unread_for_everyone),
    # statements (issue 12)
    Row("api:statement-list", "get", url("api:statement-list"), scoped=False,
        listed=_statement_listed),
    Row("api:statement-list", "post", url("api:statement-list"),
        lambda s: {"incident": s.incident, "kind": "holding", "language": "en",
                   **STATEMENT_TEXT}, need=DRAFT, ok=201, hidden=400),
    Row("api:statement-detail", "get", url("api:statement-detail", **DRAFT_API)),
    Row("api:statement-detail", "patch", url("api:statement-detail", **DRAFT_API),
        lambda s: {"body": "Edited by the matrix."}, need=DRAFT),
    Row("api:statement-versions", "get", url("api:statement-versions", **DRAFT_API)),
    Row("api:statement-diff", "get",
        lambda s: url("api:statement-diff", **DRAFT_API)(s) + "?from=1&to=1"),
    Row("api:statement-comments", "get", url("api:statement-comments", **DRAFT_API)),
    Row("api:statement-comments", "post", url("api:statement-comments", **DRAFT_API),
        lambda s: {"body": "Say when it started."}, need=COMMENT, ok=201),
    Row("api:statement-submit", "post", url("api:statement-submit", **DRAFT_API),
        lambda s: {}, need=DRAFT),
    Row("api:statement-approve", "post", url("api:statement-approve", **REVIEW_API),
        lambda s: {"version": 1}, need=LEGAL_STAGE),
    Row("api:statement-reject", "post", url("api:statement-reject", **REVIEW_API),
        lambda s: {"version": 1, "comment": "Wrong date."}, need=LEGAL_STAGE),
    Row("api:statement-request-changes", "post",
        url("api:statement-request-changes", **REVIEW_API),
        lambda s: {"version": 1, "comment": "Say when."}, need=LEGAL_STAGE),
    Row("api:statement-withdraw", "post", url("api:statement-withdraw", **DRAFT_API),
        lambda s: {"reason": "Not needed."}, need=DRAFT),
    Row("api:statement-publish", "post", url("api:statement-publish", pk=lambda s: s.approved),
        lambda s: {}, need=PUBLISH),
    Row("api:approval-queue-list", "get", url("api:approval-queue-list"), scoped=False),
    Row("api:publishing-freeze-list", "get", url("api:publishing-freeze-list"), scoped=False),
    Row("api:publishing-freeze-list", "post", url("api:publishing-freeze-list"),
        lambda s: {"incident": s.incident, "reason": "Legal hold."}, need=FREEZE, ok=201,
        hidden=400),
    Row("api:publishing-freeze-detail", "get",
        url("api:publishing-freeze-detail", pk=lambda s: s.freeze)),
    Row("api:publishing-freeze-lift", "post",
        url("api:publishing-freeze-lift", pk=lambda s: s.freeze), lambda s: {}, need=FREEZE),
    # media inquiries (issue 13)
    Row("api:media-inquiry-list", "get", url("api:media-inquiry-list"), scoped=False,
        listed=_inquiry_listed),
    Row("api:media-inquiry-list", "post", url("api:media-inquiry-list"),
        lambda s: {"incident": s.incident, "outlet": "Daily Matrix",
                   "question": "Is it safe?"}, need=INQUIRIES, ok=201, hidden=400),
    Row("api:media-inquiry-detail", "get", url("api:media-inquiry-detail", pk=_inquiry)),
    Row("api:media-inquiry-detail", "patch", url("api:media-inquiry-detail", pk=_inquiry),
        lambda s: {"status": "in_progress"}, need=INQUIRIES),
    # stakeholder groups (anyone signed in) and contacts (personal data: a right, not a role)
    Row("api:stakeholder-group-list", "get", url("api:stakeholder-group-list"), scoped=False),
    Row("api:stakeholder-group-detail", "get",
        url("api:stakeholder-group-detail", pk=lambda s: s.group), scoped=False),
    Row("api:contact-list", "get", url("api:contact-list"), need=VIEW_CONTACTS, scoped=False),
    Row("api:contact-list", "post", url("api:contact-list"),
        lambda s: {"name": "Matrix Contact", "email": "new@matrix.example"},
        need=MANAGE_CONTACTS, ok=201, scoped=False),
    Row("api:contact-detail", "get", url("api:contact-detail", pk=lambda s: s.contact),
        need=VIEW_CONTACTS, scoped=False),
    Row("api:contact-detail", "patch", url("api:contact-detail", pk=lambda s: s.contact),
        lambda s: {"organisation": "Matrix Ltd"}, need=MANAGE_CONTACTS, scoped=False),
    Row("api:contact-import", "post", url("api:contact-import"), _contacts_file,
        need=MANAGE_CONTACTS, scoped=False, format="multipart"),
    # the incident's stakeholder map
    Row("api:incident-stakeholder-list", "get",
        url("api:incident-stakeholder-list", incident_pk=_incident)),
    Row("api:incident-stakeholder-detail", "patch",
        url("api:incident-stakeholder-detail", incident_pk=_incident, pk=lambda s: s.group),
        lambda s: {"priority": "high"}, need=STAKEHOLDERS),
    Row("api:incident-stakeholder-update-given", "post",
        url("api:incident-stakeholder-update-given", incident_pk=_incident,
            pk=lambda s: s.group), lambda s: {}, need=STAKEHOLDERS),
    # publications and their deliveries (the resend needs the publish right)
    Row("api:publication-list", "get", url("api:publication-list"), scoped=False,
        listed=_publication_listed),
    Row("api:publication-detail", "get", url("api:publication-detail", pk=_publication)),
    Row("api:delivery-list", "get", url("api:delivery-list"), scoped=False,
        listed=_delivery_listed),
    Row("api:delivery-detail", "get", url("api:delivery-detail", pk=_delivery)),
    Row("api:delivery-resend", "post", url("api:delivery-resend", pk=_delivery),
        lambda s: {}, need=PUBLISH),
    # scheduled publications (scheduling is the publish action with publish_at)
    Row("api:scheduled-publication-list", "get", url("api:scheduled-publication-list"),
        scoped=False, listed=_schedule_listed),
    Row("api:scheduled-publication-detail", "get",
        url("api:scheduled-publication-detail", pk=_schedule)),
    Row("api:scheduled-publication-cancel", "post",
        url("api:scheduled-publication-cancel", pk=_schedule), lambda s: {}, need=PUBLISH),
    # alerts and warning rules (issue 14): the board right to read, the alert right to act;
    # escalating into a new incident also takes the right to open incidents.
    Row("api:alert-list", "get", url("api:alert-list"), need=VIEW_ALERTS, scoped=False),
    Row("api:alert-detail", "get", url("api:alert-detail", pk=lambda s: s.alert),
        need=VIEW_ALERTS, scoped=False),
    Row("api:alert-acknowledge", "post", url("api:alert-acknowledge", pk=lambda s: s.alert),
        lambda s: {}, need=CHANGE_ALERTS, scoped=False),
    Row("api:alert-dismiss", "post", url("api:alert-dismiss", pk=lambda s: s.alert),
        lambda s: {"reason": "A parody account."}, need=CHANGE_ALERTS, scoped=False),
    Row("api:alert-escalate", "post", url("api:alert-escalate", pk=lambda s: s.alert),
        lambda s: {"title": "From the matrix alert"}, need=OPEN_FROM_ALERT, scoped=False),
    Row("api:warning-rule-list", "get", url("api:warning-rule-list"), need=VIEW_ALERTS,
        scoped=False),
    Row("api:warning-rule-list", "post", url("api:warning-rule-list"),
        lambda s: {"name": "Matrix rule", "level": "blue", "volume_ratio": 3.0},
        need=CHANGE_RULES, ok=201, scoped=False),
    Row("api:warning-rule-detail", "get", url("api:warning-rule-detail", pk=_rule),
        need=VIEW_ALERTS, scoped=False),
    Row("api:warning-rule-detail", "patch", url("api:warning-rule-detail", pk=_rule),
        lambda s: {"min_mentions": 12}, need=CHANGE_RULES, scoped=False),
    Row("api:warning-rule-detail", "put", url("api:warning-rule-detail", pk=_rule),
        lambda s: {"name": "Matrix rule", "level": "red", "volume_ratio": 9.0},
        need=CHANGE_RULES, scoped=False),
    Row("api:warning-rule-detail", "delete", url("api:warning-rule-detail", pk=_rule),
        need=CHANGE_RULES, ok=204, scoped=False),
    # the alert board's chart data (issue 14): for those who may see the board
    Row("api:watch-series", "get", url("api:watch-series", pk=lambda s: s.watch),
        need=VIEW_ALERTS, scoped=False),
    # watches, mentions and the ways mentions come in (issue 14)
    Row("api:watch-list", "get", url("api:watch-list"), need=VIEW_WATCHES, scoped=False),
    Row("api:watch-list", "post", url("api:watch-list"),
        lambda s: {"name": "Matrix kettle", "include_terms": ["kettle"]},
        need=("monitoring.add_watch",), ok=201, scoped=False),
    Row("api:watch-detail", "get", url("api:watch-detail", pk=lambda s: s.watch),
        need=VIEW_WATCHES, scoped=False),
    Row("api:watch-detail", "patch", url("api:watch-detail", pk=lambda s: s.watch),
        lambda s: {"include_terms": ["matrix", "grid"]}, need=("monitoring.change_watch",),
        scoped=False),
    Row("api:mention-list", "get", url("api:mention-list"), need=("monitoring.view_mention",),
        scoped=False),
    Row("api:mention-detail", "get", url("api:mention-detail", pk=_mention),
        need=("monitoring.view_mention",), scoped=False),
    Row("api:mention-bulk", "post", url("api:mention-bulk"), lambda s: [_MENTION_ITEM],
        need=INGEST, scoped=False),
    Row("api:mention-import", "post", url("api:mention-import"), _mentions_file,
        need=IMPORT, scoped=False, format="multipart"),
    # Signed by the connector, not a person: unsigned, everyone gets 401 and nothing is stored.
    Row("api:connector-webhook", "post",
        url("api:connector-webhook", slug=lambda s: "matrix"), lambda s: [_MENTION_ITEM],
        need=("signed by the connector",), denied=401, scoped=False, prepare=_connector),
    # the post-incident review (issue 15): its writers edit, the lead role signs (nobody
    # signs for it), action items are the writers' (an owner's status: tests/reports)
    Row("api:review-list", "get", url("api:review-list"), scoped=False, listed=_review_listed),
    Row("api:review-detail", "get", url("api:review-detail", pk=lambda s: s.review)),
    Row("api:review-detail", "patch", url("api:review-detail", pk=lambda s: s.review),
        _review_edit, need=EDIT_REVIEW),
    Row("api:review-sign-off", "post", url("api:review-sign-off", pk=lambda s: s.review),
        lambda s: {"version": 1}, need=("role:lead",), ok=201),
    Row("api:action-item-list", "get", url("api:action-item-list"), scoped=False,
        listed=_action_item_listed),
    Row("api:action-item-list", "post", url("api:action-item-list"),
        lambda s: {"review": s.review, "title": "Matrix action", "owner": s.scribe,
                   "due_on": s.today}, need=EDIT_REVIEW, ok=201, hidden=400),
    Row("api:action-item-detail", "get",
        url("api:action-item-detail", pk=lambda s: s.action_item)),
    Row("api:action-item-detail", "patch",
        url("api:action-item-detail", pk=lambda s: s.action_item),
        lambda s: {"status": "in_progress"}, need=EDIT_REVIEW),
    # the review's PDF: whoever may view the incident asks for it (202 while it renders)
    Row("api:review-pdf", "get", url("api:review-pdf", pk=lambda s: s.review), ok=202),
    # the executive dashboard's numbers count only the incidents the reader may view
    Row("api:metrics", "get", url("api:metrics"), need=DASHBOARD, scoped=False,
        listed=_counted),
    Row("api-schema", "get", url("api-schema"), scoped=False),
]

PK = {"pk": _incident}
ENTRY_PAGE = {"entry_pk": lambda s: s.entry}
TASK_PAGE = {"task_pk": lambda s: s.task}
END_PAGE = {"pk": _incident, "assignment_pk": lambda s: s.assignment}

DRAFT_PAGE = {"statement_pk": lambda s: s.draft}
REVIEW_PAGE = {"statement_pk": lambda s: s.in_review}


PAGE_ROWS = [
    Row("home", "get", url("home"), scoped=False, listed=_title_shown),
    Row("reports-dashboard", "get", url("reports-dashboard"), need=DASHBOARD, scoped=False,
        listed=_title_shown),
    Row("reports-dashboard-pdf", "get", url("reports-dashboard-pdf"), need=DASHBOARD,
        scoped=False),
    Row("department-list", "get", url("department-list"), scoped=False),
    Row("roster", "get", url("roster"), scoped=False),
    Row("roster", "post", url("roster"), _shift, need=("teams.add_dutyshift",), ok=302,
        scoped=False),
    Row("crisis:incident-list", "get", url("crisis:incident-list"), scoped=False,
        listed=_title_shown),
    Row("crisis:incident-create", "get", url("crisis:incident-create"), need=ADD_INCIDENT,
        scoped=False),
    Row("crisis:incident-create", "post", url("crisis:incident-create"),
        lambda s: {"title": "Opened on the page", "type": s.incident_type,
                   "severity": "medium", "confidentiality": s.conf},
        need=ADD_INCIDENT, ok=302, scoped=False),
    Row("crisis:incident-detail", "get", url("crisis:incident-detail", **PK)),
    Row("crisis:incident-row", "get", url("crisis:incident-row", **PK)),
    Row("crisis:incident-summary-pdf", "get", url("crisis:incident-summary-pdf", **PK)),
    # the review's PDF: the file, or back to the review page while it renders
    Row("crisis:incident-review-pdf", "get", url("crisis:incident-review-pdf", **PK), ok=302),
    Row("crisis:incident-transition", "get",
        url("crisis:incident-transition", pk=_incident, to_status=lambda s: "active"),
        need=MANAGE),
    Row("crisis:incident-transition", "post",
        url("crisis:incident-transition", pk=_incident, to_status=lambda s: "active"),
        lambda s: {"reason": ""}, need=MANAGE, ok=302),
    Row("crisis:incident-reopen", "get", url("crisis:incident-reopen", **PK), need=MANAGE,
        prepare=_close),
    Row("crisis:incident-reopen", "post", url("crisis:incident-reopen", **PK),
        lambda s: {"reason": "New complaints came in."}, need=MANAGE, ok=302, prepare=_close),
    Row("crisis:incident-escalate", "get", url("crisis:incident-escalate", **PK), need=MANAGE),
    Row("crisis:incident-escalate", "post", url("crisis:incident-escalate", **PK),
        lambda s: {"severity": "high", "reason": "It spreads."}, need=MANAGE, ok=302),
    Row("crisis:incident-classify", "get", url("crisis:incident-classify", **PK), need=MANAGE),
    Row("crisis:incident-classify", "post", url("crisis:incident-classify", **PK),
        lambda s: {"title": s.title, "type": s.incident_type, "tags": "matrix",
                   "confidentiality": s.conf},
        need=MANAGE, ok=302),
    Row("crisis:incident-merge", "get", url("crisis:incident-merge", **PK), need=MANAGE),
    Row("crisis:incident-merge", "post", url("crisis:incident-merge", **PK),
        lambda s: {"into": str(s.twin), "reason": "Same incident.", "confirm": s.twin},
        need=MANAGE, ok=302),
    # Writing to the timeline and adding a task have no page of their own: a GET is refused
    # before the incident is looked up.
    Row("crisis:timeline-add", "get", url("crisis:timeline-add", **PK), ok=405, scoped=False),
    Row("crisis:timeline-add", "post", url("crisis:timeline-add", **PK),
        lambda s: {"kind": "note", "body": "Seen from the matrix."}, need=CONTRIBUTE, ok=302),
    Row("crisis:task-create", "get", url("crisis:task-create", **PK), ok=405, scoped=False),
    Row("crisis:task-create", "post", url("crisis:task-create", **PK),
        lambda s: {"title": "Call the regulator"}, need=CONTRIBUTE, ok=302),
    Row("crisis:team-assign", "get", url("crisis:team-assign", **PK), need=TEAM),
    Row("crisis:team-assign", "post", url("crisis:team-assign", **PK),
        lambda s: {"user": s.candidate, "role": "observer"}, need=TEAM, ok=302),
    Row("crisis:team-handover", "get", url("crisis:team-handover", **PK), need=TEAM),
    Row("crisis:team-handover", "post", url("crisis:team-handover", **PK),
        lambda s: {"to": s.candidate, "previous": "deputy"}, need=TEAM, ok=302),
    Row("crisis:team-end", "get", url("crisis:team-end", **END_PAGE), need=TEAM),
    Row("crisis:team-end", "post", url("crisis:team-end", **END_PAGE),
        lambda s: {"note": "Stood down."}, need=TEAM, ok=302),
    Row("crisis:timeline-entry", "get", url("crisis:timeline-entry", **ENTRY_PAGE)),
    Row("crisis:timeline-correct", "get", url("crisis:timeline-correct", **ENTRY_PAGE),
        need=CONTRIBUTE),
    Row("crisis:timeline-correct", "post", url("crisis:timeline-correct", **ENTRY_PAGE),
        lambda s: {"body": "It was the other warehouse."}, need=CONTRIBUTE, ok=302),
    Row("crisis:timeline-pin", "post", url("crisis:timeline-pin", **ENTRY_PAGE),
        lambda s: {"pinned": "on"}, need=CONTRIBUTE, ok=302),
    Row("crisis:task", "get", url("crisis:task", **TASK_PAGE), ok=302),  # htmx: the item
    Row("crisis:task-status", "post", url("crisis:task-status", **TASK_PAGE),
        lambda s: {"status": "in_progress"}, need=CONTRIBUTE, ok=302),
    Row("crisis:task-assign", "post", url("crisis:task-assign", **TASK_PAGE),
        lambda s: {"owner": s.scribe}, need=CONTRIBUTE, ok=302),
    Row("crisis:task-comment", "post", url("crisis:task-comment", **TASK_PAGE),
        lambda s: {"body": "On it."}, need=CONTRIBUTE, ok=302),
    Row("crisis:checklist-item", "post",
        url("crisis:checklist-item", task_pk=lambda s: s.task, item_pk=lambda s: s.item),
        lambda s: {"done": "on"}, need=CONTRIBUTE, ok=302),
    # statements (issue 12): each action on a statement in the state it applies to
    Row("crisis:statement-list", "get", url("crisis:statement-list", **PK)),
    Row("crisis:statement-create", "get", url("crisis:statement-create", **PK), need=DRAFT),
    Row("crisis:statement-create", "post", url("crisis:statement-create", **PK),
        lambda s: {"kind": "holding", "language": "en", **STATEMENT_TEXT}, need=DRAFT,
        ok=302),
    Row("crisis:statement-detail", "get", url("crisis:statement-detail", **DRAFT_PAGE)),
    Row("crisis:statement-edit", "get", url("crisis:statement-edit", **DRAFT_PAGE),
        need=DRAFT),
    Row("crisis:statement-edit", "post", url("crisis:statement-edit", **DRAFT_PAGE),
        lambda s: {**STATEMENT_TEXT, "body": "Edited by the matrix.", "base": "1"},
        need=DRAFT, ok=302),
    Row("crisis:statement-diff", "get",
        lambda s: url("crisis:statement-diff", **REVIEW_PAGE)(s) + "?from=1&to=1"),
    Row("crisis:statement-submit", "post", url("crisis:statement-submit", **DRAFT_PAGE),
        lambda s: {"version": "1"}, need=DRAFT, ok=302),
    Row("crisis:statement-decide", "post", url("crisis:statement-decide", **REVIEW_PAGE),
        lambda s: {"version": "1", "decision": "approve", "comment": ""}, need=LEGAL_STAGE,
        ok=302),
    Row("crisis:statement-withdraw", "post", url("crisis:statement-withdraw", **DRAFT_PAGE),
        lambda s: {"version": "1", "reason": "Not needed."}, need=DRAFT, ok=302),
    Row("crisis:statement-publish", "post",
        url("crisis:statement-publish", statement_pk=lambda s: s.approved),
        lambda s: {"version": "1"}, need=PUBLISH, ok=302),
    Row("crisis:statement-publish-recipients", "get",
        lambda s: url("crisis:statement-publish-recipients",
                      statement_pk=lambda s: s.approved)(s) + "?channels=email", need=PUBLISH),
    Row("crisis:statement-comment", "post", url("crisis:statement-comment", **DRAFT_PAGE),
        lambda s: {"body": "Say when it started.", "version": "1"}, need=COMMENT, ok=302),
    # The approval queue is one's own; a decision refused there is said on the queue.
    Row("approval-queue", "get", url("approval-queue"), scoped=False),
    Row("approval-decide", "post", url("approval-decide", pk=lambda s: s.in_review),
        lambda s: {"version": "1", "decision": "approve", "comment": ""}, need=LEGAL_STAGE,
        ok=302, denied=302),
    # Freezing: the form offers only what one may freeze (nothing at all: 403).
    Row("publishing-freezes", "get", url("publishing-freezes"), scoped=False),
    Row("publishing-freezes", "post", url("publishing-freezes"),
        lambda s: {"scope": str(s.incident), "reason": "Legal hold."}, need=FREEZE, ok=302,
        hidden=403),
    Row("publishing-freeze-lift", "post", url("publishing-freeze-lift", pk=lambda s: s.freeze),
        need=FREEZE, ok=302, denied=302),
    # media inquiries: logged from the room's panel (no page of its own: GET refused first)
    Row("crisis:inquiry-create", "get", url("crisis:inquiry-create", **PK), ok=405,
        scoped=False),
    Row("crisis:inquiry-create", "post", url("crisis:inquiry-create", **PK),
        lambda s: {"outlet": "Daily Matrix", "question": "Is it safe?"}, need=INQUIRIES,
        ok=302),
    Row("crisis:inquiry-detail", "get", url("crisis:inquiry-detail", inquiry_pk=_inquiry)),
    Row("crisis:inquiry-detail", "post", url("crisis:inquiry-detail", inquiry_pk=_inquiry),
        _inquiry_edit, need=INQUIRIES, ok=302),
    Row("crisis:stakeholder-edit", "post",
        url("crisis:stakeholder-edit", pk=_incident, group_pk=lambda s: s.group),
        lambda s: {"affected": "on", "priority": "high", "cadence_minutes": "60"},
        need=STAKEHOLDERS, ok=302),
    Row("crisis:stakeholder-update-given", "post",
        url("crisis:stakeholder-update-given", pk=_incident, group_pk=lambda s: s.group),
        need=STAKEHOLDERS, ok=302),
    Row("crisis:publication-detail", "get",
        url("crisis:publication-detail", publication_pk=_publication)),
    Row("crisis:delivery-resend", "post", url("crisis:delivery-resend", delivery_pk=_delivery),
        need=PUBLISH, ok=302),
    Row("crisis:statement-schedule-cancel", "post",
        url("crisis:statement-schedule-cancel", statement_pk=lambda s: s.approved,
            schedule_pk=_schedule), need=PUBLISH, ok=302),
    # contacts and stakeholder groups
    Row("contact-list", "get", url("contact-list"), need=VIEW_CONTACTS, scoped=False),
    Row("contact-create", "get", url("contact-create"), need=MANAGE_CONTACTS, scoped=False),
    Row("contact-create", "post", url("contact-create"),
        lambda s: {"name": "Matrix Contact", "email": "page@matrix.example", "language": "en",
                   "is_active": "on"}, need=MANAGE_CONTACTS, ok=302, scoped=False),
    Row("contact-detail", "get", url("contact-detail", pk=lambda s: s.contact),
        need=VIEW_CONTACTS, scoped=False),
    Row("contact-detail", "post", url("contact-detail", pk=lambda s: s.contact),
        lambda s: {"name": "Matrix Person", "organisation": "Matrix Ltd", "language": "en",
                   "is_active": "on"}, need=MANAGE_CONTACTS, ok=302, scoped=False),
    Row("contact-import", "get", url("contact-import"), need=MANAGE_CONTACTS, scoped=False),
    Row("stakeholder-group-list", "get", url("stakeholder-group-list"), scoped=False),
    # The public status page: everyone, signed in or not, sees what was published.
    Row("status", "get", url("status"), scoped=False, anonymous=200),
    Row("status-feed", "get", url("status-feed"), scoped=False, anonymous=200),
    Row("status-statement", "get", url("status-statement", pk=lambda s: s.published),
        scoped=False, anonymous=200),
    # Acknowledging a delivery: public, the signed link is the key (comms.acknowledgements).
    Row("acknowledgement", "get", url("acknowledgement", token=_acknowledgement_token),
        scoped=False, anonymous=200),
    Row("acknowledgement", "post", url("acknowledgement", token=_acknowledgement_token),
        scoped=False, anonymous=200),
    # The alert board and alert pages (issue 14): the board right to see, the alert right
    # to act, and opening an incident from an alert takes the right to open incidents.
    Row("monitoring-board", "get", url("monitoring-board"), need=VIEW_ALERTS, scoped=False),
    Row("monitoring-alert", "get", url("monitoring-alert", **ALERT_PAGE), need=VIEW_ALERTS,
        scoped=False),
    Row("monitoring-alert-acknowledge", "post", url("monitoring-alert-acknowledge",
                                                    **ALERT_PAGE),
        need=CHANGE_ALERTS, ok=302, scoped=False),
    Row("monitoring-alert-dismiss", "post", url("monitoring-alert-dismiss", **ALERT_PAGE),
        lambda s: {"reason": "A parody account."}, need=CHANGE_ALERTS, ok=302, scoped=False),
    Row("monitoring-alert-escalate", "post", url("monitoring-alert-escalate", **ALERT_PAGE),
        lambda s: {"incident": "new"}, need=OPEN_FROM_ALERT, ok=302, scoped=False),
    # the post-incident review's pages (issue 15): whoever may view the incident reads it,
    # its writers (edit_review) change it, the lead role signs (nobody signs for it)
    Row("crisis:incident-review", "get", url("crisis:incident-review", **PK)),
    Row("crisis:incident-review-open", "post", url("crisis:incident-review-open", **PK),
        need=EDIT_REVIEW, ok=302, prepare=_reviewless),
    Row("crisis:incident-review-edit", "get", url("crisis:incident-review-edit", **PK),
        need=EDIT_REVIEW),
    Row("crisis:incident-review-edit", "post", url("crisis:incident-review-edit", **PK),
        _review_page_edit, need=EDIT_REVIEW, ok=302),
    Row("crisis:incident-review-sign-off", "post",
        url("crisis:incident-review-sign-off", **PK), lambda s: {"version": "1", "role": "lead"},
        need=("role:lead",), ok=302),
    Row("crisis:incident-review-language", "post",
        url("crisis:incident-review-language", **PK), lambda s: {"language": "zh-hans"},
        need=EDIT_REVIEW, ok=302),
    Row("crisis:incident-review-action-create", "get",
        url("crisis:incident-review-action-create", **PK), need=EDIT_REVIEW),
    Row("crisis:incident-review-action-create", "post",
        url("crisis:incident-review-action-create", **PK), _action_item_page,
        need=EDIT_REVIEW, ok=302),
    Row("crisis:incident-review-action-edit", "get",
        url("crisis:incident-review-action-edit", pk=_incident,
            item_pk=lambda s: s.action_item), need=EDIT_REVIEW),
    Row("crisis:incident-review-action-edit", "post",
        url("crisis:incident-review-action-edit", pk=_incident,
            item_pk=lambda s: s.action_item), _action_item_page, need=EDIT_REVIEW, ok=302),
    Row("monitoring-mention-import", "get", url("monitoring-mention-import"), need=IMPORT,
        scoped=False),
    Row("monitoring-mention-import", "post", url("monitoring-mention-import"),
        lambda s: {"step": "upload", "timezone": "UTC", "encoding": "auto",
                   **_mentions_file(s)}, need=IMPORT, ok=200, scoped=False,
        changes=False),  # the upload step: the file waits for its columns, nothing stored
    Row("monitoring-mention-import-errors", "get", url("monitoring-mention-import-errors"),
        need=IMPORT, scoped=False),
    Row("api-docs", "get", url("api-docs"), scoped=False),
    Row("notifications", "get", url("notifications"), scoped=False),
    Row("notifications-read", "post", url("notifications-read"), lambda s: {"all": "on"},
        ok=302, scoped=False, prepare=_unread_for_everyone),
    Row("notification-open", "get", url("notification-open", pk=_notification), scoped=False,
        ok=404, label="someone else's"),
    Row("account", "get", url("account"), scoped=False),
    Row("account", "post", url("account"),
        lambda s: {"timezone": "Asia/Taipei", "language": "zh-hant",
                   "email_notifications": "all"}, ok=302, scoped=False),
    # The Django admin: staff only (others are sent to its sign-in page); an incident the
    # staff member may not view is "not found", which the admin answers with a redirect.
    Row("admin:crisis_incident_changelist", "get", url("admin:crisis_incident_changelist"),
        need=ADMIN_VIEW, denied=302, scoped=False, listed=_title_shown,
        personas=ADMIN_PERSONAS),
    Row("admin:crisis_incident_change", "get",
        url("admin:crisis_incident_change", object_id=_incident),
        need=ADMIN_VIEW, denied=302, hidden=302, personas=ADMIN_PERSONAS),
    # Chat rooms and the SMS gateway (apprise URLs, secrets): administrators only.
    Row("admin:comms_appriseendpoint_add", "get", url("admin:comms_appriseendpoint_add"),
        need=("staff+comms.add_appriseendpoint",), denied=302, scoped=False),
]

TABLE = API_ROWS + PAGE_ROWS
assert len({row.id for row in TABLE}) == len(TABLE), "two rows with the same id"

def _cases(row: Row):
    """The row's cases: (persona, level) for each persona on each level where the level can
    change the answer; (persona, ``None``: checked against every level) once where it
    cannot: the row is not about one incident, or the persona is anonymous."""
    for persona in row.personas:
        if persona == "anonymous" or not row.scoped:
            yield persona, None
            continue
        for conf in CONFIDENTIALITIES:
            yield persona, conf


# --- the world -------------------------------------------------------------------------------

def _rights(permissions) -> frozenset[str]:
    return frozenset(f"{app}.{codename}" for app, codename in
                     permissions.values_list("content_type__app_label", "codename"))


def _statements(root, incident, *, legal) -> dict[str, int]:
    """A draft, one waiting for legal, one legal approved: each action's starting point."""
    def written(title):
        return comms_services.statement_create(actor=root, incident=incident, kind="holding",
                                               language="en", **{**STATEMENT_TEXT,
                                                                 "title": title})

    draft, in_review, approved, published = (
        written(f"Matrix {incident.confidentiality} {state}")
        for state in ("draft", "in review", "approved", "published"))
    for statement in (in_review, approved, published):
        comms_services.statement_submit(actor=root, statement=statement)
    for statement in (approved, published):
        comms_services.statement_decide(actor=legal, statement=statement, version=1,
                                        decision="approve")
    publication = comms_services.statement_publish(actor=root, statement=published)
    scheduled = comms_schedule.publication_schedule(
        actor=root, statement=approved, publish_at=timezone.now() + datetime.timedelta(days=1))
    inquiry = inquiry_services.inquiry_create(actor=root, incident=incident,
                                              outlet="Matrix Times", question="When?")
    return {"draft": draft.pk, "in_review": in_review.pk, "approved": approved.pk,
            "published": publication.pk, "inquiry": inquiry.pk, "schedule": scheduled.pk}


def _failed_delivery(publication_pk: int, contact, group) -> Delivery:
    publication = Publication.objects.get(pk=publication_pk)
    return Delivery.objects.create(
        publication=publication, group=group, contact=contact, channel="email",
        address=contact.email, status="failed", attempts=1, last_error="550 no such user",
        version_number=publication.version.number, version_hash=publication.version_hash,
        failed_at=timezone.now())


def _build_world() -> World:
    root = User.objects.create(username="matrix-root", is_superuser=True, is_staff=True)
    users = {persona: User.objects.create(username=f"matrix-{persona}",
                                          first_name=persona.replace("_", " ").title(),
                                          is_staff=persona in STAFF)
             for persona in ADMIN_PERSONAS if persona != "anonymous"}
    for persona, group in GROUP_OF.items():
        users[persona].groups.add(Group.objects.get(name=group))
    candidate = User.objects.create(username="matrix-candidate", first_name="Candidate")
    scribe = User.objects.create(username="matrix-scribe", first_name="Scribe")
    department = Department.objects.create(name="Matrix department",
                                           kind=DepartmentKind.CUSTOMER_SERVICE)
    shift = DutyShift.objects.create(duty=Duty.MONITORING, user=scribe,
                                     starts_on=timezone.localdate(),
                                     ends_on=timezone.localdate())
    incident_type = IncidentTypeFactory(code="other")
    roles = {role.code: role for role in Role.objects.all()}

    def staffed(conf: str, title: str) -> Incident:
        incident = IncidentFactory(title=title, confidentiality=conf, type=incident_type,
                                   created_by=root)
        for persona, code in ROLE_OF.items():
            role_assign(actor=root, incident=incident, user=users[persona], role=roles[code],
                        department=department if roles[code].per_department else None)
        return incident

    group = StakeholderGroup.objects.get(code="media")
    contact = Contact.objects.create(name="Matrix Reporter", email="reporter@matrix.example")
    contact.groups.add(group)
    watch = Watch.objects.create(name="Matrix watch", include_terms=["matrix"])
    Mention.objects.create(platform="x", external_id="matrix-seen", text="matrix seen",
                           posted_at=timezone.now())
    scenes = {}
    for conf in CONFIDENTIALITIES:
        incident = staffed(conf, f"Matrix {conf} incident")
        twin = staffed(conf, f"Matrix {conf} twin")
        assignment = role_assign(actor=root, incident=incident, user=scribe,
                                 role=roles["scribe"])
        statements = _statements(root, incident, legal=users["legal_reviewer"])
        review = reports_services.review_open(incident=incident, actor=root)
        action_item = reports_services.action_item_create(
            actor=root, review=review, title=f"Matrix {conf} action", owner=scribe,
            due_on=timezone.localdate() + datetime.timedelta(days=7))
        freeze = comms_services.freeze_create(actor=root, reason="Matrix hold.", incident=twin)
        task = TaskFactory(incident=incident, title=f"Matrix {conf} task")
        TaskCommentFactory(task=task, author=root)
        scenes[conf] = Scene(
            conf=conf, incident=incident.pk, title=incident.title, twin=twin.pk,
            entry=TimelineEntryFactory(incident=incident, actor=root).pk, task=task.pk,
            item=ChecklistItemFactory(task=task).pk, assignment=assignment.pk,
            candidate=candidate.pk, scribe=scribe.pk, department=department.pk, shift=shift.pk,
            incident_type=incident_type.pk,
            notification=Notification.objects.get(
                recipient=scribe, dedupe_key=f"team_added:{assignment.pk}").pk,
            freeze=freeze.pk, contact=contact.pk, group=group.pk,
            delivery=_failed_delivery(statements["published"], contact, group).pk,
            watch=watch.pk, alert=Alert.objects.create(
                watch=watch, level="orange", peak_level="orange",
                first_mention_at=timezone.now()).pk,
            review=review.pk, action_item=action_item.pk, **statements)

    global_rights = {"anonymous": frozenset()}
    role_rights = {"anonymous": frozenset()}
    for persona, user in users.items():
        global_rights[persona] = _rights(Permission.objects.filter(group__user=user)) | (
            {"staff"} if user.is_staff else set())
        role_rights[persona] = (_rights(roles[ROLE_OF[persona]].permissions)
                                | {f"role:{ROLE_OF[persona]}"}
                                if persona in ROLE_OF else frozenset())
    return World(users={p: u.pk for p, u in users.items()}, scenes=scenes,
                 global_rights=global_rights, role_rights=role_rights)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once, kept in a transaction rolled back when the module is done; each case
    runs in a savepoint inside it (pytest-django's ``db``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


SNAPSHOT_MODELS = (Incident, TimelineEntry, Task, ChecklistItem, TaskComment, LiveEvent,
                   RoleAssignment, IncidentUserObjectPermission, Notification, DutyShift, User,
                   Statement, StatementVersion, ReviewStage, ApprovalDecision, StatementComment,
                   Publication, PublishingFreeze, MediaInquiry, Contact, Delivery,
                   IncidentStakeholder, ScheduledPublication, Alert,
                   WarningRule, Watch, Mention, PostIncidentReview, ReviewVersion,
                   ReviewSignOff, ActionItem)


def db_state() -> dict:
    """Every row a refused write must leave alone: the incident core's (as in
    ``tests.crisis.helpers.db_state``) and the teams'. Plain SQL: this runs twice per write."""
    state = {}
    with connection.cursor() as cursor:
        for model in SNAPSHOT_MODELS:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")  # noqa: S608 (model tables)
            state[model._meta.label] = cursor.fetchall()
    return state


def verdict(row: Row, persona: str, conf: str, world: World) -> tuple[int, bool]:
    """The status ``persona`` must get for ``row`` on the ``conf`` incident, and whether
    the request is granted (a granted write changes something, a refused one nothing)."""
    if persona == "anonymous":
        if row.anonymous is not None:
            return row.anonymous, True
        return (401 if row.api else 302), False
    if row.scoped and not world.may_view(persona, conf):
        return row.hidden, False
    if row.need and not world.holds(persona, row.need):
        return row.denied, False
    return row.ok, True


def expected_status(row: Row, persona: str, conf: str, world: World) -> int:
    return verdict(row, persona, conf, world)[0]


@pytest.fixture(scope="module")
def clients(world):
    """One client of each kind for the module (a new client loads the middleware again,
    and WhiteNoise's scan of the static files costs more than a request), and each
    persona's session, signed in once inside the module's transaction."""
    sessions = {}
    for persona, pk in world.users.items():
        page = Client()
        page.force_login(User.objects.get(pk=pk))
        sessions[persona] = page.cookies[settings.SESSION_COOKIE_NAME].value
    return {"api": APIClient(), "page": Client(), "sessions": sessions}


def _client(clients, row: Row, persona: str, user_pk: int | None):
    if row.api:
        client = clients["api"]
        # A fresh user object, as each real request loads it: no permission caches.
        client.force_authenticate(User.objects.get(pk=user_pk) if user_pk else None)
        return client
    client = clients["page"]
    client.cookies.clear()
    if user_pk:
        client.cookies[settings.SESSION_COOKIE_NAME] = clients["sessions"][persona]
    return client


def _send(row: Row, client, scene: Scene):
    address = row.url(scene)
    body = row.body(scene) if row.body else None
    if row.api:
        if row.writes:
            return getattr(client, row.method)(address, body, format=row.format)
        return client.get(address)
    if row.writes:
        return getattr(client, row.method)(address, body or {})
    return client.get(address)


# --- the matrix ------------------------------------------------------------------------------

# A case run once (conf None) asks about the internal incident's objects.
ONCE = Confidentiality.INTERNAL


def _check_case(world: World, clients, row: Row, persona: str, conf: str | None) -> None:
    """One case: ``persona`` sends the row's request about the ``conf`` incident (or, conf
    ``None``, once, checked against every level)."""
    scene = world.scenes[conf or ONCE]
    if row.prepare:
        row.prepare(scene)
    client = _client(clients, row, persona, world.users.get(persona))
    expected, granted = verdict(row, persona, conf or ONCE, world)
    before = db_state() if row.writes else None

    response = _send(row, client, scene)

    assert response.status_code == expected, (
        f"expected {expected}, got {response.status_code}: {response.content[:300]!r}")
    if row.writes:
        if granted and row.changes:
            assert db_state() != before, f"{row.id} answered {expected} but changed nothing"
        else:
            assert db_state() == before, f"refused {row.id} changed something"
    if persona == "anonymous" and expected == 302:
        login = "/admin/login/" if row.route.startswith("admin:") else reverse(
            settings.LOGIN_URL)
        assert response["Location"].startswith(login)
        return
    textual = response.get("Content-Type", "").startswith(("text/", "application/j"))
    for level in CONFIDENTIALITIES if conf is None else (conf,):
        shown, visible = world.scenes[level], world.may_view(persona, level)
        if row.listed and expected == 200:
            assert row.listed(response, shown) == visible, (
                f"{row.id} as {persona}: the {level} incident is "
                f"{'missing' if visible else 'listed'}")
        if not visible and textual:
            assert shown.title.encode() not in response.content, f"the {level} title leaked"


@pytest.mark.parametrize("row", TABLE, ids=lambda row: row.id)
def test_permission_matrix(world, clients, db, row):
    """Every case of the row (``_cases``: each persona, on each level that can change the
    answer). Each runs in a savepoint rolled back afterwards, so no case sees another's
    writes, and the live events and timeline entries it stored are checked against their
    shapes before that (as tests.event_shapes does after each test). One test per row, not
    per case: each test's own setup and teardown (pytest's fixtures, Django's savepoints
    and foreign key check, the shape check's reads) were a large share of the matrix's
    time, thousands of times over. Every case runs even after one fails; the failure lists
    each failed case by route, method, persona and level."""
    failures = []
    stored = last_stored()  # the same before each case: each one's writes are rolled back
    for persona, conf in _cases(row):
        try:
            with transaction.atomic():
                try:
                    with stored_rows_fit_their_shapes(since=stored):
                        _check_case(world, clients, row, persona, conf)
                finally:
                    transaction.set_rollback(True)
        except AssertionError as error:
            message = str(error)  # its first part: without pytest's explanation of the assert
            if not message.startswith("assert "):
                message = message.split("\nassert ", 1)[0]
            failures.append(f"{row.id} as {persona} on "
                            f"{f'the {conf} incident' if conf else 'any incident'}: {message}")
        except Exception as error:
            error.add_note(f"raised by {row.id} as {persona} on {conf or 'any'} incident")
            raise
    assert not failures, (f"{len(failures)} of the {len(list(_cases(row)))} cases of {row.id} "
                          "failed:\n" + "\n".join(failures))


def test_the_approval_queue_offers_each_statement_to_its_legal_reviewer_only(world, clients, db):
    """What the queue offers (not just its status): the statement waiting for legal, on
    each level, to the legal reviewer of that incident and to nobody else."""
    row = Row("approval-queue", "get", url("approval-queue"), scoped=False)
    for persona in PERSONAS[1:]:
        client = _client(clients, row, persona, world.users[persona])
        page = client.get(reverse("approval-queue")).content.decode()
        for conf, scene in world.scenes.items():
            offered = f'id="queue-item-{scene.in_review}"' in page
            assert offered == (persona == "legal_reviewer"), (persona, conf)
            assert (f'id="queue-item-{scene.draft}"' in page) is False


# --- the table covers every route ------------------------------------------------------------

def _routes() -> dict[str, set[str]]:
    """Every named route: {"api:incident-list": {"get", "post"}, "crisis:...": set(), ...}."""
    found: dict[str, set[str]] = {}

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns,
                     [*namespaces, pattern.namespace] if pattern.namespace else namespaces)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = ":".join([*namespaces, pattern.name])
                actions = set(getattr(pattern.callback, "actions", None) or {})
                if "get" in actions:
                    actions.discard("head")  # DRF answers HEAD as GET
                found.setdefault(name, set()).update(actions)

    walk(get_resolver().url_patterns, [])
    return found


def test_every_route_is_in_the_table():
    routes = _routes()
    rows = {(row.route, row.method) for row in TABLE}
    named = {row.route for row in TABLE}
    api = {name: methods for name, methods in routes.items()
           if name.startswith("api:") and name != "api:api-root"}
    assert api, "no API routes found: did the namespace change?"
    missing = sorted(f"{name} {method.upper()}" for name, methods in api.items()
                     for method in methods if (name, method) not in rows)
    missing += sorted(name for name, methods in api.items() if not methods and name not in named)
    pages = [name for name in routes if name.startswith("crisis:")
             or name in ("home", "roster", "department-list", "api-schema", "api-docs",
                         "notifications", "notifications-read", "notification-open", "account",
                         "approval-queue", "approval-decide", "publishing-freezes",
                         "publishing-freeze-lift", "status", "status-feed",
                         "status-statement", "acknowledgement", "monitoring-board",
                         "monitoring-alert", "monitoring-alert-acknowledge",
                         "monitoring-alert-dismiss", "monitoring-alert-escalate",
                         "reports-dashboard", "reports-dashboard-pdf")]
    missing += sorted(name for name in pages if name not in named)
    assert not missing, f"routes without a row in the permission matrix: {missing}"
    assert not named - set(routes), f"rows for routes that do not exist: {named - set(routes)}"


@pytest.mark.django_db  # ordered with the db tests, before transactional ones empty the tables
def test_the_table_expects_what_the_issue_says(world):
    """Spot checks of the derived expectations, so a wrong rights table cannot make the
    app and the matrix agree on nonsense."""
    by_id = {row.id: row for row in TABLE}
    detail, note = by_id["api:incident-detail:GET"], by_id["api:incident-timeline-list:POST"]
    team, create = by_id["api:incident-team-list:POST"], by_id["api:incident-list:POST"]
    shifts = by_id["api:duty-shift-list:POST"]
    sign, edit = by_id["api:review-sign-off:POST"], by_id["api:review-detail:PATCH"]
    expect = {
        (detail, "anonymous", "internal"): 401,
        (detail, "outsider", "internal"): 200,
        (detail, "outsider", "restricted"): 404,
        (detail, "executive", "restricted"): 200,
        (detail, "executive", "confidential"): 404,
        (detail, "auditor", "confidential"): 404,
        (detail, "observer", "confidential"): 200,
        (detail, "administrator", "confidential"): 200,
        (note, "observer", "internal"): 403,
        (note, "liaison", "confidential"): 201,
        (note, "auditor", "restricted"): 403,
        (note, "administrator", "confidential"): 201,
        (team, "lead", "confidential"): 201,
        (team, "communications_officer", "internal"): 403,
        (create, "administrator", "internal"): 201,
        (create, "lead", "internal"): 403,
        (shifts, "administrator", "internal"): 201,
        (shifts, "executive", "internal"): 403,
        # Only the lead role signs the review as lead: an administrator does not sign for it.
        (sign, "lead", "confidential"): 201,
        (sign, "administrator", "internal"): 403,
        (sign, "executive", "restricted"): 403,
        (edit, "administrator", "confidential"): 200,
        (edit, "executive", "restricted"): 403,
        (edit, "outsider", "restricted"): 404,
    }
    got = {case: expected_status(*case, world) for case in expect}
    assert got == expect
