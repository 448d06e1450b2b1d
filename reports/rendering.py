"""HTML templates to PDF with WeasyPrint. CJK text needs Debian's fonts-noto-cjk."""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML

PDF_LANG = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}


def render_pdf(*, template: str, context: dict) -> bytes:
    """Render a template from templates/reports/ to PDF bytes in the active language."""
    language = translation.get_language() or "en"
    html = render_to_string(template, {**context, "pdf_lang": PDF_LANG.get(language, "en")})
    stylesheets = [CSS(filename=finders.find("css/tokens.css"))]
    return HTML(string=html).write_pdf(stylesheets=stylesheets)


def render_incident_summary_pdf(*, incident) -> bytes:
    return render_pdf(
        template="reports/incident_summary.html",
        context={"incident": incident, "generated_at": timezone.now()},
    )
