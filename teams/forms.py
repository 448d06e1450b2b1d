from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.forms import TextField
from core.text import join_list
from crisis.forms import PersonChoiceField, StyledFormMixin
from crisis.selectors import assignable_people

from .choices import Duty, EmailNotifications, HandoverPrevious, NotificationKind
from .models import Department, DutyShift, User
from .selectors import role_list
from .services import MAX_NOTE_LENGTH, check_notification_read


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class RoleAssignForm(StyledFormMixin, forms.Form):
    user = PersonChoiceField(label=_("Person"), queryset=assignable_people())
    role = RoleChoiceField(label=_("Role"), queryset=role_list(), to_field_name="code")
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.order_by("name"), required=False,
        help_text=_("For a department liaison: the department they speak for."))
    note = TextField(label=_("Note"), required=False, max_length=MAX_NOTE_LENGTH)


class RoleEndForm(StyledFormMixin, forms.Form):
    note = TextField(label=_("Note"), required=False, max_length=MAX_NOTE_LENGTH)


class LeadHandoverForm(StyledFormMixin, forms.Form):
    to = PersonChoiceField(label=_("New lead"), queryset=assignable_people())
    previous = forms.ChoiceField(
        label=_("The current lead"), widget=forms.RadioSelect, initial=HandoverPrevious.DEPUTY,
        choices=HandoverPrevious.choices)
    note = TextField(label=_("Note"), required=False, max_length=MAX_NOTE_LENGTH)


def _label(name: str):
    return capfirst(DutyShift._meta.get_field(name).verbose_name)


class DutyShiftForm(StyledFormMixin, forms.Form):
    """The shape of a new shift; ``teams.services.duty_shift_create`` checks the rest."""

    duty = forms.ChoiceField(label=_label("duty"), choices=Duty.choices)
    user = PersonChoiceField(label=_("Person"), queryset=assignable_people())
    starts_on = forms.DateField(label=_label("starts_on"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_label("ends_on"),
                              widget=forms.DateInput(attrs={"type": "date"}))


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
        important = join_list(NotificationKind(kind).label
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

    def clean(self):
        cleaned = super().clean()
        values = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        try:
            cleaned["ids"] = check_notification_read(
                ids=values or None, every=True if cleaned.get("all") else None, from_text=True)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned
