"""Badges and times drawn the same way on every page, email and PDF."""

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from crisis.choices import IncidentStatus, Severity

register = template.Library()


@register.simple_tag
def severity_badge(value):
    severity = Severity(value)
    bars = format_html_join(
        "",
        '<span class="cd-bar{}"></span>',
        ((" on" if i < severity.rank else "",) for i in range(4)),
    )
    return format_html(
        '<span class="cd-badge cd-sev cd-sev-{}" title="{}">'
        '<span class="cd-bars" aria-hidden="true">{}</span>{}</span>',
        severity.value, severity.description, bars, severity.label,
    )


@register.simple_tag
def severity_description(value):
    return Severity(value).description


@register.simple_tag
def status_badge(value):
    status = IncidentStatus(value)
    return format_html('<span class="cd-badge cd-status cd-status-{}">{}</span>',
                       status.value, status.label)


@register.simple_tag
def reltime(value):
    """Relative time, with the exact time and zone on hover; live.js keeps it current."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}" data-reltime>{}</time>',
        value.isoformat(), local.strftime("%Y-%m-%d %H:%M %Z"), naturaltime(value),
    )
