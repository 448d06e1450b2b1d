from django import forms

from .models import Incident


class StyledFormMixin:
    """Bootstrap classes on every control, and is-invalid on the ones with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = css


class IncidentForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["title", "summary", "severity"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "severity": forms.RadioSelect,
        }

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(self.fields["title"].error_messages["required"])
        return title
