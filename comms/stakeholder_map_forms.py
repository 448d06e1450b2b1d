"""The stakeholder map's form: it checks the shape of the input;
``comms.stakeholder_map_services`` decides what is allowed (who may own a group)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crisis.forms import PersonChoiceField, StyledFormMixin
from crisis.selectors import people_who_may_view

from .stakeholder_map_choices import StakeholderPriority, UpdateCadence


class StakeholderEntryForm(StyledFormMixin, forms.Form):
    """One group's entry on the map (the room panel's edit form)."""

    affected = forms.BooleanField(label=_("Affected"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=StakeholderPriority.choices)
    owner = PersonChoiceField(queryset=None, required=False, label=_("Owner"),
                              empty_label=_("Nobody yet"))
    cadence_minutes = forms.TypedChoiceField(label=_("Update every"), coerce=int,
                                             choices=UpdateCadence.choices)

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_who_may_view(incident)
