"""HTML templates to PDF with WeasyPrint. CJK text needs Debian's fonts-noto-cjk.

A render runs in the request's worker and WeasyPrint cannot be interrupted, so what goes
into a PDF is bounded instead, and what was cut is said in the PDF itself. Layout time
grows with the text laid out (measured 2026-11-26 on a loaded 2-core machine: 10,000
characters of summary 1.7 s, 200,000 11 s, 2,000,000 236 s and 377 MB; 5,000 short lines
14 s; bounded, each of them 2-4 s)."""

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from crisis.services import MAX_TEXT_LENGTH

PDF_LANG = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
# What one summary PDF lays out at most: what the services accept (incidents written before
# the limit may hold more), and as many lines as fill a few pages.
PDF_SUMMARY_CHARACTERS = MAX_TEXT_LENGTH
PDF_SUMMARY_LINES = 200


def bounded(text: str, *, characters: int, lines: int) -> tuple[str, bool]:
    """``text`` cut to at most ``characters`` characters and ``lines`` lines, and whether
    anything was cut."""
    shown = "\n".join(text[:characters].split("\n")[:lines])
    return shown, shown != text


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused (reference counting still frees memory).

    WeasyPrint allocates hundreds of thousands of boxes while it lays a document out, and
    each full collection this sets off walks every object of the process, the app's
    included: in a worker, 1.0-1.4 s of a 6 s render of a 50-page review went to 2-4 of
    them (``python -m bench review``); its peak memory was the same without them (+4 MiB
    of 360). Collected as usual once the render ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int


def render_document(*, template: str, context: dict,
                    stylesheets: Sequence[str] = ("css/tokens.css",),
                    laid_out: Callable[[], None] | None = None) -> RenderedPdf:
    """Render a template from templates/reports/ to a PDF in the active language, with
    ``stylesheets`` (static paths); ``laid_out`` is called between layout and writing,
    the two halves of the time it takes (a render's progress)."""
    # Imported on first use, as matplotlib is by reports.charts' callers: a second of
    # start-up for every process that never renders (web, workers, manage.py commands).
    from weasyprint import CSS, HTML

    language = translation.get_language() or "en"
    html = render_to_string(template, {**context, "pdf_lang": PDF_LANG.get(language, "en")})
    with without_cyclic_gc():
        document = HTML(string=html).render(
            stylesheets=[CSS(filename=finders.find(path)) for path in stylesheets])
        if laid_out is not None:
            laid_out()
        return RenderedPdf(pdf=document.write_pdf(), pages=len(document.pages))


def render_pdf(*, template: str, context: dict) -> bytes:
    """Render a template from templates/reports/ to PDF bytes in the active language."""
    return render_document(template=template, context=context).pdf


def render_incident_summary_pdf(*, incident) -> bytes:
    summary, summary_cut = bounded(incident.summary, characters=PDF_SUMMARY_CHARACTERS,
                                   lines=PDF_SUMMARY_LINES)
    return render_pdf(
        template="reports/incident_summary.html",
        context={"incident": incident, "generated_at": timezone.now(), "summary": summary,
                 "summary_cut": summary_cut},
    )
