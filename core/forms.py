"""Form fields every app's pages share: text as ``core.text`` cleans it, ids a database can
hold, and times that exist in UTC. The API's filters use the same fields (``core.filters``)."""

import datetime

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .text import clean_text

MAX_ID = 2**63 - 1  # the largest id (and whole number) a 64-bit database column holds


class TextField(forms.CharField):
    """Text a person writes: invisible characters at the ends are dropped, so a required
    one made only of them (zero-width spaces, a lone no-break space...) is refused."""

    def to_python(self, value):
        value = super().to_python(value)
        return clean_text(value) if self.strip and isinstance(value, str) else value


class IdField(forms.IntegerField):
    """An object's id: a whole number from 1 to what the database can hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class BooleanWidget(forms.Select):
    """A yes/no choice that hands the value on as it was sent (``BooleanField`` says
    whether it is one), drawn as a select of "", "true" and "false"."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=(("", "---------"), ("true", _("Yes")),
                                         ("false", _("No"))))

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class BooleanField(forms.NullBooleanField):
    """true or false (1 or 0, in any case) or nothing; anything else is refused, not read
    as nothing (Django's NullBooleanField takes "maybe" for "no filter")."""

    widget = BooleanWidget
    WORDS = {"true": True, "1": True, "false": False, "0": False}
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        if value == "":
            return None
        try:
            return self.WORDS[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        """"true" or "false" for a value read as one (what the pages' selects compare
        with), else the value as sent."""
        try:
            parsed = self.to_python(value)
        except forms.ValidationError:
            return value
        return {True: "true", False: "false"}.get(parsed, "")


class ModelMultipleIdChoiceField(forms.ModelMultipleChoiceField):
    """Objects chosen by their ids: an id the database cannot hold is "not a valid value"
    (the ``pk__in`` query would fail on it: OverflowError on SQLite, a 500)."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # the parent names it as not a valid value
            if not 1 <= number <= MAX_ID:
                raise forms.ValidationError(self.error_messages["invalid_pk_value"],
                                            code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)


def check_in_utc(value: datetime.datetime | None) -> datetime.datetime | None:
    """``value`` as the same instant in UTC (the database stores UTC; PostgreSQL refuses
    offsets beyond ±15:59, which Python allows up to ±23:59); a ValidationError for a time
    its zone pushes past year 1 or 9999."""
    if value is None:
        return value
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise forms.ValidationError(
            _("Enter a time between the years 1 and 9999 in UTC."), code="out_of_range"
        ) from None


class DateTimeField(forms.DateTimeField):
    """A date and time that exists in UTC, whichever zone it was given in."""

    def to_python(self, value):
        return check_in_utc(super().to_python(value))


class PlainSelect(forms.Select):
    """Django's ``Select`` drawn in Python, without a template (nor a dictionary of
    attributes) per option: a list of everyone who may be given a task (two hundred people)
    cost more than the rest of its form through the widget templates. The same elements
    and attributes; one ``<select>`` (not multiple)."""

    allow_multiple_selected = False

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        parts = [format_html('<select name="{}"{}>', name,
                             flatatt(self.build_attrs(self.attrs, attrs)))]

        def options(choices):
            for option_value, label in choices:
                if isinstance(label, list | tuple):  # a group of options
                    parts.append(format_html('\n  <optgroup label="{}">', option_value))
                    options(label)
                    parts.append("\n  </optgroup>")
                    continue
                text = "" if option_value is None else str(option_value)
                selected = text in chosen
                if selected:
                    chosen.clear()  # the first match only, as Select does
                parts.append(f'\n  <option value="{escape(text)}"'
                             f'{" selected" if selected else ""}>{escape(label)}</option>')

        options(self.choices)
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 -- every value and label escaped
