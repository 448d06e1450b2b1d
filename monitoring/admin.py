"""The early warning in the admin. Administrators set watches (with who is warned, inline),
warning rules and connectors; mentions, matches, buckets, baselines and alerts are records
the services keep, shown read-only for looking them up. A connector's signing secret is
written, never shown back (a password field never filled in; left empty, it is kept).

A service account for ``POST /api/mentions/bulk/``: add a user without a password, give it
the "Can ingest mentions" right (``monitoring.ingest_mention``) and nothing else, then
create its token under "Auth Token › Tokens" (or ``manage.py drf_create_token <name>``)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules
from .models import (
    Alert,
    AlertEvidence,
    AlertLevelChange,
    Baseline,
    Connector,
    Mention,
    MentionBucket,
    MentionMatch,
    WarningRule,
    Watch,
    WatchRecipient,
)
from .watches import check_watch


class ReadOnlyAdmin(admin.ModelAdmin):
    """Kept by the services: the admin is for looking them up."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WatchForm(forms.ModelForm):
    class Meta:
        model = Watch
        fields = ["name", "include_terms", "exclude_terms", "languages", "platforms",
                  "owner_team", "is_active"]

    def clean(self):
        cleaned = super().clean()
        names = ("include_terms", "exclude_terms", "languages", "platforms")
        try:
            cleaned.update(check_watch({n: cleaned.get(n) or [] for n in names}))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return cleaned


class WatchRecipientInline(admin.TabularInline):
    model = WatchRecipient
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    form = WatchForm
    list_display = ("name", "owner_team", "is_active", "created_at")
    list_filter = ("is_active", "owner_team")
    search_fields = ("name", "include_terms")
    inlines = [WatchRecipientInline]


@admin.register(WatchRecipient)
class WatchRecipientAdmin(admin.ModelAdmin):
    list_display = ("watch", "user", "level")
    list_filter = ("level", "watch")
    search_fields = ("watch__name", "user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)


@admin.register(Mention)
class MentionAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "platform", "author_handle", "posted_at", "language",
                    "sentiment_label", "reach", "source")
    list_filter = ("platform", "sentiment_label", "language", "source")
    search_fields = ("external_id", "author_handle", "text")
    date_hierarchy = "posted_at"


@admin.register(MentionMatch)
class MentionMatchAdmin(ReadOnlyAdmin):
    list_display = ("watch", "mention", "posted_at")
    list_filter = ("watch",)
    search_fields = ("mention__external_id", "watch__name")
    list_select_related = ("watch", "mention")


@admin.register(MentionBucket)
class MentionBucketAdmin(ReadOnlyAdmin):
    list_display = ("watch", "start", "mentions", "negative", "positive", "reach",
                    "negative_reach", "top_negative_followers")
    list_filter = ("watch",)
    search_fields = ("watch__name",)
    date_hierarchy = "start"


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = ("watch", "hour_of_week", "mean", "variance", "negative_share", "samples",
                    "updated_at")
    list_filter = ("watch",)
    search_fields = ("watch__name",)


class WarningRuleForm(forms.ModelForm):
    """The API's checks (``monitoring.rules``): values within their limits, at least one
    threshold."""

    class Meta:
        model = WarningRule
        fields = ["name", "level", "watch", "window_minutes", "min_mentions", "volume_z",
                  "volume_ratio", "negative_share", "velocity", "negative_reach",
                  "influencer_followers", "persistence", "cooldown_minutes", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        rule = construct_instance(self, WarningRule())
        try:
            rules.check_values(rule)
            rules.check_thresholds(rule)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return cleaned


@admin.register(WarningRule)
class WarningRuleAdmin(admin.ModelAdmin):
    form = WarningRuleForm
    list_display = ("name", "level", "watch", "window_minutes", "min_mentions", "is_active")
    list_filter = ("level", "is_active", "watch")
    search_fields = ("name", "watch__name")


class AlertLevelChangeInline(admin.TabularInline):
    model = AlertLevelChange
    extra = 0
    can_delete = False
    readonly_fields = ("level", "at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("watch", "level", "peak_level", "status", "opened_at", "updated_at",
                    "incident")
    list_filter = ("level", "status", "watch")
    search_fields = ("watch__name", "dismiss_reason", "incident__title")
    inlines = [AlertLevelChangeInline]


@admin.register(AlertLevelChange)
class AlertLevelChangeAdmin(ReadOnlyAdmin):
    list_display = ("alert", "level", "at")
    list_filter = ("level",)
    search_fields = ("alert__watch__name",)


@admin.register(AlertEvidence)
class AlertEvidenceAdmin(ReadOnlyAdmin):
    list_display = ("alert", "mention", "rank")
    list_filter = ("alert__level",)
    search_fields = ("alert__watch__name", "mention__external_id", "mention__text")


SECRET_HELP = gettext_lazy(
    "Signs the connector's requests: HMAC-SHA256 of \"<timestamp>.<body>\" sent as "
    "X-CrisisDesk-Signature: sha256=<hex>, with X-CrisisDesk-Timestamp. At least 32 "
    "characters. It is never shown again.")


class ConnectorForm(forms.ModelForm):
    secret = forms.CharField(
        label=gettext_lazy("signing secret"), required=False, strip=True, min_length=32,
        max_length=200, help_text=SECRET_HELP,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off",
                                                              "size": 60}))

    class Meta:
        model = Connector
        fields = ["name", "slug", "platform", "secret", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("secret", None)  # never sent to the browser
        if self.instance.pk:
            self.fields["secret"].help_text = _("Leave empty to keep the current secret. "
                                                "%(help)s") % {"help": SECRET_HELP}

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "")
        if secret:
            return secret
        if self.instance.pk:
            return self.instance.secret  # kept as it is
        raise forms.ValidationError(_("Enter the signing secret."), code="required")


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    form = ConnectorForm
    list_display = ("name", "slug", "platform", "is_active", "created_at")
    list_filter = ("is_active", "platform")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
