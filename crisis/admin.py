from django.contrib import admin

from .models import (
    ChecklistItem,
    Incident,
    IncidentType,
    IncidentUserObjectPermission,
    LiveEvent,
    Playbook,
    Task,
    TaskComment,
    TaskTemplate,
    TimelineEntry,
)
from .selectors import visible_to


class IncidentScopedAdmin(admin.ModelAdmin):
    """Lists only what belongs to incidents the signed-in staff member may view, by the
    same confidentiality rule as the pages and the API (``incident_path`` leads from the
    model to its incident; empty for the incident itself)."""

    incident_path = "incident"

    def get_queryset(self, request):
        return visible_to(super().get_queryset(request), user=request.user,
                          path=self.incident_path)


class ReadOnlyAdmin(IncidentScopedAdmin):
    """Records that change only through the services (which write the timeline and tell
    everyone live): the admin is for looking them up."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "position", "is_active")
    list_filter = ("is_active",)
    list_editable = ("position", "is_active")
    search_fields = ("name", "code", "description")
    prepopulated_fields = {"code": ("name",)}


class TaskTemplateInline(admin.StackedInline):
    model = TaskTemplate
    extra = 0
    fields = (("position", "title"), "guidance", ("min_severity", "due_after_minutes"),
              ("responsible_role", "responsible_department"), "checklist")


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ("name", "incident_type")
    list_filter = ("incident_type",)
    search_fields = ("name", "description", "templates__title")
    inlines = [TaskTemplateInline]


@admin.register(TaskTemplate)
class TaskTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "playbook", "min_severity", "due_after_minutes",
                    "responsible_department")
    list_filter = ("playbook", "min_severity", "responsible_department")
    search_fields = ("title", "guidance")
    list_select_related = ("playbook",)


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    incident_path = ""
    list_display = ("reference", "title", "type", "status", "severity", "warning_level",
                    "confidentiality", "is_drill", "created_at")
    list_filter = ("status", "severity", "warning_level", "type", "confidentiality",
                   "is_drill", "origin", "created_at")
    search_fields = ("title", "summary", "created_by__username")
    list_select_related = ("created_by", "type")
    date_hierarchy = "created_at"


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "incident", "kind", "actor", "pinned", "created_at")
    list_filter = ("kind", "pinned")
    search_fields = ("body", "incident__title", "actor__username")
    list_select_related = ("incident", "actor")


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "incident", "owner", "status", "due_at")
    list_filter = ("status", "owner_department")
    search_fields = ("title", "description", "incident__title", "owner__username")
    list_select_related = ("incident", "owner")
    inlines = [ChecklistItemInline]


@admin.register(TaskComment)
class TaskCommentAdmin(ReadOnlyAdmin):
    incident_path = "task__incident"
    list_display = ("task", "author", "created_at")
    list_filter = ("created_at",)
    search_fields = ("body", "task__title", "author__username")
    list_select_related = ("task", "author")


@admin.register(LiveEvent)
class LiveEventAdmin(ReadOnlyAdmin):
    list_display = ("incident", "seq", "type", "created_at")
    list_filter = ("type",)
    search_fields = ("type", "incident__title")
    list_select_related = ("incident",)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    incident_path = "task__incident"
    list_display = ("text", "task", "done")
    list_filter = ("done",)
    search_fields = ("text", "task__title")
    list_select_related = ("task",)


@admin.register(IncidentUserObjectPermission)
class IncidentRightAdmin(ReadOnlyAdmin):
    """The guardian rights roles granted; read-only, they follow the roles."""

    incident_path = "content_object"
    list_display = ("content_object", "user", "permission")
    list_filter = ("permission",)
    search_fields = ("user__username", "content_object__title")
    list_select_related = ("content_object", "user", "permission")
