"""The audience of a publication as the statement's page asks for it (shape only; the
service checks the rest)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateTimeField, ModelMultipleIdChoiceField

from .delivery_choices import DELIVERY_CHANNELS
from .delivery_services import allowed_groups
from .models import StakeholderGroup
from .stakeholder_choices import Channel

PUBLISH_NOW, PUBLISH_AT = "now", "at"


class PublishForm(forms.Form):
    """Publish the approved version to these groups on these channels (none: the status
    page only), now or at ``publish_at`` (the button pressed says which; the button is the
    confirmation)."""

    groups = ModelMultipleIdChoiceField(
        queryset=StakeholderGroup.objects.order_by("position", "name"), required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Stakeholder groups"))
    channels = forms.MultipleChoiceField(
        choices=[(code, Channel(code).label) for code in DELIVERY_CHANNELS], required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Channels"))
    publish_at = DateTimeField(
        label=_("Publish at"), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"},
                                   format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone. Only for “Publish at”; a publishing freeze then makes "
                    "it wait until the freeze is lifted."))
    when = forms.ChoiceField(choices=[(PUBLISH_NOW, _("Publish now")),
                                      (PUBLISH_AT, _("Publish at"))],
                             required=False, widget=forms.HiddenInput)

    def __init__(self, *args, statement=None, **kwargs):
        super().__init__(*args, **kwargs)
        if statement is not None:  # only the groups it was approved for are offered
            self.fields["groups"].queryset = allowed_groups(statement)

    def clean(self):
        data = super().clean()
        data["when"] = data.get("when") or PUBLISH_NOW
        if data["when"] == PUBLISH_NOW:  # the time is for "Publish at" only
            self.errors.pop("publish_at", None)
            data["publish_at"] = None
        if data["when"] == PUBLISH_AT and not data.get("publish_at") \
                and "publish_at" not in self.errors:
            self.add_error("publish_at", _("Choose when to publish."))
        return data
