"""The stakeholder map in the admin: looked up only (it changes through
``comms.stakeholder_map_services``, which records and broadcasts every change). Imported by
``comms.admin``."""

from django.contrib import admin

from crisis.admin import ReadOnlyAdmin

from .models import IncidentStakeholder


@admin.register(IncidentStakeholder)
class IncidentStakeholderAdmin(ReadOnlyAdmin):
    list_display = ("group", "incident", "affected", "priority", "owner", "cadence_minutes",
                    "last_update_at", "next_update_due")
    list_filter = ("affected", "priority", "group")
    search_fields = ("group__name", "incident__title")
    list_select_related = ("group", "incident", "owner")
