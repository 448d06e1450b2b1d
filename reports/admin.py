"""The post-incident review in the admin: looked up, never changed here. Its text, versions,
sign-offs and action items change only through ``reports.services`` (which keep versions
locked by sign-off, write the timeline and tell everyone live), on the review's page or the
API; a PDF is rendered by its task. Each list shows only what belongs to incidents the staff
member may view (``crisis.admin.IncidentScopedAdmin``)."""

from django.contrib import admin

from crisis.admin import ReadOnlyAdmin

from .models import ActionItem, PostIncidentReview, ReviewPdf, ReviewSignOff, ReviewVersion


class ReadOnlyInline(admin.TabularInline):
    """Listed under the review, linked, never added, changed or deleted here."""

    extra = 0
    show_change_link = True
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReviewVersionInline(ReadOnlyInline):
    model = ReviewVersion
    fields = ("number", "revision", "updated_by", "updated_at", "signed_off_at")


class ActionItemInline(ReadOnlyInline):
    model = ActionItem
    fields = ("title", "owner", "due_on", "status", "changes")


@admin.register(PostIncidentReview)
class PostIncidentReviewAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "incident", "language", "created_at")
    list_filter = ("language", "incident__is_drill", "incident__status")
    search_fields = ("incident__title", "incident__summary")
    list_select_related = ("incident",)
    date_hierarchy = "created_at"
    inlines = [ReviewVersionInline, ActionItemInline]


class ReviewSignOffInline(ReadOnlyInline):
    model = ReviewSignOff
    fields = ("role", "user", "signed_at")
    show_change_link = False


@admin.register(ReviewVersion)
class ReviewVersionAdmin(ReadOnlyAdmin):
    incident_path = "review__incident"
    list_display = ("__str__", "number", "revision", "updated_by", "updated_at",
                    "signed_off_at")
    list_filter = ("review__language", ("signed_off_at", admin.EmptyFieldListFilter))
    search_fields = ("review__incident__title", "executive_summary", "lessons", "root_cause")
    list_select_related = ("review__incident", "updated_by")
    inlines = [ReviewSignOffInline]


@admin.register(ReviewSignOff)
class ReviewSignOffAdmin(ReadOnlyAdmin):
    incident_path = "version__review__incident"
    list_display = ("version", "role", "user", "signed_at")
    list_filter = ("role",)
    search_fields = ("version__review__incident__title", "user__username")
    list_select_related = ("version__review__incident", "user")


@admin.register(ReviewPdf)
class ReviewPdfAdmin(ReadOnlyAdmin):
    incident_path = "version__review__incident"
    list_display = ("version", "language", "revision", "status", "progress", "pages", "size",
                    "requested_at", "rendered_at")
    list_filter = ("status", "language")
    search_fields = ("version__review__incident__title", "error")
    list_select_related = ("version__review__incident",)


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    incident_path = "review__incident"
    list_display = ("title", "review", "owner", "due_on", "status", "changes", "completed_at")
    list_filter = ("status", "changes", "due_on")
    search_fields = ("title", "description", "owner__username", "review__incident__title")
    list_select_related = ("review__incident", "owner")
    date_hierarchy = "due_on"
