"""Choices of the early-warning app, declared once. Warning levels are the incident's
(``crisis.choices.WarningLevel``): blue < yellow < orange < red."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Platform(models.TextChoices):
    WEIBO = "weibo", _("Weibo")
    WECHAT = "wechat", _("WeChat")
    X = "x", _("X")
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    TIKTOK = "tiktok", _("TikTok / Douyin")
    XIAOHONGSHU = "xiaohongshu", _("Xiaohongshu")
    YOUTUBE = "youtube", _("YouTube")
    FORUM = "forum", _("Forums")
    NEWS = "news", _("News")
    REVIEW = "review", _("Reviews")
    OTHER = "other", _("Other")


class SentimentLabel(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class MentionSource(models.TextChoices):
    API = "api", _("Bulk API")
    CSV = "csv", _("CSV upload")
    CONNECTOR = "connector", _("Connector webhook")
    DEMO = "demo", _("Demo data")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
    ESCALATED = "escalated", _("Escalated to an incident")
    DISMISSED = "dismissed", _("Dismissed")


ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
