"""Reads of publications and their deliveries, restricted to what the asking user may see:
the publications of incidents they may view (404 otherwise). Who each delivery went to is
personal data: shown to those who see contacts or may publish in the incident."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from crisis.models import Incident

from .delivery_choices import DeliveryStatus
from .models import Delivery, Publication
from .permissions import can_publish
from .stakeholder_choices import Channel
from .stakeholders import can_view_contacts

FAILED_SHOWN = 100
# The page's columns (an acknowledged delivery was sent, then confirmed by its recipient).
SHOWN_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT,
                  DeliveryStatus.ACKNOWLEDGED, DeliveryStatus.FAILED)


def publication_list(*, user, statement=None, incident=None) -> QuerySet[Publication]:
    publications = Publication.objects.filter(
        statement__incident__in=Incident.objects.visible_to(user).values("pk")
    ).select_related("statement__incident", "version", "published_by", "target")
    if statement is not None:
        publications = publications.filter(statement=statement)
    if incident is not None:
        publications = publications.filter(statement__incident=incident)
    return publications


def publication_get(*, user, pk) -> Publication:
    try:
        return publication_list(user=user).get(pk=pk)
    except (Publication.DoesNotExist, ValueError, TypeError):
        raise Http404("No publication matches the given query.") from None


def delivery_list(*, user) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        publication__statement__incident__in=Incident.objects.visible_to(user).values("pk")
    ).select_related("publication__statement__incident", "group", "contact", "user", "endpoint",
                     "acknowledgement")


def delivery_get(*, user, pk) -> Delivery:
    try:
        return delivery_list(user=user).get(pk=pk)
    except (Delivery.DoesNotExist, ValueError, TypeError):
        raise Http404("No delivery matches the given query.") from None


def may_see_recipients(user, incident) -> bool:
    return can_view_contacts(user) or can_publish(user, incident)


@dataclass
class Row:
    """One stakeholder group on one channel: its deliveries by status."""

    group: str
    channel: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DeliveryStatus.values, 0))

    @property
    def cells(self) -> list[int]:
        """The counts in the order of ``SHOWN_STATUSES`` (the table's columns)."""
        return [self.counts[status] for status in SHOWN_STATUSES]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def publication_progress(publication: Publication) -> tuple[list[Row], Row]:
    """(a row per group and channel, the totals) of the publication's deliveries."""
    rows: dict[tuple[int, str], Row] = {}
    totals = Row(group="", channel="")
    found = (Delivery.objects.filter(publication=publication)
             .values("group_id", "group__name", "group__position", "channel", "status")
             .annotate(n=Count("pk")).order_by("group__position", "group__name", "channel"))
    for item in found:
        row = rows.setdefault((item["group_id"], item["channel"]),
                              Row(group=gettext(item["group__name"]),
                                  channel=Channel(item["channel"]).label))
        row.counts[item["status"]] += item["n"]
        totals.counts[item["status"]] += item["n"]
    return list(rows.values()), totals


def failed_deliveries(publication: Publication) -> list[Delivery]:
    return list(Delivery.objects.filter(publication=publication, status=DeliveryStatus.FAILED)
                .select_related("group", "contact", "user", "endpoint")
                .order_by("pk")[:FAILED_SHOWN])
