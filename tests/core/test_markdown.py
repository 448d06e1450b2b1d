"""core.markdown: what people write renders as prose, never as script or raw HTML."""

from core.markdown import render_markdown


def test_markdown_renders_prose_and_chinese():
    html = render_markdown("**請注意**：\n\n- 停止充電\n- 到門市更換\n\n[FAQ](https://example.com/faq)")
    assert "<strong>請注意</strong>" in html and "<li>停止充電</li>" in html
    assert '<a href="https://example.com/faq" rel="noopener noreferrer nofollow">FAQ</a>' in html


def test_raw_html_and_script_links_are_never_rendered():
    html = render_markdown('<img src=x onerror=alert(1)> [x](javascript:alert(1))'
                           ' <a href="https://evil">a</a>')
    assert "<img" not in html and "<a href=\"https://evil\"" not in html
    assert 'href="javascript' not in html
