"""comms.services: drafting, the approval flow and its five invariants, publishing,
freezes and comments. Each invariant's test fails when its guard in the service is removed."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from comms import hooks, services
from comms.choices import Decision
from comms.models import (
    ApprovalDecision,
    ApprovalStage,
    Publication,
    ReviewStage,
    StatementVersion,
    content_hash,
)
from comms.permissions import FREEZE_PUBLISHING
from comms.policy import review_progress
from comms.selectors import stage_fallback_open
from core.errors import ConflictError
from crisis.choices import Severity, TimelineKind
from crisis.models import Incident, LiveEvent, TimelineEntry
from teams.choices import Capability, NotificationKind
from teams.models import Notification
from tests.comms.conftest import FRAME
from tests.conftest import grant, join
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

APPROVE, REJECT, CHANGES = Decision.APPROVE, Decision.REJECT, Decision.REQUEST_CHANGES


def decide(user, statement, decision=APPROVE, comment="", version=None):
    statement.refresh_from_db()
    return services.statement_decide(
        actor=user, statement=statement, decision=decision, comment=comment,
        version=statement.current_version if version is None else version)


def edit(user, statement, body):
    return services.statement_edit(actor=user, statement=statement, body=body, **FRAME)


def status(statement) -> str:
    statement.refresh_from_db()
    return statement.status


# --- drafting --------------------------------------------------------------------------------

def test_create_writes_version_one_with_its_hash_a_timeline_entry_and_a_live_event(draft,
                                                                                   officer):
    version = StatementVersion.objects.get(statement=draft)
    assert (version.number, version.author, draft.status) == (1, officer, "draft")
    assert version.content_hash == content_hash(version.content())
    entry = TimelineEntry.objects.filter(incident=draft.incident,
                                         kind=TimelineKind.STATEMENT).get()
    assert entry.data["action"] == "created" and entry.data["statement"] == draft.pk
    event = LiveEvent.objects.filter(incident=draft.incident, type="statement.changed").get()
    assert event.data == {"id": draft.pk, "action": "created", "status": "draft",
                          "version": 1, "kind": "holding"}


@pytest.mark.parametrize(("change", "field"), [
    ({"audience": ["regulators"]}, "audience"),  # not among the incident's stakeholders
    ({"variants": {"sms": "x" * 161}}, "variants.sms"),
    ({"kind": "poem"}, "kind"),
    ({"language": "fr"}, "language"),
    ({"title": " "}, "title"),
])
def test_create_refuses_bad_input_naming_the_field(officer, incident, change, field):
    arguments = {"actor": officer, "incident": incident, "kind": "holding", "language": "en",
                 "title": "Holding", "body": "Text", **change}
    with pytest.raises(ValidationError) as refused:
        services.statement_create(**arguments)
    assert field in refused.value.message_dict
    assert not StatementVersion.objects.exists()


def test_drafting_needs_the_draft_right(incident, assign):
    legal = assign(incident, "legal_reviewer")
    with pytest.raises(PermissionDenied):
        services.statement_create(actor=legal, incident=incident, kind="holding",
                                  language="en", title="Mine", body="Text")


def test_submit_needs_the_5w1h_frame_but_not_why(officer, incident):
    statement = services.statement_create(actor=officer, incident=incident, kind="holding",
                                          language="en", title="Short", body="Text")
    with pytest.raises(ValidationError) as refused:
        services.statement_submit(actor=officer, statement=statement)
    assert set(refused.value.message_dict) == {"what_happened", "when", "where",
                                               "who_is_affected", "what_we_do"}
    assert status(statement) == "draft"


def test_submit_snapshots_the_policy_stages_with_sla_deadlines_and_asks_legal(draft, officer,
                                                                              legal):
    services.statement_submit(actor=officer, statement=draft)
    draft.refresh_from_db()
    stage = ReviewStage.objects.get(statement=draft, round=1)
    assert (draft.status, stage.name, stage.role_codes) == ("in_review", "Legal review",
                                                            ["legal_reviewer"])
    assert stage.due_at == draft.review_started_at + timedelta(minutes=60)
    # A policy edited mid-review does not change the running review.
    ApprovalStage.objects.filter(name="Legal review").update(approvals_needed=3)
    decide(legal, draft)
    assert status(draft) == "approved"
    notice = Notification.objects.get(recipient=legal, kind=NotificationKind.APPROVAL_REQUESTED)
    assert "Holding statement" in notice.title


# --- invariant 1: a decision binds to one version; an edit voids earlier decisions ------------

def test_an_edit_voids_earlier_decisions_and_sends_the_statement_back_to_review(
        draft, officer, legal):
    services.statement_submit(actor=officer, statement=draft)
    approval = decide(legal, draft)
    assert (approval.version_number, approval.version_hash) == (
        1, StatementVersion.objects.get(statement=draft, number=1).content_hash)
    assert status(draft) == "approved"
    Notification.objects.all().delete()
    edit(officer, draft, "We are truly sorry.")
    draft.refresh_from_db()
    assert (draft.status, draft.current_version) == ("in_review", 2)
    assert not review_progress(draft).approvals  # the approval of version 1 counts no more
    with pytest.raises(ConflictError):
        services.statement_publish(actor=officer, statement=draft)
    assert Notification.objects.filter(recipient=legal,
                                       kind=NotificationKind.APPROVAL_REQUESTED).exists()
    decide(legal, draft)
    assert status(draft) == "approved"


# --- invariant 2: never the author; once per person and stage; only the current version -------

def test_nobody_decides_on_a_statement_they_wrote_or_edited_superusers_included(
        draft, officer, legal, admin):
    """The legal reviewer and a superuser who edited it would otherwise decide (the one by
    role, the other by the capability fallback, open since the only role holder edited)."""
    services.statement_submit(actor=officer, statement=draft)
    edit(grant(legal, "crisis.draft_statement"), draft, "The reviewer's wording.")
    edit(admin, draft, "An administrator's wording.")
    for author in (officer, legal, admin):
        with pytest.raises(PermissionDenied, match="someone else"):
            decide(author, draft)
    assert not ApprovalDecision.objects.exists()
    decide(join(UserFactory(username="counsel"), Capability.LEGAL_REVIEWER), draft)
    assert status(draft) == "approved"


def test_one_person_counts_once_per_stage(draft, officer, legal, incident, assign):
    ApprovalStage.objects.filter(name="Legal review").update(approvals_needed=2)
    services.statement_submit(actor=officer, statement=draft)
    decide(legal, draft)
    with pytest.raises(ConflictError, match="already decided"):
        decide(legal, draft)
    assert status(draft) == "in_review"
    decide(assign(incident, "legal_reviewer"), draft)
    assert status(draft) == "approved"


def test_a_decision_on_a_version_no_longer_current_is_refused_naming_the_current_one(
        draft, officer, legal):
    services.statement_submit(actor=officer, statement=draft)
    edit(officer, draft, "Second wording.")
    with pytest.raises(ConflictError, match="version 2 is") as refused:
        decide(legal, draft, version=1)
    assert refused.value.detail["current_version"] == 2
    assert not ApprovalDecision.objects.exists()


# --- invariant 3: stages in order (parallel where said); a rejection stops and needs a reason --

def test_stages_complete_in_order(high_incident, draft, officer, legal, executive):
    services.statement_submit(actor=officer, statement=draft)
    assert [s.name for s in ReviewStage.objects.filter(statement=draft)] == [
        "Legal review", "Executive sponsor"]
    with pytest.raises(ConflictError, match="decides after"):
        decide(executive, draft)
    with translation.override("zh-hant"), pytest.raises(ConflictError, match="法務審核"):
        decide(executive, draft)  # the stages' names in the reader's language
    decide(legal, draft)
    assert status(draft) == "in_review"
    assert Notification.objects.filter(recipient=executive,
                                       kind=NotificationKind.APPROVAL_REQUESTED).exists()
    decide(executive, draft)
    assert status(draft) == "approved"


def test_a_parallel_stage_decides_alongside_the_one_before(high_incident, draft, officer,
                                                           legal, executive):
    ApprovalStage.objects.filter(name="Executive sponsor").update(parallel_with_previous=True)
    services.statement_submit(actor=officer, statement=draft)
    decide(executive, draft)
    assert status(draft) == "in_review"
    decide(legal, draft)
    assert status(draft) == "approved"


@pytest.mark.parametrize(("decision", "after"), [(REJECT, "rejected"), (CHANGES, "draft")])
def test_a_refusal_needs_a_reason_and_stops_the_flow(draft, officer, legal, executive,
                                                     high_incident, decision, after):
    services.statement_submit(actor=officer, statement=draft)
    with pytest.raises(ValidationError) as refused:
        decide(legal, draft, decision, comment=" ")
    assert "comment" in refused.value.message_dict
    decide(legal, draft, decision, comment="The date is wrong.")
    draft.refresh_from_db()
    assert draft.status == after
    if decision == REJECT:
        assert draft.rejection_reason == "The date is wrong."
    with pytest.raises(ConflictError):
        decide(executive, draft)
    with pytest.raises(ConflictError):
        services.statement_publish(actor=officer, statement=draft)


def test_changes_requested_then_resubmitted_starts_a_new_round(draft, officer, legal):
    services.statement_submit(actor=officer, statement=draft)
    decide(legal, draft, CHANGES, comment="Say when the recall started.")
    edit(officer, draft, "The recall started on 3 May.")
    services.statement_submit(actor=officer, statement=draft)
    draft.refresh_from_db()
    assert (draft.status, draft.review_round, draft.current_version) == ("in_review", 2, 2)
    decide(legal, draft)
    assert status(draft) == "approved"


# --- who decides: the stage's role, or its capability when only the author holds it ------------

def test_the_capability_decides_when_the_only_role_holder_wrote_the_text(incident, assign):
    author = assign(incident, "legal_reviewer", "lawyer_author")
    author = grant(author, "crisis.draft_statement")
    counsel = join(UserFactory(username="counsel"), Capability.LEGAL_REVIEWER)
    statement = services.statement_create(actor=author, incident=incident, kind="holding",
                                          language="en", title="T", body="B", **FRAME)
    services.statement_submit(actor=author, statement=statement)
    stage = ReviewStage.objects.get(statement=statement)
    assert stage_fallback_open(statement=statement, stage=stage)
    made = decide(counsel, statement)
    assert made.as_fallback and status(statement) == "approved"


def test_the_capability_waits_while_another_role_holder_may_decide(draft, officer, legal):
    counsel = join(UserFactory(username="counsel"), Capability.LEGAL_REVIEWER)
    services.statement_submit(actor=officer, statement=draft)
    assert not stage_fallback_open(statement=draft,
                                   stage=ReviewStage.objects.get(statement=draft))
    with pytest.raises(PermissionDenied):
        decide(counsel, draft)


# --- invariant 4: only the approved current version, by the publish right, once -----------------

@pytest.fixture
def approved(draft, officer, legal):
    services.statement_submit(actor=officer, statement=draft)
    decide(legal, draft)
    draft.refresh_from_db()
    return draft


def test_publishing_needs_the_publish_right(approved, legal):
    with pytest.raises(PermissionDenied):
        services.statement_publish(actor=legal, statement=approved)
    assert status(approved) == "approved"


def test_only_an_approved_statement_is_published(draft, officer, legal):
    with pytest.raises(ConflictError):
        services.statement_publish(actor=officer, statement=draft)
    services.statement_submit(actor=officer, statement=draft)
    decide(legal, draft)
    services.statement_withdraw(actor=officer, statement=draft)  # every approval, withdrawn
    with pytest.raises(ConflictError, match="Only an approved"):
        services.statement_publish(actor=officer, statement=draft)
    assert not Publication.objects.exists()


def test_publishing_twice_publishes_once(approved, officer):
    heard = []
    hooks.statement_published.connect(lambda sender, **kwargs: heard.append(kwargs),
                                       weak=False, dispatch_uid="test-published")
    try:
        first = services.statement_publish(actor=officer, statement=approved)
        second = services.statement_publish(actor=officer, statement=approved)
    finally:
        hooks.statement_published.disconnect(dispatch_uid="test-published")
    assert first == second and Publication.objects.count() == 1 and len(heard) == 1
    approved.refresh_from_db()
    assert (approved.status, approved.published_version) == ("published", 1)
    assert first.version_hash == StatementVersion.objects.get(statement=approved).content_hash
    published = TimelineEntry.objects.filter(kind=TimelineKind.STATEMENT,
                                             data__action="published")
    assert published.count() == 1 and published.get().data["published"] is True


def test_a_freeze_stops_publishing_with_its_reason_until_lifted(approved, officer, incident,
                                                               assign):
    manager = grant(UserFactory(username="manager"), FREEZE_PUBLISHING)
    with pytest.raises(PermissionDenied):
        services.freeze_create(actor=officer, reason="Hold everything")
    freeze = services.freeze_create(actor=manager, reason="Court order pending")
    with pytest.raises(ConflictError, match="Court order pending"):
        services.statement_publish(actor=officer, statement=approved)
    assert TimelineEntry.objects.filter(incident=incident, data__action="frozen").exists()
    services.freeze_lift(actor=manager, freeze=freeze)
    assert TimelineEntry.objects.filter(incident=incident, data__action="lifted").exists()
    services.statement_publish(actor=officer, statement=approved)
    assert status(approved) == "published"


def test_the_incident_lead_freezes_publishing_in_the_incident(approved, officer, incident,
                                                            assign):
    lead = assign(incident, "lead")
    services.freeze_create(actor=lead, reason="Wait for the regulator", incident=incident)
    with pytest.raises(PermissionDenied):
        services.freeze_create(actor=lead, reason="Everywhere")
    with pytest.raises(ConflictError, match="Wait for the regulator"):
        services.statement_publish(actor=officer, statement=approved)


def test_a_published_correction_supersedes_and_takes_the_same_stages(
        high_incident, draft, officer, legal, executive):
    services.statement_submit(actor=officer, statement=draft)
    decide(legal, draft)
    decide(executive, draft)
    services.statement_publish(actor=officer, statement=draft)
    Incident.objects.filter(pk=high_incident.pk).update(severity=Severity.LOW)
    correction = services.statement_create(
        actor=officer, incident=high_incident, kind="correction", language="en",
        title="Correction", body="Batch 43, not 42.", corrects=draft, corrects_as="correction",
        **FRAME)
    services.statement_submit(actor=officer, statement=correction)
    assert [s.name for s in ReviewStage.objects.filter(statement=correction)] == [
        "Legal review", "Executive sponsor"]  # as the original, not the low-severity policy
    decide(legal, correction)
    decide(executive, correction)
    services.statement_publish(actor=officer, statement=correction)
    assert status(draft) == "superseded" and status(correction) == "published"


def test_withdrawn_is_final(draft, officer):
    services.statement_withdraw(actor=officer, statement=draft)
    with pytest.raises(ConflictError):
        services.statement_submit(actor=officer, statement=draft)
    with pytest.raises(ConflictError):
        edit(officer, draft, "Again")


# --- comments ----------------------------------------------------------------------------------

def test_a_comment_is_anchored_to_a_version_and_tells_who_it_mentions(draft, officer, legal,
                                                                      outsider):
    edit(officer, draft, "Second")
    comment = services.comment_add(actor=legal, statement=draft, version=1,
                                   body="@officer check the date; @legal noted")
    assert comment.version.number == 1
    notice = Notification.objects.get(kind=NotificationKind.MENTION)  # never the author
    assert notice.recipient == officer and "check the date" in notice.title
    with pytest.raises(PermissionDenied):  # outsiders may not comment
        services.comment_add(actor=outsider, statement=draft, body="Hi")


def test_legal_reviewers_group_exists_for_the_fallback():
    assert Group.objects.filter(name=Capability.LEGAL_REVIEWER).exists()


def test_an_edit_written_from_an_older_version_is_refused_not_saved_over_it(draft, officer,
                                                                           incident, assign):
    other = grant(assign(incident, "communications_officer", "other_officer"),
                  "crisis.draft_statement")
    services.statement_edit(actor=other, statement=draft, body="Their text.", base_version=1,
                            **FRAME)
    with pytest.raises(ConflictError, match="Version 2 was saved"):
        services.statement_edit(actor=officer, statement=draft, body="My text.",
                                base_version=1, **FRAME)
    assert StatementVersion.objects.filter(statement=draft).count() == 2
