"""Media inquiry forms: they check the shape of the input; ``comms.inquiry_services``
decides what is allowed (who may be assigned, which statement may answer)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateTimeField, TextField
from crisis.forms import PersonChoiceField, StyledFormMixin
from crisis.selectors import assignable_people, people_who_may_view

from . import media
from .inquiry_choices import InquiryStatus
from .inquiry_services import (
    MAX_CONTACT_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_OUTLET_LENGTH,
    MAX_QUESTION_LENGTH,
)
from .models import Statement

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _when(label, *, required: bool = False) -> DateTimeField:
    return DateTimeField(
        label=label, required=required, input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone."))


class StatementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Statement) -> str:
        return f"{obj.title} ({obj.get_status_display()})"


class InquiryForm(StyledFormMixin, forms.Form):
    """Log an inquiry (the room panel's form)."""

    outlet = TextField(label=_("Outlet"), max_length=MAX_OUTLET_LENGTH)
    journalist = TextField(label=_("Journalist"), required=False, max_length=MAX_OUTLET_LENGTH)
    contact = TextField(label=_("Contact"), required=False, max_length=MAX_CONTACT_LENGTH,
                        help_text=_("Email or phone."))
    question = TextField(label=_("Question"), max_length=MAX_QUESTION_LENGTH,
                         widget=forms.Textarea(attrs={"rows": 3}))
    deadline = _when(_("Deadline"))
    assignee = PersonChoiceField(queryset=assignable_people(),
                                 required=False, label=_("Assignee"),
                                 empty_label=_("Nobody yet"))

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people_who_may_view(incident)


class InquiryEditForm(InquiryForm):
    """Everything about one inquiry: what was asked, who answers, how it was answered. The
    statements offered are the incident's approved and published ones (and the one it
    already names)."""

    received_at = _when(_("Received"), required=True)
    status = forms.ChoiceField(label=_("Status"), choices=InquiryStatus.choices)
    answer_statement = StatementChoiceField(
        queryset=Statement.objects.none(), required=False, label=_("Answered with"),
        empty_label=_("No statement"),
        help_text=_("Only approved or published statements of this incident."))
    answer_note = TextField(label=_("Answer note"), required=False, max_length=MAX_NOTE_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What was said, or why it was declined."))

    field_order = ["status", "assignee", "answer_statement", "answer_note", "outlet",
                   "journalist", "contact", "question", "received_at", "deadline"]

    def __init__(self, *args, incident, inquiry=None, **kwargs):
        super().__init__(*args, incident=incident, **kwargs)
        offered = media.answer_statements(incident=incident)
        if inquiry is not None and inquiry.answer_statement_id:
            offered = (offered | Statement.objects.filter(pk=inquiry.answer_statement_id)
                       ).order_by("-updated_at", "-pk")
        self.fields["answer_statement"].queryset = offered
