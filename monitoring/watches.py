"""Watches: what the early warning listens for. ``watch_create`` / ``watch_update`` are the
only writes (the API and the admin's forms check the same rules: ``check_watch``). The
matcher (``monitoring.matching``) sees a change at the next batch: it compares the active
watches' definitions with the ones it was compiled from."""

import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.text import clean_text, is_invisible
from crisis.permissions import is_active

from .choices import Platform
from .models import Watch

ADD_WATCH = "monitoring.add_watch"
CHANGE_WATCH = "monitoring.change_watch"
VIEW_WATCH = "monitoring.view_watch"
VIEW_ALERT = "monitoring.view_alert"
MAX_TERMS = 200
MAX_TERM_LENGTH = 100
LANGUAGE_CODES = ("en", "zh", "zh-Hant", "zh-Hans", "ja", "ko")


def can_view_watches(user) -> bool:
    return is_active(user) and (user.has_perm(VIEW_WATCH) or user.has_perm(VIEW_ALERT))


def can_add_watches(user) -> bool:
    return is_active(user) and user.has_perm(ADD_WATCH)


def can_change_watches(user) -> bool:
    return is_active(user) and user.has_perm(CHANGE_WATCH)


def _terms(name: str, value, *, required: bool) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValidationError({name: _("A list of terms (strings) is expected.")})
    terms = []
    for term in value:
        term = clean_text(term)  # a zero-width space alone is no term
        if not term:
            continue
        if len(term) > MAX_TERM_LENGTH:
            raise ValidationError({name: _("“%(term)s…” is longer than %(max)d characters.")
                                   % {"term": term[:20], "max": MAX_TERM_LENGTH}})
        if any(unicodedata.category(char) in ("Cc", "Cf") for char in term):
            raise ValidationError({name: _("“%(term)s” holds a line break or an invisible "
                                           "character.") % {"term": _shown(term)}})
        if not any(char.isalnum() or unicodedata.category(char) == "So" for char in term):
            raise ValidationError({name: _("“%(term)s” holds no letter, digit or emoji: it "
                                           "would match posts about anything.")
                                   % {"term": term}})
        if term not in terms:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise ValidationError({name: _("At most %(max)d terms.") % {"max": MAX_TERMS}})
    if required and not terms:
        raise ValidationError({name: _("Give at least one term to listen for.")})
    return terms


def _shown(term: str) -> str:
    """A term with its invisible characters made visible (as Python writes them)."""
    return "".join(char if not is_invisible(char) or char == " " else
                   repr(char)[1:-1] for char in term)


def check_watch(fields: dict) -> dict:
    """The fields cleaned (terms trimmed and once each), or ``ValidationError`` naming the
    field."""
    cleaned = dict(fields)
    if "include_terms" in fields:
        cleaned["include_terms"] = _terms("include_terms", fields["include_terms"],
                                          required=True)
    if "exclude_terms" in fields:
        cleaned["exclude_terms"] = _terms("exclude_terms", fields["exclude_terms"],
                                          required=False)
    if "languages" in fields:
        value = fields["languages"]
        if not isinstance(value, list) or any(v not in LANGUAGE_CODES for v in value):
            raise ValidationError({"languages": _("A list of: %(codes)s (empty: every "
                                                  "language).")
                                   % {"codes": ", ".join(LANGUAGE_CODES)}})
        cleaned["languages"] = sorted(set(value))
    if "platforms" in fields:
        value = fields["platforms"]
        if not isinstance(value, list) or any(v not in Platform.values for v in value):
            raise ValidationError({"platforms": _("A list of: %(codes)s (empty: every "
                                                  "platform).")
                                   % {"codes": ", ".join(Platform.values)}})
        cleaned["platforms"] = sorted(set(value))
    return cleaned


def _check_name(name: str, *, exclude: int | None = None) -> None:
    if Watch.objects.filter(name__iexact=name).exclude(pk=exclude).exists():
        raise ValidationError({"name": _("Another watch is named “%(name)s”.") % {"name": name}})


def watch_create(*, actor, name: str, include_terms: list, exclude_terms: list | None = None,
                 languages: list | None = None, platforms: list | None = None,
                 owner_team=None, is_active: bool = True) -> Watch:
    if not can_add_watches(actor):
        raise PermissionDenied(_("You may not add watches."))
    fields = check_watch({"include_terms": include_terms, "exclude_terms": exclude_terms or [],
                          "languages": languages or [], "platforms": platforms or []})
    with transaction.atomic():
        _check_name(name)
        return Watch.objects.create(name=name, owner_team=owner_team, is_active=is_active,
                                    **fields)


def watch_update(*, actor, watch: Watch, **fields) -> Watch:
    """Change the fields given (name, terms, languages, platforms, owner_team,
    is_active)."""
    if not can_change_watches(actor):
        raise PermissionDenied(_("You may not change watches."))
    allowed = {"name", "include_terms", "exclude_terms", "languages", "platforms",
               "owner_team", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    fields = check_watch(fields)
    with transaction.atomic():
        watch = Watch.objects.select_for_update().get(pk=watch.pk)
        if "name" in fields:
            _check_name(fields["name"], exclude=watch.pk)
        for name, value in fields.items():
            setattr(watch, name, value)
        watch.save(update_fields=list(fields))
    return watch
