from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Incident, IncidentType


class StyledFormMixin:
    """Bootstrap classes on every control, and is-invalid on the ones with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple
                          | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = css


class IncidentForm(StyledFormMixin, forms.ModelForm):
    type = forms.ModelChoiceField(queryset=IncidentType.objects.filter(is_active=True),
                                  label=_("Type"), empty_label=None)

    class Meta:
        model = Incident
        fields = ["title", "type", "summary", "severity", "origin", "is_drill"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "severity": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["type"].initial = IncidentType.objects.filter(code="other").first()

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(self.fields["title"].error_messages["required"])
        return title
