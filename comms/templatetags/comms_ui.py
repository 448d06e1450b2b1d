"""Statement badges and text, drawn the same way on every statement page and panel."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.markdown import render_markdown

from ..choices import StatementStatus

register = template.Library()

# An icon per status beside its colour (static/css/tokens.css) and always the word: the
# status reads in greyscale too.
STATUS_ICONS = {
    StatementStatus.DRAFT: "ti-pencil",
    StatementStatus.IN_REVIEW: "ti-hourglass",
    StatementStatus.APPROVED: "ti-circle-check",
    StatementStatus.PUBLISHED: "ti-speakerphone",
    StatementStatus.REJECTED: "ti-circle-x",
    StatementStatus.WITHDRAWN: "ti-arrow-back-up",
    StatementStatus.SUPERSEDED: "ti-replace",
}


@register.simple_tag
def statement_status_badge(value):
    status = StatementStatus(value)
    return format_html('<span class="cd-badge cd-statement-{} cd-statement-status" '
                       'data-status="{}"><i class="ti {}" aria-hidden="true"></i>'
                       '<span class="visually-hidden">{} </span>{}</span>',
                       status.value, status.value, STATUS_ICONS[status], _("Status:"),
                       status.label)


@register.filter
def short_hash(value: str) -> str:
    """The first 12 hex digits of a SHA-256 (the whole one on hover, where shown)."""
    return (value or "")[:12]


@register.filter
def markdown(value):
    """A statement's text as sanitised HTML (core.markdown)."""
    return render_markdown(value)


@register.filter
def import_field_label(field: str) -> str:
    """A contact import field (``comms.contact_import.FIELDS``) in words, not its code."""
    from ..contact_import import field_label

    return field_label(field)
