"""Roles on incidents: the rights they grant, the lead rules, team assembly and what the
roles let people see. Real database, the services as the app calls them."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from guardian.shortcuts import get_perms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ConflictError
from crisis.choices import Confidentiality, DepartmentKind, TimelineKind
from crisis.models import (
    Incident,
    IncidentType,
    IncidentUserObjectPermission,
    LiveEvent,
    TimelineEntry,
)
from crisis.permissions import can_manage_team
from crisis.selectors import incident_list, incident_visible, may_view
from crisis.services import incident_create, incident_escalate
from teams.choices import SHIPPED_ROLE_CODES, Capability, Duty, NotificationKind
from teams.models import (
    DutyShift,
    Notification,
    Role,
    RoleAssignment,
    User,
)
from teams.selectors import current_lead, team_for, today
from teams.services import lead_handover, role_assign, role_end, role_rights_resync
from tests.conftest import join
from tests.crisis.factories import IncidentFactory, IncidentTypeFactory
from tests.teams.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db

VIEW, EDIT, CONTRIBUTE, TEAM = ("view_incident", "change_incident", "contribute_incident",
                                "manage_team")
DRAFT, APPROVE, PUBLISH = "draft_statement", "approve_statement", "publish_statement"
STAKEHOLDERS, REVIEW = "manage_stakeholders", "edit_review"

# What each shipped role grants, written out here so a change to the shipped data shows.
SHIPPED_RIGHTS = {
    "lead": {VIEW, EDIT, CONTRIBUTE, TEAM, DRAFT, PUBLISH, STAKEHOLDERS, REVIEW},
    "deputy": {VIEW, EDIT, CONTRIBUTE, TEAM, DRAFT, STAKEHOLDERS, REVIEW},
    "spokesperson": {VIEW, CONTRIBUTE, DRAFT, PUBLISH},
    "legal_reviewer": {VIEW, CONTRIBUTE, APPROVE},
    "communications_officer": {VIEW, CONTRIBUTE, DRAFT, PUBLISH, STAKEHOLDERS},
    "scribe": {VIEW, CONTRIBUTE, REVIEW},  # writes the post-incident review (teams 0012)
    "liaison": {VIEW, CONTRIBUTE},
    "executive_sponsor": {VIEW, CONTRIBUTE, APPROVE},
    "observer": {VIEW},
}


# --- helpers ------------------------------------------------------------------------------

def role(code: str) -> Role:
    return Role.objects.get(code=code)


def fresh(user: User) -> User:
    """The user loaded afresh: Django and guardian cache permissions on the instance."""
    return User.objects.get(pk=user.pk)


def held(user, incident) -> set[str]:
    """The guardian rows ``user`` holds on ``incident``, as codenames."""
    return set(IncidentUserObjectPermission.objects.filter(user=user, content_object=incident)
               .values_list("permission__codename", flat=True))


def active_roles(user, incident) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user, incident=incident, ended_at__isnull=True)
               .values_list("role__code", flat=True))


def role_entries(incident) -> list[dict]:
    return [e.data for e in TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.ROLE)
            .order_by("pk")]


def team_events(incident) -> list[dict]:
    return [e.data for e in LiveEvent.objects.filter(incident=incident, type="team.changed")
            .order_by("pk")]


def snapshot(*incidents) -> tuple:
    """Everything a team change touches, to show that a refused change touched nothing."""
    return (
        sorted(RoleAssignment.objects.filter(incident__in=incidents)
               .values_list("pk", "user_id", "role__code", "ended_at")),
        sorted(IncidentUserObjectPermission.objects.filter(content_object__in=incidents)
               .values_list("user_id", "content_object_id", "permission__codename")),
        TimelineEntry.objects.filter(incident__in=incidents, kind=TimelineKind.ROLE).count(),
        LiveEvent.objects.filter(incident__in=incidents, type="team.changed").count(),
        Notification.objects.filter(kind=NotificationKind.TEAM_ADDED).count(),
    )


@pytest.fixture
def boss(db):
    """A superuser: no team right ever blocks them, so tests isolate the rule under test."""
    return UserFactory(username="boss", is_superuser=True, is_staff=True)


@pytest.fixture
def incident(db):
    return IncidentFactory(title="Battery fire video")


@pytest.fixture
def other_incident(db):
    return IncidentFactory(title="Unrelated outage")


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


@pytest.fixture
def department(db):
    return DepartmentFactory(name="Customer care", kind=DepartmentKind.CUSTOMER_SERVICE)


# --- 1. a role grants exactly its rights, on its incident only ----------------------------

@pytest.mark.parametrize("code", sorted(SHIPPED_RIGHTS))
def test_each_shipped_role_grants_exactly_its_rights_on_that_incident_only(
        code, boss, alice, incident, other_incident, department):
    the_role = role(code)
    assert set(the_role.permissions.values_list("codename", flat=True)) == SHIPPED_RIGHTS[code]

    assignment = role_assign(actor=boss, incident=incident, user=alice, role=the_role,
                             department=department if the_role.per_department else None)

    assert assignment.is_active and assignment.assigned_by == boss
    assert held(alice, incident) == SHIPPED_RIGHTS[code]
    assert held(alice, other_incident) == set()
    assert set(get_perms(fresh(alice), incident)) == SHIPPED_RIGHTS[code]
    assert get_perms(fresh(alice), other_incident) == []


def test_a_role_is_an_object_permission_guardian_answers_not_a_global_one(
        boss, alice, incident, other_incident):
    role_assign(actor=boss, incident=incident, user=alice, role=role("spokesperson"))

    user = fresh(alice)
    assert user.has_perm("crisis.contribute_incident", incident)
    assert user.has_perm("crisis.publish_statement", incident)
    assert not user.has_perm("crisis.approve_statement", incident)
    assert not user.has_perm("crisis.manage_team", incident)
    assert not user.has_perm("crisis.contribute_incident", other_incident)
    assert not user.has_perm("crisis.contribute_incident")  # nothing global
    assert not user.user_permissions.exists()
    assert IncidentUserObjectPermission.objects.filter(user=alice).count() == 4


def test_nobody_else_gains_a_right_when_a_role_is_assigned(boss, alice, bob, incident):
    role_assign(actor=boss, incident=incident, user=alice, role=role("lead"))

    assert held(bob, incident) == set()
    assert held(boss, incident) == set()
    assert set(IncidentUserObjectPermission.objects.values_list("user_id", flat=True)) == {
        alice.pk}


# --- 2. ending roles, history, timeline and live events -----------------------------------

def test_ending_one_of_two_roles_keeps_what_the_other_still_grants(boss, alice, incident):
    scribe = role_assign(actor=boss, incident=incident, user=alice, role=role("scribe"))
    legal = role_assign(actor=boss, incident=incident, user=alice, role=role("legal_reviewer"))
    assert held(alice, incident) == {VIEW, CONTRIBUTE, APPROVE, REVIEW}

    # Both roles grant view and contribute: ending one must not revoke them (only what
    # the scribe alone granted goes).
    role_end(actor=boss, assignment=scribe)
    assert held(alice, incident) == {VIEW, CONTRIBUTE, APPROVE}
    assert fresh(alice).has_perm("crisis.contribute_incident", incident)

    role_end(actor=boss, assignment=legal)
    assert held(alice, incident) == set()
    assert get_perms(fresh(alice), incident) == []
    assert not fresh(alice).has_perm("crisis.view_incident", incident)


def test_ending_a_role_keeps_its_history(boss, alice, incident):
    assignment = role_assign(actor=boss, incident=incident, user=alice, role=role("observer"),
                             note="Watching for legal")
    role_end(actor=boss, assignment=assignment, note="No longer needed")

    stored = RoleAssignment.objects.get(pk=assignment.pk)
    assert stored.ended_at is not None and stored.ended_at >= stored.assigned_at
    assert stored.ended_by == boss
    assert not stored.is_active
    assert stored.note == "Watching for legal"
    assert list(team_for(incident=incident)) == []
    assert list(team_for(incident=incident, include_ended=True)) == [stored]


def test_every_team_change_is_on_the_timeline_and_the_live_stream(boss, alice, incident,
                                                                 other_incident):
    scribe = role_assign(actor=boss, incident=incident, user=alice, role=role("scribe"))
    observer = role_assign(actor=boss, incident=incident, user=alice, role=role("observer"))
    role_end(actor=boss, assignment=scribe, note="Done")
    role_end(actor=boss, assignment=observer)

    entries = role_entries(incident)
    assert [(e["action"], e["role"], e["user"], e["assignment"]) for e in entries] == [
        ("assigned", "scribe", alice.pk, scribe.pk),
        ("assigned", "observer", alice.pk, observer.pk),
        ("ended", "scribe", alice.pk, scribe.pk),
        ("ended", "observer", alice.pk, observer.pk),
    ]
    assert TimelineEntry.objects.get(kind=TimelineKind.ROLE, data__action="ended",
                                     data__role="scribe").body == "Done"
    assert set(TimelineEntry.objects.filter(kind=TimelineKind.ROLE)
               .values_list("actor_id", flat=True)) == {boss.pk}
    assert [(e["action"], e["role"], e["user"]) for e in team_events(incident)] == [
        ("assigned", "scribe", alice.pk), ("assigned", "observer", alice.pk),
        ("ended", "scribe", alice.pk), ("ended", "observer", alice.pk)]
    assert role_entries(other_incident) == [] and team_events(other_incident) == []


def test_ending_a_role_twice_is_a_conflict(boss, alice, incident):
    assignment = role_assign(actor=boss, incident=incident, user=alice, role=role("observer"))
    role_end(actor=boss, assignment=assignment)
    before = snapshot(incident)

    with pytest.raises(ConflictError):
        role_end(actor=boss, assignment=assignment)
    assert snapshot(incident) == before


# --- 3. the lead ----------------------------------------------------------------------------

def test_an_incident_has_one_lead_a_second_one_is_a_conflict(boss, alice, bob, incident):
    role_assign(actor=boss, incident=incident, user=alice, role=role("lead"))
    before = snapshot(incident)

    with pytest.raises(ConflictError):
        role_assign(actor=boss, incident=incident, user=bob, role=role("lead"))

    assert snapshot(incident) == before
    assert current_lead(incident=incident).user == alice
    assert held(bob, incident) == set()


def test_the_lead_cannot_simply_be_ended(boss, alice, incident):
    assignment = role_assign(actor=boss, incident=incident, user=alice, role=role("lead"))
    before = snapshot(incident)

    with pytest.raises(ConflictError):
        role_end(actor=boss, assignment=assignment)
    with pytest.raises(ConflictError):  # not by the lead themselves either
        role_end(actor=fresh(alice), assignment=assignment)

    assert snapshot(incident) == before
    assert held(alice, incident) == SHIPPED_RIGHTS["lead"]


def test_handover_with_previous_deputy_makes_the_old_lead_deputy(lead, bob):
    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())
    assert current_lead(incident=incident).user == lead

    new = lead_handover(actor=lead, incident=incident, to=bob, previous="deputy")

    assert new.user == bob and new.role.code == "lead" and new.is_active
    assert current_lead(incident=incident).user == bob
    assert active_roles(lead, incident) == {"deputy"}
    assert active_roles(bob, incident) == {"lead"}
    assert held(lead, incident) == SHIPPED_RIGHTS["deputy"]
    assert held(bob, incident) == SHIPPED_RIGHTS["lead"]
    old = RoleAssignment.objects.get(incident=incident, user=lead, role__code="lead")
    assert old.ended_at is not None and old.ended_by == lead
    actions = [(e["action"], e["role"], e["user"]) for e in role_entries(incident)]
    assert actions[-3:] == [("handed_over", "lead", lead.pk), ("took_over", "lead", bob.pk),
                            ("assigned", "deputy", lead.pk)]
    assert [(e["action"], e["user"]) for e in team_events(incident)][-3:] == [
        ("handed_over", lead.pk), ("took_over", bob.pk), ("assigned", lead.pk)]


def test_handover_with_release_ends_only_the_lead_role(boss, alice, bob, incident):
    role_assign(actor=boss, incident=incident, user=alice, role=role("lead"))
    role_assign(actor=boss, incident=incident, user=alice, role=role("spokesperson"))

    lead_handover(actor=boss, incident=incident, to=bob, previous="release")

    assert active_roles(alice, incident) == {"spokesperson"}
    assert held(alice, incident) == SHIPPED_RIGHTS["spokesperson"]
    assert active_roles(bob, incident) == {"lead"}
    assert RoleAssignment.objects.filter(incident=incident, role__code="lead",
                                         ended_at__isnull=True).count() == 1
    assert not RoleAssignment.objects.filter(incident=incident, role__code="deputy").exists()


def test_handover_to_the_current_lead_is_a_conflict(boss, alice, incident):
    role_assign(actor=boss, incident=incident, user=alice, role=role("lead"))
    before = snapshot(incident)

    with pytest.raises(ConflictError):
        lead_handover(actor=boss, incident=incident, to=alice, previous="deputy")

    assert snapshot(incident) == before


def test_a_deputy_who_takes_over_is_no_longer_deputy(boss, alice, bob, incident):
    role_assign(actor=boss, incident=incident, user=alice, role=role("lead"))
    deputy = role_assign(actor=boss, incident=incident, user=bob, role=role("deputy"))

    lead_handover(actor=fresh(bob), incident=incident, to=bob, previous="deputy")

    assert RoleAssignment.objects.get(pk=deputy.pk).ended_at is not None
    assert active_roles(bob, incident) == {"lead"}
    assert active_roles(alice, incident) == {"deputy"}
    assert held(bob, incident) == SHIPPED_RIGHTS["lead"]
    assert held(alice, incident) == SHIPPED_RIGHTS["deputy"]
    assert ("promoted", "deputy", bob.pk) in [(e["action"], e["role"], e["user"])
                                              for e in role_entries(incident)]


def test_handover_without_a_lead_just_assigns_one(boss, alice, incident):
    new = lead_handover(actor=boss, incident=incident, to=alice, previous="deputy")

    assert current_lead(incident=incident) == new
    assert RoleAssignment.objects.filter(incident=incident).count() == 1
    assert role_entries(incident)[-1]["action"] == "assigned"


def test_handover_refuses_an_unknown_previous_and_an_inactive_successor(boss, alice, bob,
                                                                        incident):
    role_assign(actor=boss, incident=incident, user=alice, role=role("lead"))
    before = snapshot(incident)

    with pytest.raises(ValidationError) as unknown:
        lead_handover(actor=boss, incident=incident, to=bob, previous="fire")
    bob.is_active = False
    bob.save()
    with pytest.raises(ValidationError) as inactive:
        lead_handover(actor=boss, incident=incident, to=bob, previous="deputy")

    assert "previous" in unknown.value.message_dict
    assert "to" in inactive.value.message_dict
    assert snapshot(incident) == before


def test_the_old_lead_loses_the_team_right_on_release(lead, bob):
    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())
    lead_handover(actor=lead, incident=incident, to=bob, previous="release")

    loaded = Incident.objects.get(pk=incident.pk)
    assert not can_manage_team(fresh(lead), loaded)
    with pytest.raises(PermissionDenied):
        lead_handover(actor=fresh(lead), incident=loaded, to=lead, previous="release")


# --- 4. who may change the team -------------------------------------------------------------

def test_an_outsider_may_not_change_the_team(lead, outsider, bob):
    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())
    scribe = role_assign(actor=lead, incident=incident, user=bob, role=role("scribe"))
    before = snapshot(incident)

    with pytest.raises(PermissionDenied):
        role_assign(actor=outsider, incident=incident, user=outsider, role=role("observer"))
    with pytest.raises(PermissionDenied):
        role_end(actor=outsider, assignment=scribe)
    with pytest.raises(PermissionDenied):
        lead_handover(actor=outsider, incident=incident, to=outsider, previous="release")

    assert snapshot(incident) == before
    assert current_lead(incident=incident).user == lead
    assert held(outsider, incident) == set()


def test_a_team_member_without_the_team_right_may_not_change_the_team(lead, bob, carol):
    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())
    role_assign(actor=lead, incident=incident, user=bob, role=role("spokesperson"))
    carol_scribe = role_assign(actor=lead, incident=incident, user=carol, role=role("scribe"))
    before = snapshot(incident)

    with pytest.raises(PermissionDenied):
        role_assign(actor=fresh(bob), incident=incident, user=bob, role=role("legal_reviewer"))
    with pytest.raises(PermissionDenied):
        role_end(actor=fresh(bob), assignment=carol_scribe)
    with pytest.raises(PermissionDenied):
        lead_handover(actor=fresh(bob), incident=incident, to=bob)

    assert snapshot(incident) == before


def test_a_person_may_step_down_from_their_own_role(boss, alice, bob, incident):
    # Observer grants no team right: stepping down is allowed because the role is hers.
    observer = role_assign(actor=boss, incident=incident, user=alice, role=role("observer"))
    scribe = role_assign(actor=boss, incident=incident, user=alice, role=role("scribe"))
    bob_scribe = role_assign(actor=boss, incident=incident, user=bob, role=role("scribe"))
    assert not can_manage_team(fresh(alice), Incident.objects.get(pk=incident.pk))

    ended = role_end(actor=fresh(alice), assignment=observer)

    assert ended.ended_by == alice
    assert RoleAssignment.objects.get(pk=observer.pk).ended_at is not None
    assert held(alice, incident) == SHIPPED_RIGHTS["scribe"]
    with pytest.raises(PermissionDenied):  # but not someone else from theirs
        role_end(actor=fresh(alice), assignment=bob_scribe)
    assert RoleAssignment.objects.get(pk=bob_scribe.pk).is_active
    assert RoleAssignment.objects.get(pk=scribe.pk).is_active


def test_an_inactive_person_may_not_step_down_on_their_own(boss, alice, incident):
    observer = role_assign(actor=boss, incident=incident, user=alice, role=role("observer"))
    alice.is_active = False
    alice.save()
    before = snapshot(incident)

    with pytest.raises(PermissionDenied):
        role_end(actor=fresh(alice), assignment=observer)
    assert snapshot(incident) == before


# --- 5. validation ---------------------------------------------------------------------------

def test_a_per_department_role_needs_a_department(boss, alice, incident):
    with pytest.raises(ValidationError) as error:
        role_assign(actor=boss, incident=incident, user=alice, role=role("liaison"))

    assert "department" in error.value.message_dict
    assert not RoleAssignment.objects.exists()


def test_a_role_not_held_per_department_takes_no_department(boss, alice, incident, department):
    with pytest.raises(ValidationError) as error:
        role_assign(actor=boss, incident=incident, user=alice, role=role("observer"),
                    department=department)

    assert "department" in error.value.message_dict
    assert not RoleAssignment.objects.exists()


def test_an_inactive_person_gets_no_role(boss, alice, incident):
    alice.is_active = False
    alice.save()

    with pytest.raises(ValidationError) as error:
        role_assign(actor=boss, incident=incident, user=alice, role=role("observer"))

    assert "user" in error.value.message_dict
    assert held(alice, incident) == set() and not RoleAssignment.objects.exists()


def test_an_inactive_role_is_not_assigned(boss, alice, incident):
    observer = role("observer")
    observer.is_active = False
    observer.save()

    with pytest.raises(ValidationError) as error:
        role_assign(actor=boss, incident=incident, user=alice, role=observer)
    assert "role" in error.value.message_dict


def test_the_same_role_twice_is_a_conflict(boss, alice, incident, department):
    role_assign(actor=boss, incident=incident, user=alice, role=role("scribe"))
    role_assign(actor=boss, incident=incident, user=alice, role=role("liaison"),
                department=department)
    before = snapshot(incident)

    with pytest.raises(ConflictError):
        role_assign(actor=boss, incident=incident, user=alice, role=role("scribe"))
    with pytest.raises(ConflictError):
        role_assign(actor=boss, incident=incident, user=alice, role=role("liaison"),
                    department=department)
    assert snapshot(incident) == before

    # For another department, or after the first one ended, it is a new role.
    it = DepartmentFactory(name="IT", kind=DepartmentKind.TECHNOLOGY)
    role_assign(actor=boss, incident=incident, user=alice, role=role("liaison"), department=it)
    role_end(actor=boss, assignment=RoleAssignment.objects.get(role__code="scribe"))
    role_assign(actor=boss, incident=incident, user=alice, role=role("scribe"))
    assert RoleAssignment.objects.filter(user=alice, role__code="scribe").count() == 2
    assert RoleAssignment.objects.filter(user=alice, role__code="liaison",
                                         ended_at__isnull=True).count() == 2


# --- 6. team assembly --------------------------------------------------------------------------

@pytest.fixture
def product_quality():
    return IncidentType.objects.get(code="product_quality")


@pytest.fixture
def candidates(db):
    """People the shipped product-quality policies would pick, plus decoys."""
    legal = join(UserFactory(username="legal", first_name="Lena"), Capability.LEGAL_REVIEWER)
    executive = join(UserFactory(username="exec", first_name="Erik"), Capability.EXECUTIVE)
    # An inactive member of the group never gets a role.
    join(UserFactory(username="old-legal", first_name="Aaron", is_active=False),
         Capability.LEGAL_REVIEWER)
    care = DepartmentFactory(name="Customer care", kind=DepartmentKind.CUSTOMER_SERVICE)
    head = UserFactory(username="head", first_name="Zoe")
    care.members.add(UserFactory(username="agent", first_name="Adam"), head)
    care.head = head
    care.save()
    return {"legal": legal, "executive": executive, "care": care, "head": head}


def test_with_nobody_on_duty_whoever_opens_it_leads(lead):
    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())

    team = list(team_for(incident=incident))
    assert [(a.user, a.role.code) for a in team] == [(lead, "lead")]
    assert held(lead, incident) == SHIPPED_RIGHTS["lead"]
    assert not Notification.objects.filter(kind=NotificationKind.TEAM_ADDED).exists()


def test_the_crisis_lead_on_duty_leads_and_whoever_opened_it_is_scribe(lead):
    on_duty = UserFactory(username="duty")
    DutyShift.objects.create(duty=Duty.CRISIS_LEAD, user=on_duty,
                             starts_on=today() - datetime.timedelta(days=1), ends_on=today())

    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())

    assert current_lead(incident=incident).user == on_duty
    assert active_roles(on_duty, incident) == {"lead"}
    assert active_roles(lead, incident) == {"scribe"}
    assert held(lead, incident) == SHIPPED_RIGHTS["scribe"]
    assert list(Notification.objects.filter(kind=NotificationKind.TEAM_ADDED, incident=incident)
                .values_list("recipient__username", flat=True)) == ["duty"]


def test_the_crisis_manager_on_duty_leads(lead):
    on_duty = join(UserFactory(username="duty"), Capability.CRISIS_MANAGER)
    DutyShift.objects.create(duty=Duty.CRISIS_LEAD, user=on_duty, starts_on=today(),
                             ends_on=today())

    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())

    assert current_lead(incident=incident).user == on_duty
    assert active_roles(lead, incident) == {"scribe"}


def test_only_an_active_crisis_lead_on_duty_today_is_picked(lead):
    manager = Group.objects.get(name=Capability.CRISIS_MANAGER)
    gone = UserFactory(username="gone", is_active=False)
    yesterday = UserFactory(username="yesterday")
    monitoring = UserFactory(username="monitoring")
    for user in (gone, yesterday, monitoring):
        user.groups.add(manager)
    day = today()
    DutyShift.objects.create(duty=Duty.CRISIS_LEAD, user=gone, starts_on=day, ends_on=day)
    DutyShift.objects.create(duty=Duty.CRISIS_LEAD, user=yesterday,
                             starts_on=day - datetime.timedelta(days=3),
                             ends_on=day - datetime.timedelta(days=1))
    DutyShift.objects.create(duty=Duty.MONITORING, user=monitoring, starts_on=day, ends_on=day)

    incident = incident_create(actor=lead, title="Recall rumour", type=IncidentTypeFactory())

    assert current_lead(incident=incident).user == lead
    assert [(a.user, a.role.code) for a in team_for(incident=incident)] == [(lead, "lead")]


def test_a_critical_product_incident_gets_the_policy_roles(lead, candidates, product_quality):
    incident = incident_create(actor=lead, title="Exploding chargers", type=product_quality,
                               severity="critical")

    team = {(a.user.username, a.role.code, a.department_id) for a in team_for(incident=incident)}
    assert team == {
        ("lead", "lead", None),
        ("legal", "legal_reviewer", None),
        ("exec", "executive_sponsor", None),
        ("head", "liaison", candidates["care"].pk),  # the head, not the first by name
    }
    assert held(candidates["legal"], incident) == SHIPPED_RIGHTS["legal_reviewer"]
    assert held(candidates["head"], incident) == SHIPPED_RIGHTS["liaison"]
    added = Notification.objects.filter(kind=NotificationKind.TEAM_ADDED, incident=incident)
    assert sorted(added.values_list("recipient__username", flat=True)) == [
        "exec", "head", "legal"]
    assert all(incident.reference in n.title for n in added)


def test_policy_roles_without_candidates_are_skipped_silently(lead, product_quality):
    DepartmentFactory(name="Customer care", kind=DepartmentKind.CUSTOMER_SERVICE)  # nobody in it

    incident = incident_create(actor=lead, title="Exploding chargers", type=product_quality,
                               severity="critical")

    assert [(a.user, a.role.code) for a in team_for(incident=incident)] == [(lead, "lead")]
    assert not Notification.objects.filter(kind=NotificationKind.TEAM_ADDED).exists()


def test_policies_of_another_type_or_a_higher_severity_do_not_apply(lead, candidates,
                                                                    product_quality):
    incident = incident_create(actor=lead, title="Exploding chargers", type=product_quality,
                               severity="high")

    # High: only the every-type communications officer policy, and nobody has that capability.
    assert [(a.user, a.role.code) for a in team_for(incident=incident)] == [(lead, "lead")]


def test_escalating_to_critical_applies_the_new_policies(lead, candidates, product_quality):
    incident = incident_create(actor=lead, title="Exploding chargers", type=product_quality,
                               severity="medium")
    assert [a.role.code for a in team_for(incident=incident)] == ["lead"]

    incident_escalate(actor=fresh(lead), incident=incident, reason="Spreading on TikTok",
                      severity="critical")

    team = {(a.user.username, a.role.code) for a in team_for(incident=incident)}
    assert team == {("lead", "lead"), ("legal", "legal_reviewer"),
                    ("exec", "executive_sponsor"), ("head", "liaison")}
    assert sorted(Notification.objects.filter(kind=NotificationKind.TEAM_ADDED,
                                              incident=incident)
                  .values_list("recipient__username", flat=True)) == ["exec", "head", "legal"]
    assert held(candidates["executive"], incident) == SHIPPED_RIGHTS["executive_sponsor"]


def test_escalating_again_does_not_add_a_second_holder(lead, candidates, product_quality):
    incident = incident_create(actor=lead, title="Exploding chargers", type=product_quality,
                               severity="critical")
    join(UserFactory(username="another-legal", first_name="Abe"), Capability.LEGAL_REVIEWER)
    incident_escalate(actor=fresh(lead), incident=incident, reason="Calmer", severity="high")
    incident_escalate(actor=fresh(lead), incident=incident, reason="Worse", severity="critical")

    assert list(RoleAssignment.objects.filter(incident=incident, role__code="legal_reviewer")
                .values_list("user__username", flat=True)) == ["legal"]


# --- 7. confidentiality through roles -----------------------------------------------------------

def visible(user, incident) -> bool:
    """Every way a read asks, which must agree."""
    user = fresh(user)
    answers = {
        incident_visible(user=user, incident_id=incident.pk),
        incident_list(user=user).filter(pk=incident.pk).exists(),
        may_view(user=user, incident=Incident.objects.get(pk=incident.pk)),
    }
    assert len(answers) == 1, f"the reads disagree for {user} on {incident}"
    return answers.pop()


def test_a_confidential_incident_is_seen_through_a_role_only(lead, alice):
    incident = incident_create(actor=lead, title="CEO conduct",
                               confidentiality=Confidentiality.CONFIDENTIAL,
                               type=IncidentTypeFactory())
    assert visible(lead, incident)
    assert not visible(alice, incident)
    assert incident not in incident_list(user=fresh(alice))

    observer = role_assign(actor=lead, incident=incident, user=alice, role=role("observer"))
    assert visible(alice, incident)
    assert list(incident_list(user=fresh(alice))) == [incident]

    role_end(actor=lead, assignment=observer)
    assert not visible(alice, incident)
    assert list(incident_list(user=fresh(alice))) == []


def test_a_role_on_one_confidential_incident_shows_no_other(lead, alice):
    first = incident_create(actor=lead, title="CEO conduct",
                            confidentiality=Confidentiality.CONFIDENTIAL,
                            type=IncidentTypeFactory())
    second = incident_create(actor=lead, title="Board leak",
                             confidentiality=Confidentiality.CONFIDENTIAL,
                             type=IncidentTypeFactory())
    role_assign(actor=lead, incident=first, user=alice, role=role("observer"))

    assert visible(alice, first)
    assert not visible(alice, second)


@pytest.mark.parametrize("capability", [Capability.CRISIS_MANAGER, Capability.EXECUTIVE,
                                        Capability.AUDITOR])
def test_restricted_incidents_are_seen_by_managers_executives_and_auditors(
        lead, capability):
    restricted = incident_create(actor=lead, title="Supplier fraud",
                                 confidentiality=Confidentiality.RESTRICTED,
                                 type=IncidentTypeFactory())
    confidential = incident_create(actor=lead, title="CEO conduct",
                                   confidentiality=Confidentiality.CONFIDENTIAL,
                                   type=IncidentTypeFactory())
    member = join(UserFactory(username="member"), capability)

    assert visible(member, restricted)
    assert not visible(member, confidential)


@pytest.mark.parametrize("capability", [Capability.MONITORING_ANALYST,
                                        Capability.COMMUNICATIONS_OFFICER,
                                        Capability.LEGAL_REVIEWER])
def test_other_capabilities_and_plain_users_do_not_see_restricted_incidents(
        lead, alice, capability):
    restricted = incident_create(actor=lead, title="Supplier fraud",
                                 confidentiality=Confidentiality.RESTRICTED,
                                 type=IncidentTypeFactory())
    internal = incident_create(actor=lead, title="Website slow", type=IncidentTypeFactory())
    member = join(UserFactory(username="member"), capability)

    assert not visible(alice, restricted)
    assert not visible(member, restricted)
    assert visible(alice, internal) and visible(member, internal)


def test_a_role_shows_a_restricted_incident(lead, alice):
    restricted = incident_create(actor=lead, title="Supplier fraud",
                                 confidentiality=Confidentiality.RESTRICTED,
                                 type=IncidentTypeFactory())
    role_assign(actor=lead, incident=restricted, user=alice, role=role("scribe"))

    assert visible(alice, restricted)


def test_administrators_and_superusers_see_confidential_incidents(lead, boss):
    confidential = incident_create(actor=lead, title="CEO conduct",
                                   confidentiality=Confidentiality.CONFIDENTIAL,
                                   type=IncidentTypeFactory())
    admin = join(UserFactory(username="admin"), Capability.ADMINISTRATOR)

    assert visible(admin, confidential)
    assert visible(boss, confidential)
    assert not RoleAssignment.objects.filter(user__in=[admin, boss]).exists()


def test_an_inactive_team_member_sees_nothing(lead, alice):
    confidential = incident_create(actor=lead, title="CEO conduct",
                                   confidentiality=Confidentiality.CONFIDENTIAL,
                                   type=IncidentTypeFactory())
    role_assign(actor=lead, incident=confidential, user=alice, role=role("observer"))
    alice.is_active = False
    alice.save()

    assert not visible(alice, confidential)


# --- 8. changing what a role grants ----------------------------------------------------------

def test_role_rights_changed_revokes_a_removed_right_from_current_holders_only(
        boss, alice, bob, carol, incident, other_incident):
    spokesperson = role("spokesperson")
    role_assign(actor=boss, incident=incident, user=alice, role=spokesperson)
    role_assign(actor=boss, incident=other_incident, user=alice, role=spokesperson)
    role_assign(actor=boss, incident=incident, user=bob, role=spokesperson)
    role_assign(actor=boss, incident=incident, user=bob, role=role("communications_officer"))
    ended = role_assign(actor=boss, incident=incident, user=carol, role=spokesperson)
    role_end(actor=boss, assignment=ended)

    spokesperson.permissions.remove(
        Permission.objects.get(content_type__app_label="crisis", codename=PUBLISH))
    synced = role_rights_resync(role=spokesperson)

    assert synced == 3  # alice on both incidents, bob
    assert held(alice, incident) == {VIEW, CONTRIBUTE, DRAFT}
    assert held(alice, other_incident) == {VIEW, CONTRIBUTE, DRAFT}
    assert not fresh(alice).has_perm("crisis.publish_statement", incident)
    # bob's communications officer role still grants publishing.
    assert held(bob, incident) == SHIPPED_RIGHTS["communications_officer"]
    assert fresh(bob).has_perm("crisis.publish_statement", incident)
    assert held(carol, incident) == set()


def test_role_rights_changed_grants_an_added_right(boss, alice, incident):
    observer = role("observer")
    role_assign(actor=boss, incident=incident, user=alice, role=observer)

    observer.permissions.add(
        Permission.objects.get(content_type__app_label="crisis", codename=CONTRIBUTE))
    role_rights_resync(role=observer)

    assert held(alice, incident) == {VIEW, CONTRIBUTE}
    assert fresh(alice).has_perm("crisis.contribute_incident", incident)


# --- 9. the invariant, under random sequences of team changes --------------------------------

class _Rollback(Exception):
    """Raised at the end of an example so its rows go away with the savepoint."""


ROLE_CODES = sorted(SHIPPED_RIGHTS)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("assign"), st.integers(0, 1), st.integers(0, 3),
                  st.sampled_from(ROLE_CODES), st.integers(0, 1)),
        st.tuples(st.just("end"), st.integers(0, 1), st.integers(0, 50)),
        st.tuples(st.just("handover"), st.integers(0, 1), st.integers(0, 3),
                  st.sampled_from(["deputy", "release"])),
    ),
    max_size=25,
)


def _expected_rights(incidents, role_rights) -> dict:
    """Per (user, incident): the union of what their active roles grant, computed from the
    assignments and the roles, not from the guardian rows."""
    expected: dict = {}
    for user_id, incident_id, role_id in RoleAssignment.objects.filter(
            incident__in=incidents, ended_at__isnull=True).values_list(
            "user_id", "incident_id", "role_id"):
        expected.setdefault((user_id, incident_id), set()).update(role_rights[role_id])
    return {key: rights for key, rights in expected.items() if rights}


def _held_rights(incidents) -> dict:
    held_now: dict = {}
    for user_id, incident_id, codename in IncidentUserObjectPermission.objects.filter(
            content_object__in=incidents).values_list(
            "user_id", "content_object_id", "permission__codename"):
        held_now.setdefault((user_id, incident_id), set()).add(codename)
    return held_now


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=operations)
def test_rights_always_match_the_active_roles(db, steps):
    try:
        with transaction.atomic():
            _run_steps(steps)
            raise _Rollback
    except _Rollback:
        pass


def _team(incident) -> dict:
    """Each person's active roles on ``incident``, as (role code, department) pairs."""
    team: dict = {}
    for user_id, code, department_id in RoleAssignment.objects.filter(
            incident=incident, ended_at__isnull=True).values_list(
            "user_id", "role__code", "department_id"):
        team.setdefault(user_id, set()).add((code, department_id))
    return team


def _handover_as_specified(actor, incident, to, previous):
    """Hand over, then check the team against what the hand-over promises: ``to`` leads
    and is no longer deputy, the old lead is deputy or released (other roles stay), nobody
    else changes. Handing over to the current lead is the one conflict."""
    before = _team(incident)
    old = current_lead(incident=incident)
    if old is not None and old.user_id == to.pk:
        with pytest.raises(ConflictError):
            lead_handover(actor=actor, incident=incident, to=to, previous=previous)
        assert _team(incident) == before
        return
    lead_handover(actor=actor, incident=incident, to=to, previous=previous)
    expected = {user_id: set(roles) for user_id, roles in before.items()}
    expected[to.pk] = expected.get(to.pk, set()) - {("deputy", None)} | {("lead", None)}
    if old is not None:
        expected[old.user_id].discard(("lead", None))
        if previous == "deputy":
            expected[old.user_id].add(("deputy", None))
    assert _team(incident) == {user_id: roles for user_id, roles in expected.items() if roles}


def _run_steps(steps):
    actor = UserFactory(is_superuser=True)
    users = [UserFactory() for _ in range(4)]
    incidents = [IncidentFactory(), IncidentFactory()]
    departments = [DepartmentFactory(kind=DepartmentKind.CUSTOMER_SERVICE),
                   DepartmentFactory(kind=DepartmentKind.TECHNOLOGY)]
    roles = {r.code: r for r in Role.objects.filter(code__in=ROLE_CODES)}
    assert set(roles) == set(ROLE_CODES)
    role_rights = {r.pk: set(r.permissions.values_list("codename", flat=True))
                   for r in roles.values()}
    had_lead = [False, False]

    for step in steps:
        which = step[1]
        incident = incidents[which]
        try:
            if step[0] == "assign":
                _, _, user, code, department = step
                the_role = roles[code]
                role_assign(actor=actor, incident=incident, user=users[user], role=the_role,
                            department=departments[department] if the_role.per_department
                            else None)
            elif step[0] == "end":
                active = list(RoleAssignment.objects.filter(incident=incident,
                                                            ended_at__isnull=True)
                              .order_by("pk"))
                if active:
                    role_end(actor=actor, assignment=active[step[2] % len(active)])
            else:
                _, _, user, previous = step
                _handover_as_specified(actor, incident, users[user], previous)
        except (ConflictError, ValidationError):
            pass

        assert _held_rights(incidents) == _expected_rights(incidents, role_rights), step
        assert not IncidentUserObjectPermission.objects.filter(user=actor).exists()
        for i, each in enumerate(incidents):
            leads = RoleAssignment.objects.filter(incident=each, role__code="lead",
                                                  ended_at__isnull=True).count()
            had_lead[i] = had_lead[i] or leads > 0
            assert leads == (1 if had_lead[i] else 0), (step, i)


def _admin_role_form(client, role) -> dict:
    """The admin's change form of ``role`` as it stands, ready to post back."""
    form = client.get(f"/admin/teams/role/{role.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items()
            if name in form.fields and value is not None and name != "permissions"}
    data["permissions"] = [p.pk for p in role.permissions.all()]
    data.update({"policies-TOTAL_FORMS": "0", "policies-INITIAL_FORMS": "0"})
    return {key: value.pk if hasattr(value, "pk") else value for key, value in data.items()
            if not isinstance(value, bool) or value}


def test_shipped_roles_keep_their_codes_in_the_admin_and_stay(admin_client):
    """Approval stages, sign-offs and services find shipped roles by code: a renamed code
    left every review unsignable. Their names stay editable; an administrator's own role
    stays editable and deletable entirely."""
    assert set(Role.objects.values_list("code", flat=True)) == SHIPPED_ROLE_CODES
    sponsor = Role.objects.get(code="executive_sponsor")
    own = Role.objects.create(code="duty_vet", name="Duty vet")

    posted = admin_client.post(f"/admin/teams/role/{sponsor.pk}/change/", {
        **_admin_role_form(admin_client, sponsor), "code": "sponsor", "name": "Sponsor"})
    assert posted.status_code == 302, posted.context["adminform"].form.errors
    sponsor.refresh_from_db()
    assert (sponsor.code, sponsor.name) == ("executive_sponsor", "Sponsor")
    assert admin_client.get(f"/admin/teams/role/{sponsor.pk}/delete/").status_code == 403
    bulk = admin_client.post("/admin/teams/role/", {
        "action": "delete_selected", "_selected_action": [sponsor.pk], "post": "yes"})
    assert bulk.status_code == 403 and Role.objects.filter(pk=sponsor.pk).exists()

    admin_client.post(f"/admin/teams/role/{own.pk}/change/", {
        **_admin_role_form(admin_client, own), "code": "duty_vet_2"})
    own.refresh_from_db()
    assert own.code == "duty_vet_2"
    assert admin_client.get(f"/admin/teams/role/{own.pk}/delete/").status_code == 200
