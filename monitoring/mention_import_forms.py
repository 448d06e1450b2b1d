"""Forms of the mention CSV import page: the file with how to read it, then which column
is which field. Shapes only: ``monitoring.mention_import`` checks the file and the
mapping."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csv_import import ENCODING_CHOICES
from crisis.forms import StyledFormMixin

from .choices import Platform
from .mention_import import FIELDS, MAX_BYTES, MAX_ROWS


class MentionImportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"), choices=ENCODING_CHOICES,
                                 initial="auto",
                                 help_text=gettext_lazy("Detected unless you choose one."))
    platform = forms.ChoiceField(
        label=gettext_lazy("Platform"), required=False,
        choices=[("", gettext_lazy("— from a column —")), *Platform.choices],
        help_text=gettext_lazy("For rows whose platform is not in the file."))
    timezone = forms.CharField(label=gettext_lazy("Time zone"), initial="UTC", max_length=64,
                               help_text=gettext_lazy("For times written without one, e.g. "
                                                      "Asia/Taipei."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The first row names the columns. UTF-8, GB18030 or Big5; at most %(size)d MB "
            "and %(rows)s rows.") % {"size": MAX_BYTES // (1024 * 1024),
                                     "rows": f"{MAX_ROWS:,}"}


class MentionImportMappingForm(StyledFormMixin, forms.Form):
    """One select per field, offering the file's headers."""

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not imported —"))] + [(h, h) for h in headers if h]
        for name, label in FIELDS.items():
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
            self.fields[name].widget.attrs["class"] = "form-select"

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in FIELDS if self.cleaned_data.get(name)}
