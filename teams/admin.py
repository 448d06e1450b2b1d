from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crisis.admin import IncidentScopedAdmin, ReadOnlyAdmin

from .models import (
    Department,
    DutyShift,
    Notification,
    Role,
    RoleAssignment,
    RolePolicy,
    User,
)
from .services import role_rights_resync


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("timezone",)}),
    )
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "departments__kind")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "head", "member_count")
    list_filter = ("kind",)
    raw_id_fields = ("head",)
    search_fields = ("name", "members__username", "members__last_name")
    filter_horizontal = ("members",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, department: Department) -> int:
        return department.member_total


@admin.register(Notification)
class NotificationAdmin(IncidentScopedAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "recipient__username", "recipient__email")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient", "incident")
    date_hierarchy = "created_at"


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ("duty", "user", "starts_on", "ends_on")
    list_filter = ("duty", "starts_on")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "starts_on"


class RolePolicyInline(admin.TabularInline):
    model = RolePolicy
    extra = 0


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "single_holder", "per_department", "capability",
                    "position", "is_active")
    list_filter = ("is_active", "single_holder", "per_department", "capability")
    list_editable = ("position", "is_active")
    search_fields = ("name", "code", "description")
    filter_horizontal = ("permissions",)
    prepopulated_fields = {"code": ("name",)}
    inlines = [RolePolicyInline]

    # A shipped role's code is what services, approval stages and sign-offs find it by:
    # it stays as shipped and the role is never deleted; its name and the rest are the
    # administrators' to change. Their own roles stay theirs entirely.
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "code") if obj is not None and obj.is_shipped else fields

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None and obj.is_shipped else super().get_prepopulated_fields(
            request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_shipped) and super().has_delete_permission(
            request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "permissions" in form.changed_data:
            holders = role_rights_resync(role=form.instance)
            self.message_user(request, ngettext(
                "Rights of %(n)d current holder updated.",
                "Rights of %(n)d current holders updated.", holders) % {"n": holders})


@admin.register(RolePolicy)
class RolePolicyAdmin(admin.ModelAdmin):
    list_display = ("role", "incident_type", "min_severity", "department_kind")
    list_filter = ("incident_type", "min_severity", "role")
    search_fields = ("role__name", "incident_type__name")
    list_select_related = ("role", "incident_type")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    """Who held what when; roles change in the incident room (which keeps rights in step)."""

    list_display = ("incident", "user", "role", "department", "assigned_at", "ended_at")
    list_filter = ("role", ("ended_at", admin.EmptyFieldListFilter), "assigned_at")
    search_fields = ("user__username", "user__last_name", "incident__title")
    list_select_related = ("incident", "user", "role", "department")
