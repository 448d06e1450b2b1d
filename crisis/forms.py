"""Page forms: they check the shape of the input; the services decide what is allowed."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.forms import DateTimeField, PlainSelect, TextField

from .choices import (
    AUTHORED_KINDS,
    Confidentiality,
    Origin,
    Severity,
    StakeholderKind,
    TaskStatus,
    WarningLevel,
)
from .models import Incident, IncidentType
from .services import MAX_TEXT_LENGTH


class StyledFormMixin:
    """Bootstrap classes on every control, is-invalid and aria-invalid on the ones with
    errors. Django itself points aria-describedby at the help text and the error
    (``<auto_id>_helptext``, ``<auto_id>_error``, the ids includes/field.html uses)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        # Marking happens after validation (never in __init__: subclasses may still adjust
        # their fields there), and again when a service's error is added to a field.
        super().full_clean()
        self._mark_invalid()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self._errors or {}:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"

    @property
    def error_summary(self) -> list[tuple]:
        """(field, error) pairs for the summary at the top of a form page."""
        return [(self[name], error) for name, errors in self.errors.items()
                if name in self.fields for error in errors]


class CommaSeparatedField(forms.CharField):
    """"a, b, c" in the page, ["a", "b", "c"] for the service (which checks the values)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate several with commas."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]


def _model_label(name: str) -> str:
    """The model field's name as a label, still lazy: read in the language of each request
    (``str.capitalize`` here, at import, fixed it in English)."""
    return capfirst(Incident._meta.get_field(name).verbose_name)


class ClassificationFields(StyledFormMixin, forms.Form):
    """What an incident is: shared by the create form and the classification form."""

    title = TextField(label=_model_label("title"), max_length=200)
    type = forms.ModelChoiceField(queryset=IncidentType.objects.filter(is_active=True),
                                  label=_("Type"), empty_label=_("Choose a type…"),
                                  error_messages={"required": _("Choose the type of incident.")})
    summary = TextField(label=_("What we know"), required=False, max_length=MAX_TEXT_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=Incident._meta.get_field("summary").help_text)
    origin = forms.ChoiceField(label=_("Origin"), choices=Origin.choices, initial=Origin.EXTERNAL,
                               widget=forms.RadioSelect, required=False)
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=Confidentiality.choices, required=False,
        initial=Confidentiality.INTERNAL,
        help_text=_("Who may read it. Restricted and confidential incidents are for the "
                    "crisis team only."))
    stakeholder_kinds = forms.MultipleChoiceField(
        label=_("Affected stakeholders"), choices=StakeholderKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple)
    affected_products = CommaSeparatedField(label=_("Affected products"))
    affected_regions = CommaSeparatedField(label=_("Affected regions"))
    tags = CommaSeparatedField(label=_("Tags"))
    is_drill = forms.BooleanField(
        label=_("This is a drill"), required=False,
        help_text=Incident._meta.get_field("is_drill").help_text)

    def clean_origin(self) -> str:
        return self.cleaned_data["origin"] or Origin.EXTERNAL

    def clean_confidentiality(self) -> str:
        return self.cleaned_data["confidentiality"] or Confidentiality.INTERNAL

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(self.fields["title"].error_messages["required"])
        return title


class IncidentForm(ClassificationFields):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices,
                                 initial=Severity.MEDIUM, widget=forms.RadioSelect)
    warning_level = forms.ChoiceField(
        label=_("Warning level"), required=False,
        choices=[("", _("None yet")), *WarningLevel.choices],
        help_text=_("Set it when you already know how loud it is (the manual level); the "
                    "early-warning rules may raise it later."))

    field_order = ["title", "type", "summary", "severity", "warning_level", "origin",
                   "confidentiality", "stakeholder_kinds", "affected_products",
                   "affected_regions", "tags", "is_drill"]


class ClassifyForm(ClassificationFields):
    @classmethod
    def for_incident(cls, incident: Incident, data=None):
        initial = {name: getattr(incident, name) for name in cls.base_fields}
        return cls(data, initial=initial)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = TextField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Goes into the timeline for everyone to read."))


class TransitionForm(ReasonForm):
    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if not reason_required:
            self.fields["reason"].label = _("Comment (optional)")


class EscalateForm(StyledFormMixin, forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 choices=[("", _("Keep as it is")), *Severity.choices])
    warning_level = forms.ChoiceField(label=_("Warning level"), required=False,
                                      choices=[("", _("Keep as it is")), *WarningLevel.choices])
    override = forms.BooleanField(
        label=_("Override the automatic warning level"), required=False,
        help_text=_("Without this, the higher of the automatic and the manual level counts."))
    reason = TextField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Goes into the timeline for everyone to read."))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("severity") and not cleaned.get("warning_level") \
                and "severity" not in self.errors:
            self.add_error("severity", _("Choose a new severity or warning level."))
        return cleaned


class MergeForm(StyledFormMixin, forms.Form):
    into = forms.CharField(label=_("Merge into"), max_length=20,
                           help_text=_("The incident that continues, e.g. INC-00012 or 12."))
    reason = TextField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    # The id of the incident the page showed: the merge happens only into that one.
    confirm = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_into(self) -> int:
        value = self.cleaned_data["into"].strip().upper().removeprefix("INC-").lstrip("#")
        if not value.isdigit():
            raise forms.ValidationError(_("Give an incident reference such as INC-00012."))
        return int(value)


class TimelineEntryForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.RadioSelect, initial="note",
                             choices=[(k.value, k.label) for k in AUTHORED_KINDS])
    body = TextField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=MAX_TEXT_LENGTH)


class CorrectionForm(StyledFormMixin, forms.Form):
    body = TextField(label=_("Correction"), widget=forms.Textarea(attrs={"rows": 4}),
                           max_length=MAX_TEXT_LENGTH,
                           help_text=_("The original entry stays; this one is linked to it."))


class PinForm(forms.Form):
    pinned = forms.BooleanField(required=False)


class TaskStatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    reason = TextField(label=_("Reason"), required=False, max_length=MAX_TEXT_LENGTH,
                             help_text=_("Required when blocked or waived."))


def _people():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name",
                                                                     "username")


class PersonChoiceField(forms.ModelChoiceField):
    widget = PlainSelect  # lists of everyone (task owners, team, inquiries) are long

    def label_from_instance(self, obj) -> str:
        return str(obj)


class TaskAssignForm(StyledFormMixin, forms.Form):
    owner = PersonChoiceField(queryset=_people(), required=False, label=_("Owner"),
                              empty_label=_("Nobody (role or department)"))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["owner"].queryset = people


class TaskCreateForm(TaskAssignForm):
    title = TextField(label=_("Task"), max_length=200)
    due_at = DateTimeField(
        label=_("Due"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone."))
    description = TextField(label=_("Details"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  max_length=MAX_TEXT_LENGTH)

    field_order = ["title", "owner", "due_at", "description"]


class TaskCommentForm(StyledFormMixin, forms.Form):
    body = TextField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=MAX_TEXT_LENGTH)


class ChecklistItemForm(forms.Form):
    done = forms.BooleanField(required=False)
