"""Chat rooms and the SMS gateway (apprise endpoints) are set here by administrators. The
URL holds secrets: it is written, never shown back (a password field that is never filled
in; lists and pages show apprise's masked form). Switched off, never deleted: deliveries
keep pointing at the endpoint they went through. Imported by ``comms.admin``."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .channels.apprise import check_url, masked_url
from .models import AppriseEndpoint
from .stakeholder_choices import Channel

URL_HELP = gettext_lazy(
    "An apprise URL (https://github.com/caronc/Apprise/wiki), e.g. "
    "slack://TokenA/TokenB/TokenC/#channel, msteams://…, tgram://bot_token/chat_id; for the "
    "SMS gateway one without a target, e.g. twilio://AccountSID:AuthToken@+15551234567 (each "
    "contact's phone is added as the target). It is never shown again.")


class AppriseEndpointForm(forms.ModelForm):
    url = forms.CharField(
        label=gettext_lazy("apprise URL"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off",
                                                              "size": 80}),
        help_text=URL_HELP)

    class Meta:
        model = AppriseEndpoint
        fields = ["name", "channel", "group", "url", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "url" not in self.fields:
            return
        self.initial.pop("url", None)  # never sent to the browser
        if self.instance.pk:
            self.fields["url"].help_text = _(
                "Leave empty to keep the current URL (%(masked)s). %(help)s") % {
                "masked": masked_url(self.instance.url), "help": URL_HELP}

    def clean_url(self):
        url = self.cleaned_data.get("url", "")
        if url:
            return url
        if self.instance.pk:
            return self.instance.url  # kept as it is
        raise forms.ValidationError(_("Enter the apprise URL."), code="required")

    def clean(self):
        cleaned = super().clean()
        channel, group = cleaned.get("channel"), cleaned.get("group")
        url = cleaned.get("url")
        if url and channel:
            try:
                cleaned["url"] = check_url(url, channel=channel)
            except ValueError as error:
                self.add_error("url", str(error))
        if channel == Channel.CHAT and group is None:
            self.add_error("group", _("A chat room belongs to a stakeholder group: choose "
                                      "the group that hears from it."))
        if channel == Channel.SMS and group is not None:
            self.add_error("group", _("The SMS gateway texts the contacts of every group: "
                                      "leave the group empty."))
        if channel == Channel.SMS and cleaned.get("is_active"):
            others = AppriseEndpoint.objects.filter(channel=Channel.SMS, is_active=True)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            other = others.first()
            if other is not None:
                self.add_error("is_active", _("“%(name)s” is the active SMS gateway: switch "
                                              "it off first.") % {"name": other.name})
        return cleaned


@admin.register(AppriseEndpoint)
class AppriseEndpointAdmin(admin.ModelAdmin):
    form = AppriseEndpointForm
    list_display = ("name", "channel", "group", "masked", "is_active")
    list_filter = ("channel", "is_active", "group")
    search_fields = ("name",)  # never the URL
    list_select_related = ("group",)
    readonly_fields = ("masked",)

    @admin.display(description=gettext_lazy("apprise URL (masked)"))
    def masked(self, endpoint: AppriseEndpoint) -> str:
        return masked_url(endpoint.url)

    def get_fields(self, request, obj=None):
        fields = ["name", "channel", "group", "url", "is_active"]
        if obj is not None:
            fields.insert(3, "masked")
        if not self.has_change_permission(request, obj) and obj is not None:
            fields.remove("url")  # a view-only page would print the field's value
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # switch it off instead: deliveries keep pointing at it
