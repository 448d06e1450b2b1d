"""Writes to the incident core. Views, API, consumers and tasks all come through here."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from teams.tasks import notify_incident_created

from . import live
from .choices import Severity
from .models import Incident
from .permissions import can_create_incident


def incident_create(
    *, actor, title: str, summary: str = "", severity: str = Severity.MEDIUM
) -> Incident:
    """Open an incident in triage, tell every open incident list, and notify the core team."""
    if not can_create_incident(actor):
        raise PermissionDenied(_("You may not open incidents."))
    incident = Incident(title=title.strip(), summary=summary.strip(), severity=severity,
                        created_by=actor)
    incident.full_clean()
    with transaction.atomic():
        incident.save()
        live.emit(
            incident=incident,
            type="incident.created",
            data={"id": incident.pk, "reference": incident.reference, "title": incident.title,
                  "severity": incident.severity, "status": incident.status},
            to_list=True,
        )
        transaction.on_commit(lambda: notify_incident_created.delay(incident.pk))
    return incident
