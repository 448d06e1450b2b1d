"""Publication targets and deliveries are looked up here, never changed: their states move
only through ``comms.delivery_services`` (resend a failed one on the publication's page or
the API). Imported by ``comms.admin``."""

from django.contrib import admin

from .models import Delivery, DeliveryAcknowledgement, PublicationTarget, ScheduledPublication


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublicationTarget)
class PublicationTargetAdmin(ReadOnlyAdmin):
    list_display = ("publication", "channels")
    list_filter = ("groups",)
    search_fields = ("publication__statement__title",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("publication", "group", "channel", "address", "status", "attempts",
                    "sent_at", "failed_at")
    list_filter = ("status", "channel", "group")
    search_fields = ("publication__statement__title", "address", "contact__name",
                     "user__username", "idempotency_key")
    list_select_related = ("publication__statement", "publication__version", "group")


@admin.register(DeliveryAcknowledgement)
class DeliveryAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "acknowledged_at", "remote_addr")
    list_filter = ("delivery__group", "delivery__channel")
    search_fields = ("delivery__publication__statement__title", "delivery__contact__name",
                     "delivery__address")
    list_select_related = ("delivery__publication__statement", "delivery__publication__version",
                           "delivery__contact", "delivery__group")


@admin.register(ScheduledPublication)
class ScheduledPublicationAdmin(ReadOnlyAdmin):
    """Scheduled and cancelled on the statement's page or the API, never here."""

    list_display = ("statement", "version", "publish_at", "status", "created_by")
    list_filter = ("status",)
    search_fields = ("statement__title", "reason")
    list_select_related = ("statement", "version", "created_by")
