"""Approval policies are edited here; statements and their history are only looked up
(they change through comms.services, which records and broadcasts every step)."""

from django.contrib import admin

from crisis.admin import ReadOnlyAdmin

from . import inquiry_admin  # noqa: F401  (registers MediaInquiry)
from .models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalStage,
    Publication,
    PublishingFreeze,
    ReviewStage,
    Statement,
    StatementComment,
    StatementTemplate,
    StatementVersion,
)


class ApprovalStageInline(admin.TabularInline):
    model = ApprovalStage
    extra = 0
    fields = ("position", "name", "roles", "capability", "approvals_needed", "sla_minutes",
              "parallel_with_previous")


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "position", "audience", "min_severity", "is_active")
    list_filter = ("audience", "min_severity", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("name", "stages__name")
    inlines = [ApprovalStageInline]


@admin.register(ApprovalStage)
class ApprovalStageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "policy", "position", "capability", "approvals_needed",
                    "sla_minutes", "parallel_with_previous")
    list_filter = ("policy", "capability", "parallel_with_previous")
    search_fields = ("name", "policy__name")
    list_select_related = ("policy", "capability")


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("title", "incident", "kind", "language", "status", "current_version",
                    "created_by", "created_at")
    list_filter = ("status", "kind", "language")
    search_fields = ("title", "incident__title", "created_by__username")
    list_select_related = ("incident", "created_by")
    date_hierarchy = "created_at"


@admin.register(StatementVersion)
class StatementVersionAdmin(ReadOnlyAdmin):
    incident_path = "statement__incident"
    list_display = ("statement", "number", "author", "created_at", "content_hash")
    list_filter = ("created_at",)
    search_fields = ("statement__title", "body", "what_happened", "author__username",
                     "content_hash")
    list_select_related = ("statement", "author")


@admin.register(ReviewStage)
class ReviewStageAdmin(ReadOnlyAdmin):
    incident_path = "statement__incident"
    list_display = ("statement", "round", "position", "name", "approvals_needed", "due_at")
    list_filter = ("name",)
    search_fields = ("statement__title", "name")
    list_select_related = ("statement",)


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdmin):
    incident_path = "statement__incident"
    list_display = ("statement", "version_number", "stage", "decider", "decision",
                    "as_fallback", "created_at")
    list_filter = ("decision", "as_fallback")
    search_fields = ("statement__title", "decider__username", "comment", "version_hash")
    list_select_related = ("statement", "stage", "decider")


@admin.register(StatementComment)
class StatementCommentAdmin(ReadOnlyAdmin):
    incident_path = "statement__incident"
    list_display = ("statement", "version", "author", "created_at")
    list_filter = ("created_at",)
    search_fields = ("body", "statement__title", "author__username")
    list_select_related = ("statement", "version", "author")


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    incident_path = "statement__incident"
    list_display = ("statement", "version", "published_by", "published_at")
    list_filter = ("published_at",)
    search_fields = ("statement__title", "published_by__username", "version_hash")
    list_select_related = ("statement", "version", "published_by")


@admin.register(PublishingFreeze)
class PublishingFreezeAdmin(ReadOnlyAdmin):
    list_display = ("reason", "incident", "created_by", "created_at", "lifted_at")
    list_filter = ("lifted_at", "created_at")
    search_fields = ("reason", "incident__title", "created_by__username")
    list_select_related = ("incident", "created_by")


@admin.register(StatementTemplate)
class StatementTemplateAdmin(admin.ModelAdmin):
    """Placeholders: {{ incident.title }}, {{ incident.reference }}, {{ incident.products }},
    {{ incident.regions }}, {{ next_update }} (comms.drafting)."""

    list_display = ("__str__", "kind", "language", "incident_type", "is_active")
    list_filter = ("kind", "language", "incident_type", "is_active")
    search_fields = ("name", "title", "body")
from . import (  # noqa: E402
    apprise_admin,  # noqa: F401  (registers AppriseEndpoint)
    delivery_admin,  # noqa: F401  (registers PublicationTarget, Delivery)
    stakeholder_admin,  # noqa: F401  (registers StakeholderGroup, Contact)
    stakeholder_map_admin,  # noqa: F401  (registers IncidentStakeholder)
)
