"""Drafting a statement from its template: pick the template, fill its placeholders.

Templates are text administrators write, so they are never rendered through Django's
template engine (which would let ``{{ incident.created_by.email }}`` read any attribute):
a regular expression replaces a fixed set of names and leaves every other placeholder
visible, listed for the page to warn about.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import formats, timezone, translation

from crisis.models import Incident

from .choices import FRAME_FIELDS
from .models import StatementTemplate

NEXT_UPDATE_MINUTES = 60
# The text fields of a template that a statement takes over, in page order.
TEMPLATE_FIELDS = ("title", *FRAME_FIELDS, "body")

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
LIST_SEPARATORS = {"zh-hant": "、", "zh-hans": "、"}
DEFAULT_LIST_SEPARATOR = ", "


@dataclass
class Filled:
    """A template's text with the placeholders it could fill filled."""

    values: dict[str, str]  # title, the 5W1H frame, body
    unknown: list[str] = field(default_factory=list)  # placeholders left as written


def template_for(*, incident: Incident, kind: str, language: str) -> StatementTemplate | None:
    """The active template for ``kind`` in ``language``: one for the incident's own type
    wins over one for every type."""
    return (StatementTemplate.objects
            .filter(Q(incident_type=incident.type_id) | Q(incident_type__isnull=True),
                    kind=kind, language=language, is_active=True)
            .order_by(F("incident_type_id").asc(nulls_last=True), "name", "pk").first())


def _joined(values, language: str) -> str:
    separator = LIST_SEPARATORS.get(language, DEFAULT_LIST_SEPARATOR)
    return separator.join(str(value) for value in values or [] if str(value).strip())


def next_update_text(language: str, now: datetime | None = None) -> str:
    """When the next update is due (now + an hour), in ``language`` and local time."""
    due = timezone.localtime((now or timezone.now()) + timedelta(minutes=NEXT_UPDATE_MINUTES))
    with translation.override(language):
        return f"{formats.date_format(due, 'DATETIME_FORMAT')} ({due.tzname()})"


def placeholder_values(incident: Incident, language: str, now: datetime | None = None
                       ) -> dict[str, str]:
    return {
        "incident.title": incident.title,
        "incident.reference": incident.reference,
        "incident.products": _joined(incident.affected_products, language),
        "incident.regions": _joined(incident.affected_regions, language),
        "next_update": next_update_text(language, now),
    }


def fill_text(text: str, values: dict[str, str], unknown: list[str]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        if name not in unknown:
            unknown.append(name)
        return match.group(0)

    return PLACEHOLDER.sub(replace, text or "")


def fill(template: StatementTemplate, incident: Incident, *, now: datetime | None = None
         ) -> Filled:
    """The template's text for ``incident``: the known placeholders filled in the
    template's language, the others left visible and listed in ``unknown``."""
    values = placeholder_values(incident, template.language, now)
    unknown: list[str] = []
    return Filled({name: fill_text(getattr(template, name), values, unknown)
                   for name in TEMPLATE_FIELDS}, unknown)


def unknown_placeholders(texts) -> list[str]:
    """Placeholders still in ``texts`` (what the page warns about before saving)."""
    found: list[str] = []
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            if match.group(1) not in found:
                found.append(match.group(1))
    return found
