"""Statements, their immutable versions, approval policies and the decisions bound to a
version. Writes go through ``comms.services``; versions, decisions and comments are
append-only (the ORM refuses to change or delete them, and so does the database)."""

import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crisis.choices import Severity

from .choices import (
    CONTENT_FIELDS,
    FRAME_FIELDS,
    LANGUAGE_CHOICES,
    Audience,
    CorrectionKind,
    Decision,
    StatementKind,
    StatementStatus,
    VariantChannel,
)
from .inquiry_choices import OPEN_INQUIRY_STATUSES, InquiryStatus

MAX_VARIANT_LENGTH = 2_000  # no channel takes more; the limits per channel are smaller


class AppendOnlyError(Exception):
    """A record that is kept as written was asked to change or go away."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are never changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are never deleted.")

    _raw_delete = delete


class AppendOnlyModel(models.Model):
    """Written once: ``save()`` only inserts; ``delete()`` and queryset writes refuse.
    PostgreSQL and SQLite triggers (migration 0001) refuse UPDATE and DELETE as well."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are never deleted.")


# --- approval policies (admin-editable) ------------------------------------------------------

class ApprovalPolicy(models.Model):
    """Which stages a statement goes through. The first active policy (by position) whose
    kinds, audience and minimum severity match the statement applies; the defaults ship
    in a data migration. Corrections and retractions copy the stages of the statement
    they correct instead."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(
        _("position"), default=100, help_text=_("The first matching policy applies."))
    kinds = models.JSONField(
        _("statement kinds"), default=list, blank=True,
        help_text=_("Statement kinds it covers (codes); empty for every kind."))
    audience = models.CharField(_("public or internal"), max_length=16, choices=Audience,
                                default=Audience.ANY)
    min_severity = models.CharField(
        _("from severity"), max_length=16, choices=Severity, blank=True,
        help_text=_("Only for incidents at least this severe; empty for every severity."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")

    def __str__(self) -> str:
        return gettext(self.name)

    def clean(self):
        unknown = [kind for kind in self.kinds or [] if kind not in StatementKind.values]
        if not isinstance(self.kinds, list) or unknown:
            raise ValidationError({"kinds": [
                _("Use a list of these codes: %(codes)s.")
                % {"codes": ", ".join(StatementKind.values)}]})

    def matches(self, *, kind: str, severity: str) -> bool:
        if self.kinds and kind not in self.kinds:
            return False
        public = StatementKind(kind).is_public
        if self.audience == Audience.PUBLIC and not public:
            return False
        if self.audience == Audience.INTERNAL and public:
            return False
        return not self.min_severity or (
            Severity(severity).rank >= Severity(self.min_severity).rank)


class ApprovalStage(models.Model):
    """One step of a policy: who may decide, how many approvals it needs, its SLA."""

    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE,
                               related_name="stages", verbose_name=_("policy"))
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    name = models.CharField(_("name"), max_length=120)
    roles = models.ManyToManyField(
        "teams.Role", blank=True, related_name="+", verbose_name=_("incident roles"),
        help_text=_("Holders of these roles on the incident decide."))
    capability = models.ForeignKey(
        "auth.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("capability"),
        help_text=_("Members of this group decide when nobody but the author holds the "
                    "roles (or always, when no role is named)."))
    approvals_needed = models.PositiveSmallIntegerField(_("approvals needed"), default=1)
    sla_minutes = models.PositiveIntegerField(_("SLA (minutes)"), default=60)
    parallel_with_previous = models.BooleanField(
        _("in parallel with the previous stage"), default=False)

    class Meta:
        ordering = ["policy", "position", "pk"]
        verbose_name = _("approval stage")
        verbose_name_plural = _("approval stages")
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"],
                                    name="approval_stage_position_once"),
            models.CheckConstraint(condition=Q(approvals_needed__gte=1),
                                   name="approval_stage_needs_an_approval"),
        ]

    def __str__(self) -> str:
        return gettext(self.name)


# --- statements --------------------------------------------------------------------------------

class Statement(models.Model):
    incident = models.ForeignKey("crisis.Incident", on_delete=models.PROTECT,
                                 related_name="statements", verbose_name=_("incident"))
    kind = models.CharField(_("kind"), max_length=32, choices=StatementKind)
    language = models.CharField(_("language"), max_length=16, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=200)
    audience = models.JSONField(
        _("audience"), default=list, blank=True,
        help_text=_("The incident's stakeholder kinds the statement is for."))
    status = models.CharField(_("status"), max_length=16, choices=StatementStatus,
                              default=StatementStatus.DRAFT)
    current_version = models.PositiveIntegerField(_("current version"), default=1)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        verbose_name=_("corrects"), help_text=_("The published statement this one corrects "
                                                "or retracts."))
    corrects_as = models.CharField(_("corrects as"), max_length=16, choices=CorrectionKind,
                                   blank=True)
    # The review in progress: each submission starts a round with its own stage snapshot.
    review_round = models.PositiveIntegerField(_("review round"), default=0)
    review_started_at = models.DateTimeField(_("review started"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    published_version = models.PositiveIntegerField(_("published version"), null=True,
                                                    blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("published by"))
    published_at = models.DateTimeField(pgettext_lazy("a time", "published"), null=True,
                                        blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.CheckConstraint(condition=Q(current_version__gte=1),
                                   name="statement_version_from_one"),
            # Published (and later superseded) statements say which version went out.
            models.CheckConstraint(
                condition=~Q(status__in=[StatementStatus.PUBLISHED,
                                         StatementStatus.SUPERSEDED])
                | Q(published_version__isnull=False, published_at__isnull=False),
                name="statement_published_names_its_version"),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True, corrects_as="")
                | Q(corrects__isnull=False, corrects_as__in=CorrectionKind.values),
                name="statement_correction_says_what_it_does"),
            models.CheckConstraint(condition=Q(published_version__isnull=True)
                                   | Q(published_version__lte=F("current_version")),
                                   name="statement_published_version_exists"),
        ]
        indexes = [models.Index(fields=["incident", "status"]),
                   models.Index(fields=["status", "review_started_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return StatementKind(self.kind).is_public


def canonical_content(content: dict) -> str:
    """The text a hash is taken of: every content field, keys sorted, no spacing."""
    data = {field: content.get(field, "") for field in CONTENT_FIELDS}
    data["variants"] = dict(sorted((content.get("variants") or {}).items()))
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_content(content).encode("utf-8")).hexdigest()


def variant_problems(variants) -> dict[str, list[str]]:
    """What is wrong with ``variants`` ({channel: text}), by field ``variants.<channel>``."""
    if variants in (None, {}):
        return {}
    if not isinstance(variants, dict):
        return {"variants": [gettext("Send the variants as {channel: text}.")]}
    problems: dict[str, list[str]] = {}
    for channel, text in variants.items():
        field = f"variants.{channel}"
        if channel not in VariantChannel.values:
            problems[field] = [gettext("“%(channel)s” is not a channel; use one of: "
                                       "%(allowed)s.")
                               % {"channel": channel, "allowed": ", ".join(VariantChannel.values)}]
        elif not isinstance(text, str) or not text.strip():
            problems[field] = [gettext("Write the %(channel)s variant, or leave it out.")
                               % {"channel": VariantChannel(channel).label}]
        elif len(text) > VariantChannel(channel).limit:
            problems[field] = [gettext("The %(channel)s variant is %(length)d characters; "
                                       "its channel takes at most %(limit)d.")
                               % {"channel": VariantChannel(channel).label,
                                  "length": len(text), "limit": VariantChannel(channel).limit}]
    return problems


class StatementVersion(AppendOnlyModel):
    """The text of a statement as saved once: never changed, never deleted."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="versions",
                                  verbose_name=_("statement"))
    number = models.PositiveIntegerField(_("version"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("author"))
    created_at = models.DateTimeField(_("saved"), default=timezone.now)
    what_happened = models.TextField(_("what happened"), blank=True)
    when = models.TextField(_("when"), blank=True)
    where = models.TextField(_("where"), blank=True)
    who_is_affected = models.TextField(_("who is affected"), blank=True)
    why = models.TextField(_("why (if known)"), blank=True)
    what_we_do = models.TextField(_("what we are doing"), blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    variants = models.JSONField(_("channel variants"), default=dict, blank=True)
    content_hash = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["statement", "number"]
        verbose_name = _("statement version")
        verbose_name_plural = _("statement versions")
        constraints = [
            models.UniqueConstraint(fields=["statement", "number"],
                                    name="statement_version_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="statement_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.statement} v{self.number}"

    def content(self) -> dict:
        return {field: getattr(self, field) for field in CONTENT_FIELDS}

    def computed_hash(self) -> str:
        return content_hash(self.content())

    def clean(self):
        problems = variant_problems(self.variants)
        if problems:
            raise ValidationError(problems)


FRAME_LABELS = {field: StatementVersion._meta.get_field(field).verbose_name
                for field in FRAME_FIELDS}


class ReviewStage(models.Model):
    """A policy stage as it stood when the statement was submitted (one row per stage and
    review round): editing the policy later never changes a running review."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE,
                                  related_name="review_stages", verbose_name=_("statement"))
    round = models.PositiveIntegerField(_("review round"))
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=120)
    role_codes = models.JSONField(_("incident roles"), default=list, blank=True)
    capability = models.CharField(_("capability"), max_length=150, blank=True)
    approvals_needed = models.PositiveSmallIntegerField(_("approvals needed"))
    sla_minutes = models.PositiveIntegerField(_("SLA (minutes)"))
    parallel_with_previous = models.BooleanField(_("in parallel with the previous stage"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    policy_name = models.CharField(_("policy"), max_length=120, blank=True)
    # When its approvers and the incident lead were told the stage is overdue (once).
    overdue_notified_at = models.DateTimeField(_("overdue notice sent"), null=True,
                                               blank=True)

    class Meta:
        ordering = ["statement", "round", "position"]
        verbose_name = _("review stage")
        verbose_name_plural = _("review stages")
        constraints = [
            models.UniqueConstraint(fields=["statement", "round", "position"],
                                    name="review_stage_once_per_round"),
            models.CheckConstraint(condition=Q(approvals_needed__gte=1),
                                   name="review_stage_needs_an_approval"),
        ]

    def __str__(self) -> str:
        return gettext(self.name)


class ApprovalDecision(AppendOnlyModel):
    """One person's decision on one version (number and hash) at one stage. It counts only
    while that version is current: any edit voids it (by making another version current)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="decisions",
                                  verbose_name=_("statement"))
    version = models.ForeignKey(StatementVersion, on_delete=models.PROTECT,
                                related_name="decisions", verbose_name=_("version"))
    version_number = models.PositiveIntegerField(_("version number"))
    version_hash = models.CharField(_("version SHA-256"), max_length=64)
    stage = models.ForeignKey(ReviewStage, on_delete=models.PROTECT, related_name="decisions",
                              verbose_name=_("stage"))
    decider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("decided by"))
    decision = models.CharField(_("decision"), max_length=16, choices=Decision)
    comment = models.TextField(_("comment"), blank=True)
    as_fallback = models.BooleanField(
        _("by capability"), default=False,
        help_text=_("Decided by a capability holder because nobody but the author held the "
                    "stage's role."))
    created_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("approval decision")
        verbose_name_plural = _("approval decisions")
        constraints = [
            # One person counts once per stage (and version).
            models.UniqueConstraint(fields=["stage", "version", "decider"],
                                    name="decision_once_per_person_stage_version"),
            models.CheckConstraint(condition=Q(decision=Decision.APPROVE) | ~Q(comment=""),
                                   name="decision_refusal_has_a_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.statement} v{self.version_number}"


class StatementComment(AppendOnlyModel):
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="comments",
                                  verbose_name=_("statement"))
    version = models.ForeignKey(StatementVersion, on_delete=models.PROTECT,
                                related_name="comments", verbose_name=_("version"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("author"))
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("statement comment")
        verbose_name_plural = _("statement comments")

    def __str__(self) -> str:
        return self.body[:60]


class Publication(models.Model):
    """A statement going out: at most one per statement (the database says so), so
    publishing twice publishes once. The stakeholder-delivery issue hangs its deliveries
    on this row (``comms.hooks.statement_published``)."""

    statement = models.OneToOneField(Statement, on_delete=models.PROTECT,
                                     related_name="publication", verbose_name=_("statement"))
    version = models.ForeignKey(StatementVersion, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("version"))
    version_hash = models.CharField(_("version SHA-256"), max_length=64)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(pgettext_lazy("a time", "published"),
                                        default=timezone.now)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return f"{self.statement} v{self.version.number}"


class PublishingFreeze(models.Model):
    """The kill switch: no statement is published while a freeze applies (organisation-wide
    when ``incident`` is empty)."""

    incident = models.ForeignKey("crisis.Incident", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="publishing_freezes",
                                 verbose_name=_("incident"),
                                 help_text=_("Empty: every incident."))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("frozen by"))
    created_at = models.DateTimeField(_("frozen"), default=timezone.now)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("lifted by"))
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("publishing freeze")
        verbose_name_plural = _("publishing freezes")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="freeze_has_a_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True, lifted_by__isnull=True)
                | Q(lifted_at__isnull=False, lifted_by__isnull=False),
                name="freeze_lifted_by_someone"),
        ]
        indexes = [models.Index(fields=["lifted_at", "incident"])]

    def __str__(self) -> str:
        return self.reason[:60]

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class StatementTemplate(models.Model):
    """A starting text for one kind of statement (optionally for one incident type) in one
    language; placeholders such as ``{{ incident.title }}`` are filled from the incident
    when a statement is drafted from it (``comms.drafting``). Administrators edit them."""

    kind = models.CharField(_("kind"), max_length=32, choices=StatementKind)
    incident_type = models.ForeignKey(
        "crisis.IncidentType", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", verbose_name=_("incident type"),
        help_text=_("Empty: every type. A template for the incident's own type wins."))
    language = models.CharField(_("language"), max_length=16, choices=LANGUAGE_CHOICES)
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(_("title"), max_length=200)
    what_happened = models.TextField(_("what happened"), blank=True)
    when = models.TextField(_("when"), blank=True)
    where = models.TextField(_("where"), blank=True)
    who_is_affected = models.TextField(_("who is affected"), blank=True)
    why = models.TextField(_("why (if known)"), blank=True)
    what_we_do = models.TextField(_("what we are doing"), blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "language", "incident_type", "name"]
        verbose_name = _("statement template")
        verbose_name_plural = _("statement templates")

    def __str__(self) -> str:
        return gettext(self.name)  # shipped names are translated


# --- media inquiries ---------------------------------------------------------------------------

class MediaInquiry(models.Model):
    """A journalist's question on an incident, logged and answered by the team (seed: media
    relations). Writes go through ``comms.inquiry_services``; the answer names an approved
    or published statement of the same incident."""

    incident = models.ForeignKey("crisis.Incident", on_delete=models.PROTECT,
                                 related_name="media_inquiries", verbose_name=_("incident"))
    outlet = models.CharField(_("outlet"), max_length=200)
    journalist = models.CharField(_("journalist"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True,
                               help_text=_("Email or phone, as the journalist gave it."))
    question = models.TextField(_("question"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+", verbose_name=_("assignee"))
    status = models.CharField(_("status"), max_length=16, choices=InquiryStatus,
                              default=InquiryStatus.NEW)
    answer_statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("answered with"),
        help_text=_("An approved or published statement of the same incident."))
    answer_note = models.TextField(_("answer note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("logged by"))
    created_at = models.DateTimeField(_("logged"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("media inquiry")
        verbose_name_plural = _("media inquiries")
        constraints = [
            models.CheckConstraint(condition=~Q(outlet=""), name="media_inquiry_has_an_outlet"),
            models.CheckConstraint(condition=~Q(question=""),
                                   name="media_inquiry_has_a_question"),
        ]
        indexes = [models.Index(fields=["incident", "status"])]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.question[:60]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INQUIRY_STATUSES

    @property
    def is_overdue(self) -> bool:
        """The deadline passed and it is neither answered nor declined."""
        return bool(self.is_open and self.deadline and self.deadline < timezone.now())


# --- stakeholder groups and contacts -----------------------------------------------------------
# (Imported here, with the section, so the statements' imports above stay as they are.)
from django.db.models.functions import Lower  # noqa: E402

from crisis.choices import StakeholderKind  # noqa: E402

from .stakeholder_choices import Channel  # noqa: E402


class StakeholderGroup(models.Model):
    """Whom we tell: customers, employees, regulators... each mapped to one of the incident's
    stakeholder kinds, with the channels tried in order and whether its members must
    acknowledge. Edited in the admin; the defaults come from migration 0007."""

    code = models.SlugField(_("code"), max_length=50, unique=True,
                            help_text=_("A stable name for integrations, e.g. regulators."))
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("stakeholder kind"), max_length=32, choices=StakeholderKind)
    channels = models.JSONField(_("default channel order"), default=list, blank=True,
                                help_text=_("Channel codes in the order they are tried: "
                                            "email, webhook, chat, sms, in_app."))
    acknowledgement_required = models.BooleanField(_("acknowledgement required"),
                                                   default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("stakeholder group")
        verbose_name_plural = _("stakeholder groups")

    def __str__(self) -> str:
        return gettext(self.name)  # shipped names are translated

    def channel_labels(self) -> list[str]:
        """The channels in order, named in the reader's language (not their codes)."""
        return [Channel(code).label for code in self.channels if code in Channel.values]

    def clean(self) -> None:
        channels = self.channels
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise ValidationError({"channels": _("A list of channel codes.")})
        unknown = [c for c in channels if c not in Channel.values]
        if unknown:
            raise ValidationError({"channels": _("Unknown channel: %(codes)s. Use %(known)s.")
                                   % {"codes": ", ".join(unknown),
                                      "known": ", ".join(Channel.values)}})
        if len(set(channels)) != len(channels):
            raise ValidationError({"channels": _("Each channel once.")})


class Contact(models.Model):
    """A person or desk in one or more stakeholder groups, with an address per channel.
    Personal data: only those with ``comms.view_contact`` see it. Writes go through
    ``comms.stakeholder_services``; a contact is deactivated, never deleted."""

    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("preferred language"), max_length=8,
                                choices=LANGUAGE_CHOICES, default="en")
    addresses = models.JSONField(_("addresses per channel"), default=dict, blank=True)
    groups = models.ManyToManyField(StakeholderGroup, related_name="contacts", blank=True,
                                    verbose_name=_("groups"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = pgettext_lazy("person", "contact")  # not the inquiry's "contact"
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="contact_has_a_name"),
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""),
                                    name="contact_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


# --- publication targets and deliveries --------------------------------------------------------
import uuid  # noqa: E402

from .delivery_choices import DeliveryStatus  # noqa: E402


class PublicationTarget(models.Model):
    """Whom a publication goes to, as the publisher chose it: stakeholder groups and the
    channels to use (no group: the status page only). Written with the publication, once."""

    publication = models.OneToOneField(Publication, on_delete=models.PROTECT,
                                       related_name="target", verbose_name=_("publication"))
    groups = models.ManyToManyField(StakeholderGroup, related_name="+", blank=True,
                                    verbose_name=_("groups"))
    channels = models.JSONField(_("channels"), default=list, blank=True)

    class Meta:
        verbose_name = _("publication target")
        verbose_name_plural = _("publication targets")

    def __str__(self) -> str:
        return str(self.publication)


class Delivery(models.Model):
    """One recipient hearing one publication on one channel. Written when the publication
    commits (recipients resolved once); its status changes only in
    ``comms.delivery_services`` (queued → sending → sent | failed | queued again)."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT,
                                    related_name="deliveries", verbose_name=_("publication"))
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("group"))
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="deliveries",
                                verbose_name=pgettext_lazy("person", "contact"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+", verbose_name=_("user"))
    endpoint = models.ForeignKey("AppriseEndpoint", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="deliveries",
                                 verbose_name=_("chat or SMS endpoint"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel)
    address = models.CharField(_("address"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus,
                              default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    version_number = models.PositiveIntegerField(_("version"))
    version_hash = models.CharField(_("version SHA-256"), max_length=64)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    ack_reminded_at = models.DateTimeField(_("owner told it is unacknowledged"), null=True,
                                           blank=True)

    class Meta:
        ordering = ["publication", "pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["publication", "contact", "channel"],
                                    condition=Q(contact__isnull=False),
                                    name="delivery_once_per_contact_channel"),
            models.UniqueConstraint(fields=["publication", "user", "channel"],
                                    condition=Q(user__isnull=False),
                                    name="delivery_once_per_user_channel"),
            # A chat room once per publication; an SMS (contact + gateway) is once per
            # contact, above: many contacts share the gateway.
            models.UniqueConstraint(fields=["publication", "endpoint", "channel"],
                                    condition=Q(endpoint__isnull=False, contact__isnull=True),
                                    name="delivery_once_per_endpoint_channel"),
            models.CheckConstraint(
                condition=Q(contact__isnull=True, user__isnull=False, endpoint__isnull=True)
                | Q(contact__isnull=False, user__isnull=True)
                | Q(contact__isnull=True, user__isnull=True, endpoint__isnull=False),
                name="delivery_has_one_recipient"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["status", "claimed_at"]),
                   models.Index(fields=["publication", "status"])]

    def __str__(self) -> str:
        return f"{self.publication} → {self.recipient_name} ({self.channel})"

    @property
    def recipient_name(self) -> str:
        return str(self.contact or self.user or self.endpoint)


# --- the stakeholder map -----------------------------------------------------------------------
from .stakeholder_map_choices import (  # noqa: E402
    DEFAULT_CADENCE,
    DEFAULT_PRIORITY,
    StakeholderPriority,
    UpdateCadence,
)


class IncidentStakeholder(models.Model):
    """One stakeholder group on an incident's map: whether it is affected, how urgent, who
    owns it and how often it was promised an update. Groups of the incident's stakeholder
    kinds are on the map before a row exists (``comms.stakeholder_map``); the row is written
    on the first change (``comms.stakeholder_map_services``)."""

    incident = models.ForeignKey("crisis.Incident", on_delete=models.PROTECT,
                                 related_name="stakeholder_map", verbose_name=_("incident"))
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("stakeholder group"))
    affected = models.BooleanField(_("affected"), default=True)
    priority = models.CharField(_("priority"), max_length=8, choices=StakeholderPriority,
                                default=DEFAULT_PRIORITY)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("owner"))
    cadence_minutes = models.PositiveIntegerField(_("update cadence"), choices=UpdateCadence,
                                                  default=DEFAULT_CADENCE)
    added_at = models.DateTimeField(_("on the map since"), default=timezone.now)
    last_update_at = models.DateTimeField(_("last update"), null=True, blank=True)
    next_update_due = models.DateTimeField(_("next update due"))
    overdue_notified_at = models.DateTimeField(_("owner told of the overdue update"),
                                               null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["incident", "group__position", "group__name"]
        verbose_name = _("incident stakeholder")
        verbose_name_plural = _("incident stakeholders")
        constraints = [
            models.UniqueConstraint(fields=["incident", "group"],
                                    name="incident_stakeholder_once_per_group"),
            models.CheckConstraint(condition=Q(cadence_minutes__gt=0),
                                   name="incident_stakeholder_cadence_positive"),
        ]
        indexes = [models.Index(fields=["next_update_due", "overdue_notified_at"])]

    def __str__(self) -> str:
        return str(self.group)

    @property
    def is_overdue(self) -> bool:
        return self.affected and self.next_update_due < timezone.now()


# --- chat and SMS through apprise, acknowledgements, scheduled publications --------------------
class AppriseEndpoint(models.Model):
    """Where chat and SMS go, as an apprise URL set by an administrator: a chat room of a
    stakeholder group (Slack, Teams, Telegram…: ``channel`` chat, one delivery per room) or
    the SMS gateway (``channel`` sms, no group: each contact's phone is added as the target).
    The URL holds secrets (tokens, passwords): it is written, never shown back; pages, the
    admin and the API show apprise's privacy form of it (``comms.channels.apprise``)."""

    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=16,
                               choices=[(Channel.CHAT, Channel.CHAT.label),
                                        (Channel.SMS, Channel.SMS.label)])
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="apprise_endpoints",
                              verbose_name=_("stakeholder group"))
    url = models.TextField(_("apprise URL"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["channel", "name", "pk"]
        verbose_name = _("chat or SMS endpoint")
        verbose_name_plural = _("chat and SMS endpoints")
        constraints = [
            models.CheckConstraint(condition=Q(channel=Channel.SMS) | Q(group__isnull=False),
                                   name="apprise_chat_endpoint_has_a_group"),
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryAcknowledgement(models.Model):
    """A recipient saying they received a delivery, through the signed link sent with it
    (groups that require acknowledgement). One per delivery."""

    delivery = models.OneToOneField(Delivery, on_delete=models.PROTECT,
                                    related_name="acknowledgement",
                                    verbose_name=_("delivery"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), default=timezone.now)
    remote_addr = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")

    def __str__(self) -> str:
        return str(self.delivery)


class ScheduledPublicationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Not published")


class ScheduledPublication(models.Model):
    """An approved version to publish at a later time to the chosen groups and channels.
    At its time ``comms.schedule`` publishes it with every rule of publishing now (a freeze
    makes it wait; a version no longer the approved one is not published, with the reason)."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT,
                                  related_name="schedules", verbose_name=_("statement"))
    version = models.ForeignKey(StatementVersion, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("version"))
    groups = models.ManyToManyField(StakeholderGroup, related_name="+", blank=True,
                                    verbose_name=_("groups"))
    channels = models.JSONField(_("channels"), default=list, blank=True)
    publish_at = models.DateTimeField(_("publish at"))
    status = models.CharField(_("status"), max_length=16, choices=ScheduledPublicationStatus,
                              default=ScheduledPublicationStatus.WAITING)
    reason = models.TextField(_("reason"), blank=True,
                              help_text=_("Why it waits, or why it was not published."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("scheduled by"))
    created_at = models.DateTimeField(_("scheduled"), default=timezone.now)
    publication = models.OneToOneField(Publication, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="schedule",
                                       verbose_name=_("publication"))
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("cancelled by"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["publish_at", "pk"]
        verbose_name = _("scheduled publication")
        verbose_name_plural = _("scheduled publications")
        constraints = [
            models.UniqueConstraint(fields=["statement"],
                                    condition=Q(status=ScheduledPublicationStatus.WAITING),
                                    name="one_waiting_schedule_per_statement"),
        ]
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self) -> str:
        return f"{self.statement} v{self.version.number} @ {self.publish_at:%Y-%m-%d %H:%M}"
