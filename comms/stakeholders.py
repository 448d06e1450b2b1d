"""Stakeholder groups and contacts: who may see and manage them, and the reads of them.
Contacts are personal data and tied to no incident, so the rights are global (Django
permissions granted to capabilities by migration 0007) and a refusal is a 403, not a 404.
Writes are in ``comms.stakeholder_services``."""

import django_filters
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.filters import BooleanFilter, IdFilter
from crisis.permissions import is_active

from .models import Contact, StakeholderGroup

# Permission codenames (granted by comms migration 0007).
VIEW_CONTACTS = "comms.view_contact"
MANAGE_CONTACTS = "comms.change_contact"
ADD_CONTACTS = "comms.add_contact"

MAX_SEARCH_LENGTH = 200


# --- rights -------------------------------------------------------------------------------------

def can_view_contacts(user) -> bool:
    """See contacts (names, addresses: personal data)."""
    return is_active(user) and user.has_perm(VIEW_CONTACTS)


def can_manage_contacts(user) -> bool:
    """Create, edit, deactivate and import contacts."""
    return (can_view_contacts(user) and user.has_perm(MANAGE_CONTACTS)
            and user.has_perm(ADD_CONTACTS))


def can_view_groups(user) -> bool:
    """The groups themselves hold no personal data: whoever is signed in sees them."""
    return is_active(user)


# --- reads --------------------------------------------------------------------------------------

def group_list() -> QuerySet[StakeholderGroup]:
    return StakeholderGroup.objects.all()


def groups_with_counts() -> QuerySet[StakeholderGroup]:
    """The groups with how many active contacts each holds."""
    return StakeholderGroup.objects.annotate(
        active_contacts=Count("contacts", filter=Q(contacts__is_active=True)))


def contact_list(*, user) -> QuerySet[Contact]:
    """Every contact for those who may view contacts; nothing for anyone else."""
    if not can_view_contacts(user):
        return Contact.objects.none()
    return Contact.objects.prefetch_related("groups")


def contact_get(*, user, pk) -> Contact:
    try:
        return contact_list(user=user).get(pk=pk)
    except (Contact.DoesNotExist, ValueError, TypeError):
        raise Http404("No contact matches the given query.") from None


# --- filters ------------------------------------------------------------------------------------

class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"),
                                  max_length=MAX_SEARCH_LENGTH)
    # One group at a time: a contact is in a group once, so no duplicates to remove.
    group = IdFilter(field_name="groups", label=_("Group"))
    active = BooleanFilter(field_name="is_active",
                           label=pgettext_lazy("contact", "Active"))

    class Meta:
        model = Contact
        fields = ["q", "group", "active"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(organisation__icontains=value)
                               | Q(email__icontains=value) | Q(phone__icontains=value))
