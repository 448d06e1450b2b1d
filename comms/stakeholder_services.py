"""Writes to contacts: creating one, changing one (deactivating included: a contact is never
deleted), and importing many at once from a CSV file (``comms.contact_import`` reads the
file; this module decides what is valid and writes).

Each write (1) checks the right (``comms.stakeholders.can_manage_contacts``), (2) validates
every field, naming it, before anything is written, and (3) writes in one transaction.
Two contacts never share an email address, whatever its case: a second one with the same
address is refused (pages, API) or updates the first (import).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import clean_text

from .channels import webhook
from .models import Contact, StakeholderGroup
from .stakeholder_choices import ADDRESS_CHANNELS, Channel
from .stakeholders import can_manage_contacts

MAX_NAME_LENGTH = 200
MAX_ORGANISATION_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_ADDRESS_LENGTH = 500
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)

# E.164: a plus, a country code (no leading zero) and up to 15 digits in all. People write
# spaces, dashes, dots and brackets between them, and 00 for the plus; those are dropped.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
PHONE_SEPARATORS = re.compile(r"[\s\-.()/]")

# The fields a contact is written from, in the order errors name them.
CONTACT_FIELDS = ("name", "organisation", "email", "phone", "language", "addresses",
                  "groups", "is_active")


def may_not_manage() -> str:
    return _("You may not manage contacts.")


def check_manage(actor) -> None:
    if not can_manage_contacts(actor):
        raise PermissionDenied(may_not_manage())


# --- checks of one field ------------------------------------------------------------------------

def normalise_phone(value: str) -> str:
    """``value`` as E.164 (+886212345678), or a ValidationError."""
    compact = PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not E164.fullmatch(compact):
        raise ValidationError(_("Enter the number with its country code, e.g. "
                                "+886 2 1234 5678."), code="phone")
    return compact


def check_address(channel: str, address: str) -> str:
    """One address for ``channel``, cleaned, or a ValidationError saying what it must be."""
    if len(address) > MAX_ADDRESS_LENGTH:
        raise ValidationError(_("At most %(max)d characters.") % {"max": MAX_ADDRESS_LENGTH})
    if channel == Channel.EMAIL:
        EmailValidator(message=_("Enter a valid email address."))(address)
        return address
    if channel == Channel.WEBHOOK:
        URLValidator(schemes=["https"], message=_("Enter an https:// URL."))(address)
        if host := webhook.private_host(address):
            raise ValidationError(_("“%(host)s” is a private or local address: webhooks go to "
                                    "public hosts only.") % {"host": host})
        return address
    if channel == Channel.SMS:
        return normalise_phone(address)
    raise ValidationError(_("Contacts hold no address for this channel."))


def check_addresses(addresses) -> dict[str, str]:
    """``{channel: address}``, each checked for its channel; blank ones left out."""
    if not isinstance(addresses, dict):
        raise ValidationError(_("An object of channel: address."))
    cleaned, problems = {}, []
    for channel, address in addresses.items():
        if channel not in ADDRESS_CHANNELS:
            problems.append(_("%(channel)s: not a channel with addresses (%(known)s).")
                            % {"channel": channel, "known": ", ".join(ADDRESS_CHANNELS)})
            continue
        if not isinstance(address, str):
            problems.append(_("%(channel)s: text expected.") % {"channel": channel})
            continue
        address = clean_text(address)
        if not address:
            continue
        try:
            cleaned[channel] = check_address(channel, address)
        except ValidationError as error:
            problems.append(f"{Channel(channel).label}: {' '.join(error.messages)}")
    if problems:
        raise ValidationError(problems)
    return cleaned


def _check_text(value, *, required: bool, max_length: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("Text expected."))
    value = clean_text(value)
    if required and not value:
        raise ValidationError(_("This field is required."))
    if len(value) > max_length:
        raise ValidationError(_("At most %(max)d characters.") % {"max": max_length})
    return value


def clean_contact(data: dict) -> dict:
    """The fields of ``data`` (a subset of ``CONTACT_FIELDS``) checked and cleaned; a
    ValidationError naming each field at fault. Nothing is read from the database but the
    groups given as ids."""
    cleaned, errors = {}, {}

    def check(name, checker):
        if name in data:
            try:
                cleaned[name] = checker(data[name])
            except ValidationError as error:
                errors[name] = error.messages

    check("name", lambda v: _check_text(v, required=True, max_length=MAX_NAME_LENGTH))
    check("organisation", lambda v: _check_text(v, required=False,
                                                max_length=MAX_ORGANISATION_LENGTH))

    def email(value):
        value = _check_text(value, required=False, max_length=MAX_EMAIL_LENGTH)
        if value:
            EmailValidator(message=_("Enter a valid email address."))(value)
        return value

    def phone(value):
        value = _check_text(value, required=False, max_length=64)
        return normalise_phone(value) if value else ""

    def language(value):
        if value not in LANGUAGES:
            raise ValidationError(_("One of: %(codes)s.") % {"codes": ", ".join(LANGUAGES)})
        return value

    def groups(value):
        if isinstance(value, StakeholderGroup):
            value = [value]
        value = list(value)
        if all(isinstance(g, StakeholderGroup) for g in value):
            return value
        ids = [g.pk if isinstance(g, StakeholderGroup) else g for g in value]
        found = StakeholderGroup.objects.in_bulk([i for i in ids if isinstance(i, int)])
        missing = [str(i) for i in ids if found.get(i) is None]
        if missing:
            raise ValidationError(_("No stakeholder group with id %(ids)s.")
                                  % {"ids": ", ".join(missing)})
        return [found[i] for i in ids]

    def active(value):
        if not isinstance(value, bool):
            raise ValidationError(_("true or false."))
        return value

    check("email", email)
    check("phone", phone)
    check("language", language)
    check("addresses", check_addresses)
    check("groups", groups)
    check("is_active", active)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _email_taken(email: str, *, exclude_pk: int | None = None) -> Contact | None:
    if not email:
        return None
    others = Contact.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.first()


def _duplicate(other: Contact | None) -> ValidationError:
    message = (_("%(name)s already has this email address.") % {"name": other.name}
               if other is not None else _("Another contact already has this email address."))
    return ValidationError({"email": [message]})


# --- writes -------------------------------------------------------------------------------------

def contact_create(*, actor, name: str, organisation: str = "", email: str = "",
                   phone: str = "", language: str = "en", addresses: dict | None = None,
                   groups: Iterable = (), is_active: bool = True) -> Contact:
    check_manage(actor)
    data = clean_contact({"name": name, "organisation": organisation, "email": email,
                          "phone": phone, "language": language,
                          "addresses": addresses or {}, "groups": groups,
                          "is_active": is_active})
    chosen = data.pop("groups")
    try:
        with transaction.atomic():
            other = _email_taken(data["email"])
            if other is not None:
                raise _duplicate(other)
            contact = Contact.objects.create(**data)
            contact.groups.set(chosen)
    except IntegrityError:  # the same address saved by someone else meanwhile
        raise _duplicate(_email_taken(data["email"])) from None
    return contact


def contact_update(*, actor, contact: Contact, **changes) -> Contact:
    """Change any of ``CONTACT_FIELDS``; what is not given is kept. ``is_active=False``
    deactivates (the contact then receives nothing)."""
    check_manage(actor)
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    data = clean_contact(changes)
    chosen = data.pop("groups", None)
    try:
        with transaction.atomic():
            locked = Contact.objects.select_for_update().get(pk=contact.pk)
            if data.get("email"):
                other = _email_taken(data["email"], exclude_pk=locked.pk)
                if other is not None:
                    raise _duplicate(other)
            for name, value in data.items():
                setattr(locked, name, value)
            locked.updated_at = timezone.now()
            locked.save(update_fields=[*data, "updated_at"])
            if chosen is not None:
                locked.groups.set(chosen)
    except IntegrityError:
        raise _duplicate(_email_taken(data.get("email", ""), exclude_pk=contact.pk)) from None
    return locked


# --- import -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    row: int  # the file's row as a spreadsheet numbers it: the headers are row 1
    field: str
    message: str


@dataclass
class ImportRow:
    """One row of a file, converted to the fields it sets (``comms.contact_import``), with
    the problems found converting it."""

    number: int
    data: dict
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


def check_import_row(row: ImportRow) -> dict | None:
    """The row's fields cleaned, or None with its problems added to ``row.errors``."""
    try:
        data = clean_contact(row.data)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            row.errors.extend(RowError(row.number, name, m) for m in messages)
        return None
    if "name" not in data and not data.get("email"):
        row.errors.append(RowError(row.number, "name", _("This field is required.")))
    return None if row.errors else data


def needs_a_name(number: int) -> RowError:
    """A row without a name whose email no contact has (nor an earlier row creates)."""
    return RowError(number, "name", _("No contact has this email: a new one needs a name."))


def known_emails(emails: Iterable[str]) -> set[str]:
    """Those of ``emails`` that a contact has (whatever its case), in lower case."""
    return set(Contact.objects.annotate(email_key=Lower("email"))
               .filter(email_key__in={email.lower() for email in emails})
               .values_list("email_key", flat=True))


BATCH = 500


def _set_groups(chosen: list[tuple[Contact, list]]) -> None:
    """Each contact's groups replaced by those given, in bulk."""
    through = Contact.groups.through
    ids = [contact.pk for contact, _groups in chosen]
    for start in range(0, len(ids), BATCH):
        through.objects.filter(contact_id__in=ids[start:start + BATCH]).delete()
    through.objects.bulk_create(
        [through(contact_id=contact.pk, stakeholdergroup_id=group.pk)
         for contact, groups in chosen for group in groups], batch_size=BATCH)


def contacts_import(*, actor, rows: list[ImportRow]) -> ImportResult:
    """Write every row without a problem, in one transaction: a row whose email belongs to
    a contact (any case) updates it with the columns the row fills, any other creates one
    (a row without a name only updates). Rows with problems are skipped and reported by
    row and field."""
    check_manage(actor)
    result = ImportResult()
    valid: list[tuple[ImportRow, dict]] = []
    for row in rows:
        data = check_import_row(row)
        if data is None:
            result.skipped += 1
            result.errors.extend(row.errors)
        else:
            valid.append((row, data))
    emails = {data["email"].lower() for _row, data in valid if data.get("email")}
    now = timezone.now()
    try:
        with transaction.atomic():
            by_email = {contact.email_key: contact for contact in (
                Contact.objects.annotate(email_key=Lower("email"))
                .filter(email_key__in=emails).select_for_update())}
            new: list[Contact] = []
            changed: dict[int, Contact] = {}  # existing contacts the file changes, by id
            fields: set[str] = set()
            groups: dict[int, tuple[Contact, list]] = {}  # id(contact): its groups from the file
            for row, data in valid:
                key = data.get("email", "").lower()
                contact = by_email.get(key) if key else None
                chosen = data.pop("groups", None)
                if contact is None:
                    if "name" not in data:
                        result.skipped += 1
                        result.errors.append(needs_a_name(row.number))
                        continue
                    contact = Contact(created_at=now, updated_at=now, **data)
                    new.append(contact)
                    result.created += 1
                    if key:
                        by_email[key] = contact
                else:
                    if "addresses" in data:  # the file's channels replace those, others stay
                        data["addresses"] = {**contact.addresses, **data["addresses"]}
                    differ = {name for name, value in data.items()
                              if getattr(contact, name) != value}
                    for name in differ:
                        setattr(contact, name, data[name])
                    if contact.pk is not None and differ:
                        contact.updated_at = now
                        changed[contact.pk] = contact
                        fields.update(differ)
                    result.updated += 1
                if chosen is not None:
                    groups[id(contact)] = (contact, chosen)
            # A few statements for thousands of rows (the constraint still guards each email).
            Contact.objects.bulk_create(new, batch_size=BATCH)
            if changed:
                # Small batches: each is one CASE per column, which SQLite reads row by row.
                Contact.objects.bulk_update(list(changed.values()), [*sorted(fields), "updated_at"],
                                            batch_size=100)
            _set_groups(list(groups.values()))
    except IntegrityError:  # someone saved one of these emails meanwhile: nothing written
        raise ValidationError({"file": [_(
            "Someone added a contact with one of these emails during the import, so nothing "
            "was imported. Import the file again.")]}) from None
    result.errors.sort(key=lambda e: (e.row, CONTACT_FIELDS.index(e.field)
                                      if e.field in CONTACT_FIELDS else len(CONTACT_FIELDS)))
    return result
