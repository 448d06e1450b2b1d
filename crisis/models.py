from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import IncidentStatus, Severity


class Incident(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("What is known so far: what happened, where, who is affected."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus, default=IncidentStatus.TRIAGE
    )
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity, default=Severity.MEDIUM
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incidents_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["status", "severity"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("crisis:incident-detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"INC-{self.pk:05d}" if self.pk else "INC-new"


class LiveEvent(models.Model):
    """One event of an incident's live stream, written in the transaction of its change.

    Its primary key is the ``seq`` clients see: increasing in commit order per incident,
    so a client that reconnects can ask for everything after the last one it saw.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="live_events")
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("live event")
        verbose_name_plural = _("live events")

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    def as_frame(self) -> dict:
        return {"type": self.type, "incident": self.incident_id, "data": self.data, "seq": self.pk}
