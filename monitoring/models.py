"""What the early-warning app stores. Mentions come in (``monitoring.ingest``), are matched to
watches and scored; detection reads per-minute buckets (``MentionBucket``) against each
watch's baseline per hour of week (``Baseline``), applies the warning rules and keeps one
alert per watch and spike (``Alert``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crisis.choices import WarningLevel

from .choices import AlertStatus, MentionSource, Platform, SentimentLabel

MENTION_TEXT_LIMIT = 10_000


class Watch(models.Model):
    """What to listen for: terms to include and exclude (English by word, Chinese by
    characters, Traditional and Simplified alike), languages and platforms (empty: all),
    the team that owns it and who is warned at each level (``WatchRecipient``)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    include_terms = models.JSONField(_("include terms"), default=list,
                                     help_text=_("Brand, products, executives, hashtags."))
    exclude_terms = models.JSONField(_("exclude terms"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True,
                                 help_text=_("Empty: every language."))
    platforms = models.JSONField(_("platforms"), default=list, blank=True,
                                 help_text=_("Empty: every platform."))
    owner_team = models.ForeignKey("teams.Department", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("owner team"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")

    def __str__(self) -> str:
        return self.name


class WatchRecipient(models.Model):
    """Someone warned by a watch's alerts from ``level`` up."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="recipients",
                              verbose_name=_("watch"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("person"))
    level = models.CharField(_("from level"), max_length=8, choices=WarningLevel,
                             default=WarningLevel.YELLOW)

    class Meta:
        verbose_name = _("watch recipient")
        verbose_name_plural = _("watch recipients")
        constraints = [models.UniqueConstraint(fields=["watch", "user"],
                                               name="watch_recipient_once")]

    def __str__(self) -> str:
        return f"{self.watch}: {self.user} ({self.get_level_display()})"


class Mention(models.Model):
    """One post about us, unique per platform and external id (ingesting it again updates
    it). ``reach`` = the author's followers + shares (an estimate of who saw it)."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform)
    external_id = models.CharField(_("external id"), max_length=200)
    author_handle = models.CharField(_("author"), max_length=200, blank=True)
    author_followers = models.PositiveBigIntegerField(_("author's followers"), default=0)
    text = models.TextField(_("text"))
    url = models.URLField(_("link"), max_length=1000, blank=True)
    posted_at = models.DateTimeField(_("posted"))
    language = models.CharField(_("language"), max_length=16, blank=True)
    likes = models.PositiveBigIntegerField(_("likes"), default=0)
    shares = models.PositiveBigIntegerField(_("shares"), default=0)
    comments = models.PositiveBigIntegerField(_("comments"), default=0)
    reach = models.PositiveBigIntegerField(_("reach"), default=0)
    sentiment = models.FloatField(_("sentiment"), default=0.0)
    sentiment_label = models.CharField(_("sentiment"), max_length=8, choices=SentimentLabel,
                                       default=SentimentLabel.NEUTRAL)
    source = models.CharField(_("source"), max_length=16, choices=MentionSource,
                              default=MentionSource.API)
    watches = models.ManyToManyField(Watch, through="MentionMatch", related_name="mentions",
                                     blank=True, verbose_name=_("matched watches"))
    ingested_at = models.DateTimeField(_("ingested"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-posted_at", "-pk"]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        permissions = [("ingest_mention", _("Can ingest mentions (API, CSV, connectors)")),
                       ("import_mention", _("Can import mentions from CSV files"))]
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"],
                                    name="mention_once_per_platform"),
            models.CheckConstraint(condition=Q(sentiment__gte=-1) & Q(sentiment__lte=1),
                                   name="mention_sentiment_in_range"),
        ]
        indexes = [models.Index(fields=["posted_at"])]

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"


class MentionMatch(models.Model):
    """A mention matched by a watch; ``posted_at`` and the scores copied for the watch's
    stream and buckets (one index scan per watch and time range)."""

    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="matches")
    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="matches")
    posted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("matched mention")
        verbose_name_plural = _("matched mentions")
        constraints = [models.UniqueConstraint(fields=["watch", "mention"],
                                               name="mention_match_once")]
        indexes = [models.Index(fields=["watch", "posted_at"])]

    def __str__(self) -> str:
        return f"{self.watch_id}:{self.mention_id}"


class MentionBucket(models.Model):
    """One watch's mentions in one minute: the counts detection reads."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="buckets")
    start = models.DateTimeField(_("minute"))
    mentions = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    negative_reach = models.PositiveBigIntegerField(default=0)
    top_negative_followers = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("mention bucket")
        verbose_name_plural = _("mention buckets")
        constraints = [models.UniqueConstraint(fields=["watch", "start"],
                                               name="mention_bucket_once_per_minute")]

    def __str__(self) -> str:
        return f"{self.watch_id}@{self.start:%Y-%m-%d %H:%M}: {self.mentions}"


class Baseline(models.Model):
    """The usual mentions per minute of a watch in one hour of the week (0 = Monday 00:00
    in UTC), an exponentially weighted mean and variance over the trailing weeks."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="baselines")
    hour_of_week = models.PositiveSmallIntegerField()
    mean = models.FloatField(default=0.0)
    variance = models.FloatField(default=0.0)
    negative_share = models.FloatField(default=0.0)
    samples = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")
        constraints = [
            models.UniqueConstraint(fields=["watch", "hour_of_week"],
                                    name="baseline_once_per_hour_of_week"),
            models.CheckConstraint(condition=Q(hour_of_week__lt=168),
                                   name="baseline_hour_of_week_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.watch_id}@{self.hour_of_week}: {self.mean:.2f}"


class WarningRule(models.Model):
    """Signals that together raise a level: every threshold set must be crossed (an empty
    one is not checked). The highest level whose rule matches wins. Admin-editable;
    defaults shipped by migration."""

    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=8, choices=WarningLevel)
    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="rules", verbose_name=_("watch"),
                              help_text=_("Empty: every watch."))
    window_minutes = models.PositiveSmallIntegerField(_("window (minutes)"), default=10)
    min_mentions = models.PositiveIntegerField(_("at least this many mentions"), default=10)
    volume_z = models.FloatField(_("volume z-score at least"), null=True, blank=True)
    volume_ratio = models.FloatField(_("volume × usual at least"), null=True, blank=True)
    negative_share = models.FloatField(_("negative share at least"), null=True, blank=True,
                                       help_text=_("0 to 1."))
    velocity = models.FloatField(_("growth between windows at least"), null=True, blank=True,
                                 help_text=_("1.0 = doubled."))
    negative_reach = models.PositiveBigIntegerField(_("negative reach at least"), null=True,
                                                    blank=True)
    influencer_followers = models.PositiveBigIntegerField(
        _("a negative post by an author with at least this many followers"), null=True,
        blank=True)
    persistence = models.PositiveSmallIntegerField(_("windows in a row"), default=1)
    cooldown_minutes = models.PositiveIntegerField(_("cool-down (minutes)"), default=60)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["watch", "name"]
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    """A spike on a watch at a level; a rising level updates the same alert (and warns
    again), so one spike is one alert. ``signals`` holds what crossed its threshold as
    codes and numbers, put into words in the reader's language when shown."""

    watch = models.ForeignKey(Watch, on_delete=models.PROTECT, related_name="alerts",
                              verbose_name=_("watch"))
    level = models.CharField(_("level"), max_length=8, choices=WarningLevel)
    peak_level = models.CharField(_("peak level"), max_length=8, choices=WarningLevel)
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus,
                              default=AlertStatus.OPEN)
    rule = models.ForeignKey(WarningRule, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("rule"))
    signals = models.JSONField(_("signals"), default=list)
    top_terms = models.JSONField(_("top terms"), default=list, blank=True)
    top_platforms = models.JSONField(_("top platforms"), default=list, blank=True)
    evidence = models.ManyToManyField(Mention, through="AlertEvidence", related_name="alerts",
                                      blank=True, verbose_name=_("evidence"))
    first_mention_at = models.DateTimeField(_("first mention of the spike"))
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    level_changed_at = models.DateTimeField(_("level changed"), default=timezone.now)
    # The last look that still found the spike at some level: the spike is over once a
    # whole cool-down of its level passes without one (monitoring.alerts).
    last_matched_at = models.DateTimeField(_("last seen"), default=timezone.now)
    notified_level = models.CharField(_("warned at level"), max_length=8,
                                      choices=WarningLevel, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="+",
                                        verbose_name=_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("escalated or dismissed by"))
    closed_at = models.DateTimeField(_("escalated or dismissed"), null=True, blank=True)
    dismiss_reason = models.TextField(_("reason for dismissing"), blank=True)
    incident = models.ForeignKey("crisis.Incident", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="alerts", verbose_name=_("incident"))

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["status", "watch"]),
                   models.Index(fields=["incident"])]

    def __str__(self) -> str:
        return f"{self.watch} ({self.level})"


class AlertLevelChange(models.Model):
    """Each level an alert reached and when: the review's "time at each level"."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="level_changes")
    level = models.CharField(max_length=8, choices=WarningLevel)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.level}"


class AlertEvidence(models.Model):
    """A mention shown as evidence of an alert, ranked by reach."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="evidence_rows")
    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["alert", "rank"]
        constraints = [models.UniqueConstraint(fields=["alert", "mention"],
                                               name="alert_evidence_once")]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.mention_id}"


class Connector(models.Model):
    """A source that posts mentions to ``/api/connectors/<slug>/webhook/``, signed with its
    secret (HMAC-SHA256 over timestamp + body). The secret is written, never shown back."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    secret = models.CharField(_("signing secret"), max_length=200)
    platform = models.CharField(_("default platform"), max_length=16, choices=Platform,
                                default=Platform.OTHER)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")

    def __str__(self) -> str:
        return self.name
