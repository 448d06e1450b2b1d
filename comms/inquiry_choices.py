"""Where a media inquiry stands, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InquiryStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")

    @property
    def is_open(self) -> bool:
        return self in OPEN_INQUIRY_STATUSES


# Still waiting for an answer: these can fall overdue.
OPEN_INQUIRY_STATUSES = (InquiryStatus.NEW, InquiryStatus.IN_PROGRESS)
