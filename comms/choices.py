"""What a statement is, where it stands and how it may be decided, declared once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StatementKind(models.TextChoices):
    HOLDING = "holding", _("Holding statement")
    UPDATE = "update", _("Update")
    APOLOGY = "apology", _("Apology")
    CORRECTION = "correction", _("Correction")
    QA = "qa", _("Q&A / FAQ sheet")
    MEDIA_RESPONSE = "media_response", _("Media response")
    INTERNAL_MEMO = "internal_memo", _("Internal memo")
    SOCIAL_POST = "social_post", _("Social post")
    CUSTOMER_NOTICE = "customer_notice", _("Customer notice")
    REGULATOR_NOTICE = "regulator_notice", _("Regulator notice")

    @property
    def is_public(self) -> bool:
        """Everything leaves the company except the internal memo."""
        return self is not StatementKind.INTERNAL_MEMO


class Audience(models.TextChoices):
    """Which statements an approval policy covers."""

    ANY = "any", _("Public and internal")
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")


# The project's languages (settings.LANGUAGES): en, zh-hant, zh-hans.
LANGUAGE_CHOICES = settings.LANGUAGES


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({StatementStatus.REJECTED, StatementStatus.WITHDRAWN,
                            StatementStatus.SUPERSEDED})
# Where the text may still change (an edit makes a new version).
EDITABLE_STATUSES = (StatementStatus.DRAFT, StatementStatus.IN_REVIEW,
                     StatementStatus.APPROVED)
WITHDRAWABLE_STATUSES = (StatementStatus.DRAFT, StatementStatus.IN_REVIEW,
                         StatementStatus.APPROVED)


class CorrectionKind(models.TextChoices):
    """What a statement that ``corrects`` a published one does to it."""

    CORRECTION = "correction", _("Correction")
    RETRACTION = "retraction", _("Retraction")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    REQUEST_CHANGES = "request_changes", _("Request changes")

    @property
    def needs_comment(self) -> bool:
        return self is not Decision.APPROVE


class VariantChannel(models.TextChoices):
    """Channel variants of a statement's text, each with its length limit (characters)."""

    SOCIAL = "social", _("Social post")
    SMS = "sms", _("SMS")

    @property
    def limit(self) -> int:
        return VARIANT_LIMITS[self]


VARIANT_LIMITS = {VariantChannel.SOCIAL: 280, VariantChannel.SMS: 160}

# The 5W1H frame of every version, in the order pages show it; ``why`` may be unknown.
FRAME_FIELDS = ("what_happened", "when", "where", "who_is_affected", "why", "what_we_do")
OPTIONAL_FRAME_FIELDS = ("why",)
CONTENT_FIELDS = (*FRAME_FIELDS, "body", "variants")
