"""Forms of the alert board's actions: they check the shape of the input only; the
services in ``monitoring.alerts`` decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crisis.models import Incident

from .alerts import MAX_REASON_LENGTH

NEW_INCIDENT = "new"


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Why is this not a crisis?"), max_length=MAX_REASON_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(forms.Form):
    """``incident`` = "new" opens one; else the id of an open incident to attach to."""

    incident = forms.CharField(label=_("Incident"), max_length=20)

    def __init__(self, *args, attachable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.attachable = {str(incident.pk): incident for incident in attachable}

    def clean_incident(self) -> Incident | None:
        value = self.cleaned_data["incident"].strip()
        if value == NEW_INCIDENT:
            return None
        if value not in self.attachable:
            raise forms.ValidationError(_("Choose an open incident you manage, or a new one."))
        return self.attachable[value]
