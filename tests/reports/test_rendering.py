import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from reports.rendering import render_incident_summary_pdf
from tests.crisis.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(autouse=True)
def poppler():
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils is missing: scripts/test installs it (apt-get).")


def test_summary_pdf_is_one_page_with_the_incident_facts(tmp_path):
    incident = IncidentFactory(title="X2 power bank overheating", severity="critical",
                               summary="Videos show swelling units.")

    pdf = render_incident_summary_pdf(incident=incident)

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert text.count("\f") == 1  # one page
    assert incident.reference in text
    assert "X2 power bank overheating" in text
    assert "Critical" in text
    assert "Videos show swelling units." in text


@pytest.mark.parametrize(
    ("language", "title", "font"),
    [
        ("zh-hant", "客服熱線等候時間過長引發網路抱怨", "Noto-Sans-CJK-TC"),
        ("zh-hans", "客服热线等候时间过长引发网络抱怨", "Noto-Sans-CJK-SC"),
    ],
)
def test_chinese_text_renders_with_real_cjk_fonts(tmp_path, language, title, font):
    incident = IncidentFactory(title=title, summary=title, severity="critical")

    with translation.override(language):
        pdf = render_incident_summary_pdf(incident=incident)
        severity = f"{incident.get_severity_display()}："  # a Chinese colon after the level

    text = pdf_text(pdf, tmp_path)
    assert title in text
    assert severity in text, text
    fonts = pdf_fonts(pdf, tmp_path)
    assert font in fonts, fonts


def test_pdf_download_from_the_incident_page(client, outsider):
    incident = IncidentFactory()
    client.force_login(outsider)

    detail = client.get(reverse("crisis:incident-detail", args=[incident.pk])).content.decode()
    url = reverse("crisis:incident-summary-pdf", args=[incident.pk])
    assert url in detail
    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{incident.reference}-summary.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_fonts_are_subset_by_harfbuzz_not_by_fonttools(tmp_path, caplog):
    """Without libharfbuzz-subset0 (scripts/setup installs it) WeasyPrint falls back to
    fontTools and a page with Noto CJK takes 7-28 s instead of under half a second."""
    import logging

    from weasyprint import HTML
    from weasyprint.text.ffi import harfbuzz_subset

    assert harfbuzz_subset is not None, "libharfbuzz-subset0 is missing: run scripts/setup"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        HTML(string="<p style='font-family: \"Noto Sans CJK TC\"'>危機處理 crisis</p>").write_pdf(
            tmp_path / "subset.pdf")
    assert "fontTools instead of HarfBuzz" not in caplog.text


def test_every_page_carries_the_confidentiality_marking_and_the_drill_label(tmp_path):
    incident = IncidentFactory(title="Customer data exposed", confidentiality="confidential",
                               is_drill=True, warning_level="red",
                               summary="\n".join(f"Line {n} of what we know." for n in range(90)))

    text = pdf_text(render_incident_summary_pdf(incident=incident), tmp_path)

    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    for page in pages:
        assert "CONFIDENTIAL" in page and "DRILL" in page
    assert "Red" in pages[0]  # the warning level, beside severity and status
    assert "for the named crisis team only" in text
    assert "Internal:" not in text


@pytest.mark.parametrize("summary", [
    "Customers cannot sign in. " * 20_000,  # 520,000 characters, written before the limit
    "One line.\n" * 1_000,  # within the limit, but 1,000 lines
])
def test_summary_pdf_lays_out_a_bounded_summary_and_says_where_it_was_cut(tmp_path, summary):
    incident = IncidentFactory(summary=summary)

    text = pdf_text(render_incident_summary_pdf(incident=incident), tmp_path)

    assert "Cut here: this document shows" in text
    assert f"of the summary's {len(summary)} characters" in text
    assert text.count("\f") <= 6  # pages


def test_the_cyclic_gc_is_paused_while_weasyprint_lays_out_and_restored_after():
    """Full collections walked the whole worker during a render (reports.rendering):
    paused then, back on afterwards, even when the render fails."""
    import gc

    from django.utils import timezone

    from reports.rendering import render_document

    incident = IncidentFactory()
    seen = []

    def laid_out():
        seen.append(gc.isenabled())
        raise RuntimeError("stop after layout")

    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="stop after layout"):
        render_document(template="reports/incident_summary.html", laid_out=laid_out,
                        context={"incident": incident, "generated_at": timezone.now(),
                                 "summary": incident.summary, "summary_cut": False})
    assert seen == [False]
    assert gc.isenabled()
