"""In-app notices to people signed in to CrisisDesk (the employees group), through the
notifications every page shows (``teams.services.notification_send``): stored once per
delivery, whatever the attempts."""

from django.utils.translation import gettext as _

from teams.choices import NotificationKind
from teams.services import notification_send

from ..models import Delivery
from . import SENT, Message, Outcome


def send(delivery: Delivery, message: Message) -> Outcome:
    """Call inside the transaction that records the result: the notice and the delivery's
    new status commit together."""

    def title() -> str:
        return _("Published to you: “%(title)s” (version %(version)d)") % {
            "title": message.title, "version": message.version}

    stored = notification_send(recipients=[delivery.user],
                               kind=NotificationKind.STATEMENT_PUBLISHED, title=title,
                               dedupe_key=f"delivery:{delivery.idempotency_key}", actor=None,
                               incident=delivery.publication.statement.incident)
    if not stored:
        return Outcome(_("This person may no longer view the incident."))
    return SENT
