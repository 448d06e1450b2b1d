"""The statement pages (comms.views) and the room's Statements panel (comms.panels): each
page calls its service, shows what the user may do now, and never answers 5xx."""

import pytest
from django.urls import reverse

from comms import services
from comms.models import (
    ApprovalDecision,
    Publication,
    Statement,
    StatementComment,
    StatementTemplate,
    StatementVersion,
)
from crisis.choices import Confidentiality
from teams.choices import NotificationKind
from teams.models import Notification
from tests.comms.conftest import FRAME
from tests.crisis.factories import IncidentFactory
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


def url(name, *args, **query):
    path = reverse(f"crisis:{name}", args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page(client, user, path, **kwargs):
    client.force_login(user)
    return client.get(path, **kwargs)


def post(client, user, path, data=None, **kwargs):
    client.force_login(user)
    return client.post(path, data or {}, **kwargs)


def text_data(**changes):
    return {"title": "Holding statement", "body": "We are sorry.", **FRAME, **changes}


def fresh(statement) -> Statement:
    return Statement.objects.get(pk=statement.pk)


@pytest.fixture
def in_review(draft, officer):
    return services.statement_submit(actor=officer, statement=draft)


# --- a new statement ----------------------------------------------------------------------

def test_a_new_statement_starts_from_the_template_and_is_saved_as_version_one(
        client, officer, incident):
    StatementTemplate.objects.update(is_active=False)
    StatementTemplate.objects.create(
        kind="holding", language="en", name="Holding", title="About {{ incident.title }}",
        what_happened="{{ incident.reference }}: {{ customer_name }}")
    start = page(client, officer, url("statement-create", incident.pk))
    assert start.status_code == 200 and 'name="kind"' in start.content.decode()
    filled = page(client, officer, url("statement-create", incident.pk, kind="holding",
                                       language="en")).content.decode()
    assert f"About {incident.title}" in filled and f"{incident.reference}: " in filled
    assert "customer_name" in filled  # left visible and named in the warning
    assert page(client, officer, url("statement-create", incident.pk, kind="poem",
                                     language="en")).status_code == 400

    response = post(client, officer, url("statement-create", incident.pk), {
        "kind": "holding", "language": "en", "audience": ["customers"],
        "variant_sms": "Kettles K2: stop using them.", **text_data()})
    statement = Statement.objects.get(incident=incident)
    assert response.status_code == 302 and response["Location"] == url("statement-detail",
                                                                       statement.pk)
    version = StatementVersion.objects.get(statement=statement)
    assert (version.number, version.author, version.what_happened) == (
        1, officer, FRAME["what_happened"])
    assert version.variants == {"sms": "Kettles K2: stop using them."}
    assert statement.audience == ["customers"] and statement.status == "draft"


def test_a_new_statement_names_the_field_the_service_refuses(client, officer, incident):
    response = post(client, officer, url("statement-create", incident.pk), {
        "kind": "holding", "language": "en", **text_data(), "variant_social": "x" * 281})
    assert response.status_code == 400
    assert "281 characters" in response.content.decode()
    assert response.context["form"].errors["variant_social"]
    assert not Statement.objects.filter(incident=incident).exists()


# --- editing ------------------------------------------------------------------------------

def test_editing_saves_a_new_version_and_warns_that_it_voids_approvals(
        client, officer, legal, executive, in_review):
    services.statement_decide(actor=legal, statement=in_review, version=1, decision="approve")
    edit_page = page(client, officer, url("statement-edit", in_review.pk)).content.decode()
    assert "voids it" in edit_page and 'name="base" value="1"' in edit_page
    response = post(client, officer, url("statement-edit", in_review.pk),
                    {**text_data(body="We are very sorry."), "base": "1"})
    assert response.status_code == 302
    statement = fresh(in_review)
    assert statement.current_version == 2 and statement.status == "in_review"
    assert StatementVersion.objects.get(statement=statement, number=2).body == \
        "We are very sorry."
    # A page opened on version 1 does not silently overwrite version 2.
    stale = post(client, officer, url("statement-edit", in_review.pk),
                 {**text_data(body="Older edit."), "base": "1"})
    assert stale.status_code == 409 and "Version 2 was saved" in stale.content.decode()
    assert fresh(in_review).current_version == 2


# --- actions --------------------------------------------------------------------------------

def test_each_action_goes_through_its_service_and_the_page_shows_the_new_state(
        client, officer, legal, draft):
    detail = url("statement-detail", draft.pk)
    assert post(client, officer, url("statement-submit", draft.pk))["Location"] == detail
    shown = page(client, officer, detail).content.decode()
    assert 'data-status="in_review"' in shown and "Legal review" in shown

    response = post(client, legal, url("statement-decide", draft.pk),
                    {"version": 1, "decision": "approve"}, follow=True)
    assert 'data-status="approved"' in response.content.decode()
    assert "Approved version 1." in response.content.decode()
    assert ApprovalDecision.objects.get(statement=draft).decider == legal

    response = post(client, officer, url("statement-publish", draft.pk), follow=True)
    assert 'data-status="published"' in response.content.decode()
    assert Publication.objects.get(statement=draft).version.number == 1


def test_requesting_changes_and_rejecting_need_a_reason(client, legal, in_review):
    for decision in ("request_changes", "reject"):
        response = post(client, legal, url("statement-decide", in_review.pk),
                        {"version": 1, "decision": decision, "comment": " "})
        assert response.status_code == 400
        assert "Say why" in response.content.decode()
    assert not ApprovalDecision.objects.filter(statement=in_review).exists()
    response = post(client, legal, url("statement-decide", in_review.pk),
                    {"version": 1, "decision": "request_changes", "comment": "Add the date."})
    assert response.status_code == 302 and fresh(in_review).status == "draft"


def test_a_decision_on_a_version_that_is_no_longer_current_names_the_current_one(
        client, officer, legal, in_review):
    services.statement_edit(actor=officer, statement=in_review, body="Changed.", **FRAME)
    response = post(client, legal, url("statement-decide", in_review.pk),
                    {"version": 1, "decision": "approve"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Version 1 is no longer current: version 2 is." in body
    assert "A new version was saved" in body  # the page still shows version 1, and says so
    assert not ApprovalDecision.objects.filter(statement=in_review).exists()


def test_withdrawing_and_publishing_refused_by_state_answer_with_the_message(
        client, officer, draft):
    response = post(client, officer, url("statement-publish", draft.pk))
    assert response.status_code == 409
    assert "Only an approved statement can be published." in response.content.decode()
    response = post(client, officer, url("statement-withdraw", draft.pk), {"reason": "Old."})
    assert response.status_code == 302 and fresh(draft).status == "withdrawn"


def test_a_freeze_is_shown_on_the_page_and_in_the_panel_and_publishing_says_why(
        client, admin, officer, legal, in_review, incident):
    services.statement_decide(actor=legal, statement=in_review, version=1, decision="approve")
    services.freeze_create(actor=admin, incident=incident, reason="Wait for the recall.")
    shown = page(client, officer, url("statement-detail", in_review.pk)).content.decode()
    assert "Publishing is frozen in this incident." in shown and "Wait for the recall." in shown
    room = page(client, officer, incident.get_absolute_url(),
                headers={"HX-Request": "true", "HX-Target": "statements-panel"})
    assert "Wait for the recall." in room.content.decode()
    response = post(client, officer, url("statement-publish", in_review.pk))
    assert response.status_code == 409
    assert "Publishing is frozen: Wait for the recall." in response.content.decode()
    assert not Publication.objects.filter(statement=in_review).exists()


def test_a_decision_form_with_a_bad_version_names_it(client, legal, in_review):
    response = post(client, legal, url("statement-decide", in_review.pk),
                    {"version": "two", "decision": "approve"})
    assert response.status_code == 400 and "version: " in response.content.decode()
    assert not ApprovalDecision.objects.filter(statement=in_review).exists()


def test_the_page_offers_only_the_actions_the_user_may_take(client, officer, legal,
                                                            in_review, assign, incident):
    detail = url("statement-detail", in_review.pk)
    author = page(client, officer, detail).content.decode()
    assert 'value="approve"' not in author
    assert url("statement-edit", in_review.pk) in author
    assert url("statement-withdraw", in_review.pk) in author
    reviewer = page(client, legal, detail).content.decode()
    assert 'value="approve"' in reviewer and 'value="reject"' in reviewer
    assert url("statement-edit", in_review.pk) not in reviewer
    assert url("statement-withdraw", in_review.pk) not in reviewer
    assert page(client, legal, url("statement-edit", in_review.pk)).status_code == 403
    observer = assign(incident, "observer", "watcher")
    watching = page(client, observer, detail).content.decode()
    assert 'value="approve"' not in watching and url("statement-comment",
                                                     in_review.pk) not in watching
    assert post(client, observer, url("statement-decide", in_review.pk),
                {"version": 1, "decision": "approve"}).status_code == 403
    assert not ApprovalDecision.objects.filter(statement=in_review).exists()


@pytest.fixture
def secret(admin, assign):
    """A statement in a confidential incident, and someone who may not view it."""
    incident = IncidentFactory(confidentiality=Confidentiality.CONFIDENTIAL,
                               stakeholder_kinds=["customers"])
    officer = assign(incident, "communications_officer")
    statement = services.statement_create(actor=officer, incident=incident, kind="holding",
                                          language="en", title="Secret", body="x", **FRAME)
    return statement, UserFactory(username="outsider")


@pytest.mark.parametrize(("method", "name", "on"), [
    ("get", "statement-list", "incident"), ("get", "statement-create", "incident"),
    ("post", "statement-create", "incident"), ("get", "statement-detail", "statement"),
    ("get", "statement-edit", "statement"), ("post", "statement-edit", "statement"),
    ("get", "statement-diff", "statement"), ("post", "statement-submit", "statement"),
    ("post", "statement-decide", "statement"), ("post", "statement-withdraw", "statement"),
    ("post", "statement-publish", "statement"), ("post", "statement-comment", "statement"),
])
def test_an_outsider_finds_no_statement_page(client, secret, method, name, on):
    statement, outsider = secret
    pk = statement.incident_id if on == "incident" else statement.pk
    client.force_login(outsider)
    response = getattr(client, method)(url(name, pk), {"version": 1, "decision": "approve",
                                                       "body": "hi", "kind": "holding",
                                                       "language": "en", "title": "x"})
    assert response.status_code == 404
    assert fresh(statement).status == "draft" and fresh(statement).current_version == 1


# --- corrections and retractions ---------------------------------------------------------

@pytest.fixture
def published(client, officer, legal, in_review):
    services.statement_decide(actor=legal, statement=in_review, version=1, decision="approve")
    services.statement_publish(actor=officer, statement=fresh(in_review))
    return fresh(in_review)


@pytest.mark.parametrize("how", ["correction", "retraction"])
def test_a_published_statement_is_corrected_or_retracted_from_its_page(
        client, officer, published, how):
    shown = page(client, officer, url("statement-detail", published.pk)).content.decode()
    start = (url("statement-create", published.incident_id)
             + f"?corrects={published.pk}&amp;as={how}")
    assert start in shown
    form = page(client, officer, start.replace("&amp;", "&")).content.decode()
    assert f'name="corrects" value="{published.pk}"' in form and 'id="correcting"' in form
    assert ("We are sorry." in form) == (how == "correction")  # the published text to fix
    response = post(client, officer, url("statement-create", published.incident_id), {
        "kind": "correction", "language": "zh-hant", "corrects": published.pk,
        "corrects_as": how, **text_data(title="Correction", body="The date was 4 May.")})
    assert response.status_code == 302
    made = Statement.objects.get(corrects=published)
    assert (made.kind, made.corrects_as, made.status) == ("correction", how, "draft")


def test_only_a_published_statement_of_the_same_incident_is_corrected(client, officer, draft,
                                                                        secret):
    start = url("statement-create", draft.incident_id)
    assert page(client, officer, f"{start}?corrects={draft.pk}").status_code == 400
    refused = page(client, officer, f"{start}?corrects={draft.pk}&as=rewrite")
    assert refused.status_code == 400 and "“as”" in refused.content.decode()
    assert page(client, officer, f"{start}?corrects=x").status_code == 400
    other, _outsider = secret  # an incident the officer may not view: not found
    assert page(client, officer, f"{start}?corrects={other.pk}").status_code == 404
    assert not Statement.objects.filter(corrects__isnull=False).exists()


# --- the list -----------------------------------------------------------------------------

def test_the_list_filters_by_status_and_offers_new_statements_to_drafters(
        client, officer, legal, in_review, incident):
    other = services.statement_create(actor=officer, incident=incident, kind="apology",
                                      language="en", title="Apology draft", **FRAME)
    everything = page(client, officer, url("statement-list", incident.pk)).content.decode()
    assert in_review.title in everything and other.title in everything
    assert url("statement-create", incident.pk) in everything
    assert "Legal review" in everything  # waiting for whom
    drafts = page(client, officer, url("statement-list", incident.pk, status="draft"))
    assert other.title in drafts.content.decode()
    assert in_review.title not in drafts.content.decode()
    assert url("statement-create", incident.pk) not in page(
        client, legal, url("statement-list", incident.pk)).content.decode()
    bad = page(client, officer, url("statement-list", incident.pk, status="lost"))
    assert bad.status_code == 400 and "<code>status</code>" in bad.content.decode()


# --- versions and comments --------------------------------------------------------------------

def test_the_diff_marks_deletions_and_insertions_side_by_side(client, officer, in_review):
    services.statement_edit(actor=officer, statement=in_review, body="We are very sorry.",
                            **{**FRAME, "what_happened": "我們很抱歉"})
    services.statement_edit(actor=officer, statement=in_review, body="We are very sorry.",
                            **{**FRAME, "what_happened": "我們非常抱歉"})
    response = page(client, officer, url("statement-diff", in_review.pk, **{"from": 1,
                                                                             "to": 2}))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<ins class="bg-green-lt" title="added">very </ins>' in body
    assert "unchanged" in body  # the frame fields that did not change are folded
    chinese = page(client, officer, url("statement-diff", in_review.pk)).content.decode()
    assert '<del class="bg-red-lt" title="removed">很</del>' in chinese
    assert '<ins class="bg-green-lt" title="added">非常</ins>' in chinese
    for query in ({"from": 9}, {"to": "two"}):
        bad = page(client, officer, url("statement-diff", in_review.pk, **query))
        name = next(iter(query))
        assert bad.status_code == 400 and f"“{name}”" in bad.content.decode()


def test_comments_are_anchored_to_the_version_shown_and_tell_who_is_mentioned(
        client, officer, legal, in_review):
    services.statement_edit(actor=officer, statement=in_review, body="Changed.", **FRAME)
    response = post(client, legal, url("statement-comment", in_review.pk),
                    {"version": 1, "body": "@officer the date is wrong here."})
    assert response.status_code == 302
    comment = StatementComment.objects.get(statement=in_review)
    assert comment.version.number == 1
    assert Notification.objects.filter(recipient=officer, kind=NotificationKind.MENTION).exists()
    shown = page(client, officer, url("statement-detail", in_review.pk)).content.decode()
    assert "on version 1" in shown
    empty = post(client, legal, url("statement-comment", in_review.pk),
                 {"version": 2, "body": " "})
    assert empty.status_code == 400
    assert StatementComment.objects.filter(statement=in_review).count() == 1


def test_the_page_redraws_itself_as_a_fragment_for_its_statement(client, officer, in_review):
    response = page(client, officer, url("statement-detail", in_review.pk, version=1),
                    headers={"HX-Request": "true", "HX-Target": "statement-detail"})
    body = response.content.decode()
    assert 'id="statement-detail"' in body
    assert "<html" not in body
    assert f"live:statement.changed:updated:{in_review.pk}" in body
    assert page(client, officer, url("statement-detail", in_review.pk,
                                     version=7)).status_code == 400


# --- the room ---------------------------------------------------------------------------------

def test_the_room_panel_lists_the_statements_and_redraws_by_its_id(client, officer, in_review,
                                                                   incident):
    room = page(client, officer, incident.get_absolute_url()).content.decode()
    assert 'id="statements-panel"' in room and in_review.title in room
    assert url("statement-create", incident.pk) in room
    assert "Legal review" in room  # waiting for whom
    panel = page(client, officer, incident.get_absolute_url(),
                 headers={"HX-Request": "true", "HX-Target": "statements-panel"})
    body = panel.content.decode()
    assert panel.status_code == 200 and body.lstrip().startswith('<section class="card mb-3" '
                                                                 'id="statements-panel"')
    assert "live:statement.changed" in body and in_review.title in body
    # The timeline reads the statement's steps in words.
    assert "sent for approval" in room


def test_the_panel_fragment_is_not_found_for_an_outsider(client, secret):
    statement, outsider = secret
    response = page(client, outsider, statement.incident.get_absolute_url(),
                    headers={"HX-Request": "true", "HX-Target": "statements-panel"})
    assert response.status_code == 404


def test_the_text_boxes_carry_the_statements_language(client, officer, draft):
    edit = page(client, officer, url("statement-edit", draft.pk)).content.decode()
    assert 'lang="zh-hant"' in edit and edit.count('lang="zh-hant"') >= 8
    start = page(client, officer, url("statement-create", draft.incident_id, kind="holding",
                                      language="zh-hans")).content.decode()
    assert 'name="body"' in start and 'lang="zh-hans"' in start
