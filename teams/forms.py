from django import forms
from django.utils.translation import gettext_lazy as _

from crisis.forms import PersonChoiceField, StyledFormMixin

from .models import Department, DutyShift
from .selectors import assignable_people, role_list


class RoleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class RoleAssignForm(StyledFormMixin, forms.Form):
    user = PersonChoiceField(label=_("Person"), queryset=assignable_people())
    role = RoleChoiceField(label=_("Role"), queryset=role_list(), to_field_name="code")
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.order_by("name"), required=False,
        help_text=_("For a department liaison: the department they speak for."))
    note = forms.CharField(label=_("Note"), required=False, max_length=240)


class RoleEndForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=240)


class LeadHandoverForm(StyledFormMixin, forms.Form):
    to = PersonChoiceField(label=_("New lead"), queryset=assignable_people())
    previous = forms.ChoiceField(
        label=_("The current lead"), widget=forms.RadioSelect, initial="deputy",
        choices=[("deputy", _("stays on as deputy lead")),
                 ("release", _("is released from the lead role"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=240)


class DutyShiftForm(StyledFormMixin, forms.ModelForm):
    user = PersonChoiceField(label=_("Person"), queryset=assignable_people())

    class Meta:
        model = DutyShift
        fields = ["duty", "user", "starts_on", "ends_on"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"})}
