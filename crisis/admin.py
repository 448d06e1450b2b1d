from django.contrib import admin

from .models import Incident, LiveEvent


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "status", "severity", "created_by", "created_at")
    list_filter = ("status", "severity", "created_at")
    search_fields = ("title", "summary", "created_by__username")
    list_select_related = ("created_by",)
    raw_id_fields = ("created_by",)
    date_hierarchy = "created_at"

    # Incidents change only through the services, which write the timeline and tell
    # everyone live; the admin is for looking things up.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LiveEvent)
class LiveEventAdmin(admin.ModelAdmin):
    """Read-only: the live stream is a record of what was sent."""

    list_display = ("pk", "type", "incident", "created_at")
    list_filter = ("type",)
    search_fields = ("type", "incident__title")
    list_select_related = ("incident",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
