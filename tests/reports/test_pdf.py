"""The review PDF: what it holds (sections, figures, the marking on every page, contents
with page numbers, a header row on every page a table runs onto, the cut timeline), in
English and Chinese with the matching CJK face embedded; rendered once per version, with
its progress on the incident's stream; downloadable by those who may view the incident.

Rendering costs about a second a document, so the documents the content tests read are
rendered once for the module (``documents``), from data written in a transaction that is
rolled back when they are made."""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from crisis.choices import Confidentiality, IncidentStatus, Severity, TimelineKind
from crisis.models import LiveEvent, TimelineEntry
from reports import pdf as review_pdf
from reports import tasks
from reports.metrics import compute_metrics, metrics_as_json
from reports.models import (
    ActionItem,
    ActionItemTarget,
    PdfStatus,
    PostIncidentReview,
    ReviewPdf,
    ReviewSignOff,
    ReviewVersion,
    SignOffRole,
)
from reports.rendering import render_document
from teams.choices import NotificationKind
from teams.models import Notification, Role, RoleAssignment
from teams.services import incident_rights_sync
from tests.crisis.factories import IncidentFactory
from tests.reports.test_metrics import T0, at, build_incident
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

TITLE = "X2 kettle leaks: 客服熱線等候時間過長"
SUMMARY_ZH_HANT = "客服熱線等候時間過長引發網路抱怨，我們在一小時內發布了聲明。"
SUMMARY_ZH_HANS = "客服热线等候时间过长引发网络抱怨，我们在一小时内发布了声明。"
TIMELINE_SHOWN = 40  # the appendix's bound in these tests (the real one is 400)


@pytest.fixture(autouse=True)
def poppler():
    if not shutil.which("pdffonts"):
        pytest.fail("poppler-utils is missing: scripts/setup installs it (apt-get).")


def make_review(*, signed_off: bool = True, notes: int = 0):
    """A closed, confidential incident (tests.reports.test_metrics' constructed one) with
    its review: version 1 written, signed off by the lead and the sponsor (or a draft),
    two action items, and ``notes`` more timeline entries."""
    incident = build_incident()
    type(incident).objects.filter(pk=incident.pk).update(
        title=TITLE, severity=Severity.CRITICAL, confidentiality=Confidentiality.CONFIDENTIAL)
    incident.refresh_from_db()
    TimelineEntry.objects.bulk_create([
        TimelineEntry(incident=incident, kind=TimelineKind.NOTE, created_at=at(31 + n % 290),
                      body=f"Note {n}: call centre queue at {n} minutes.")
        for n in range(notes)])
    TimelineEntry.objects.create(incident=incident, kind=TimelineKind.DECISION, pinned=True,
                                 body="Recall the X2 batch 2611.", created_at=at(95))
    lead = UserFactory(first_name="Mei", last_name="Chen")
    sponsor = UserFactory(first_name="Oskar", last_name="Lindqvist")
    review = PostIncidentReview.objects.create(incident=incident, language="en")
    version = ReviewVersion.objects.create(
        review=review, number=1, revision=3,
        executive_summary=f"Kettles leaked; we answered within the hour. {SUMMARY_ZH_HANT}",
        what_happened="Videos of leaking X2 kettles spread on the morning of 2 November.",
        impact="Call volume tripled for a day. " + SUMMARY_ZH_HANS,
        went_well="Legal approved the holding statement in 20 minutes.",
        went_badly="The regulators' deliveries stayed queued.",
        root_cause="A seal supplier changed material without notice.",
        contributing_factors="- No incoming inspection of seals.\n- **No** notice clause.",
        lessons="Inspect seals at intake.")
    if signed_off:
        for user, role in ((lead, SignOffRole.LEAD), (sponsor, SignOffRole.EXECUTIVE_SPONSOR)):
            ReviewSignOff.objects.create(version=version, role=role, user=user,
                                         signed_at=at(60 * 24 * 3))
        version.signed_off_at = at(60 * 24 * 3)
        version.metrics = metrics_as_json(compute_metrics(incident))
        version.save()
    for title, changes in (("Inspect seals at intake", ActionItemTarget.OTHER),
                           ("Legal review SLA of 15 minutes", ActionItemTarget.OTHER)):
        ActionItem.objects.create(review=review, title=title, owner=lead, created_by=lead,
                                  due_on=(T0 + timedelta(days=30)).date(), changes=changes)
    return version


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    """{language: (pdf bytes, pages)} of one signed-off review, rendered once for the module
    (the timeline appendix bounded to TIMELINE_SHOWN entries, with more than that)."""
    made = {}
    with django_db_blocker.unblock(), transaction.atomic(), \
            pytest.MonkeyPatch.context() as patch:
        patch.setattr(review_pdf, "TIMELINE_ENTRIES", TIMELINE_SHOWN)
        version = make_review(notes=60)
        for language in ("en", "zh-hant", "zh-hans"):
            with translation.override(language):
                context = review_pdf.review_pdf_context(
                    version, record=review_pdf.gather_record(version))
                document = render_document(template="reports/review_pdf.html", context=context,
                                           stylesheets=review_pdf.STYLESHEETS)
            made[language] = (document.pdf, document.pages)
        transaction.set_rollback(True)
    return made


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Without spaces and line breaks (the PDF breaks Chinese lines anywhere)."""
    return "".join(text.split())


def fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "review.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                          text=True).stdout


HEADINGS = ["Executive summary", "What happened", "Impact", "Response metrics",
            "What went well", "What went badly", "Root cause and contributing factors",
            "Lessons", "Key moments", "Statement history", "Action items",
            "Appendix A: Full timeline", "Appendix B: Metric definitions"]


def test_cover_contents_summary_and_sections_with_the_computed_figures(documents):
    pdf, page_count = documents["en"]
    pages = pages_text(pdf)
    assert len(pages) == page_count >= 8
    cover, contents, summary = pages[0], pages[1], pages[2]
    assert "CrisisDesk" in cover  # CRISISDESK_COMPANY_NAME's default
    assert TITLE in cover and "INC-" in cover and "CONFIDENTIAL" in cover
    assert "2026-11-02 08:00 UTC" in cover and "2026-11-02 13:30 UTC" in cover  # dates
    assert "Critical" in cover and "Signed by Mei Chen" in cover
    assert "Page " not in cover  # the cover carries no running header or number
    # Contents: each heading with the page it starts on (target-counter).
    for heading in HEADINGS:
        listed = re.search(re.escape(heading) + r"[ .]*?(\d+)\s*$", contents, re.MULTILINE)
        assert listed, heading
        page = int(listed[1])
        assert heading in pages[page - 1], (heading, page)
    # The one-page summary: the text and the big figures (tests.reports.test_metrics'
    # answers: detected in 12 min, acknowledged in 18, first statement after 1 h).
    assert "Executive summary" in summary and squash(SUMMARY_ZH_HANT) in squash(summary)
    for figure in ("12 min", "18 min", "1 h 00 min", "Time to detect",
                   "Time to first holding statement", "3 of 4"):
        assert figure in summary, figure
    assert "Mention volume and negative share" in summary  # the chart, drawn as SVG
    text = "\n".join(pages)
    for heading in HEADINGS:
        assert heading in text
    # Each metric with its definition beside it; who approved which statement version when.
    assert "From the opening of the alert that led to this incident" in text
    assert "Legal review: Approve by" in text and "2026-11-02 09:05" in text
    assert "Recall the X2 batch 2611." in text  # the pinned decision, a key moment
    assert "Inspect seals at intake" in text and "Mei Chen" in text  # an action item
    assert "A seal supplier changed material without notice." in text
    # The sections are Markdown, as on the review page: a list, not hyphens and asterisks.
    assert "No incoming inspection of seals." in text and "notice clause." in text
    assert "- No incoming" not in text and "**" not in text


def test_every_page_after_the_cover_has_the_marking_and_its_number(documents):
    pdf, page_count = documents["en"]
    for number, page in enumerate(pages_text(pdf)[1:], start=2):
        assert "CONFIDENTIAL" in page, number
        assert f"Page {number} of {page_count}" in page, number


def test_the_timeline_table_repeats_its_header_row_and_says_where_it_was_cut(documents):
    pages = pages_text(documents["en"][0])
    first, last = (next(n for n, page in enumerate(pages) if n > 1 and heading in page)
                   for heading in ("Appendix A: Full timeline", "Appendix B: Metric definitions"))
    assert last - first >= 2  # the table runs onto another page...
    for page in pages[first:last]:
        assert re.search(r"Time\s+Kind\s+What\s+By", page), page  # ...with its header row
    appendix = "\n".join(pages[first:last])
    total = re.search(r"oldest first: (\d+) entries", appendix)
    assert total and int(total[1]) > TIMELINE_SHOWN
    assert (f"this appendix shows the first {TIMELINE_SHOWN} of {total[1]} entries"
            in " ".join(appendix.split()))


@pytest.mark.parametrize(("language", "face", "other"), [
    ("zh-hant", "Noto-Sans-CJK-TC", "Noto-Sans-CJK-SC"),
    ("zh-hans", "Noto-Sans-CJK-SC", "Noto-Sans-CJK-TC"),
])
def test_chinese_pdfs_hold_the_text_in_the_matching_cjk_face(documents, tmp_path, language,
                                                           face, other):
    pdf, _pages = documents[language]
    text = squash("".join(pages_text(pdf)))
    assert squash(TITLE) in text
    assert squash(SUMMARY_ZH_HANT) in text and squash(SUMMARY_ZH_HANS) in text
    with translation.override(language):
        assert str(Severity.CRITICAL.label) in text
    embedded = fonts(pdf, tmp_path)
    assert face in embedded and other not in embedded, embedded


# --- rendering once, its progress, who hears of it --------------------------------------------

def small_review(*, confidentiality=Confidentiality.INTERNAL, signed_off=False):
    """A closed incident with a short review (no mentions, statements or alerts), its lead
    and its executive sponsor on the team."""
    incident = IncidentFactory(title="Checkout outage", status=IncidentStatus.CLOSED,
                               confidentiality=confidentiality, detected_at=at(0),
                               closed_at=at(90))
    lead, sponsor = UserFactory(username="pdf-lead"), UserFactory(username="pdf-sponsor")
    for user, code in ((lead, "lead"), (sponsor, "executive_sponsor")):
        RoleAssignment.objects.create(incident=incident, user=user,
                                      role=Role.objects.get(code=code))
        incident_rights_sync(incident=incident, user=user)
    review = PostIncidentReview.objects.create(incident=incident, language="en")
    version = ReviewVersion.objects.create(review=review, number=1,
                                           executive_summary="Checkout failed for 90 minutes.")
    if signed_off:
        for user, role in ((lead, SignOffRole.LEAD), (sponsor, SignOffRole.EXECUTIVE_SPONSOR)):
            ReviewSignOff.objects.create(version=version, role=role, user=user)
        version.signed_off_at = at(60 * 24)
        version.metrics = metrics_as_json(compute_metrics(incident))
        version.save()
    return version, lead, sponsor


def run(callbacks) -> None:
    """What waited for the commit: the broadcasts and the render task (a worker's part)."""
    for callback in callbacks:
        callback()


def pdf_events(incident) -> list[tuple[str, int]]:
    return [(event.data["status"], event.data["progress"])
            for event in LiveEvent.objects.filter(incident=incident, type="review.pdf")
            .order_by("seq")]


@pytest.fixture
def stored():
    """Files the test stored under reviews/, removed afterwards."""
    names = []
    yield names
    for name in filter(None, names):
        default_storage.delete(name)


def test_a_signed_off_version_renders_once_shows_its_progress_and_tells_the_executives(
        django_capture_on_commit_callbacks, stored):
    version, lead, sponsor = small_review(signed_off=True)
    incident = version.review.incident

    with django_capture_on_commit_callbacks(execute=True):
        asked = review_pdf.pdf_request(user=lead, version=version, language="zh-hant")
    asked.refresh_from_db()
    stored.append(asked.file.name)

    assert asked.status == PdfStatus.READY and asked.progress == 100
    assert asked.file.name.startswith("reviews/") and default_storage.exists(asked.file.name)
    assert asked.size == len(asked.file.read()) > 0 and asked.pages >= 6
    assert pdf_events(incident) == [("queued", 0), ("rendering", 10), ("rendering", 30),
                                    ("rendering", 60), ("rendering", 90), ("ready", 100)]
    for person in (lead, sponsor):  # the lead asked, but the task tells everyone
        assert Notification.objects.filter(recipient=person,
                                           kind=NotificationKind.REVIEW_PDF_READY).count() == 1

    # Asked again, and the task handed out again by the broker: nothing is rendered again.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = review_pdf.pdf_request(user=sponsor, version=version, language="zh-hant")
    tasks.review_pdf_render(asked.pk)
    assert again.pk == asked.pk and not callbacks
    assert ReviewPdf.objects.get().rendered_at == asked.rendered_at
    assert len(pdf_events(incident)) == 6

    # Its file gone from the storage: asking queues it again.
    default_storage.delete(asked.file.name)
    with django_capture_on_commit_callbacks():
        lost = review_pdf.pdf_request(user=sponsor, version=version, language="zh-hant")
    assert lost.pk == asked.pk and lost.status == PdfStatus.QUEUED and not lost.file
    assert pdf_events(incident)[-1] == ("queued", 0)


def test_a_failed_render_keeps_no_file_and_asking_again_queues_it_anew(
        django_capture_on_commit_callbacks, monkeypatch):
    version, lead, _sponsor = small_review(signed_off=True)
    saved = []
    original_save = default_storage.save
    monkeypatch.setattr(default_storage, "save",
                        lambda name, content: saved.append(original_save(name, content))
                        or saved[-1])

    def no_mail(*args, **kwargs):
        raise RuntimeError("The notification could not be stored")

    monkeypatch.setattr(review_pdf, "_tell_executives", no_mail)  # after the file is stored
    with django_capture_on_commit_callbacks(execute=True):
        failed = review_pdf.pdf_request(user=lead, version=version, language="en")
    failed.refresh_from_db()

    assert failed.status == PdfStatus.FAILED and failed.progress == 0
    assert failed.error == "The notification could not be stored"
    assert not failed.file and saved and not default_storage.exists(saved[0])
    assert pdf_events(version.review.incident)[-1] == ("failed", 0)

    with django_capture_on_commit_callbacks():  # not run: just queued
        queued = review_pdf.pdf_request(user=lead, version=version, language="en")
    assert queued.pk == failed.pk and queued.status == PdfStatus.QUEUED and queued.error == ""
    assert pdf_events(version.review.incident)[-1] == ("queued", 0)


def test_a_draft_edited_while_queued_is_not_rendered_under_its_old_revision(
        django_capture_on_commit_callbacks):
    version, lead, _sponsor = small_review()
    with django_capture_on_commit_callbacks():
        asked = review_pdf.pdf_request(user=lead, version=version, language="en")
    ReviewVersion.objects.filter(pk=version.pk).update(revision=version.revision + 1)

    tasks.review_pdf_render(asked.pk)

    asked.refresh_from_db()
    assert asked.status == PdfStatus.FAILED and "ask for it again" in asked.error
    assert not asked.file


# --- the API and the download ------------------------------------------------------------------

def test_the_api_answers_202_with_progress_then_the_file(api_client, stored,
                                                         django_capture_on_commit_callbacks):
    version, lead, sponsor = small_review(signed_off=True)
    review = version.review
    url = reverse("api:review-pdf", args=[review.pk])
    api_client.force_authenticate(lead)

    with django_capture_on_commit_callbacks() as callbacks:  # the task waits in the queue
        first = api_client.get(url, {"language": "zh-hans"})
        api_client.force_authenticate(sponsor)
        second = api_client.get(url, {"language": "zh-hans", "version": "1"})

    assert first.status_code == second.status_code == 202
    assert first.json()["status"] == "queued" and first.json()["progress"] == 0
    assert first.json()["url"].endswith(f"{url}?version=1&language=zh-hans")
    assert ReviewPdf.objects.count() == 1  # queued once
    assert pdf_events(review.incident) == [("queued", 0)]

    run(callbacks)  # the worker renders it
    stored.append(ReviewPdf.objects.get().file.name)
    ready = api_client.get(url, {"language": "zh-hans"})

    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert (f'attachment; filename="{review.incident.reference}-review-v1-zh-hans.pdf"'
            == ready["Content-Disposition"])
    assert b"".join(ready.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(("query", "field"), [
    ({"language": "fr"}, "language"),
    ({"version": "7"}, "version"),
    ({"version": "one"}, "version"),
])
def test_bad_input_is_a_400_naming_the_field_and_queues_nothing(api_client, query, field):
    version, lead, _sponsor = small_review()
    api_client.force_authenticate(lead)

    response = api_client.get(reverse("api:review-pdf", args=[version.review.pk]), query)

    assert response.status_code == 400 and field in response.json()
    assert not ReviewPdf.objects.exists()


def test_whoever_may_not_view_the_incident_gets_404_from_the_api_and_the_page(
        api_client, client, outsider):
    version, _lead, _sponsor = small_review(confidentiality=Confidentiality.CONFIDENTIAL)
    api_client.force_authenticate(outsider)
    client.force_login(outsider)

    assert api_client.get(reverse("api:review-pdf", args=[version.review.pk])).status_code == 404
    assert client.get(reverse("crisis:incident-review-pdf",
                              args=[version.review.incident_id])).status_code == 404
    assert not ReviewPdf.objects.exists()


def test_the_download_link_gives_the_file_when_ready_else_back_to_the_review(
        client, stored, documents, django_capture_on_commit_callbacks):
    version, lead, _sponsor = small_review()
    incident = version.review.incident
    url = reverse("crisis:incident-review-pdf", args=[incident.pk])
    client.force_login(lead)

    with django_capture_on_commit_callbacks():
        waiting = client.get(url)
    assert waiting.status_code == 302
    assert waiting["Location"] == reverse("crisis:incident-review", args=[incident.pk]) \
        + "#review-pdf"

    # Made meanwhile (a PDF the module rendered, stored as a worker stores it).
    data, pages = documents["en"]
    name = default_storage.save("reviews/made.pdf", ContentFile(data))
    stored.append(name)
    ReviewPdf.objects.filter(version=version).update(status=PdfStatus.READY, progress=100,
                                                     file=name, size=len(data), pages=pages)
    ready = client.get(url, {"version": "1", "language": "en"})
    assert ready.status_code == 200 and b"".join(ready.streaming_content) == data
    assert (f'filename="{incident.reference}-review-v1-r{version.revision}-en.pdf"'
            in ready["Content-Disposition"])  # a draft's file names its revision
