"""The statements API: each behaviour once, through HTTP (the rules themselves are tested
in test_services.py; here: that the API reaches them, and answers with the right status
and a body naming the field, the version or the freeze)."""

import pytest
from django.core import signals
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token

from comms import services
from comms.models import (
    ApprovalDecision,
    Publication,
    PublishingFreeze,
    Statement,
    StatementComment,
    StatementVersion,
)
from crisis.models import Incident
from teams.choices import Capability, NotificationKind
from teams.models import Notification
from tests import test_api_contract as api_contract
from tests.comms.conftest import FRAME
from tests.conftest import as_new_request, join
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/statements/"
QUEUE = "/api/approval-queue/"
FREEZES = "/api/publishing-freezes/"


def url(statement, action: str = "") -> str:
    return f"/api/statements/{statement.pk}/" + (f"{action}/" if action else "")


def signed_in(api_client, user):
    return as_new_request(api_client, user)


def post(api_client, user, path, body=None):
    return signed_in(api_client, user).post(path, body or {}, format="json")


def submit(statement, officer):
    services.statement_submit(actor=officer, statement=statement)
    statement.refresh_from_db()
    return statement


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def in_review(draft, officer):
    return submit(draft, officer)


@pytest.fixture
def approved(in_review, legal):
    services.statement_decide(actor=legal, statement=in_review, version=1, decision="approve")
    in_review.refresh_from_db()
    return in_review


# --- drafting and versions -----------------------------------------------------------------------

def test_create_drafts_version_one(api_client, officer, incident):
    response = post(api_client, officer, LIST, {
        "incident": incident.pk, "kind": "holding", "language": "en", "title": "We are on it",
        "body": "We are sorry.", "audience": ["customers"], "variants": {"sms": "Sorry."},
        **FRAME})

    assert response.status_code == 201, response.content
    body = response.json()
    version = StatementVersion.objects.get(statement_id=body["id"])
    assert (body["status"], body["current_version"], body["content_hash"]) == (
        "draft", 1, version.content_hash)
    assert body["content"]["what_happened"] == FRAME["what_happened"]
    assert body["content"]["variants"] == {"sms": "Sorry."}
    assert (body["audience"], body["stages"], body["decisions"]) == (["customers"], [], [])
    assert body["author"]["username"] == "officer"
    assert body["urls"]["diff"] is None


def test_patch_of_the_text_is_a_new_version_and_voids_earlier_decisions(
        api_client, approved, officer):
    response = signed_in(api_client, officer).patch(
        url(approved), {"body": "We are truly sorry."}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["current_version"]) == ("in_review", 2)
    assert body["content"]["body"] == "We are truly sorry."
    assert body["content"]["what_happened"] == FRAME["what_happened"]  # kept: not sent
    assert body["stages"][0]["approvals_given"] == 0 and body["stages"][0]["open"]
    [decision] = body["decisions"]
    assert (decision["version"]["number"], decision["counts"]) == (1, False)
    assert body["urls"]["diff"].endswith("/diff/?from=1&to=2")
    assert StatementVersion.objects.filter(statement=approved).count() == 2


def test_a_patch_never_saves_over_a_version_saved_after_it_read_the_text(
        api_client, draft, officer, monkeypatch):
    """The fields a PATCH leaves out come from the version it read; if another is saved
    before it writes, it is refused (409) instead of undoing that version's changes."""
    first = StatementVersion.objects.get(statement=draft, number=1)
    services.statement_edit(actor=officer, statement=draft, body="Saved meanwhile.", **FRAME)
    monkeypatch.setattr("comms.api.current_version_of", lambda statement: first)
    response = signed_in(api_client, officer).patch(url(draft), {"title": "New title"},
                                                   format="json")
    assert response.status_code == 409, response.content
    assert StatementVersion.objects.filter(statement=draft).count() == 2


def test_versions_lists_each_version_with_its_author_and_hash(api_client, draft, officer):
    services.statement_edit(actor=officer, statement=draft, body="Second.", **FRAME)

    response = signed_in(api_client, officer).get(url(draft, "versions"))

    assert response.status_code == 200
    versions = response.json()["results"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["content"]["body"] == "Second."
    assert versions[1]["content_hash"] == StatementVersion.objects.get(
        statement=draft, number=2).content_hash
    assert versions[0]["author"]["username"] == "officer"


def test_the_diff_of_chinese_text_is_character_by_character(api_client, officer, incident):
    statement = services.statement_create(actor=officer, incident=incident, kind="holding",
                                          language="zh-hant", title="聲明",
                                          body="我們對此深表歉意。")
    services.statement_edit(actor=officer, statement=statement, body="我們對此深感抱歉。")

    response = signed_in(api_client, officer).get(url(statement, "diff"),
                                                  {"from": 1, "to": 2})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"]["number"], body["to"]["number"]) == (1, 2)
    [field] = [f for f in body["fields"] if f["field"] == "body"]
    assert field["changed"]
    segments = [(s["op"], s["old"], s["new"]) for s in field["segments"]]
    assert segments[0] == ("equal", "我們對此深", "我們對此深")
    assert segments[-1] == ("equal", "。", "。")
    assert "".join(s[1] for s in segments) == "我們對此深表歉意。"
    assert "".join(s[2] for s in segments) == "我們對此深感抱歉。"


@pytest.mark.parametrize(("query", "field"), [
    ({"to": 1}, "from"),
    ({"from": 1}, "to"),
    ({"from": "one", "to": 1}, "from"),
    ({"from": 0, "to": 1}, "from"),
    ({"from": 1, "to": 9}, "to"),  # no such version of this statement
])
def test_the_diff_refuses_bad_versions_naming_the_parameter(api_client, draft, officer, query,
                                                            field):
    response = signed_in(api_client, officer).get(url(draft, "diff"), query)

    assert response.status_code == 400
    assert field in response.json()


def test_comments_anchor_to_a_version_and_tell_who_they_mention(api_client, in_review, officer,
                                                                legal):
    comments = f"/api/statements/{in_review.pk}/comments/"
    response = post(api_client, legal, comments, {"body": "@officer check the date"})
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 1
    assert Notification.objects.filter(recipient=officer,
                                       kind=NotificationKind.MENTION).exists()

    assert post(api_client, legal, comments,
                {"body": "Old one", "version": 7}).json() == {
        "version": ["This statement has no version 7."]}
    listed = signed_in(api_client, officer).get(comments).json()["results"]
    assert [c["body"] for c in listed] == ["@officer check the date"]


# --- the review ----------------------------------------------------------------------------------

def test_submit_starts_the_review_with_the_policys_stages(api_client, draft, officer):
    response = post(api_client, officer, url(draft, "submit"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_review"
    [stage] = body["stages"]
    assert (stage["name"], stage["roles"], stage["approvals_needed"], stage["approvals_given"],
            stage["open"], stage["done"], stage["overdue"]) == (
        "Legal review", ["legal_reviewer"], 1, 0, True, False, False)
    assert stage["due_at"]


def test_approving_the_current_version_binds_the_decision_to_it(api_client, in_review, legal):
    response = post(api_client, legal, url(in_review, "approve"), {"version": 1})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    [decision] = body["decisions"]
    assert decision["version"] == {"number": 1, "content_hash": body["content_hash"]}
    assert (decision["decider"]["username"], decision["decision"], decision["stage"],
            decision["counts"], decision["as_fallback"]) == (
        "legal", "approve", "Legal review", True, False)
    assert body["stages"][0]["done"] and body["stages"][0]["approvals_given"] == 1


def test_a_decision_on_a_stale_version_is_a_conflict_naming_the_current_one(
        api_client, in_review, officer, legal):
    services.statement_edit(actor=officer, statement=in_review, body="Second.", **FRAME)

    response = post(api_client, legal, url(in_review, "approve"), {"version": 1})

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert "version 2" in response.json()["detail"]
    assert not ApprovalDecision.objects.exists()


def test_the_author_may_not_approve_even_holding_the_stages_role(api_client, in_review, officer,
                                                                 incident, assign):
    assign(incident, "legal_reviewer", user=officer)

    response = post(api_client, officer, url(in_review, "approve"), {"version": 1})

    assert response.status_code == 403
    assert "someone else" in response.json()["detail"]
    assert not ApprovalDecision.objects.exists()


def test_a_rejection_needs_a_reason_and_is_final(api_client, in_review, legal, officer):
    refused = post(api_client, legal, url(in_review, "reject"), {"version": 1})
    assert refused.status_code == 400
    assert "comment" in refused.json()

    response = post(api_client, legal, url(in_review, "reject"),
                    {"version": 1, "comment": "Never say this."})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rejection_reason"]) == (
        "rejected", "Never say this.")
    assert post(api_client, officer, url(in_review, "submit")).status_code == 409


def test_a_request_for_changes_sends_it_back_to_draft(api_client, in_review, legal):
    response = post(api_client, legal, url(in_review, "request-changes"),
                    {"version": 1, "comment": "Say when it started."})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft"
    assert body["decisions"][0]["decision"] == "request_changes"


def test_withdraw_is_final(api_client, in_review, officer):
    response = post(api_client, officer, url(in_review, "withdraw"), {"reason": "Overtaken."})

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    again = post(api_client, officer, url(in_review, "withdraw"))
    assert again.status_code == 409 and again.json()["current"] == "withdrawn"


# --- publishing and freezes ----------------------------------------------------------------------

def test_publish_only_the_approved_version_with_the_right_and_only_once(
        api_client, in_review, officer, legal):
    assert post(api_client, officer, url(in_review, "publish")).status_code == 409  # in review
    services.statement_decide(actor=legal, statement=in_review, version=1, decision="approve")
    assert post(api_client, legal, url(in_review, "publish")).status_code == 403  # no right

    first = post(api_client, officer, url(in_review, "publish"))
    second = post(api_client, officer, url(in_review, "publish"))

    assert first.status_code == second.status_code == 200, first.content
    assert (first.json()["status"], first.json()["published_version"]) == ("published", 1)
    assert second.json()["published_at"] == first.json()["published_at"]
    assert Publication.objects.count() == 1


def test_a_freeze_blocks_publishing_with_its_reason_until_lifted(api_client, approved, officer):
    manager = join(UserFactory(username="manager"), Capability.CRISIS_MANAGER)
    assert post(api_client, officer, FREEZES, {"reason": "Not me"}).status_code == 403

    frozen = post(api_client, manager, FREEZES, {"reason": "Court order pending"})
    assert frozen.status_code == 201, frozen.content
    assert (frozen.json()["organisation_wide"], frozen.json()["active"]) == (True, True)
    refused = post(api_client, officer, url(approved, "publish"))
    assert refused.status_code == 409
    assert "Court order pending" in refused.json()["detail"]
    assert refused.json()["freeze"] == frozen.json()["id"]
    assert post(api_client, manager, FREEZES, {"reason": "Again"}).status_code == 409

    lifted = post(api_client, manager, f"{FREEZES}{frozen.json()['id']}/lift/")
    assert lifted.status_code == 200
    assert lifted.json()["active"] is False and lifted.json()["lifted_by"]["username"] == "manager"
    assert post(api_client, manager, f"{FREEZES}{frozen.json()['id']}/lift/").status_code == 409
    assert post(api_client, officer, url(approved, "publish")).status_code == 200


def test_the_incident_lead_freezes_their_incident_and_outsiders_do_not_see_it(
        api_client, incident, assign, outsider):
    Incident.objects.filter(pk=incident.pk).update(confidentiality="confidential")
    lead = assign(incident, "lead")

    response = post(api_client, lead, FREEZES, {"reason": "Wait", "incident": incident.pk})

    assert response.status_code == 201, response.content
    assert response.json()["incident"] == incident.pk
    assert ids(signed_in(api_client, lead).get(FREEZES, {"active": True})) == [
        response.json()["id"]]
    assert ids(signed_in(api_client, outsider).get(FREEZES)) == []
    assert post(api_client, outsider, FREEZES,
                {"reason": "Wait", "incident": incident.pk}).json() == {
        "incident": ["No incident with this id."]}


def test_a_correction_names_the_published_statement_it_corrects(api_client, approved, officer,
                                                                 incident):
    services.statement_publish(actor=officer, statement=approved)

    response = post(api_client, officer, LIST, {
        "incident": incident.pk, "kind": "correction", "language": "en", "title": "Correction",
        "body": "The batch is 43.", "corrects": approved.pk, "corrects_as": "correction"})

    assert response.status_code == 201, response.content
    assert (response.json()["corrects"], response.json()["corrects_as"]) == (
        approved.pk, "correction")
    draft_again = post(api_client, officer, LIST, {
        **CREATE, "incident": incident.pk, "corrects": response.json()["id"]})
    assert draft_again.status_code == 409  # only a published statement is corrected


# --- the approval queue --------------------------------------------------------------------------

def test_the_queue_shows_only_what_waits_for_the_signed_in_user(
        api_client, in_review, officer, legal, assign, incident):
    other_incident_legal = assign(Incident.objects.create(
        title="Elsewhere", type=incident.type, created_by=officer), "legal_reviewer")

    [item] = signed_in(api_client, legal).get(QUEUE).json()["results"]

    assert item["statement"]["id"] == in_review.pk
    assert (item["version"]["number"], item["version"]["content_hash"]) == (
        1, StatementVersion.objects.get(statement=in_review).content_hash)
    assert item["version"]["content"]["body"] == "We are sorry."
    assert [s["name"] for s in item["stages"]] == ["Legal review"]
    assert (item["as_fallback"], item["overdue"], item["last_seen"], item["diff_url"]) == (
        False, False, None, None)
    assert item["due_at"]
    for nobody_waits in (officer, other_incident_legal):
        assert signed_in(api_client, nobody_waits).get(QUEUE).json()["results"] == []


def test_the_queue_links_the_diff_from_the_version_last_seen(api_client, in_review, officer,
                                                             legal):
    services.statement_decide(actor=legal, statement=in_review, version=1,
                              decision="request_changes", comment="Say when.")
    services.statement_edit(actor=officer, statement=in_review, body="Since 3 May.", **FRAME)
    submit(in_review, officer)

    [item] = signed_in(api_client, legal).get(QUEUE).json()["results"]

    assert (item["version"]["number"], item["last_seen"]) == (2, 1)
    assert item["diff_url"].endswith(f"/api/statements/{in_review.pk}/diff/?from=1&to=2")
    assert signed_in(api_client, legal).get(item["diff_url"]).status_code == 200


# --- who may see ---------------------------------------------------------------------------------

def test_an_outsider_finds_nothing_of_a_statement_they_may_not_view(api_client, in_review,
                                                                    outsider, incident):
    Incident.objects.filter(pk=incident.pk).update(confidentiality="confidential")
    client = signed_in(api_client, outsider)
    reads = [url(in_review), url(in_review, "versions"), url(in_review, "diff") + "?from=1&to=1",
             f"/api/statements/{in_review.pk}/comments/"]
    writes = [url(in_review, action) for action in
              ("submit", "approve", "reject", "request-changes", "withdraw", "publish")]
    writes.append(f"/api/statements/{in_review.pk}/comments/")

    for path in reads:
        assert client.get(path).status_code == 404, path
    for path in writes:
        assert client.post(path, {"version": 1, "comment": "x", "body": "x"},
                           format="json").status_code == 404, path
    assert client.patch(url(in_review), {"body": "Mine"}, format="json").status_code == 404
    assert ids(client.get(LIST)) == []
    assert client.get(QUEUE).json()["results"] == []
    assert Statement.objects.get().current_version == 1
    assert not StatementComment.objects.exists()


@pytest.mark.parametrize(("method", "action"), [
    ("patch", ""), ("post", "submit"), ("post", "withdraw"), ("post", "publish"),
    ("post", "comments"), ("post", "approve")])
def test_a_viewer_without_the_right_is_refused_whatever_the_body(api_client, in_review,
                                                                 incident, assign, method,
                                                                 action):
    observer = assign(incident, "observer")
    before = list(Statement.objects.values())

    response = getattr(signed_in(api_client, observer), method)(
        url(in_review, action), {"version": "x", "body": ["x"], "junk": 1}, format="json")

    # A decision's body is read first (the service alone knows who decides which stage).
    assert response.status_code == (400 if action == "approve" else 403)
    assert list(Statement.objects.values()) == before
    assert not StatementComment.objects.exists()


def test_the_list_filters_by_incident_status_and_kind(api_client, in_review, draft, officer,
                                                      incident):
    memo = services.statement_create(actor=officer, incident=incident, kind="internal_memo",
                                     language="en", title="Memo", body="Internal.")
    client = signed_in(api_client, officer)

    assert ids(client.get(LIST, {"incident": incident.pk})) == [memo.pk, in_review.pk]
    assert ids(client.get(LIST, {"status": "in_review"})) == [in_review.pk]
    assert ids(client.get(LIST, {"kind": "internal_memo"})) == [memo.pk]
    assert ids(client.get(LIST, {"incident": incident.pk + 1000})) == []
    assert client.get(LIST, {"status": "lost"}).status_code == 400
    assert client.get(LIST, {"incident": "x"}).status_code == 400


def test_the_list_costs_the_same_queries_for_one_statement_or_many(api_client, incident,
                                                                   officer, legal):
    def statement(n):
        made = services.statement_create(actor=officer, incident=incident, kind="holding",
                                         language="en", title=f"S{n}", body="Text", **FRAME)
        services.statement_edit(actor=officer, statement=made, body=f"Text {n}", **FRAME)
        submit(made, officer)
        services.statement_decide(actor=legal, statement=made, version=2, decision="approve")
        return made

    def queries() -> int:
        client = signed_in(api_client, officer)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured.captured_queries)

    statement(0)
    one = queries()
    for n in range(1, 6):
        statement(n)
    assert queries() == one
    assert len(signed_in(api_client, officer).get(LIST).json()["results"]) == 6


def test_the_queue_costs_the_same_queries_for_one_statement_or_many(api_client, incident,
                                                                    officer, legal):
    def queries() -> int:
        client = signed_in(api_client, legal)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured.captured_queries)

    def waiting(n):
        submit(services.statement_create(actor=officer, incident=incident, kind="holding",
                                         language="en", title=f"S{n}", body="Text", **FRAME),
               officer)

    waiting(0)
    one = queries()
    for n in range(1, 6):
        waiting(n)
    assert queries() == one


# --- bad input -----------------------------------------------------------------------------------

def test_no_put_and_no_delete(api_client, draft, officer):
    client = signed_in(api_client, officer)
    assert client.put(url(draft), {"title": "x"}, format="json").status_code == 405
    assert client.delete(url(draft)).status_code == 405


CREATE = {"kind": "holding", "language": "en", "title": "T", "body": "B"}


@pytest.mark.parametrize(("path", "payload", "field"), [
    ("create", {**CREATE, "incident": "1"}, "incident"),
    ("create", {**CREATE, "incident": 999999}, "incident"),
    ("create", {**CREATE, "title": ["x"]}, "title"),
    ("create", {**CREATE, "title": "  "}, "title"),
    ("create", {**CREATE, "title": "x" * 201}, "title"),
    ("create", {**CREATE, "kind": "poem"}, "kind"),
    ("create", {**CREATE, "language": "fr"}, "language"),
    ("create", {**CREATE, "body": "x" * 20_001}, "body"),
    ("create", {**CREATE, "what_happened": 5}, "what_happened"),
    ("create", {**CREATE, "audience": "customers"}, "audience"),
    ("create", {**CREATE, "audience": ["regulators"]}, "audience"),  # not the incident's
    ("create", {**CREATE, "variants": {"tiktok": "Hi"}}, "variants.tiktok"),
    ("create", {**CREATE, "variants": {"sms": "x" * 161}}, "variants.sms"),
    ("create", {**CREATE, "variants": ["sms"]}, "variants"),
    ("create", {**CREATE, "status": "published"}, "status"),
    ("create", {**CREATE, "corrects": 999999}, "corrects"),
    ("edit", {}, "non_field_errors"),
    ("edit", {"body": "We are sorry."}, "body"),  # nothing changed
    ("edit", {"title": None}, "title"),
    ("edit", {"kind": "apology"}, "kind"),
    ("edit", {"variants": {"social": "x" * 281}}, "variants.social"),
    ("approve", {}, "version"),
    ("approve", {"version": "1"}, "version"),
    ("approve", {"version": True}, "version"),
    ("approve", {"version": 1.5}, "version"),
    ("approve", {"version": 0}, "version"),
    ("approve", {"version": 1, "comment": ["x"]}, "comment"),
    ("approve", {"version": 1, "comment": "x" * 4_001}, "comment"),
    ("request-changes", {"version": 1, "comment": "   "}, "comment"),
    ("approve", {"version": 1, "stage": 1}, "stage"),
    ("withdraw", {"reason": 3}, "reason"),
    ("submit", {"now": True}, "now"),
    ("comments", {}, "body"),
    ("comments", {"body": "x", "version": "2"}, "version"),
    ("freeze", {}, "reason"),
    ("freeze", {"reason": "x", "incident": "all"}, "incident"),
])
def test_bad_input_is_a_400_naming_the_field(api_client, in_review, officer, legal, incident,
                                             path, payload, field):
    before = list(Statement.objects.values())
    versions = StatementVersion.objects.count()
    paths = {"create": LIST, "comments": f"/api/statements/{in_review.pk}/comments/",
             "freeze": FREEZES}
    who = legal if path in ("approve", "request-changes") else officer
    if path == "freeze":
        who = join(UserFactory(), Capability.CRISIS_MANAGER)
    if path == "create":
        payload = {"incident": incident.pk, **payload}
    client = signed_in(api_client, who)

    if path == "edit":
        response = client.patch(url(in_review), payload, format="json")
    else:
        response = client.post(paths.get(path, url(in_review, path)), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert list(Statement.objects.values()) == before
    assert StatementVersion.objects.count() == versions
    assert not PublishingFreeze.objects.exists()


def test_the_browsable_api_renders_every_route(api_client, in_review, officer, legal):
    freeze = services.freeze_create(actor=join(officer, Capability.CRISIS_MANAGER),
                                    reason="Hold")
    paths = [LIST, url(in_review), url(in_review, "versions"),
             url(in_review, "diff") + "?from=1&to=1", f"{LIST}{in_review.pk}/comments/",
             *(url(in_review, action) for action in ("submit", "approve", "reject",
                                                      "request-changes", "withdraw",
                                                      "publish")),
             QUEUE, FREEZES, f"{FREEZES}{freeze.pk}/", f"{FREEZES}{freeze.pk}/lift/"]
    for user in (officer, legal):
        client = signed_in(api_client, user)
        for path in paths:
            response = client.get(path, HTTP_ACCEPT="text/html")
            assert response.status_code in (200, 405), (path, response.status_code)


def test_malformed_json_is_a_400(api_client, in_review, legal):
    response = signed_in(api_client, legal).post(url(in_review, "approve"), "{not json",
                                                 content_type="application/json")
    assert response.status_code == 400


# --- the contract, on rows that exist ------------------------------------------------------------

contract_schema = api_contract.schema.include(
    path_regex=r"^/api/(statements|approval-queue|publishing-freezes)/")


@pytest.fixture
def in_process_requests():
    """Requests served inside the test's transaction (as in tests/test_api_contract.py)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def contract_world(in_process_requests, in_review, approved_other, officer, incident, assign):
    """Statements in review, approved and published, and a freeze, read by a reviewer who
    also leads the incident and may freeze publishing (so writes get past the rights)."""
    reviewer = join(assign(incident, "legal_reviewer", "counsel"), Capability.CRISIS_MANAGER)
    assign(incident, "lead", user=reviewer)
    published = services.statement_create(actor=officer, incident=incident, kind="update",
                                          language="zh-hans", title="已發布", body="內容",
                                          variants={"social": "短"}, **FRAME)
    submit(published, officer)
    services.statement_decide(actor=reviewer, statement=published, version=1,
                              decision="approve")
    services.statement_publish(actor=officer, statement=published)
    freeze = services.freeze_create(actor=reviewer, reason="Hold", incident=incident)
    services.comment_add(actor=reviewer, statement=in_review, body="@officer check")
    return {"token": Token.objects.create(user=reviewer).key,
            "ids": [in_review.pk, approved_other.pk, published.pk, freeze.pk]}


@pytest.fixture
def approved_other(officer, incident, legal):
    statement = services.statement_create(actor=officer, incident=incident, kind="apology",
                                          language="en", title="Sorry", body="Sorry.", **FRAME)
    services.statement_edit(actor=officer, statement=statement, body="So sorry.", **FRAME)
    submit(statement, officer)
    services.statement_decide(actor=legal, statement=statement, version=2, decision="approve")
    return statement


@contract_schema.parametrize()
@settings(max_examples=api_contract.EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_the_statement_routes_keep_their_schema_on_real_rows(case, contract_world):
    ids = contract_world["ids"]
    for name, value in (case.path_parameters or {}).items():
        if str(value).isdigit():
            case.path_parameters[name] = ids[int(value) % len(ids)]
    case.call_and_validate(headers={"Authorization": f"Token {contract_world['token']}"},
                           checks=api_contract.CHECKS)
