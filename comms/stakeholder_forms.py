"""Forms of the contacts pages: the shape of the input only (``comms.stakeholder_services``
checks every field again and decides)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.forms import ModelMultipleIdChoiceField, TextField
from crisis.forms import StyledFormMixin

from .contact_import import ENCODING_CHOICES, FIELDS, MAX_BYTES
from .models import StakeholderGroup
from .stakeholder_choices import ADDRESS_CHANNELS, Channel, contact_addresses
from .stakeholder_services import (
    MAX_ADDRESS_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_ORGANISATION_LENGTH,
)

ADDRESS_HELP = {
    Channel.EMAIL: gettext_lazy("Only if mail should go elsewhere than the email above."),
    Channel.WEBHOOK: gettext_lazy("An https:// URL that receives the signed JSON."),
    Channel.SMS: gettext_lazy("With the country code, e.g. +886 912 345 678."),
}


class ContactForm(StyledFormMixin, forms.Form):
    name = TextField(label=gettext_lazy("Name"), max_length=MAX_NAME_LENGTH)
    organisation = TextField(label=gettext_lazy("Organisation"), required=False,
                             max_length=MAX_ORGANISATION_LENGTH)
    email = TextField(label=gettext_lazy("Email"), required=False, max_length=MAX_EMAIL_LENGTH,
                      widget=forms.EmailInput)
    phone = TextField(label=gettext_lazy("Phone"), required=False, max_length=64,
                      widget=forms.TextInput(attrs={"type": "tel"}),
                      help_text=gettext_lazy("With the country code, e.g. +886 2 1234 5678."))
    language = forms.ChoiceField(label=gettext_lazy("Preferred language"),
                                 choices=settings.LANGUAGES, initial="en")
    groups = ModelMultipleIdChoiceField(
        label=gettext_lazy("Groups"), required=False, queryset=StakeholderGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=pgettext_lazy("contact", "Active"), required=False,
                                   initial=True,
                                   help_text=gettext_lazy("An inactive contact receives "
                                                          "nothing."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for channel in ADDRESS_CHANNELS:
            self.fields[f"address_{channel}"] = TextField(
                label=_("%(channel)s address") % {"channel": Channel(channel).label},
                required=False, max_length=MAX_ADDRESS_LENGTH,
                help_text=ADDRESS_HELP[channel])
            self.fields[f"address_{channel}"].widget.attrs["class"] = "form-control"

    @staticmethod
    def initial_from(contact) -> dict:
        return {"name": contact.name, "organisation": contact.organisation,
                "email": contact.email, "phone": contact.phone, "language": contact.language,
                "groups": list(contact.groups.all()), "is_active": contact.is_active,
                **{f"address_{channel}": address
                   for channel, address in contact_addresses(contact.addresses).items()}}

    def address_fields(self):
        return [self[f"address_{channel}"] for channel in ADDRESS_CHANNELS]

    def to_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["addresses"] = {channel: data.pop(f"address_{channel}")
                             for channel in ADDRESS_CHANNELS}
        return data


class ContactImportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"),
                           help_text=gettext_lazy("The first row names the columns. UTF-8, "
                                                  "GB18030 or Big5; at most 2 MB and "
                                                  "20,000 contacts."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"), choices=ENCODING_CHOICES,
                                 initial="auto",
                                 help_text=gettext_lazy("Detected unless you choose one."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB: split it into "
                                          "smaller files."))
        return upload


class ContactImportMappingForm(StyledFormMixin, forms.Form):
    """Which column fills which field: one select per field, offering the file's headers."""

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not imported —"))] + [(h, h) for h in headers if h]
        for name, label in FIELDS.items():
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
        self._apply_styles()

    def _apply_styles(self):
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def mapping(self) -> dict[str, str]:
        return {name: header for name, header in self.cleaned_data.items() if header}
