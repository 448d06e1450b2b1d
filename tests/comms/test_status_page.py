"""The public status page (comms.status, comms.status_views, comms.feeds): only the published
version of published public statements, nothing else of their incident, corrections shown,
the reader's language preferred, served from the cache until a publication, an Atom feed of
the same statements, and no session for anonymous readers."""

import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comms import services, status
from comms.choices import Decision
from comms.models import Publication
from crisis.choices import Confidentiality
from tests.comms.conftest import FRAME
from tests.crisis.factories import IncidentFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
STATUS = "/status/"


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached (the cache outlives a test's rollback)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def write(officer, incident):
    """A statement in ``incident`` as the communications officer drafts it."""

    def write(title, *, body="", language="en", kind="holding", target=None, by=None, **extra):
        return services.statement_create(
            actor=by or officer, incident=target or incident, kind=kind, language=language,
            title=title, body=body or f"{title} body.", audience=["customers"],
            **{**FRAME, **extra})

    return write


@pytest.fixture
def approve(officer, legal):
    def approve(statement, *, by=None, decider=None):
        services.statement_submit(actor=by or officer, statement=statement)
        statement.refresh_from_db()
        services.statement_decide(actor=decider or legal, statement=statement,
                                  decision=Decision.APPROVE, version=statement.current_version)
        statement.refresh_from_db()
        return statement

    return approve


@pytest.fixture
def publish(approve, officer, django_capture_on_commit_callbacks):
    """Approve and publish, committing (so the page's cache hears of it)."""

    def publish(statement, **kwargs):
        approve(statement, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            return services.statement_publish(actor=kwargs.get("by") or officer,
                                              statement=statement)

    return publish


def read(client, path=STATUS, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_only_the_published_text_of_public_statements_appears(client, officer, legal, write,
                                                              approve, publish, incident,
                                                              assign):
    publish(write("Batch 42 recall", body="Return your **K2** kettle."))
    write("Draft in progress")
    approve(write("Approved, not yet out"))
    services.statement_submit(actor=officer, statement=write("Waiting for legal"))
    rejected = write("Rejected wording")
    services.statement_submit(actor=officer, statement=rejected)
    services.statement_decide(actor=legal, statement=rejected, decision=Decision.REJECT,
                              comment="No.", version=1)
    memo = publish(write("Staff memo: say nothing", kind="internal_memo"),
                   decider=assign(incident, "lead"))
    assert Publication.objects.count() == 2  # the memo went out, internally

    page = read(client)
    assert "Batch 42 recall" in page and "Return your <strong>K2</strong> kettle." in page
    assert FRAME["what_happened"] in page
    for absent in ("Draft in progress", "Approved, not yet out", "Waiting for legal",
                   "Rejected wording", "Staff memo", "say nothing"):
        assert absent not in page
    assert client.get(reverse("status-statement", args=[memo.pk])).status_code == 404


def test_the_published_version_is_shown_not_a_correction_in_the_works(client, write, publish):
    original = publish(write("Recall", body="Batch 42.")).statement
    write("Recall (corrected)", body="Batch 43, not 42.", kind="correction",
          corrects=original, corrects_as="correction")
    page = read(client)
    assert "Batch 42." in page and "Batch 43" not in page
    assert "This statement was corrected." not in page


def test_a_confidential_incident_shows_only_its_published_statements(
        client, assign, django_capture_on_commit_callbacks):
    secret = IncidentFactory(title="Project Nightingale leak", summary="Insider at the plant",
                             confidentiality=Confidentiality.CONFIDENTIAL,
                             stakeholder_kinds=["customers"])
    officer, legal = (assign(secret, "communications_officer"),
                      assign(secret, "legal_reviewer"))
    statement = services.statement_create(
        actor=officer, incident=secret, kind="holding", language="en",
        title="Customer data notice", body="We are looking into it.", **FRAME)
    services.statement_submit(actor=officer, statement=statement)
    services.statement_decide(actor=legal, statement=statement, decision=Decision.APPROVE,
                              version=1)
    assert "Customer data notice" not in read(client)  # approved is not published

    with django_capture_on_commit_callbacks(execute=True):
        publication = services.statement_publish(actor=officer, statement=statement)
    for path in (STATUS, reverse("status-statement", args=[publication.pk]),
                 reverse("status-feed")):
        text = read(client, path)
        assert "Customer data notice" in text
        for secret_word in ("Nightingale", "Insider", secret.reference, "confidential",
                            "Confidential", f"/incidents/{secret.pk}/"):
            assert secret_word not in text


def test_a_superseded_statement_says_so_and_links_its_correction(client, write, publish):
    corrected = publish(write("Recall", body="Batch 42 only."))
    correction = publish(write("Recall, corrected", body="Batches 42 and 43.",
                               kind="correction", corrects=corrected.statement,
                               corrects_as="correction"))
    retracted = publish(write("Cause found", body="A supplier's fault."))
    retraction = publish(write("Cause not yet known", body="We were wrong to name a cause.",
                               kind="correction", corrects=retracted.statement,
                               corrects_as="retraction"))
    link = {p: f'href="{reverse("status-statement", args=[p.pk])}"'
            for p in (corrected, correction, retracted, retraction)}

    page = read(client)
    assert "Batches 42 and 43." in page and link[corrected] in page  # "Corrects: Recall"
    assert "This statement was retracted." in page and link[retraction] in page
    assert "A supplier" not in page
    permalink = read(client, reverse("status-statement", args=[corrected.pk]))
    assert "Batch 42 only." in permalink  # what went out, still there
    assert "This statement was corrected." in permalink and link[correction] in permalink
    permalink = read(client, reverse("status-statement", args=[retracted.pk]))
    assert "Cause found" in permalink and "A supplier" not in permalink
    assert link[retraction] in permalink


def test_the_reader_gets_statements_in_their_language_first(client, write, publish, incident,
                                                             assign):
    publish(write("Kettle recall", body="Return your kettle.", language="en"))
    publish(write("水壺回收", body="請退回您的水壺。", language="zh-hant"))
    other = IncidentFactory(stakeholder_kinds=["customers"])
    officer, legal = assign(other, "communications_officer"), assign(other, "legal_reviewer")
    publish(write("Only in English", target=other, by=officer), by=officer, decider=legal)

    chinese = read(client, HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9")
    assert '<html lang="zh-hant">' in chinese
    assert chinese.index("水壺回收") < chinese.index("Kettle recall")
    others = chinese.index("-other-languages")  # the heading of the statements set aside
    assert chinese.index("Kettle recall") > others  # set aside, still there
    assert chinese.index("Only in English") < others  # shown as it is: nothing in Chinese
    assert '<article class="card mb-3" lang="en"' in chinese
    english = read(client, HTTP_ACCEPT_LANGUAGE="en")  # the Chinese page is not served here
    assert '<html lang="en">' in english
    assert (english.index("Kettle recall") < english.index("-other-languages")
            < english.index("水壺回收"))
    client.cookies["django_language"] = "zh-hant"
    by_cookie = read(client, HTTP_ACCEPT_LANGUAGE="en")
    assert by_cookie.index("水壺回收") < by_cookie.index("Kettle recall")


def test_a_second_reader_is_served_from_the_cache_until_a_publication(client, write, publish):
    publish(write("First update"))
    read(client)
    with CaptureQueriesContext(connection) as queries:
        page = read(client)
    assert len(queries) == 0 and "First update" in page
    publish(write("Second update"))
    assert "Second update" in read(client)


def test_while_one_request_renders_a_page_the_others_get_the_one_before():
    assert status.cached("page", lambda: "before") == "before"
    status.forget()  # a publication
    cache.add("status-page:page:rendering", "busy")  # another request is rendering it
    assert status.cached("page", lambda: pytest.fail("rendered twice at once")) == "before"
    cache.delete("status-page:page:rendering")
    assert status.cached("page", lambda: "after") == "after"


def test_the_feed_is_atom_with_the_same_statements(client, write, publish):
    first = publish(write("Recall", body="Batch 42."))
    publish(write("Recall, corrected", body="Batch 43.", kind="correction",
                  corrects=first.statement, corrects_as="correction"))
    publish(write("水壺回收", language="zh-hant"))

    response = client.get(reverse("status-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{tag}") is not None
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        for tag in ("id", "title", "updated", "content", "link"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
        assert entry.find(f"{ATOM}content").get("type") == "html"
    titles = {entry.find(f"{ATOM}title").text for entry in entries}
    assert titles == {"Corrected: Recall", "Recall, corrected", "水壺回收"}
    ids = {entry.find(f"{ATOM}id").text for entry in entries}
    assert ids == {f"http://testserver/status/{p.pk}/" for p in Publication.objects.all()}
    page = read(client)
    assert all(title.removeprefix("Corrected: ") in page for title in titles)
    assert "Batch 43." in ET.tostring(feed, encoding="unicode")


def test_anonymous_readers_get_the_page_without_a_session_or_any_cookie(client, write, publish):
    publication = publish(write("Recall"))
    for path in (STATUS, reverse("status-feed"),
                 reverse("status-statement", args=[publication.pk])):
        response = client.get(path)
        assert response.status_code == 200
        assert not response.cookies  # no session, no CSRF token
        assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]
        assert "Content-Security-Policy" in response
    assert client.get(STATUS + "?page=x").status_code == 400
    assert client.get(STATUS + "?page=9").status_code == 404
    assert client.get(reverse("status-statement", args=[publication.pk + 1])).status_code == 404
