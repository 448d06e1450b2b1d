"""Stakeholder groups are edited here (administrators); contacts are only looked up (they
are personal data and change through ``comms.stakeholder_services``, on the contacts pages
and the API). Imported by ``comms.admin``."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from .models import Contact, StakeholderGroup
from .stakeholder_choices import contact_addresses


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(admin.ModelAdmin):
    """``channels``: a JSON list of channel codes in the order they are tried, e.g.
    ["email", "sms"] (email, webhook, chat, sms, in_app)."""

    list_display = ("__str__", "code", "kind", "channels", "acknowledgement_required",
                    "position")
    list_filter = ("kind", "acknowledgement_required")
    list_editable = ("position",)
    search_fields = ("name", "code")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    list_display = ("name", "organisation", "email", "language", "is_active", "updated_at")
    list_filter = ("is_active", "language", "groups")
    search_fields = ("name", "organisation", "email", "phone")
    exclude = ("addresses",)
    readonly_fields = ("addresses_shown",)

    @admin.display(description=gettext_lazy("addresses per channel"))
    def addresses_shown(self, contact: Contact) -> dict[str, str]:
        return contact_addresses(contact.addresses)
