"""The post-incident review as a PDF executives read: asked for by a person
(``pdf_request``), rendered once per version, language and revision by a Celery task
(``reports.tasks.review_pdf_render`` → ``render_review_pdf``), stored in the default storage
under ``reviews/``.

A signed-off version never changes, so its PDF in a language is rendered once and served
from storage from then on. A draft's PDF is for the revision it was asked at: an edit makes
the next request render anew. While it renders, the incident's live stream carries
``review.pdf`` events with its progress (queued 0, then 10, 30, 60, 90 and 100 when it is
ready; ``failed`` with the error kept on the row); the review page shows them. When a
signed-off version's PDF is ready the executives on the incident are told (once per
version).

What goes into the PDF is bounded like the incident summary's (``reports.rendering``):
the full timeline in the appendix stops after ``TIMELINE_ENTRIES`` entries, long texts are
cut, and the PDF says what it left out.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.reltime import elapsed
from crisis import live
from crisis.choices import WarningLevel
from crisis.models import TimelineEntry
from crisis.selectors import may_view
from crisis.services import MAX_TEXT_LENGTH
from crisis.templatetags.crisis_ui import entry_headline, entry_reason
from teams.choices import NotificationKind
from teams.services import notification_send

from . import facts, selectors, tasks
from .events import review_pdf
from .metrics import compute_metrics, metrics_from_json
from .models import PdfStatus, ReviewLanguage, ReviewPdf, ReviewSignOff, ReviewVersion
from .rendering import PDF_LANG, bounded, render_document

logger = logging.getLogger(__name__)

# Bounds on what one PDF lays out (layout time grows with the text: reports.rendering).
TIMELINE_ENTRIES = 400  # the appendix's full timeline: the first 400, oldest first
ENTRY_CHARACTERS, ENTRY_LINES = 600, 8  # one timeline entry's text
KEY_MOMENTS = 60
SECTION_CHARACTERS, SECTION_LINES = MAX_TEXT_LENGTH, 200  # one written section
STYLESHEETS = ("css/tokens.css", "css/review-pdf.css")
# The summary's big figures, in this order when the metrics have them.
FIGURE_KEYS = ("time_to_detect", "time_to_acknowledge", "time_to_first_statement",
               "time_to_assemble", "sentiment_recovery", "statements_published")
FIGURES = 6
# A PDF still queued or rendering this long after it was asked for lost its task (the
# broker was down, the worker died past its retries): the next request queues it again.
STALE_AFTER = timedelta(minutes=10)

# The steps a render reports (``review.pdf`` events), after "queued" at 0.
PROGRESS_STARTED, PROGRESS_GATHERED, PROGRESS_LAID_OUT, PROGRESS_WRITTEN, PROGRESS_DONE = (
    10, 30, 60, 90, 100)


# --- asking for it ---------------------------------------------------------------------------

def check_language(language) -> str:
    if language not in ReviewLanguage.values:
        raise ValidationError({"language": [
            _("Choose one of %(choices)s.") % {"choices": ", ".join(ReviewLanguage.values)}]})
    return language


def check_pdf_params(review, *, version=None, language=None) -> tuple[ReviewVersion, str]:
    """The version (a number, as text from a query string; default the newest) and the
    language (default the review's) a PDF is asked for in; ``ValidationError`` naming
    ``version`` or ``language`` when either cannot be."""
    language = check_language(language or review.language)
    if version in (None, ""):
        return review.versions.order_by("-number").first(), language
    number = str(version).strip()
    found = (review.versions.filter(number=int(number)).first()
             if number.isdigit() and len(number) < 10 else None)
    if found is None:
        newest = review.versions.order_by("-number").values_list("number", flat=True).first()
        raise ValidationError({"version": [
            _("This review has no version %(asked)s: its versions are 1 to %(newest)s.")
            % {"asked": number[:20], "newest": newest}]})
    return found, language


def pdf_request(*, user, version: ReviewVersion, language: str) -> ReviewPdf:
    """The PDF of ``version`` in ``language`` at its current revision: the stored one, or a
    new one queued for rendering (the task is enqueued once the request commits, once even
    when two people ask at the same moment: the row is unique per version, language and
    revision). A failed or lost render, or a file gone from the storage, is queued again.

    Http404 when ``user`` may not view the incident (callers get the review through
    ``reports.selectors``, which says so first); ``ValidationError`` naming ``language``
    for a language the review cannot be written in."""
    review = version.review
    if not may_view(user=user, incident=review.incident):
        raise Http404("No review matches the given query.")
    check_language(language)
    # Behind the unique constraint: of two people asking at the same moment, one creates
    # the row (and queues the render), the other gets it (get_or_create's IntegrityError).
    pdf, created = ReviewPdf.objects.get_or_create(
        version=version, language=language, revision=version.revision,
        defaults={"requested_by": user})
    if created:
        _queue(pdf)
        return pdf
    if pdf.status == PdfStatus.FAILED or (
            pdf.status in (PdfStatus.QUEUED, PdfStatus.RENDERING)
            and pdf.requested_at < timezone.now() - STALE_AFTER) or (
            # its file is gone (the storage was emptied or moved): made again
            pdf.status == PdfStatus.READY and not default_storage.exists(pdf.file.name)):
        # Queued again by whoever wins this update; the others see it queued.
        if ReviewPdf.objects.filter(pk=pdf.pk, status=pdf.status,
                                    requested_at=pdf.requested_at).update(
                status=PdfStatus.QUEUED, progress=0, error="", requested_by=user,
                requested_at=timezone.now(), file="", size=0, pages=0, rendered_at=None):
            pdf.refresh_from_db()
            _queue(pdf)
        else:
            pdf.refresh_from_db()
    return pdf


def _queue(pdf: ReviewPdf) -> None:
    with transaction.atomic():
        live.emit(incident=pdf.version.review.incident, event=review_pdf(pdf))
    # robust: with the broker down the row stays queued; the next request after
    # STALE_AFTER queues it again.
    transaction.on_commit(lambda: tasks.review_pdf_render.delay(pdf.pk), robust=True)


# --- rendering it ----------------------------------------------------------------------------

def _advance(pdf: ReviewPdf, *, progress: int, status: str = PdfStatus.RENDERING,
             **fields) -> None:
    """Store the step and tell the incident's viewers (one small transaction each)."""
    pdf.status, pdf.progress = status, progress
    for name, value in fields.items():
        setattr(pdf, name, value)
    with transaction.atomic():
        ReviewPdf.objects.filter(pk=pdf.pk).update(status=status, progress=progress, **fields)
        live.emit(incident=pdf.version.review.incident, event=review_pdf(pdf))


def _claim(pdf_id: int) -> ReviewPdf | None:
    """The PDF to render now, marked rendering; None when it is ready already (a task
    delivered twice) or gone."""
    with transaction.atomic():
        pdf = (ReviewPdf.objects.select_for_update(of=("self",))
               .select_related("version__review__incident").filter(pk=pdf_id).first())
        if pdf is None or pdf.status == PdfStatus.READY:
            return None
        pdf.status, pdf.progress, pdf.error = PdfStatus.RENDERING, PROGRESS_STARTED, ""
        pdf.save(update_fields=["status", "progress", "error"])
        live.emit(incident=pdf.version.review.incident, event=review_pdf(pdf))
    return pdf


def render_review_pdf(pdf: ReviewPdf) -> None:
    """The task's body: render ``pdf`` (a ``ReviewPdf``), store the file and mark it ready;
    any error marks it failed with the error, and no file is left behind. Does nothing when
    it is ready already."""
    pdf = _claim(pdf.pk)
    if pdf is None:
        return
    version = ReviewVersion.objects.select_related("review__incident__type").get(
        pk=pdf.version_id)
    name = ""
    try:
        if version.revision != pdf.revision:
            raise ValueError(_("The draft was edited after this PDF was asked for (revision "
                               "%(asked)s, now %(now)s): ask for it again.")
                             % {"asked": pdf.revision, "now": version.revision})
        # One PDF for every reader: in its language, times in the site's time zone.
        with translation.override(pdf.language), timezone.override(settings.TIME_ZONE):
            record = gather_record(version)
            _advance(pdf, progress=PROGRESS_GATHERED)
            context = review_pdf_context(version, record=record)
            document = render_document(template="reports/review_pdf.html", context=context,
                                       stylesheets=STYLESHEETS,
                                       laid_out=lambda: _advance(pdf,
                                                                 progress=PROGRESS_LAID_OUT))
        _advance(pdf, progress=PROGRESS_WRITTEN)
        name = default_storage.save(pdf_storage_name(pdf, version), ContentFile(document.pdf))
        with transaction.atomic():
            stored = ReviewPdf.objects.filter(pk=pdf.pk).exclude(status=PdfStatus.READY).update(
                status=PdfStatus.READY, progress=PROGRESS_DONE, file=name,
                size=len(document.pdf), pages=document.pages, rendered_at=timezone.now())
            if not stored:  # another delivery of the task finished first: keep theirs
                transaction.on_commit(lambda: default_storage.delete(name))
                return
            pdf.refresh_from_db()
            live.emit(incident=version.review.incident, event=review_pdf(pdf))
            if version.is_signed_off:
                _tell_executives(pdf, version)
    except Exception as error:  # any failure is recorded on the row
        logger.exception("Review PDF %s failed", pdf.pk)
        if name:
            default_storage.delete(name)
        _advance(pdf, progress=0, status=PdfStatus.FAILED,
                 error=(str(error) or type(error).__name__)[:500])


def pdf_storage_name(pdf: ReviewPdf, version: ReviewVersion) -> str:
    return f"reviews/{download_name(pdf, version)}"


def download_name(pdf: ReviewPdf, version: ReviewVersion) -> str:
    """``INC-00012-review-v2-zh-hant.pdf`` (a draft's: ``…-v2-r7-en.pdf``)."""
    reference = version.review.incident.reference
    draft = "" if version.is_signed_off else f"-r{pdf.revision}"
    return f"{reference}-review-v{version.number}{draft}-{pdf.language}.pdf"


def _tell_executives(pdf: ReviewPdf, version: ReviewVersion) -> None:
    incident = version.review.incident
    reference, number = incident.reference, version.number
    notification_send(
        recipients=selectors.review_executives(incident), kind=NotificationKind.REVIEW_PDF_READY,
        title=lambda: _("The signed-off review of %(ref)s (version %(n)s) is ready as a PDF")
        % {"ref": reference, "n": number},
        dedupe_key=f"review_pdf_ready:{version.pk}", actor=None, incident=incident)


# --- what the PDF shows ------------------------------------------------------------------------

@dataclass
class Record:
    """What the PDF shows from the incident's record, gathered in the PDF's language."""

    metrics: list = field(default_factory=list)
    metrics_frozen: bool = False
    key_moments: list = field(default_factory=list)
    statements: list = field(default_factory=list)
    impact: dict = field(default_factory=dict)
    volume_chart: str = ""
    approval_chart: str = ""


def gather_record(version: ReviewVersion) -> Record:
    """Metrics (frozen in a signed-off version, else computed now), facts and charts."""
    from . import charts  # matplotlib on first use: not at every process's start

    incident = version.review.incident
    frozen = bool(version.metrics)
    series = facts.volume_series(incident)
    cycles = facts.approval_cycles(incident)
    return Record(
        metrics=metrics_from_json(version.metrics) if frozen else compute_metrics(incident),
        metrics_frozen=frozen,
        key_moments=facts.key_moments(incident),
        statements=facts.statement_history(incident),
        impact=facts.impact(incident),
        volume_chart="" if series.is_empty else charts.volume_chart(series),
        approval_chart=(charts.approval_cycle_chart(cycles)
                        if any(cycle.minutes for cycle in cycles) else ""),
    )


# Section ids and titles, in the order of the document (the contents page lists them).
SECTIONS = (
    ("summary", gettext_lazy("Executive summary")),
    ("what_happened", gettext_lazy("What happened")),
    ("impact", gettext_lazy("Impact")),
    ("metrics", gettext_lazy("Response metrics")),
    ("went_well", gettext_lazy("What went well")),
    ("went_badly", gettext_lazy("What went badly")),
    ("root_cause", gettext_lazy("Root cause and contributing factors")),
    ("lessons", gettext_lazy("Lessons")),
    ("key_moments", gettext_lazy("Key moments")),
    ("statements", gettext_lazy("Statement history")),
    ("action_items", gettext_lazy("Action items")),
)
APPENDICES = (
    ("timeline", gettext_lazy("Full timeline")),
    ("definitions", gettext_lazy("Metric definitions")),
)


def _contents() -> tuple[list[dict], dict]:
    contents = [{"id": key.replace("_", "-"), "number": str(number), "title": str(title),
                 "key": key, "appendix": False}
                for number, (key, title) in enumerate(SECTIONS, start=1)]
    contents += [{"id": f"appendix-{key}", "number": letter,
                  "title": _("Appendix %(letter)s: %(title)s") % {"letter": letter,
                                                                    "title": title},
                  "key": key, "appendix": True}
                 for letter, (key, title) in zip("AB", APPENDICES, strict=True)]
    return contents, {entry["key"]: entry for entry in contents}


def _part(title, text: str) -> dict:
    shown, cut = bounded(text or "", characters=SECTION_CHARACTERS, lines=SECTION_LINES)
    return {"title": title, "text": shown, "cut": cut, "total": len(text or "")}


def _entry_row(entry: TimelineEntry) -> dict:
    """One timeline entry as the PDF lists it: when, what kind, its line, by whom."""
    headline = entry_headline({}, entry)  # no reader: a merge names no other incident
    reason = entry_reason(entry) if headline else ""
    text = f"{headline} — {reason}" if headline and reason else headline or entry.body
    shown, cut = bounded(text, characters=ENTRY_CHARACTERS, lines=ENTRY_LINES)
    return {"at": entry.created_at, "kind": entry.get_kind_display(), "text": shown,
            "cut": cut, "by": str(entry.actor) if entry.actor_id else "",
            "pinned": entry.pinned}


def css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes, line ends and ``<`` escaped)."""
    escaped = re.sub(r'[\\"\n\r<]', lambda m: f"\\{ord(m.group()):x} ", str(text))
    return f'"{escaped}"'


def css_content(template: str, **counters: str) -> SafeString:
    """A translated ``template`` with ``%(name)s`` placeholders as a CSS ``content`` value,
    the placeholders replaced by ``counters`` (``counter(page)``)."""
    parts = re.split(r"%\((\w+)\)s", template)
    pieces = [css_string(part) if i % 2 == 0 else counters[part]
              for i, part in enumerate(parts) if i % 2 or part]
    return mark_safe(" ".join(pieces) or '""')  # noqa: S308 -- escaped by css_string


def _detail_lines(metric) -> list[str]:
    """The rows a metric has (per stage, group, level or role), one line each."""
    rows = metric.details
    if metric.key == "approval_cycle":
        return [_("%(stage)s: median %(median)s · longest %(max)s (%(n)s decided)")
                % {"stage": row["stage_label"], "median": row["median"], "max": row["max"],
                   "n": row["count"]} for row in rows]
    if metric.key == "deliveries":
        return [_("%(group)s: %(sent)s sent · %(failed)s failed · %(acknowledged)s "
                  "acknowledged, of %(total)s")
                % {"group": row["group_label"], "sent": row["sent"], "failed": row["failed"],
                   "acknowledged": row["acknowledged"], "total": row["total"]} for row in rows]
    if metric.key == "time_at_levels":
        return [f"{row['level_label']}: {row['time']}" for row in rows]
    if metric.key == "time_to_assemble":
        return [_("%(role)s: after %(after)s") % {"role": row["role_label"],
                                                   "after": row["after"]}
                if row["seconds"] is not None
                else _("%(role)s: never on the team") % {"role": row["role_label"]}
                for row in rows]
    return []


def _impact_periods(impact: dict) -> list[dict]:
    labels = {"before": _("Before (24 h)"), "during": _("During"), "after": _("After (24 h)")}
    periods = []
    for name, label in labels.items():
        row = impact.get(name)
        share = row.get("negative_share") if row else None
        periods.append({"label": label, "row": row,
                        "negative_percent": number_format(round(100 * share, 1))
                        if share is not None else ""})
    return periods


def _figures(metrics: list) -> list:
    by_key = {metric.key: metric for metric in metrics}
    chosen = [by_key[key] for key in FIGURE_KEYS if key in by_key]
    chosen += [metric for metric in metrics if metric not in chosen]
    return chosen[:FIGURES]


def _peak_level(metrics: list, incident) -> str:
    by_key = {metric.key: metric for metric in metrics}
    peak = by_key.get("peak_warning_level")
    if peak is not None and not peak.missing and peak.details:
        level = peak.details[0].get("level")
        if level in WarningLevel.values:
            return level
    return incident.warning_level


def review_pdf_context(version: ReviewVersion, *, record: Record) -> dict:
    """The template's context, in the active language."""
    review = version.review
    incident = review.incident
    contents, toc = _contents()
    timeline_entries = (TimelineEntry.objects.filter(incident=incident)
                        .select_related("actor").order_by("created_at", "pk"))
    timeline = [_entry_row(entry) for entry in timeline_entries[:TIMELINE_ENTRIES]]
    timeline_total = (len(timeline) if len(timeline) < TIMELINE_ENTRIES
                      else timeline_entries.count())
    key_moments = [_entry_row(entry) for entry in record.key_moments[:KEY_MOMENTS]]
    end = incident.closed_at or incident.resolved_at
    peak = _peak_level(record.metrics, incident)
    closing = [
        {"entry": toc["went_well"], "parts": [_part("", version.went_well)]},
        {"entry": toc["went_badly"], "parts": [_part("", version.went_badly)]},
        {"entry": toc["root_cause"], "parts": [
            _part(_("Root cause"), version.root_cause),
            _part(_("Contributing factors"), version.contributing_factors)]},
        {"entry": toc["lessons"], "parts": [_part("", version.lessons)]},
    ]
    return {
        "company": settings.CRISISDESK_COMPANY_NAME,
        "review": review, "version": version, "incident": incident,
        "generated_at": timezone.now(), "time_zone": timezone.get_current_timezone_name(),
        "pdf_lang": PDF_LANG.get(translation.get_language(), "en"),
        "page_of_css": css_content(_("Page %(page)s of %(pages)s"), page="counter(page)",
                                   pages="counter(pages)"),
        "contents": contents, "toc": toc,
        "sign_offs": list(ReviewSignOff.objects.filter(version=version).select_related("user")),
        "peak_level": peak, "peak_level_label": WarningLevel(peak).label if peak else "",
        "duration": elapsed(int((end - incident.detected_at).total_seconds() // 60))
        if end else "",
        "executive_summary": bounded(version.executive_summary,
                                     characters=SECTION_CHARACTERS, lines=SECTION_LINES)[0],
        "what_happened": {"entry": toc["what_happened"],
                          "parts": [_part("", version.what_happened)]},
        "impact_text": _part("", version.impact),
        "financial_impact": _part(_("Financial impact"), version.financial_impact),
        "operational_impact": _part(_("Operational impact"), version.operational_impact),
        "closing_sections": closing,
        "metrics": record.metrics, "metrics_frozen": record.metrics_frozen,
        "metric_rows": [{"metric": metric, "details": _detail_lines(metric)}
                        for metric in record.metrics],
        "figures": _figures(record.metrics),
        "volume_chart": mark_safe(record.volume_chart),  # noqa: S308 -- charts' own SVG
        "approval_chart": mark_safe(record.approval_chart),  # noqa: S308
        "impact": record.impact, "impact_periods": _impact_periods(record.impact),
        "key_moments": key_moments, "key_moments_total": len(record.key_moments),
        "key_moments_cut": len(record.key_moments) > KEY_MOMENTS,
        "statements": record.statements,
        "action_items": list(review.action_items.select_related(
            "owner", "playbook", "approval_policy", "watch", "warning_rule")
            .order_by("due_on", "pk")),
        "timeline": timeline, "timeline_total": timeline_total,
        "timeline_cut": timeline_total > len(timeline),
        "timeline_until": timeline[-1]["at"] if timeline else None,
    }
