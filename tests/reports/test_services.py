"""The post-incident review's services: opened by the lifecycle, edited in revisions,
locked by sign-off, signed by the role holders only, and its action items."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.errors import ConflictError
from crisis.choices import Confidentiality, IncidentStatus, TimelineKind
from crisis.models import LiveEvent, TimelineEntry
from crisis.services import incident_transition
from reports import selectors, services
from reports.models import (
    ActionItem,
    ActionItemStatus,
    PdfStatus,
    PostIncidentReview,
    ReviewPdf,
    ReviewSignOff,
    ReviewVersion,
)
from reports.permissions import can_edit_review, sign_off_roles
from reports.tasks import notify_overdue_action_items
from reports.words import word_count
from teams.choices import NotificationKind
from teams.models import Notification, Role
from teams.services import role_assign, role_end
from tests.crisis.factories import IncidentFactory, TimelineEntryFactory
from tests.teams.factories import UserFactory


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def team(db, admin):
    """An active incident with its lead, executive sponsor, scribe and an observer."""
    incident = IncidentFactory(status=IncidentStatus.CONTAINED, summary="Kettles overheat.",
                               confidentiality=Confidentiality.RESTRICTED,
                               stakeholder_kinds=["customers"], affected_products=["K2"])
    people = {}
    for code in ("lead", "executive_sponsor", "scribe", "observer"):
        user = UserFactory(username=code)
        role_assign(actor=admin, incident=incident, user=user, role=Role.objects.get(code=code))
        people[code] = type(user).objects.get(pk=user.pk)
    people["incident"] = incident
    people["admin"] = admin
    return people


@pytest.fixture
def review(team):
    return services.review_open(incident=team["incident"], actor=team["lead"])


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


# --- opening ---------------------------------------------------------------------------------

def test_reaching_recovering_opens_the_review_once_prefilled_from_the_record(team):
    incident, lead = team["incident"], team["lead"]
    TimelineEntryFactory(incident=incident, kind=TimelineKind.NOTE, body="Noise.")
    TimelineEntryFactory(incident=incident, kind=TimelineKind.DECISION, body="Recall batch 42.")
    TimelineEntryFactory(incident=incident, kind=TimelineKind.NOTE, body="Regulator called.",
                         pinned=True)

    incident_transition(actor=lead, incident=incident, to_status=IncidentStatus.RECOVERING)

    review = PostIncidentReview.objects.get(incident=incident)
    version = review.current
    assert (version.number, version.revision) == (1, 1)
    lines = version.what_happened.splitlines()
    assert "Regulator called." in lines[0] and "Recall batch 42." in lines[1]
    assert "Noise." not in version.what_happened
    assert "Status" in lines[2] and "Recovering" in lines[2]
    assert "K2" in version.impact and "Customers" in version.impact
    assert incident.reference in version.executive_summary  # suggested from the facts
    assert TimelineEntry.objects.filter(incident=incident, kind=TimelineKind.REVIEW,
                                        data__action="opened").count() == 1
    assert LiveEvent.objects.filter(incident=incident, type="review.changed").exists()

    incident_transition(actor=team["admin"], incident=incident, to_status=IncidentStatus.CLOSED)
    assert PostIncidentReview.objects.filter(incident=incident).count() == 1
    assert review.versions.count() == 1


def test_a_record_that_cannot_be_read_does_not_stop_the_incident_moving_on(team, monkeypatch):
    from reports import facts

    def broken(incident, **kwargs):
        raise ZeroDivisionError("a fact that cannot be computed")

    monkeypatch.setattr(facts, "impact", broken)
    incident_transition(actor=team["lead"], incident=team["incident"],
                        to_status=IncidentStatus.RECOVERING)
    version = PostIncidentReview.objects.get(incident=team["incident"]).current
    assert version.executive_summary == "Kettles overheat." and version.impact == ""


def test_drills_get_a_review_and_earlier_states_do_not(team):
    drill = IncidentFactory(status=IncidentStatus.TRIAGE, is_drill=True)
    incident_transition(actor=team["admin"], incident=drill, to_status=IncidentStatus.ACTIVE)
    assert not PostIncidentReview.objects.filter(incident=drill).exists()
    incident_transition(actor=team["admin"], incident=drill, to_status=IncidentStatus.CONTAINED)
    incident_transition(actor=team["admin"], incident=drill,
                        to_status=IncidentStatus.RECOVERING)
    assert PostIncidentReview.objects.filter(incident=drill).exists()


# --- editing ---------------------------------------------------------------------------------

def test_editing_a_draft_bumps_its_revision_and_an_old_revision_is_refused(team, review):
    version = services.review_edit(actor=team["scribe"], review=review, base_revision=1,
                                   lessons="Test the recall line.")
    assert (version.number, version.revision, version.lessons) == (1, 2, "Test the recall line.")
    with pytest.raises(ConflictError) as refused:
        services.review_edit(actor=team["lead"], review=review, base_revision=1,
                             lessons="Overwrite.")
    assert refused.value.detail["revision"] == 2
    assert ReviewVersion.objects.get(pk=version.pk).lessons == "Test the recall line."


def test_only_writers_of_the_review_edit_it(team, review):
    for user in (team["observer"], team["executive_sponsor"]):
        assert not can_edit_review(user, review)
        with pytest.raises(PermissionDenied):
            services.review_edit(actor=user, review=review, base_revision=1, lessons="x")
    assert can_edit_review(team["scribe"], review)
    assert review.current.revision == 1


@pytest.mark.parametrize(("text", "ok"), [
    (" ".join(["word"] * 200), True),
    (" ".join(["word"] * 201), False),
    ("事" * 300, True),
    ("事" * 301, False),
])
def test_the_executive_summary_has_at_most_200_words(team, review, text, ok):
    if ok:
        services.review_edit(actor=team["lead"], review=review, base_revision=1,
                             executive_summary=text)
        return
    with pytest.raises(ValidationError) as refused:
        services.review_edit(actor=team["lead"], review=review, base_revision=1,
                             executive_summary=text)
    assert "executive_summary" in refused.value.message_dict
    assert "201 words" in refused.value.message_dict["executive_summary"][0]


def test_word_count_counts_cjk_as_two_thirds_of_a_word():
    assert word_count("The X2 recall, done.") == 4
    assert word_count("我們已召回。") == 4  # 5 characters × 2/3, rounded up
    assert word_count("K2 電熱水壺") == 1 + 3


def test_unknown_fields_and_bad_revisions_are_refused_naming_the_field(team, review):
    with pytest.raises(ValidationError) as refused:
        services.review_edit(actor=team["lead"], review=review, base_revision=1, metrics={})
    assert "metrics" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.review_edit(actor=team["lead"], review=review, base_revision="1", lessons="x")
    assert "base_revision" in refused.value.message_dict


# --- signing off -----------------------------------------------------------------------------

def test_sign_off_by_lead_and_sponsor_locks_and_a_later_edit_makes_a_new_version(
        team, review, django_capture_on_commit_callbacks):
    lead, sponsor = team["lead"], team["executive_sponsor"]
    assert sign_off_roles(lead, review.current) == ["lead"]
    services.review_sign_off(actor=lead, review=review, version_number=1)
    assert sign_off_roles(lead, review.current) == []
    assert review.current.is_locked and not review.current.is_signed_off
    assert not Notification.objects.filter(kind=NotificationKind.REVIEW_SIGNED_OFF).exists()

    with django_capture_on_commit_callbacks() as after_commit:
        services.review_sign_off(actor=sponsor, review=review, version_number=1,
                                 role="executive_sponsor")
    first = ReviewVersion.objects.get(review=review, number=1)
    assert first.signed_off_at is not None
    # Its PDF is queued at once, in the review's language (rendered after commit).
    queued = ReviewPdf.objects.get(version=first)
    assert (queued.language, queued.status) == (review.language, PdfStatus.QUEUED)
    assert after_commit  # the render task leaves once the sign-off commits
    frozen = {metric["key"] for metric in first.metrics["metrics"]}
    assert {"time_to_detect", "time_to_first_statement", "peak_warning_level"} <= frozen
    told = set(Notification.objects.filter(kind=NotificationKind.REVIEW_SIGNED_OFF)
               .values_list("recipient__username", flat=True))
    assert told == {"lead"}  # the sponsor signed last: nobody is told of their own act

    second = services.review_edit(actor=team["scribe"], review=review, base_revision=1,
                                  went_well="The hotline.")
    assert (second.number, second.revision, second.went_well) == (2, 2, "The hotline.")
    assert second.executive_summary == first.executive_summary
    assert ReviewVersion.objects.get(pk=first.pk).went_well == ""
    assert not second.is_locked and sign_off_roles(lead, second) == ["lead"]

    with pytest.raises(ConflictError) as refused:
        services.review_sign_off(actor=lead, review=review, version_number=1)
    assert "version 2" in refused.value.message


def test_nobody_signs_for_the_role_holders(team, review):
    for user in (team["admin"], team["scribe"], team["observer"]):
        with pytest.raises(PermissionDenied):
            services.review_sign_off(actor=user, review=review, version_number=1)
    with pytest.raises(PermissionDenied):
        services.review_sign_off(actor=team["lead"], review=review, version_number=1,
                                 role="executive_sponsor")
    assert not ReviewSignOff.objects.exists()


def test_an_ended_role_signs_nothing_and_one_person_signs_once(team, review, admin):
    lead = team["lead"]
    sponsor_role = Role.objects.get(code="executive_sponsor")
    both = role_assign(actor=admin, incident=team["incident"], user=lead, role=sponsor_role)
    services.review_sign_off(actor=lead, review=review, version_number=1)
    with pytest.raises(PermissionDenied):
        services.review_sign_off(actor=lead, review=review, version_number=1,
                                 role="executive_sponsor")
    role_end(actor=admin, assignment=both)
    sponsor = team["executive_sponsor"]
    sponsor_assignment = sponsor.role_assignments.get(ended_at__isnull=True)
    role_end(actor=admin, assignment=sponsor_assignment)
    with pytest.raises(PermissionDenied):
        services.review_sign_off(actor=_fresh(sponsor), review=review, version_number=1)
    assert ReviewSignOff.objects.count() == 1


def test_signing_needs_an_executive_summary_and_an_existing_version(team, review):
    services.review_edit(actor=team["lead"], review=review, base_revision=1,
                         executive_summary="")
    with pytest.raises(ValidationError) as refused:
        services.review_sign_off(actor=team["lead"], review=review, version_number=1)
    assert "executive_summary" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.review_sign_off(actor=team["lead"], review=review, version_number=7)
    assert "version" in refused.value.message_dict


# --- language --------------------------------------------------------------------------------

def test_the_language_is_one_of_three(team, review):
    services.review_set_language(actor=team["lead"], review=review, language="zh-hant")
    assert PostIncidentReview.objects.get(pk=review.pk).language == "zh-hant"
    with pytest.raises(ValidationError) as refused:
        services.review_set_language(actor=team["lead"], review=review, language="fr")
    assert "language" in refused.value.message_dict


# --- action items ----------------------------------------------------------------------------

def _item(team, review, **fields):
    return services.action_item_create(
        actor=team["lead"], review=review,
        **{"title": "Rewrite the recall playbook", "owner": team["scribe"],
           "due_on": timezone.localdate() + datetime.timedelta(days=7), **fields})


def test_an_action_item_needs_an_owner_who_may_view_and_a_day_to_come(team, review):
    outsider = UserFactory(username="outsider")
    with pytest.raises(ValidationError) as refused:
        _item(team, review, owner=outsider)
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _item(team, review, due_on=timezone.localdate() - datetime.timedelta(days=1))
    assert "due_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _item(team, review, changes="watch")
    assert "watch" in refused.value.message_dict
    assert not ActionItem.objects.exists()


def test_the_owner_moves_the_status_only_and_others_nothing(team, review):
    item = _item(team, review)
    scribe_item = services.action_item_create(
        actor=team["lead"], review=review, title="Brief support", owner=team["observer"],
        due_on=timezone.localdate())
    updated = services.action_item_update(actor=team["observer"], item=scribe_item,
                                          status=ActionItemStatus.DONE)
    assert updated.status == ActionItemStatus.DONE and updated.completed_at is not None
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=team["observer"], item=scribe_item, title="Mine")
    with pytest.raises(PermissionDenied):
        services.action_item_update(actor=team["observer"], item=item, status="done")
    assert ActionItem.objects.get(pk=item.pk).status == ActionItemStatus.OPEN


def test_overdue_action_items_tell_their_owner_once(team, review):
    item = _item(team, review)
    ActionItem.objects.filter(pk=item.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1))
    done = _item(team, review, title="Done already", status=ActionItemStatus.DONE)
    ActionItem.objects.filter(pk=done.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1))

    assert services.action_items_overdue_sweep() == 1
    assert notify_overdue_action_items.delay().get() == 0  # the beat's task: told once
    notices = Notification.objects.filter(kind=NotificationKind.ACTION_ITEM_OVERDUE)
    assert [n.recipient.username for n in notices] == ["scribe"]
    assert list(selectors.my_open_action_items(user=team["scribe"])) == [
        ActionItem.objects.get(pk=item.pk)]


# --- My work ---------------------------------------------------------------------------------

def test_my_work_lists_my_open_action_items_overdue_first_and_flagged(client, team, review):
    from django.urls import reverse

    from tests.conftest import count_queries

    scribe = team["scribe"]
    soon = _item(team, review, title="Brief support")
    late = _item(team, review, title="Fix the hotline")
    ActionItem.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3))
    _item(team, review, title="Already done", status=ActionItemStatus.DONE)
    _item(team, review, title="Someone else's", owner=team["lead"])
    client.force_login(scribe)

    page = client.get(reverse("home")).content.decode()
    section = page[page.index('id="my-action-items"'):]
    section = section[:section.index("</section>")]
    assert section.index("Fix the hotline") < section.index("Brief support")
    assert "overdue" in section[:section.index("Brief support")]
    assert f"/review/#action-{soon.pk}" in section
    assert "Already done" not in section and "Someone else" not in section

    before = count_queries(lambda: client.get(reverse("home")))
    for n in range(3):
        _item(team, review, title=f"More {n}")
    assert count_queries(lambda: client.get(reverse("home"))) == before


def test_following_an_overdue_notice_opens_the_review(client, team, review):
    from django.urls import reverse

    item = _item(team, review)
    ActionItem.objects.filter(pk=item.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1))
    services.action_items_overdue_sweep()
    notice = Notification.objects.get(kind=NotificationKind.ACTION_ITEM_OVERDUE)
    client.force_login(team["scribe"])
    response = client.get(reverse("notification-open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("crisis:incident-review",
                                           args=[team["incident"].pk])


def test_the_data_migration_lets_scribes_already_on_a_team_edit_the_review(team, review):
    """teams 0012: the scribe role grants edit_review, and each active scribe gets it on
    their incident (reversed: taken back where no other role grants it)."""
    import importlib

    from django.apps import apps as django_apps
    from django.contrib.auth.models import Permission

    from crisis.models import IncidentUserObjectPermission
    from crisis.permissions import forget_granted

    migration = importlib.import_module("teams.migrations.0012_scribe_edits_review")
    right = Permission.objects.get(content_type__app_label="crisis", codename="edit_review")
    scribe_role, scribe = Role.objects.get(code="scribe"), team["scribe"]
    grants = IncidentUserObjectPermission.objects.filter(user=scribe, permission=right)

    migration.scribe_no_longer_edits_review(django_apps, None)
    assert not scribe_role.permissions.filter(pk=right.pk).exists() and not grants.exists()
    assert not can_edit_review(_fresh(scribe), review)
    assert IncidentUserObjectPermission.objects.filter(user=team["lead"],
                                                       permission=right).exists()

    migration.scribe_edits_review(django_apps, None)
    migration.scribe_edits_review(django_apps, None)  # twice: nothing doubled
    assert scribe_role.permissions.filter(pk=right.pk).exists()
    forget_granted(review.incident)  # what the page asked before, it asks again
    assert grants.count() == 1 and can_edit_review(_fresh(scribe), review)
