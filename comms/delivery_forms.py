"""The audience of a publication as the statement's page asks for it (shape only; the
service checks the rest)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .delivery_choices import DELIVERY_CHANNELS
from .models import StakeholderGroup
from .stakeholder_choices import Channel


class PublishForm(forms.Form):
    """Publish the approved version to these groups on these channels (none: the status
    page only). The button is the confirmation."""

    groups = forms.ModelMultipleChoiceField(
        queryset=StakeholderGroup.objects.order_by("position", "name"), required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Stakeholder groups"))
    channels = forms.MultipleChoiceField(
        choices=[(code, Channel(code).label) for code in DELIVERY_CHANNELS], required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Channels"))
