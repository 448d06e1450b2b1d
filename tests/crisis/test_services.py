import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.errors import ConflictError
from crisis import live
from crisis.choices import TRANSITIONS, DepartmentKind, IncidentStatus, TaskStatus, TimelineKind
from crisis.models import Incident, IncidentType, LiveEvent, Task, TimelineEntry
from crisis.permissions import CONTRIBUTE as CONTRIBUTE_RIGHT
from crisis.permissions import MANAGE_INCIDENT
from crisis.services import (
    check_merge,
    checklist_item_set,
    effective_warning_level,
    incident_classify,
    incident_create,
    incident_escalate,
    incident_merge,
    incident_reopen,
    incident_transition,
    playbook_apply,
    task_assign,
    task_comment_add,
    task_create,
    task_set_status,
    timeline_entry_add,
    timeline_entry_pin,
)
from crisis.tasks import notify_overdue_tasks
from teams.models import Notification
from tests.conftest import grant
from tests.crisis.factories import IncidentTypeFactory
from tests.teams.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_incident_create_opens_in_triage_and_records_the_event(lead):
    incident = incident_create(actor=lead, title="  Battery recall rumour ", summary="Seen on X",
                               severity="high", type=IncidentTypeFactory())

    assert incident.title == "Battery recall rumour"
    assert incident.status == "triage"
    assert incident.created_by == lead
    event = LiveEvent.objects.get(incident=incident, type="incident.created")
    assert event.data["reference"] == incident.reference


def test_incident_create_broadcasts_only_after_commit(lead, django_capture_on_commit_callbacks):
    # One event loop for the whole exchange: the Redis pub/sub layer subscribes per loop.
    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(live.INCIDENT_LIST_GROUP, channel)
        try:
            def create():
                with django_capture_on_commit_callbacks(execute=False) as callbacks:
                    incident = incident_create(actor=lead, title="Data leak claim",
                                               type=IncidentTypeFactory())
                return incident, callbacks

            incident, callbacks = await sync_to_async(create)()
            assert callbacks
            # One receive throughout: the pub/sub layer unsubscribes a cancelled one.
            receiving = asyncio.ensure_future(layer.receive(channel))
            await asyncio.sleep(0.3)
            assert not receiving.done()  # nothing is sent before commit
            for callback in callbacks:
                await sync_to_async(callback)()
            message = await asyncio.wait_for(receiving, 5)
        finally:
            await layer.group_discard(live.INCIDENT_LIST_GROUP, channel)
        return incident, message

    incident, message = async_to_sync(scenario)()
    assert message["frame"] == {
        "type": "incident.created",
        "incident": incident.pk,
        "seq": LiveEvent.objects.get(incident=incident, type="incident.created").seq,
        "data": {"id": incident.pk, "reference": incident.reference, "title": "Data leak claim",
                 "severity": "medium", "status": "triage", "warning_level": "",
                 "is_drill": False, "confidentiality": "internal"},
    }


def test_incident_create_notifies_the_crisis_core_by_email(
    lead, django_capture_on_commit_callbacks
):
    legal = UserFactory(username="legal")
    DepartmentFactory(name="Legal", kind=DepartmentKind.LEGAL).members.add(legal, lead)

    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_create(actor=lead, title="Recall", severity="critical",
                                   type=IncidentTypeFactory())

    assert [m.to for m in mail.outbox] == [[legal.email]]  # not the lead who opened it
    assert incident.reference in mail.outbox[0].subject
    assert "Severity: Critical" in mail.outbox[0].body


def test_incident_create_refuses_without_the_right_and_writes_nothing(outsider):
    with pytest.raises(PermissionDenied):
        incident_create(actor=outsider, title="Should not exist", type=IncidentTypeFactory())
    assert not Incident.objects.exists()
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "severity": "apocalyptic"}, "severity"),
    ],
)
def test_incident_create_rejects_bad_input_and_writes_nothing(lead, fields, bad_field):
    with pytest.raises(ValidationError) as error:
        incident_create(actor=lead, **fields, type=IncidentTypeFactory())
    assert bad_field in error.value.message_dict
    assert not Incident.objects.exists()
    assert not LiveEvent.objects.exists()


# --- lifecycle, escalation, classification, timeline, playbooks, tasks --------------------

MANAGE, CONTRIBUTE = MANAGE_INCIDENT, CONTRIBUTE_RIGHT


@pytest.fixture
def manager(lead):
    return grant(lead, MANAGE, CONTRIBUTE)


@pytest.fixture
def contributor(db):
    return grant(UserFactory(username="contributor"), CONTRIBUTE)


def product_incident(actor, severity="medium", **kwargs):
    return incident_create(actor=actor, title="X2 battery swelling", severity=severity,
                           type=IncidentType.objects.get(code="product_quality"), **kwargs)


def finish_all_tasks(actor, incident):
    for task in incident.tasks.all():
        task_set_status(actor=actor, task=task, status="waived", reason="Not needed in test")


def walk_to(actor, incident, status):
    path = ["active", "contained", "recovering", "closed"]
    for step in path[: path.index(status) + 1]:
        if step == "closed":
            finish_all_tasks(actor, incident)
        incident = incident_transition(actor=actor, incident=incident, to_status=step)
    return incident


def test_lifecycle_sets_each_timestamp_once_and_records_who_and_why(manager):
    incident = product_incident(manager)
    incident = walk_to(manager, incident, "closed")

    assert incident.status == "closed"
    for stamp in ("acknowledged_at", "contained_at", "resolved_at", "closed_at"):
        assert getattr(incident, stamp) is not None, stamp
    assert incident.detected_at <= incident.acknowledged_at <= incident.contained_at
    steps = list(TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.STATUS)
                 .order_by("pk").values_list("data__from", "data__to"))
    assert steps == [("triage", "active"), ("active", "contained"),
                     ("contained", "recovering"), ("recovering", "closed")]
    assert set(TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.STATUS)
               .values_list("actor", flat=True)) == {manager.pk}


@pytest.mark.parametrize("current", list(IncidentStatus))
def test_every_refused_transition_names_the_current_and_allowed_states(manager, current):
    incident = product_incident(manager)
    if current != "triage":
        incident = walk_to(manager, incident, current)
    refused = [s for s in IncidentStatus if s not in TRANSITIONS[current]]
    before = TimelineEntry.objects.filter(incident=incident).count()

    for target in refused:
        with pytest.raises(ConflictError) as error:
            incident_transition(actor=manager, incident=incident, to_status=target,
                                reason="try")
        assert error.value.detail["current"] == current
        assert error.value.detail["allowed"] == [s.value for s in TRANSITIONS[current]]

    incident.refresh_from_db()
    assert incident.status == current
    assert TimelineEntry.objects.filter(incident=incident).count() == before


def test_close_from_triage_is_refused_with_a_message_naming_the_states(manager):
    incident = product_incident(manager)
    with pytest.raises(ConflictError) as error:
        incident_transition(actor=manager, incident=incident, to_status="closed")
    assert "Triage" in error.value.message and "Active" in error.value.message


def test_closing_requires_the_checklist_done_or_waived(manager):
    incident = walk_to(manager, product_incident(manager), "recovering")
    open_tasks = incident.tasks.count()
    assert open_tasks

    with pytest.raises(ConflictError) as error:
        incident_transition(actor=manager, incident=incident, to_status="closed")
    assert error.value.detail["open_tasks"] == open_tasks

    finish_all_tasks(manager, incident)
    assert incident_transition(actor=manager, incident=incident, to_status="closed").closed_at


def test_stepping_back_to_active_needs_a_reason(manager):
    incident = walk_to(manager, product_incident(manager), "contained")
    with pytest.raises(ValidationError) as error:
        incident_transition(actor=manager, incident=incident, to_status="active")
    assert "reason" in error.value.message_dict
    incident = incident_transition(actor=manager, incident=incident, to_status="active",
                                   reason="Second wave of videos")
    assert incident.status == "active"


def test_reopen_needs_a_reason_and_a_closed_incident(manager):
    incident = product_incident(manager)
    with pytest.raises(ConflictError):
        incident_reopen(actor=manager, incident=incident, reason="why not")
    incident = walk_to(manager, incident, "closed")
    with pytest.raises(ValidationError):
        incident_reopen(actor=manager, incident=incident, reason="  ")

    incident = incident_reopen(actor=manager, incident=incident, reason="New victims found")

    assert incident.status == "active"
    assert incident.closed_at is None
    entry = TimelineEntry.objects.filter(incident=incident).first()
    assert entry.body == "New victims found" and entry.data["reopened"] is True


def test_merge_moves_timeline_and_tasks_under_the_survivor(manager):
    survivor = product_incident(manager)
    duplicate = incident_create(actor=manager, title="Same story, other channel",
                                type=IncidentType.objects.get(code="product_quality"))
    note = timeline_entry_add(actor=manager, incident=duplicate, kind="note", body="Seen on Weibo")
    own = task_create(actor=manager, incident=duplicate, title="Call the forum moderator")
    survivor_tasks = list(survivor.tasks.values_list("pk", flat=True))

    incident_merge(actor=manager, duplicate=duplicate, survivor=survivor, reason="Same crisis")

    duplicate.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.merged_into == survivor
    note.refresh_from_db()
    assert note.incident == survivor and note.merged_from == duplicate
    assert set(survivor.tasks.values_list("pk", flat=True)) == {*survivor_tasks, own.pk}
    assert TimelineEntry.objects.filter(incident=survivor, kind=TimelineKind.MERGE).exists()
    assert TimelineEntry.objects.filter(incident=duplicate, kind=TimelineKind.MERGE).exists()
    # Re-applying the playbook to the survivor adds nothing: each template once.
    assert playbook_apply(incident=survivor, actor=manager) == []
    with pytest.raises(ConflictError):
        incident_transition(actor=manager, incident=duplicate, to_status="active")


def test_merge_refuses_itself_and_closed_incidents(manager):
    incident = product_incident(manager)
    with pytest.raises(ValidationError):
        incident_merge(actor=manager, duplicate=incident, survivor=incident, reason="x")
    closed = walk_to(manager, product_incident(manager), "closed")
    with pytest.raises(ConflictError):
        incident_merge(actor=manager, duplicate=incident, survivor=closed, reason="x")


def test_merge_does_not_copy_playbook_tasks_the_survivor_already_has(manager):
    survivor = product_incident(manager)
    duplicate = product_incident(manager)
    assemble = duplicate.tasks.get(title="Assemble the crisis team")
    task_set_status(actor=manager, task=assemble, status="done")

    incident_merge(actor=manager, duplicate=duplicate, survivor=survivor, reason="Same crisis")

    titles = list(survivor.tasks.values_list("title", flat=True))
    assert titles.count("Assemble the crisis team") == 1
    assert len(titles) == len(set(titles))
    assemble.refresh_from_db()
    assert assemble.incident == duplicate  # kept where it was done, nothing deleted
    entry = TimelineEntry.objects.get(incident=survivor, kind=TimelineKind.MERGE)
    assert entry.data["tasks"] == 0 and entry.data["kept"] == duplicate.tasks.count()


@pytest.mark.parametrize(
    ("duplicate_fields", "survivor_fields", "message"),
    [
        ({"confidentiality": "confidential"}, {"confidentiality": "internal"},
         "is Confidential and INC-"),
        ({"confidentiality": "restricted"}, {"confidentiality": "internal"},
         "is Restricted and INC-"),
        ({"is_drill": True}, {}, "drill"),
        ({}, {"is_drill": True}, "drill"),
    ],
)
def test_merge_refuses_to_lower_confidentiality_or_mix_drills_and_real_incidents(
        manager, duplicate_fields, survivor_fields, message):
    manager = grant(manager, "crisis.view_every_incident")
    duplicate = product_incident(manager, **duplicate_fields)
    survivor = product_incident(manager, **survivor_fields)
    with pytest.raises(ValidationError) as error:
        check_merge(duplicate=duplicate, survivor=survivor)
    assert message in " ".join(error.value.message_dict["into"])
    before = TimelineEntry.objects.count(), Task.objects.filter(incident=survivor).count()
    with pytest.raises(ValidationError):
        incident_merge(actor=manager, duplicate=duplicate, survivor=survivor, reason="x")
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and duplicate.status == "triage"
    assert (TimelineEntry.objects.count(),
            Task.objects.filter(incident=survivor).count()) == before


def test_merge_into_a_more_confidential_incident_is_allowed(manager):
    manager = grant(manager, "crisis.view_every_incident")
    duplicate = product_incident(manager)
    survivor = product_incident(manager, confidentiality="confidential")
    check_merge(duplicate=duplicate, survivor=survivor)
    assert incident_merge(actor=manager, duplicate=duplicate, survivor=survivor,
                          reason="Same") == survivor


def test_merge_tells_the_duplicates_team_only_if_they_may_view_the_survivor(manager):
    manager = grant(manager, "crisis.view_every_incident")
    duplicate = product_incident(manager)
    survivor = product_incident(manager, confidentiality="confidential")
    sees, blind = UserFactory(username="sees"), UserFactory(username="blind")
    task_create(actor=manager, incident=duplicate, title="Answer the press", owner=sees)
    task_create(actor=manager, incident=duplicate, title="Call the plant", owner=blind)
    grant(sees, "crisis.view_every_incident")

    incident_merge(actor=manager, duplicate=duplicate, survivor=survivor, reason="Same")

    merged = Notification.objects.filter(kind="incident_merged")
    assert [(n.recipient, n.incident) for n in merged] == [(sees, survivor)]
    assert survivor.reference in merged[0].title
    assert not Notification.objects.filter(recipient=blind, incident=survivor).exists()


def test_escalation_to_critical_adds_the_critical_tasks_and_tells_the_executives(
    manager, django_capture_on_commit_callbacks
):
    executive = UserFactory(username="exec")
    DepartmentFactory(name="Executive Office", kind=DepartmentKind.EXECUTIVE).members.add(
        executive)
    incident = product_incident(manager, severity="medium")
    titles_before = set(incident.tasks.values_list("title", flat=True))
    assert "Publish a holding statement" not in titles_before

    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_escalate(actor=manager, incident=incident, severity="critical",
                                     reason="Injury reported")

    assert incident.severity == "critical"
    titles_after = set(incident.tasks.values_list("title", flat=True))
    assert "Publish a holding statement" in titles_after - titles_before
    assert len(titles_after) == incident.tasks.count()  # nothing duplicated
    entry = TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.ESCALATION).get()
    assert entry.body == "Injury reported"
    assert entry.data["severity"] == ["medium", "critical"] and entry.data["direction"] == "up"
    assert Notification.objects.filter(recipient=executive, kind="incident_escalated").exists()
    assert any("exec" in m.to[0] for m in mail.outbox)


def test_de_escalation_needs_a_reason_and_tells_nobody(manager):
    executive = UserFactory(username="exec")
    DepartmentFactory(name="Executive Office", kind=DepartmentKind.EXECUTIVE).members.add(
        executive)
    incident = product_incident(manager, severity="critical")
    with pytest.raises(ValidationError) as error:
        incident_escalate(actor=manager, incident=incident, severity="high", reason="")
    assert "reason" in error.value.message_dict

    incident_escalate(actor=manager, incident=incident, severity="high", reason="Contained")

    entry = TimelineEntry.objects.get(incident=incident, kind=TimelineKind.ESCALATION)
    assert entry.data["direction"] == "down"
    assert not Notification.objects.filter(recipient=executive,
                                           kind="incident_escalated").exists()


@pytest.mark.parametrize(
    ("auto", "manual", "overridden", "expected"),
    [("", "", False, ""), ("orange", "", False, "orange"), ("", "yellow", False, "yellow"),
     ("orange", "yellow", False, "orange"), ("yellow", "red", False, "red"),
     ("red", "yellow", True, "yellow")],
)
def test_the_higher_warning_level_wins_unless_overridden(auto, manual, overridden, expected):
    assert effective_warning_level(auto=auto, manual=manual, overridden=overridden) == expected


def test_manual_level_cannot_lower_the_automatic_one_without_override(manager):
    incident = product_incident(manager)
    Incident.objects.filter(pk=incident.pk).update(warning_level_auto="orange",
                                                   warning_level="orange")
    incident.refresh_from_db()

    incident = incident_escalate(actor=manager, incident=incident, warning_level="red",
                                 reason="Trending nationally")
    assert incident.warning_level == "red"
    incident = incident_escalate(actor=manager, incident=incident, warning_level="blue",
                                 reason="Calmer", override=True)
    assert incident.warning_level == "blue" and incident.warning_level_overridden
    incident = incident_escalate(actor=manager, incident=incident, warning_level="yellow",
                                 reason="Back to the rules")
    assert incident.warning_level == "orange"  # without override the automatic one wins
    with pytest.raises(ValidationError):
        incident_escalate(actor=manager, incident=incident, reason="nothing chosen")


def test_escalation_refuses_unknown_values_and_no_change(manager):
    incident = product_incident(manager)
    with pytest.raises(ValidationError) as error:
        incident_escalate(actor=manager, incident=incident, severity="apocalyptic", reason="x")
    assert "severity" in error.value.message_dict
    with pytest.raises(ValidationError):
        incident_escalate(actor=manager, incident=incident, severity="medium", reason="same")


def test_classify_records_the_diff_and_adds_the_new_types_tasks_once(manager):
    incident = incident_create(actor=manager, title="Leak?", severity="high",
                               type=IncidentTypeFactory())
    before = incident.tasks.count()

    incident = incident_classify(
        actor=manager, incident=incident, type=IncidentType.objects.get(code="data_breach"),
        stakeholder_kinds=["customers", "regulators", "customers"], tags=[" privacy ", ""],
        is_drill=True)
    incident_classify(actor=manager, incident=incident,
                      type=IncidentType.objects.get(code="data_breach"))

    assert incident.stakeholder_kinds == ["customers", "regulators"]
    assert incident.tags == ["privacy"]
    assert incident.is_drill
    added = incident.tasks.count() - before
    assert added == 3  # the data-breach playbook's tasks up to high severity, once
    entry = TimelineEntry.objects.get(incident=incident, kind=TimelineKind.CLASSIFICATION)
    assert set(entry.data) == {"type", "stakeholder_kinds", "tags", "is_drill"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"stakeholder_kinds": ["martians"]}, "stakeholder_kinds"),
     ({"tags": "not-a-list"}, "tags"), ({"tags": ["x" * 81]}, "tags"),
     ({"severity": "low"}, "severity"), ({"title": ""}, "title"),
     ({"confidentiality": "top-secret"}, "confidentiality")],
)
def test_classify_rejects_bad_input_and_changes_nothing(manager, changes, field):
    incident = product_incident(manager)
    entries = TimelineEntry.objects.filter(incident=incident).count()
    with pytest.raises(ValidationError) as error:
        incident_classify(actor=manager, incident=incident, **changes)
    assert field in error.value.message_dict
    assert TimelineEntry.objects.filter(incident=incident).count() == entries
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.title, fresh.stakeholder_kinds, fresh.confidentiality) == (
        "X2 battery swelling", [], "internal")


@pytest.mark.parametrize("service", ["transition", "escalate", "classify", "reopen", "merge"])
def test_managing_services_refuse_contributors_and_change_nothing(manager, contributor,
                                                                  service):
    incident = product_incident(manager)
    other = product_incident(manager)
    calls = {
        "transition": lambda: incident_transition(actor=contributor, incident=incident,
                                                  to_status="active"),
        "escalate": lambda: incident_escalate(actor=contributor, incident=incident,
                                              severity="critical", reason="x"),
        "classify": lambda: incident_classify(actor=contributor, incident=incident,
                                              tags=["x"]),
        "reopen": lambda: incident_reopen(actor=contributor, incident=incident, reason="x"),
        "merge": lambda: incident_merge(actor=contributor, duplicate=incident, survivor=other,
                                        reason="x"),
    }
    entries = TimelineEntry.objects.count()
    with pytest.raises(PermissionDenied):
        calls[service]()
    assert TimelineEntry.objects.count() == entries
    fresh = Incident.objects.get(pk=incident.pk)
    assert (fresh.status, fresh.severity, fresh.tags) == ("triage", "medium", [])


def test_timeline_notes_decisions_and_corrections(manager, contributor):
    incident = product_incident(manager)
    decision = timeline_entry_add(actor=contributor, incident=incident, kind="decision",
                                  body="Pause all X2 ads")
    correction = timeline_entry_add(actor=contributor, incident=incident, kind="note",
                                    body="Only the Taiwan ads", corrects=decision)

    decision.refresh_from_db()
    assert decision.body == "Pause all X2 ads"  # the original stands, untouched
    assert correction.kind == "correction" and correction.corrects == decision
    assert TimelineEntry.objects.filter(incident=incident, kind="decision").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"kind": "note", "body": "  "}, "body"), ({"kind": "status", "body": "x"}, "kind"),
     ({"kind": "gossip", "body": "x"}, "kind"), ({"kind": "note", "body": "x" * 10_001}, "body")],
)
def test_timeline_rejects_bad_entries(contributor, manager, kwargs, field):
    incident = product_incident(manager)
    entries = TimelineEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        timeline_entry_add(actor=contributor, incident=incident, **kwargs)
    assert field in error.value.message_dict
    assert TimelineEntry.objects.count() == entries


def test_corrections_stay_within_their_incident_and_outsiders_cannot_write(manager,
                                                                           contributor,
                                                                           outsider):
    first, second = product_incident(manager), product_incident(manager)
    entry = timeline_entry_add(actor=contributor, incident=first, kind="note", body="x")
    with pytest.raises(ValidationError):
        timeline_entry_add(actor=contributor, incident=second, kind="note", body="y",
                           corrects=entry)
    with pytest.raises(PermissionDenied):
        timeline_entry_add(actor=outsider, incident=first, kind="note", body="z")
    with pytest.raises(PermissionDenied):
        timeline_entry_pin(actor=outsider, entry=entry, pinned=True)
    timeline_entry_pin(actor=contributor, entry=entry, pinned=True)
    assert TimelineEntry.objects.get(pk=entry.pk).pinned


def test_the_timeline_has_no_edit_or_delete_path_in_the_admin(admin_client, manager):
    incident = product_incident(manager)
    entry = TimelineEntry.objects.filter(incident=incident).first()
    url = f"/admin/crisis/timelineentry/{entry.pk}/"
    assert admin_client.post(url + "change/", {"body": "rewritten"}).status_code == 403
    assert admin_client.post(url + "delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.body != "rewritten"


def test_playbook_instantiation_is_idempotent(manager):
    incident = product_incident(manager, severity="critical")
    count = incident.tasks.count()
    assert count >= 10
    assert playbook_apply(incident=incident, actor=manager) == []
    assert incident.tasks.count() == count
    holding = incident.tasks.get(title="Publish a holding statement")
    assert holding.due_at - incident.created_at <= timedelta(minutes=61)
    assert holding.checklist_items.count() == 4
    assert holding.owner_department == "communications"


def test_task_statuses_need_reasons_for_blocked_and_waived(manager, contributor):
    incident = product_incident(manager)
    task = incident.tasks.first()
    for status in ("blocked", "waived"):
        with pytest.raises(ValidationError) as error:
            task_set_status(actor=contributor, task=task, status=status)
        assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        task_set_status(actor=contributor, task=task, status="finished")

    task = task_set_status(actor=contributor, task=task, status="done")
    assert task.completed_at is not None
    task = task_set_status(actor=contributor, task=task, status="in_progress")
    assert task.completed_at is None
    entries = TimelineEntry.objects.filter(incident=incident, kind="task",
                                           data__task=task.pk)
    assert list(entries.order_by("pk").values_list("data__to", flat=True)) == [
        "done", "in_progress"]


def test_task_owner_may_work_on_their_task_but_outsiders_may_not(manager, outsider):
    incident = product_incident(manager)
    owned = task_create(actor=manager, incident=incident, title="Call the regulator",
                        owner=outsider)
    task_set_status(actor=outsider, task=owned, status="done")
    with pytest.raises(PermissionDenied):
        task_set_status(actor=outsider, task=incident.tasks.exclude(pk=owned.pk).first(),
                        status="done")
    with pytest.raises(PermissionDenied):
        checklist_item_set(actor=outsider,
                           item=incident.tasks.filter(checklist_items__isnull=False)
                           .first().checklist_items.first(), done=True)
    assert Notification.objects.filter(recipient=outsider, kind="task_assigned").exists()


def test_comments_and_checklist_items(manager, contributor):
    incident = product_incident(manager)
    task = incident.tasks.filter(checklist_items__isnull=False).first()
    item = task.checklist_items.first()
    checklist_item_set(actor=contributor, item=item, done=True)
    item.refresh_from_db()
    assert item.done
    comment = task_comment_add(actor=contributor, task=task, body="Draft in the shared folder")
    assert comment.author == contributor
    with pytest.raises(ValidationError):
        task_comment_add(actor=contributor, task=task, body=" ")


def test_overdue_tasks_notify_their_owner_once(manager, contributor,
                                               django_capture_on_commit_callbacks):
    incident = product_incident(manager)
    task = task_create(actor=manager, incident=incident, title="Brief the call centre",
                       owner=contributor, due_at=timezone.now() - timedelta(minutes=5))
    done = task_create(actor=manager, incident=incident, title="Already done",
                       owner=contributor, due_at=timezone.now() - timedelta(minutes=5))
    task_set_status(actor=contributor, task=done, status="done")

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_overdue_tasks() == 1
        assert notify_overdue_tasks() == 0

    notices = Notification.objects.filter(recipient=contributor, kind="task_overdue")
    assert [n.title for n in notices] == [f"Overdue on {incident.reference}: {task.title}"]
    task.refresh_from_db()
    assert task.overdue_notified_at is not None and task.is_overdue


def test_closed_incidents_take_no_new_tasks(manager):
    incident = walk_to(manager, product_incident(manager), "closed")
    with pytest.raises(ConflictError):
        task_create(actor=manager, incident=incident, title="Too late")
    with pytest.raises(ConflictError):
        task_set_status(actor=manager, task=incident.tasks.first(), status="open")
    assert Task.objects.filter(title="Too late").count() == 0
    assert TaskStatus(incident.tasks.first().status).is_finished


def test_override_needs_a_warning_level(manager):
    incident = product_incident(manager)
    with pytest.raises(ValidationError) as error:
        incident_escalate(actor=manager, incident=incident, severity="high", override=True,
                          reason="x")
    assert "override" in error.value.message_dict
    assert Incident.objects.get(pk=incident.pk).severity == "medium"


def test_closed_incidents_refuse_checklist_and_assignment_changes(manager, contributor):
    incident = product_incident(manager)
    item = incident.tasks.filter(checklist_items__isnull=False).first().checklist_items.first()
    task = incident.tasks.first()
    incident = walk_to(manager, incident, "closed")
    with pytest.raises(ConflictError):
        checklist_item_set(actor=manager, item=item, done=True)
    with pytest.raises(ConflictError):
        task_assign(actor=manager, task=task, owner=contributor)
    item.refresh_from_db()
    task.refresh_from_db()
    assert (item.done, task.owner) == (False, None)


def test_tasks_go_only_to_people_who_can_still_sign_in(manager):
    task = product_incident(manager).tasks.first()
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError) as error:
        task_assign(actor=manager, task=task, owner=gone)
    assert "owner" in error.value.message_dict


def test_a_merged_duplicate_takes_no_more_notes(manager):
    survivor, duplicate = product_incident(manager), product_incident(manager)
    incident_merge(actor=manager, duplicate=duplicate, survivor=survivor, reason="Same")
    duplicate.refresh_from_db()
    with pytest.raises(ConflictError):
        timeline_entry_add(actor=manager, incident=duplicate, kind="note", body="Too late")
    assert not TimelineEntry.objects.filter(body="Too late").exists()
