"""How the early warning's pages write numbers."""

from django import template

from monitoring.alerts import compact_number

register = template.Library()


@register.filter
def compact(value) -> str:
    """2.1M, 12K, 950 (followers, reach)."""
    try:
        return compact_number(float(value or 0))
    except (TypeError, ValueError):
        return ""
