"""The review's charts: SVG safe inline under the page's CSP, in the language's CJK font,
with a band per warning level in the UI's colours and a marker per published statement,
and readable once WeasyPrint has put them in a PDF."""

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from django.conf import settings
from django.utils import timezone, translation
from weasyprint import HTML

from reports.charts import BAND_OPACITY, approval_cycle_chart, volume_chart
from reports.series import LevelBand, StageCycle, StatementMarker, VolumePoint, VolumeSeries

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
START = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # 14:00 in Hong Kong
LEVELS = ("blue", "yellow", "orange", "red")
LABELS = {
    "en": ("Holding statement", "Refund $5 & <script>alert(1)</script>"),
    "zh-hant": ("初步聲明", "行動電源召回：現在該怎麼做"),
    "zh-hans": ("初步声明", "移动电源召回：现在该怎么做"),
}


def series(language: str = "en", *, points: int = 200) -> VolumeSeries:
    """``points`` hourly buckets (a quiet one at 150: no negative share), a band per level
    and two statements, labelled in ``language``."""
    hour = timedelta(hours=1)
    return VolumeSeries(
        points=[VolumePoint(at=START + i * hour, mentions=0 if i == 150 else 20 + i % 37 * 9,
                            negative=0 if i == 150 else i % 37 * 3) for i in range(points)],
        bands=[LevelBand(start=START + (10 + 30 * n) * hour, end=START + (40 + 30 * n) * hour,
                         level=level) for n, level in enumerate(LEVELS)],
        markers=[StatementMarker(at=START + 20 * hour, label=LABELS[language][0]),
                 StatementMarker(at=START + 120 * hour, label=LABELS[language][1])],
    )


def chart(language: str, **kwargs) -> str:
    with translation.override(language), timezone.override("Asia/Hong_Kong"):
        return volume_chart(series(language), **kwargs)


@pytest.fixture(scope="module")
def english() -> str:
    return chart("en")


def parse(svg: str) -> ET.Element:
    """The chart as XML (our own markup, so the standard parser is safe here)."""
    return ET.fromstring(svg)  # noqa: S314


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def level_colours() -> dict[str, str]:
    tokens = (settings.BASE_DIR / "static" / "css" / "tokens.css").read_text()
    return {level: re.search(rf"--cd-level-{level}:\s*(#[0-9a-f]{{6}})", tokens)[1]
            for level in LEVELS}


def test_volume_chart_is_svg_safe_inline_under_a_strict_csp(english):
    assert english.startswith('<svg xmlns="http://www.w3.org/2000/svg" ')
    root = parse(english)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert [child.tag for child in root[:2]] == [f"{SVG}title", f"{SVG}desc"]
    assert root[0].text == "Mention volume and negative share"
    assert root.get("aria-labelledby") == root[0].get("id")
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert not tags & {"script", "foreignObject", "style", "image", "a", "iframe"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert name != "style", element.tag  # refused by style-src 'self'
            if name in ("href", XLINK_HREF) or "url(" in value:
                assert re.fullmatch(r"#[\w-]+|url\(#[\w-]+\)", value), value
    # The statement's title is text, not markup, and not TeX ("$5").
    assert "Refund $5 & <script>ale" in "".join(texts(root))
    assert len(english.encode()) < 100_000  # 200 points


def test_the_markup_is_svg_whatever_prefixes_elementtree_was_told(monkeypatch):
    # ElementTree's prefixes are global, and WeasyPrint rewrites them when it loads: a chart
    # written as <ns0:svg> is no SVG to a browser or to WeasyPrint.
    monkeypatch.setitem(ET._namespace_map, SVG.strip("{}"), "ns9")

    svg = volume_chart(VolumeSeries())

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ')
    assert "ns9" not in svg


def test_volume_chart_is_deterministic_and_ids_are_its_own(english):
    assert chart("en") == english
    other = chart("zh-hant")

    ids = re.findall(r'\bid="([^"]+)"', english)
    assert len(ids) == len(set(ids))
    assert not set(ids) & set(re.findall(r'\bid="([^"]+)"', other))  # both on one page


def test_a_band_per_warning_level_in_the_ui_colours(english):
    root = parse(english)

    bands = [element.get("fill") for element in root.iter()
             if element.get("opacity") == str(BAND_OPACITY)]
    assert sorted(bands) == sorted(level_colours().values())
    legend = texts(root)
    for level in ("Blue", "Yellow", "Orange", "Red"):
        assert f"Warning level: {level}" in legend


def test_statements_are_marked_and_times_are_in_the_active_timezone(english):
    root = parse(english)

    labels = texts(root)
    assert "Holding statement" in labels
    markers = [element for element in root.iter(f"{SVG}path")
               if element.get("stroke-dasharray") and element.get("stroke") == "#1d2433"]
    assert len(markers) == 2 + 1  # the two statements and the legend's sample
    desc = root[1].text
    assert "Holding statement (Nov. 4 10:00)" in desc  # 02:00 UTC, shown in Hong Kong
    assert "Time (Asia/Hong_Kong)" in labels
    assert "Negative share" in labels and "Mentions per hour" in labels


@pytest.mark.parametrize(
    ("language", "family", "day"),
    [("zh-hant", "Noto Sans CJK TC", r"11月\d+日"), ("zh-hans", "Noto Sans CJK SC", r"11月\d+日"),
     ("en", "Noto Sans", r"Nov\. \d+")],
)
def test_the_font_family_of_the_language_is_on_the_svg(language, family, day):
    root = parse(chart(language, width=480, height=260))

    assert root.get("font-family").startswith(f'"{family}"')
    assert root.get("lang").lower() == language
    assert not [e for e in root.iter() if e is not root and e.get("font-family")]
    assert root.get("viewBox") == "0 0 480 260"
    labels = texts(root)
    assert LABELS[language][0] in labels
    assert [label for label in labels if re.fullmatch(day, label)]  # the time axis


def test_no_mentions_gives_a_small_note_not_an_error():
    svg = volume_chart(VolumeSeries(markers=[StatementMarker(at=START, label="Holding")]))

    root = parse(svg)
    assert texts(root) == ["No mentions were recorded for this incident's watches."]
    assert root[0].text == "Mention volume and negative share"
    assert int(root.get("height")) < 100


def test_approval_cycles_in_hours_when_the_longest_is_long():
    cycles = [StageCycle(stage="Legal", minutes=[60, 240, 95, 400]),
              StageCycle(stage="Executive sponsor", minutes=[]),
              StageCycle(stage="Spokesperson", minutes=[5, 8])]

    root = parse(approval_cycle_chart(cycles))

    labels = texts(root)
    stages = ["Legal", "Executive sponsor", "Spokesperson"]
    assert [label for label in labels if label in stages] == stages
    assert {"2 h 48 min", "6 h 40 min", "6 min", "8 min", "No decided versions",
            "Hours", "Median", "Longest"} <= set(labels)
    assert "Legal: median 2 h 48 min, longest 6 h 40 min (4 decisions)." in root[1].text


def test_approval_cycles_in_minutes_and_without_any_decision():
    minutes = texts(parse(approval_cycle_chart([StageCycle("Legal", [12, 30])])))
    assert "Minutes" in minutes and "21 min" in minutes  # the median of 12 and 30

    empty = parse(approval_cycle_chart([StageCycle("Legal", [])]))
    assert texts(empty) == ["No approval decisions were recorded for this incident's "
                            "statements."]


def test_weasyprint_draws_the_chinese_chart_with_noto_cjk(tmp_path):
    if not shutil.which("pdffonts"):
        pytest.fail("poppler-utils is missing: scripts/test installs it (apt-get).")
    svg = chart("zh-hant")
    pdf = tmp_path / "chart.pdf"
    HTML(string=f'<html lang="zh-Hant"><body>{svg}</body></html>').write_pdf(pdf)

    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    assert "Noto-Sans-CJK-TC" in fonts, fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "初步聲明" in text.replace("\n", "")
    total = sum(point.mentions for point in series("zh-hant").points)
    assert f"{total:,}" not in text  # drawn as a chart, not laid out as text (its <desc>)
    assert re.search(r"11月\d+日", text)
