"""The post-incident review: one per incident, written in versions that the lead and the
executive sponsor sign off, its action items, and the PDF rendered per version.

A version is edited in place until someone signs it off; from the first sign-off it is
locked, and the next edit starts a new version (copied from it) that needs sign-off again.
The metrics are computed from the record (``reports.metrics``) while a version is a draft
and frozen into it when it is fully signed off, so its PDF never changes afterwards."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

EXECUTIVE_SUMMARY_MAX_WORDS = 200


class ReviewLanguage(models.TextChoices):
    ENGLISH = "en", "English"
    TRADITIONAL_CHINESE = "zh-hant", "繁體中文"
    SIMPLIFIED_CHINESE = "zh-hans", "简体中文"


class SignOffRole(models.TextChoices):
    """Who signs a version off: the holders of these incident roles (teams.Role codes)."""

    LEAD = "lead", _("Incident lead")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")


REQUIRED_SIGN_OFFS = (SignOffRole.LEAD, SignOffRole.EXECUTIVE_SPONSOR)


class PostIncidentReview(models.Model):
    incident = models.OneToOneField(
        "crisis.Incident", on_delete=models.CASCADE, related_name="review",
        verbose_name=_("incident"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=ReviewLanguage, default=ReviewLanguage.ENGLISH,
        help_text=_("The language of the review's headings, labels and PDF."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self) -> str:
        return f"{self.incident.reference} review"

    def get_absolute_url(self) -> str:
        return reverse("crisis:incident-review", args=[self.incident_id])

    @property
    def current(self) -> "ReviewVersion":
        """The newest version (every review has at least one)."""
        return self.versions.order_by("-number").first()


class ReviewVersion(models.Model):
    """What people wrote, as of one version. Edited in place while no one has signed it."""

    review = models.ForeignKey(PostIncidentReview, on_delete=models.CASCADE,
                               related_name="versions", verbose_name=_("review"))
    number = models.PositiveIntegerField(_("version"))
    # Bumped on every save of a draft: an edit made from an older revision is refused.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    executive_summary = models.TextField(
        _("executive summary"), blank=True,
        help_text=_("At most 200 words, written by people; a draft from the facts is "
                    "suggested."),
    )
    what_happened = models.TextField(_("what happened"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    financial_impact = models.TextField(_("financial impact"), blank=True)
    operational_impact = models.TextField(_("operational impact"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    went_badly = models.TextField(_("what went badly"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    contributing_factors = models.TextField(_("contributing factors"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    # Frozen by the last sign-off (reports.metrics.metrics_as_json); empty while a draft.
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("last edited by"),
    )
    updated_at = models.DateTimeField(_("last edited"), default=timezone.now)
    signed_off_at = models.DateTimeField(
        pgettext_lazy("a time", "signed off"), null=True, blank=True,
        help_text=_("When the last required sign-off came."))

    class Meta:
        ordering = ["review", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="review_version_unique"),
        ]
        verbose_name = _("review version")
        verbose_name_plural = _("review versions")

    def __str__(self) -> str:
        return f"{self.review} v{self.number}"

    @property
    def is_locked(self) -> bool:
        """Someone signed it off: an edit makes a new version."""
        return self.signed_off_at is not None or self.sign_offs.exists()

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class ReviewSignOff(models.Model):
    version = models.ForeignKey(ReviewVersion, on_delete=models.CASCADE,
                                related_name="sign_offs", verbose_name=_("version"))
    role = models.CharField(_("as"), max_length=32, choices=SignOffRole)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("signed by"))
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "role"], name="review_sign_off_once"),
        ]
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")

    def __str__(self) -> str:
        return f"{self.version}: {self.get_role_display()} {self.user}"


class PdfStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReviewPdf(models.Model):
    """The PDF of one version in one language, rendered once by a Celery task."""

    version = models.ForeignKey(ReviewVersion, on_delete=models.CASCADE, related_name="pdfs",
                                verbose_name=_("version"))
    language = models.CharField(_("language"), max_length=8, choices=ReviewLanguage)
    # A draft changes: its PDF is for the revision it was rendered from.
    revision = models.PositiveIntegerField(_("revision"))
    status = models.CharField(_("status"), max_length=16, choices=PdfStatus,
                              default=PdfStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="reviews/", blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "language", "revision"],
                                    name="review_pdf_once_per_revision"),
        ]
        verbose_name = _("review PDF")
        verbose_name_plural = _("review PDFs")

    def __str__(self) -> str:
        return f"{self.version} ({self.language}, r{self.revision}): {self.status}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")

    @property
    def is_finished(self) -> bool:
        return self in (ActionItemStatus.DONE, ActionItemStatus.CANCELLED)


UNFINISHED_ACTION_ITEM_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)


class ActionItemTarget(models.TextChoices):
    """What an action item changes; the matching link names the very object."""

    PLAYBOOK = "playbook", _("A playbook")
    APPROVAL_POLICY = "approval_policy", _("An approval policy")
    WATCH = "watch", _("A watch")
    WARNING_RULE = "warning_rule", _("A warning rule")
    OTHER = "other", _("Something else")


class ActionItem(models.Model):
    review = models.ForeignKey(PostIncidentReview, on_delete=models.CASCADE,
                               related_name="action_items", verbose_name=_("review"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="action_items", verbose_name=_("owner"))
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=ActionItemStatus,
                              default=ActionItemStatus.OPEN)
    changes = models.CharField(_("changes"), max_length=32, choices=ActionItemTarget,
                               default=ActionItemTarget.OTHER)
    playbook = models.ForeignKey("crisis.Playbook", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("playbook"))
    approval_policy = models.ForeignKey(
        "comms.ApprovalPolicy", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("approval policy"))
    watch = models.ForeignKey("monitoring.Watch", on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("watch"))
    warning_rule = models.ForeignKey("monitoring.WarningRule", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("warning rule"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Set when the owner was told it is overdue: told once, not on every sweep.
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (self.status in UNFINISHED_ACTION_ITEM_STATUSES
                and self.due_on < timezone.localdate())

    @property
    def target(self):
        """The playbook, policy, watch or rule it changes, if one is linked."""
        return {
            ActionItemTarget.PLAYBOOK: self.playbook,
            ActionItemTarget.APPROVAL_POLICY: self.approval_policy,
            ActionItemTarget.WATCH: self.watch,
            ActionItemTarget.WARNING_RULE: self.warning_rule,
        }.get(self.changes)
