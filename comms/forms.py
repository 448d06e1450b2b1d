"""Statement page forms: they check the shape of the input; comms.services decides what is
allowed (the approval invariants live there)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import TextField
from core.views import add_service_errors
from crisis.choices import StakeholderKind
from crisis.forms import StyledFormMixin

from .choices import (
    FRAME_FIELDS,
    LANGUAGE_CHOICES,
    CorrectionKind,
    Decision,
    StatementKind,
    StatementStatus,
    VariantChannel,
)
from .models import FRAME_LABELS, MAX_VARIANT_LENGTH, StatementVersion
from .services import MAX_BODY_LENGTH, MAX_COMMENT_LENGTH, MAX_FIELD_LENGTH, MAX_TITLE_LENGTH

VARIANT_FIELDS = {f"variant_{channel.value}": channel for channel in VariantChannel}


class StatusFilterForm(forms.Form):
    """The statement list's filter (the page's; the API filters with its own FilterSet)."""

    status = forms.MultipleChoiceField(label=_("Status"), required=False,
                                       choices=StatementStatus.choices)

    def filter(self, statements):
        chosen = self.cleaned_data.get("status") if self.is_valid() else None
        return statements.filter(status__in=chosen) if chosen else statements


class StartForm(StyledFormMixin, forms.Form):
    """The first step of a new statement: which template to start from."""

    kind = forms.ChoiceField(label=_("Kind"), choices=StatementKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)


def _frame_field(name: str) -> TextField:
    return TextField(label=capfirst(FRAME_LABELS[name]), required=False,
                     max_length=MAX_FIELD_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))


def _variant_field(channel: VariantChannel) -> TextField:
    # Read in the reader's language when the form is drawn, not at import.
    label = lazy(lambda: gettext("%(channel)s variant") % {"channel": channel.label}, str)
    help_text = lazy(lambda: gettext("Optional; at most %(limit)d characters. Approved "
                                     "together with the statement.")
                     % {"limit": channel.limit}, str)
    return TextField(label=label(), help_text=help_text(), required=False,
                     max_length=MAX_VARIANT_LENGTH,
                     widget=forms.Textarea(attrs={"rows": 3, "data-limit": channel.limit}))


class TextForm(StyledFormMixin, forms.Form):
    """The text of a version: title, the 5W1H frame, the free text and channel variants."""

    title = TextField(label=_("Title"), max_length=MAX_TITLE_LENGTH)
    what_happened = _frame_field("what_happened")
    when = _frame_field("when")
    where = _frame_field("where")
    who_is_affected = _frame_field("who_is_affected")
    why = _frame_field("why")
    what_we_do = _frame_field("what_we_do")
    body = TextField(label=capfirst(StatementVersion._meta.get_field("body").verbose_name),
                     required=False, max_length=MAX_BODY_LENGTH,
                     widget=forms.Textarea(attrs={"rows": 8}), help_text=_("Markdown."))
    variant_social = _variant_field(VariantChannel.SOCIAL)
    variant_sms = _variant_field(VariantChannel.SMS)

    TEXT_FIELDS = ("title", *FRAME_FIELDS, "body", *VARIANT_FIELDS)

    def __init__(self, *args, language: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.set_text_language(language)

    def set_text_language(self, language: str) -> None:
        """The statement's language on its text boxes (screen readers and spell checkers
        read Chinese as Chinese in an English page, and the reverse)."""
        if language in dict(LANGUAGE_CHOICES):
            for name in self.TEXT_FIELDS:
                self.fields[name].widget.attrs["lang"] = language

    def frame_fields(self):
        return [self[name] for name in FRAME_FIELDS]

    def variant_fields(self):
        return [(self[name], channel) for name, channel in VARIANT_FIELDS.items()]

    def text_data(self) -> dict:
        """What the services take: title, body, frame fields and ``variants``."""
        data = self.cleaned_data
        return {"title": data["title"], "body": data["body"],
                **{name: data[name] for name in FRAME_FIELDS},
                "variants": {channel.value: data[name] for name, channel
                             in VARIANT_FIELDS.items() if data.get(name)}}

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's errors on their fields: it names a variant ``variants.<channel>``,
        this form ``variant_<channel>``."""
        if hasattr(error, "error_dict"):
            error = ValidationError({
                (f"variant_{name.split('.', 1)[1]}" if name.startswith("variants.") else name):
                messages for name, messages in error.error_dict.items()})
        add_service_errors(self, error)


class StatementForm(TextForm):
    """A new statement: kind, language, audience (the incident's stakeholders) and text."""

    kind = forms.ChoiceField(label=_("Kind"), choices=StatementKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    audience = forms.MultipleChoiceField(
        label=_("Audience"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Which of the incident's stakeholders this statement is for."))

    # A correction or retraction names the published statement it puts right.
    corrects = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    corrects_as = forms.ChoiceField(required=False, choices=CorrectionKind.choices,
                                    widget=forms.HiddenInput)

    field_order = ["kind", "language", "audience", "title"]

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_text_language(self.data.get("language") or self.initial.get("language", ""))
        self.fields["audience"].choices = [
            (kind, StakeholderKind(kind).label) for kind in incident.stakeholder_kinds or []
            if kind in StakeholderKind.values]
        if not self.fields["audience"].choices:
            del self.fields["audience"]

    def statement_data(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "language": data["language"],
                "audience": data.get("audience", []), **self.text_data(),
                **({"corrects_as": data["corrects_as"] or CorrectionKind.CORRECTION}
                   if data.get("corrects") else {})}


class DecisionForm(StyledFormMixin, forms.Form):
    """Approve, reject or request changes to the version the page shows (its number)."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.HiddenInput)
    comment = TextField(label=_("Comment"), required=False, max_length=MAX_COMMENT_LENGTH,
                        widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(StyledFormMixin, forms.Form):
    reason = TextField(label=_("Reason"), required=False, max_length=MAX_COMMENT_LENGTH,
                       widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(StyledFormMixin, forms.Form):
    body = TextField(label=_("Comment"), max_length=MAX_COMMENT_LENGTH,
                     widget=forms.Textarea(attrs={"rows": 3}),
                     help_text=_("Mention someone with @username to tell them."))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ConfirmForm(forms.Form):
    """An action that takes no input (submit, publish): the button is the confirmation."""
