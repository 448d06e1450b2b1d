"""Statement badges and text, drawn the same way on every statement page and panel."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.markdown import render_markdown

from ..choices import StatementStatus

register = template.Library()

# A colour and an icon per status, and always the word: the status reads in greyscale too.
STATUS_STYLES = {
    StatementStatus.DRAFT: ("bg-secondary-lt", "ti-pencil"),
    StatementStatus.IN_REVIEW: ("bg-azure-lt", "ti-hourglass"),
    StatementStatus.APPROVED: ("bg-teal-lt", "ti-circle-check"),
    StatementStatus.PUBLISHED: ("bg-green text-white", "ti-speakerphone"),
    StatementStatus.REJECTED: ("bg-pink-lt", "ti-circle-x"),
    StatementStatus.WITHDRAWN: ("bg-secondary-lt", "ti-arrow-back-up"),
    StatementStatus.SUPERSEDED: ("bg-secondary-lt", "ti-replace"),
}


@register.simple_tag
def statement_status_badge(value):
    status = StatementStatus(value)
    css, icon = STATUS_STYLES[status]
    return format_html('<span class="badge {} cd-statement-status" data-status="{}">'
                       '<i class="ti {} me-1" aria-hidden="true"></i>'
                       '<span class="visually-hidden">{} </span>{}</span>',
                       css, status.value, icon, _("Status:"), status.label)


@register.filter
def short_hash(value: str) -> str:
    """The first 12 hex digits of a SHA-256 (the whole one on hover, where shown)."""
    return (value or "")[:12]


@register.filter
def markdown(value):
    """A statement's text as sanitised HTML (core.markdown)."""
    return render_markdown(value)
