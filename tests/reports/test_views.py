"""The post-incident review in the browser: the page (state, metrics with definitions,
charts, sign-off), the no-review page, editing (a stale revision keeps the writer's text,
a signed version starts the next one), sign-off, action items and the room's panel.
Who may reach each page is the permission matrix's job (tests/test_permission_matrix.py)."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crisis.choices import Confidentiality, IncidentStatus
from crisis.models import Playbook
from reports import services
from reports.models import (
    ActionItem,
    ActionItemStatus,
    PdfStatus,
    PostIncidentReview,
    ReviewPdf,
    ReviewVersion,
)
from teams.models import Role
from teams.services import role_assign
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory


@pytest.fixture
def team(db):
    """A restricted incident in recovery, with its lead, executive sponsor, scribe and an
    observer, and a signed-in outsider who may not view it."""
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    incident = IncidentFactory(status=IncidentStatus.RECOVERING, summary="Kettles overheat.",
                               confidentiality=Confidentiality.RESTRICTED)
    people = {"incident": incident, "outsider": UserFactory(username="outsider"),
              "admin": admin}
    for code in ("lead", "executive_sponsor", "scribe", "observer"):
        user = UserFactory(username=code, first_name=code.replace("_", " ").title())
        role_assign(actor=admin, incident=incident, user=user, role=Role.objects.get(code=code))
        people[code] = type(user).objects.get(pk=user.pk)
    return people


@pytest.fixture
def review(team):
    return services.review_open(incident=team["incident"], actor=team["lead"])


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def review_url(incident, name: str = "incident-review", *args) -> str:
    return reverse(f"crisis:{name}", args=[incident.pk, *args])


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def edit_data(version: ReviewVersion, **changes) -> dict:
    data = {"version": version.number, "base": version.revision}
    for name in ("executive_summary", "what_happened", "impact", "financial_impact",
                 "operational_impact", "went_well", "went_badly", "root_cause",
                 "contributing_factors", "lessons"):
        data[name] = getattr(version, name)
    return {**data, **changes}


def test_no_review_yet_says_when_it_opens_and_offers_opening_it_to_writers(team):
    incident = team["incident"]
    page = text(client_for(team["observer"]).get(review_url(incident)))
    assert "No review yet" in page and "Open the review now" not in page

    lead = client_for(team["lead"])
    assert "Open the review now" in text(lead.get(review_url(incident)))
    assert client_for(team["observer"]).post(review_url(incident, "incident-review-open")
                                             ).status_code == 403
    assert client_for(team["outsider"]).get(review_url(incident)).status_code == 404

    response = lead.post(review_url(incident, "incident-review-open"))
    assert response.status_code == 302 and response["Location"] == review_url(incident)
    assert PostIncidentReview.objects.get(incident=incident).current.number == 1

    active = IncidentFactory(status=IncidentStatus.ACTIVE)
    role_assign(actor=team["admin"], incident=active, user=team["lead"],
                role=Role.objects.get(code="lead"))
    assert "Open the review now" not in text(lead.get(review_url(active)))
    assert lead.post(review_url(active, "incident-review-open")).status_code == 409
    assert not PostIncidentReview.objects.filter(incident=active).exists()


def test_the_review_page_shows_state_metrics_with_definitions_charts_and_sign_off(team, review):
    incident = team["incident"]
    services.review_edit(actor=team["lead"], review=review, base_revision=1,
                         executive_summary="Kettles **overheat**.")
    page = text(client_for(team["lead"]).get(review_url(incident)))
    assert "Draft" in page and "Version 1 · revision 2" in page
    assert 'id="metric-time_to_detect"' in page
    assert "No alert led to this incident." in page  # the "why not" of a missing metric
    assert "From the opening of the alert that led to this incident" in page  # a definition
    assert page.count("<svg") >= 2  # volume / sentiment and approval cycles, inline
    assert "Kettles <strong>overheat</strong>." in page  # written in Markdown
    assert "Sign off version 1 as Incident lead" in page
    assert "Sign off version 1 as" not in text(client_for(team["scribe"]).get(
        review_url(incident)))

    # The PDF box alone, as review.pdf events redraw it while the PDF renders.
    version = review.current
    ReviewPdf.objects.create(version=version, language=review.language,
                             revision=version.revision, status=PdfStatus.RENDERING, progress=40)
    fragment = text(client_for(team["lead"]).get(review_url(incident), headers={
        "HX-Request": "true", "HX-Target": "review-pdf"}))
    assert fragment.strip().startswith('<section class="card mb-3" id="review-pdf"')
    assert "Rendering… 40 %" in fragment and 'value="40"' in fragment

    assert client_for(team["lead"]).get(review_url(incident) + "?version=7").status_code == 400


def test_a_save_from_an_older_revision_is_refused_and_the_writers_text_kept(team, review):
    incident, version = team["incident"], review.current
    lead, scribe = client_for(team["lead"]), client_for(team["scribe"])
    page = text(lead.get(review_url(incident, "incident-review-edit")))
    assert 'id="suggested-summary"' in page and "of 200 words" in page
    assert 'name="version" value="1"' in page and 'name="base" value="1"' in page

    assert scribe.post(review_url(incident, "incident-review-edit"), edit_data(
        version, lessons="Test the recall line.")).status_code == 302
    response = lead.post(review_url(incident, "incident-review-edit"),
                         edit_data(version, lessons="Brief legal sooner."))
    assert response.status_code == 409
    page = text(response)
    assert "The review changed since you opened it" in page
    assert "Brief legal sooner." in page  # the writer's text, shown back
    assert 'name="base" value="2"' in page  # saving it again, once compared, goes on
    assert ReviewVersion.objects.get(pk=version.pk).lessons == "Test the recall line."

    too_long = " ".join(["word"] * 201)
    response = lead.post(review_url(incident, "incident-review-edit"),
                         edit_data(review.current, executive_summary=too_long))
    assert response.status_code == 400
    assert 'id="id_executive_summary_error"' in response.content.decode()
    assert client_for(team["observer"]).get(review_url(incident, "incident-review-edit")
                                            ).status_code == 403


def test_sign_off_locks_the_version_and_the_next_edit_starts_a_new_one(team, review):
    incident = team["incident"]
    lead, sponsor = client_for(team["lead"]), client_for(team["executive_sponsor"])
    sign = review_url(incident, "incident-review-sign-off")
    assert sponsor.post(sign, {"version": 1, "role": "lead"}).status_code == 403
    assert lead.post(sign, {"version": 1, "role": "lead"}).status_code == 302
    page = text(sponsor.get(review_url(incident)))
    assert "Signed by Lead" in page and "Sign off version 1 as Executive sponsor" in page
    assert "Sign off version 1 as" not in text(lead.get(review_url(incident)))
    assert sponsor.post(sign, {"version": 1, "role": "executive_sponsor"}).status_code == 302
    assert ReviewVersion.objects.get(review=review, number=1).is_signed_off

    edit = text(lead.get(review_url(incident, "incident-review-edit")))
    assert "Saving starts version 2, which needs sign-off again" in edit
    response = lead.post(review_url(incident, "incident-review-edit"),
                         edit_data(review.current, lessons="One more lesson."))
    assert response.status_code == 302
    assert review.current.number == 2 and not review.current.is_locked
    older = text(lead.get(review_url(incident) + "?version=1"))
    assert "You are reading version 1" in older and "Signed off" in older
    assert "Sign off version" not in older
    # A sign-off from the page left on version 1: refused, said on the page.
    response = sponsor.post(sign, {"version": 1, "role": "executive_sponsor"})
    assert response.status_code == 409 and "no longer the current version" in text(response)


def test_action_items_owner_choices_overdue_flag_and_owner_status_only(team, review):
    incident = team["incident"]
    lead, scribe = client_for(team["lead"]), client_for(team["scribe"])
    create = review_url(incident, "incident-review-action-create")
    form = lead.get(create).content.decode()
    assert f'value="{team["scribe"].pk}"' in form
    assert f'value="{team["outsider"].pk}"' not in form  # may not view this incident
    playbook = Playbook.objects.first()
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    data = {"title": "Add a recall step", "owner": team["scribe"].pk, "due_on": due,
            "status": "open", "target": f"playbook:{playbook.pk}"}
    assert lead.post(create, {**data, "owner": team["outsider"].pk}).status_code == 400
    assert lead.post(create, data).status_code == 302
    item = ActionItem.objects.get(review=review)
    assert item.playbook == playbook and item.owner == team["scribe"]

    ActionItem.objects.filter(pk=item.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1))
    page = text(lead.get(review_url(incident)))
    assert "Add a recall step" in page and "Overdue" in page and playbook.name in page
    assert f'href="{create}"' in page

    observer = client_for(team["observer"])
    edit = review_url(incident, "incident-review-action-edit", item.pk)
    assert observer.get(edit).status_code == 403
    # The scribe writes the review, so changes it all; an owner who does not, the status.
    owner = UserFactory(username="owner")
    role_assign(actor=team["admin"], incident=incident, user=owner,
                role=Role.objects.get(code="observer"))
    ActionItem.objects.filter(pk=item.pk).update(owner=owner)
    mine = client_for(owner)
    assert 'name="title"' not in mine.get(edit).content.decode()
    assert mine.post(edit, {"status": "done"}).status_code == 302
    assert ActionItem.objects.get(pk=item.pk).status == ActionItemStatus.DONE
    # A writer saving an overdue item unchanged but its status: its passed day is no error.
    assert scribe.post(edit, {**data, "status": "in_progress"}).status_code == 302


def test_the_action_item_form_shows_its_due_day_in_every_language(team, review):
    """<input type="date"> takes only YYYY-MM-DD: the day in the reader's own format
    (2026/11/21 in Chinese) left the field empty, to be typed again at every save."""
    due = timezone.localdate() + datetime.timedelta(days=14)
    item = services.action_item_create(actor=team["lead"], review=review, title="Recall step",
                                       owner=team["scribe"], due_on=due)
    edit = review_url(team["incident"], "incident-review-action-edit", item.pk)
    for language in ("en", "zh-hant", "zh-hans"):
        type(team["lead"]).objects.filter(pk=team["lead"].pk).update(language=language)
        page = client_for(team["lead"]).get(edit).content.decode()
        assert f'name="due_on" value="{due.isoformat()}"' in page, language


def test_the_room_shows_the_review_panel_once_the_incident_is_recovering(team, review):
    incident = team["incident"]
    room = text(client_for(team["observer"]).get(incident.get_absolute_url()))
    assert 'id="review-panel"' in room and review_url(incident) in room
    active = IncidentFactory(status=IncidentStatus.ACTIVE)
    room = text(client_for(team["lead"]).get(active.get_absolute_url()))
    assert 'id="review-panel"' in room and review_url(active) not in room
