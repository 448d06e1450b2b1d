"""What the board's tests build: watches, mentions, buckets and alerts, written directly
(the ingest and detection services have their own tests)."""

import datetime

from django.utils import timezone

from monitoring.models import Alert, AlertEvidence, AlertLevelChange, Mention, MentionMatch, Watch


def make_watch(name="Kettle X2", **fields) -> Watch:
    return Watch.objects.create(name=name, include_terms=fields.pop("include_terms", ["X2"]),
                                **fields)


def make_mention(watch: Watch, *, text="The X2 kettle leaks", platform="x", external_id=None,
                 posted_at=None, **fields) -> Mention:
    posted_at = posted_at or timezone.now() - datetime.timedelta(minutes=5)
    mention = Mention.objects.create(
        platform=platform, external_id=external_id or f"m{Mention.objects.count() + 1}",
        text=text, posted_at=posted_at, **fields)
    MentionMatch.objects.create(mention=mention, watch=watch, posted_at=posted_at)
    return mention


def make_alert(watch: Watch, *, level="red", status="open", evidence=(), levels=None,
               **fields) -> Alert:
    now = timezone.now()
    alert = Alert.objects.create(watch=watch, level=level, peak_level=level, status=status,
                                 first_mention_at=fields.pop("first_mention_at",
                                                             now - datetime.timedelta(minutes=30)),
                                 **fields)
    for rank, mention in enumerate(evidence):
        AlertEvidence.objects.create(alert=alert, mention=mention, rank=rank)
    for at_level in levels or [level]:
        AlertLevelChange.objects.create(alert=alert, level=at_level)
    return alert
