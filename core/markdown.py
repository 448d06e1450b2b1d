"""Markdown a person wrote, rendered to HTML that is safe to show: markdown-it-py
(CommonMark, raw HTML off) and then nh3 keeping only the tags prose needs."""

from functools import cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "del", "ul", "ol", "li", "blockquote", "code",
                "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "a", "table", "thead",
                "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> SafeString:
    html = _parser().render(text or "")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,  # noqa: S308 (nh3 sanitised it)
                               url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow"))
