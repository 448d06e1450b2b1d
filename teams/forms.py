from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crisis.forms import PersonChoiceField, StyledFormMixin
from crisis.selectors import assignable_people

from .choices import EmailNotifications, HandoverPrevious, NotificationKind
from .models import Department, DutyShift, User
from .selectors import role_list
from .services import MAX_NOTE_LENGTH, MAX_READ_IDS


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class RoleAssignForm(StyledFormMixin, forms.Form):
    user = PersonChoiceField(label=_("Person"), queryset=assignable_people())
    role = RoleChoiceField(label=_("Role"), queryset=role_list(), to_field_name="code")
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.order_by("name"), required=False,
        help_text=_("For a department liaison: the department they speak for."))
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE_LENGTH)


class RoleEndForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE_LENGTH)


class LeadHandoverForm(StyledFormMixin, forms.Form):
    to = PersonChoiceField(label=_("New lead"), queryset=assignable_people())
    previous = forms.ChoiceField(
        label=_("The current lead"), widget=forms.RadioSelect, initial=HandoverPrevious.DEPUTY,
        choices=HandoverPrevious.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE_LENGTH)


class DutyShiftForm(StyledFormMixin, forms.ModelForm):
    user = PersonChoiceField(label=_("Person"), queryset=assignable_people())

    class Meta:
        model = DutyShift
        fields = ["duty", "user", "starts_on", "ends_on"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"})}


class AccountForm(StyledFormMixin, forms.ModelForm):
    """How CrisisDesk speaks to me: time zone, language, which notifications I get by email."""

    class Meta:
        model = User
        fields = ["timezone", "language", "email_notifications"]
        widgets = {"email_notifications": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Site default (%(name)s)") % {
            "name": dict(settings.LANGUAGES)[settings.LANGUAGE_CODE]}),
            *settings.LANGUAGES]
        self.fields["email_notifications"].choices = list(EmailNotifications.choices)
        important = ", ".join(str(NotificationKind(kind).label)
                              for kind in NotificationKind.values
                              if NotificationKind(kind).is_important)
        self.fields["email_notifications"].help_text = _(
            "Every notification is kept in CrisisDesk. Important ones are: %(kinds)s."
        ) % {"kinds": important}


class NotificationReadForm(forms.Form):
    """Mark notifications read from a page: all of them, or the ids given."""

    all = forms.BooleanField(required=False)
    # Any whole numbers (repeated ``ids``); which are the user's own is the service's business.
    ids = forms.Field(required=False)

    def clean_ids(self) -> list[int] | None:
        values = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        if not values:
            return None
        if len(values) > MAX_READ_IDS:
            raise forms.ValidationError(_("Mark at most %(n)d at a time.") % {"n": MAX_READ_IDS})
        try:
            ids = [int(value) for value in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Each id is a whole number.")) from None
        if any(i <= 0 for i in ids):
            raise forms.ValidationError(_("Each id is a whole number."))
        return ids

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all") and not cleaned.get("ids") and "ids" not in self.errors:
            self.add_error("ids", _("Choose the notifications to mark read, or all of them."))
        return cleaned
