"""Review page forms: they check the shape of the input; reports.services decides what is
allowed (who may edit, word limits, locking, who signs off)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import IdField, TextField
from core.views import add_service_errors
from crisis.forms import StyledFormMixin

from .models import (
    EXECUTIVE_SUMMARY_MAX_WORDS,
    ActionItem,
    ActionItemStatus,
    ActionItemTarget,
    ReviewLanguage,
    ReviewVersion,
    SignOffRole,
)

MAX_SECTION_LENGTH = 20_000

# The written sections of a version, in the order the page and the PDF show them.
SECTION_FIELDS = ("executive_summary", "what_happened", "impact", "financial_impact",
                  "operational_impact", "went_well", "went_badly", "root_cause",
                  "contributing_factors", "lessons")
# What the executive summary's box is not: the sections written as Markdown prose.
PROSE_FIELDS = SECTION_FIELDS[1:]
# What the review's "What we learned" shows (what happened and impact have their own).
LESSON_FIELDS = ("went_well", "went_badly", "root_cause", "contributing_factors", "lessons")

# What an action item changes, and the field naming the very object.
TARGET_FIELDS = {ActionItemTarget.PLAYBOOK: "playbook",
                 ActionItemTarget.APPROVAL_POLICY: "approval_policy",
                 ActionItemTarget.WATCH: "watch",
                 ActionItemTarget.WARNING_RULE: "warning_rule"}


def section_label(name: str) -> str:
    return capfirst(ReviewVersion._meta.get_field(name).verbose_name)


def _section_field(name: str, rows: int) -> TextField:
    return TextField(label=section_label(name), required=False, max_length=MAX_SECTION_LENGTH,
                     widget=forms.Textarea(attrs={"rows": rows}))


class ReviewForm(StyledFormMixin, forms.Form):
    """The written sections of the review, and the revision the writer started from."""

    # The version and revision the writer's text started from: a save from another one
    # is refused, the text kept.
    version = forms.IntegerField(label=_("Version"), widget=forms.HiddenInput, min_value=1,
                                 max_value=2**31 - 1)
    base = forms.IntegerField(label=_("Revision"), widget=forms.HiddenInput, min_value=1,
                              max_value=2**31 - 1)
    executive_summary = TextField(
        label=section_label("executive_summary"), required=False,
        max_length=MAX_SECTION_LENGTH, widget=forms.Textarea(attrs={"rows": 7}))
    what_happened = _section_field("what_happened", 6)
    impact = _section_field("impact", 4)
    financial_impact = _section_field("financial_impact", 3)
    operational_impact = _section_field("operational_impact", 3)
    went_well = _section_field("went_well", 4)
    went_badly = _section_field("went_badly", 4)
    root_cause = _section_field("root_cause", 4)
    contributing_factors = _section_field("contributing_factors", 4)
    lessons = _section_field("lessons", 4)

    def __init__(self, *args, language: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["executive_summary"].help_text = gettext(
            "At most %(n)d words: what happened, what it cost, what changes. Executives "
            "read this first.") % {"n": EXECUTIVE_SUMMARY_MAX_WORDS}
        for name in PROSE_FIELDS:
            self.fields[name].help_text = _("Markdown.")
        if language in ReviewLanguage.values:
            # Screen readers and spell checkers read Chinese text as Chinese.
            for name in SECTION_FIELDS:
                self.fields[name].widget.attrs["lang"] = language

    def section_fields(self):
        return [self[name] for name in PROSE_FIELDS]

    def sections(self) -> dict:
        return {name: self.cleaned_data[name] for name in SECTION_FIELDS}


class ActionItemStatusForm(StyledFormMixin, forms.Form):
    """What the owner of an action item may change: its status."""

    status = forms.ChoiceField(label=_("Status"), choices=ActionItemStatus.choices)

    def item_data(self) -> dict:
        return {"status": self.cleaned_data["status"]}

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error)


class SignOffForm(forms.Form):
    version = IdField(widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=SignOffRole.choices, widget=forms.HiddenInput)


class LanguageForm(StyledFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Language of the review"),
                                 choices=ReviewLanguage.choices)


def _target_choices():
    """The grouped choices of "what it changes": each kind with its objects, by name."""
    from comms.models import ApprovalPolicy
    from crisis.models import Playbook
    from monitoring.models import WarningRule, Watch

    models = {ActionItemTarget.PLAYBOOK: Playbook,
              ActionItemTarget.APPROVAL_POLICY: ApprovalPolicy,
              ActionItemTarget.WATCH: Watch,
              ActionItemTarget.WARNING_RULE: WarningRule}
    choices = [("", "—"), (ActionItemTarget.OTHER.value, ActionItemTarget.OTHER.label)]
    for kind, model in models.items():
        objects = [(f"{kind.value}:{obj.pk}", str(obj)) for obj in model.objects.all()]
        if objects:
            choices.append((kind.label, objects))
    return choices


class ActionItemForm(StyledFormMixin, forms.Form):
    """An action item: who does what by when, and what it changes (one object, or
    something else)."""

    title = TextField(label=_("What is to be done"), max_length=200)
    description = TextField(label=_("Details"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None,
                                   help_text=_("Only people who may view this incident."))
    # A date input reads only YYYY-MM-DD, whatever the reader's language.
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"},
                                                                    format="%Y-%m-%d"))
    status = forms.ChoiceField(label=_("Status"), choices=ActionItemStatus.choices,
                               initial=ActionItemStatus.OPEN)
    target = forms.ChoiceField(
        label=_("What it changes"),
        help_text=_("The playbook, approval policy, watch or warning rule this item "
                    "changes, or something else."))

    def __init__(self, *args, people, auto_id="id_%s", **kwargs):
        super().__init__(*args, auto_id=auto_id, **kwargs)
        self.fields["owner"].queryset = people
        self.fields["target"].choices = _target_choices()

    @classmethod
    def initial_for(cls, item: ActionItem) -> dict:
        field = TARGET_FIELDS.get(item.changes)
        target_id = getattr(item, f"{field}_id") if field else None
        target = f"{item.changes}:{target_id}" if target_id else item.changes
        return {"title": item.title, "description": item.description,
                "owner": item.owner_id, "due_on": item.due_on, "status": item.status,
                "target": target}

    def item_data(self) -> dict:
        """What the services take: the fields, ``changes`` and the one matching link."""
        data = self.cleaned_data
        kind, _sep, pk = data["target"].partition(":")
        fields = {"title": data["title"], "description": data["description"],
                  "owner": data["owner"], "due_on": data["due_on"], "status": data["status"],
                  "changes": kind}
        for target_kind, field in TARGET_FIELDS.items():
            model = ActionItem._meta.get_field(field).related_model
            fields[field] = (model.objects.filter(pk=int(pk)).first()
                             if kind == target_kind and pk else None)
        return fields

    def add_service_errors(self, error: ValidationError) -> None:
        """The services name the link's own field (``playbook``) or ``changes``: both are
        this form's ``target``."""
        if hasattr(error, "error_dict"):
            error = ValidationError({
                ("target" if name in ("changes", *TARGET_FIELDS.values()) else name): messages
                for name, messages in error.error_dict.items()})
        add_service_errors(self, error)
