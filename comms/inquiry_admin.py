"""Media inquiries in the admin: looked up only (they change through
``comms.inquiry_services``, which records and broadcasts every step). Imported by
``comms.admin``."""

from django.contrib import admin

from crisis.admin import ReadOnlyAdmin

from .models import MediaInquiry


@admin.register(MediaInquiry)
class MediaInquiryAdmin(ReadOnlyAdmin):
    list_display = ("outlet", "journalist", "incident", "status", "deadline", "assignee",
                    "received_at")
    list_filter = ("status", "received_at")
    search_fields = ("outlet", "journalist", "question", "incident__title")
    list_select_related = ("incident", "assignee")
    date_hierarchy = "received_at"
