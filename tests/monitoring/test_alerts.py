"""Alerts from detection (one per spike, re-notified once per rising level, cool-down,
debounce) and the analysts' actions (acknowledge, dismiss, escalate into a new incident or
onto an existing one, whose automatic warning level follows its alerts)."""

import asyncio
import datetime
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from celery.signals import task_prerun
from channels.layers import get_channel_layer
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from crisis.choices import Confidentiality, TimelineKind
from crisis.models import Incident
from crisis.permissions import ADD_INCIDENT, MANAGE_INCIDENT
from monitoring import hooks
from monitoring.alerts import (
    alert_escalate,
    alert_timeline_headline,
    alert_update_from_evaluation,
    describe_signals,
    incident_type_guess,
)
from monitoring.choices import AlertStatus
from monitoring.detection import evaluate
from monitoring.detection_tasks import debounce_key
from monitoring.events import MONITORING_GROUP
from monitoring.models import Alert, AlertEvidence, Watch, WatchRecipient
from teams.choices import Duty, NotificationKind
from teams.models import DutyShift, Notification
from tests.conftest import grant
from tests.crisis.factories import IncidentFactory
from tests.monitoring.timelines import MINUTE, SUNDAY_0930, add, ordinary_watch, storm_mentions
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db
T0 = SUNDAY_0930
SEEN = datetime.timedelta(seconds=30)
ENGLISH_STORM = [("The X2 power bank exploded, terrible, I want a refund", "en"),
                 ("X2 charger caught fire. Awful and dangerous, recall it now", "en")]


def look(watch: Watch, minute: int) -> Alert | None:
    return alert_update_from_evaluation(evaluate(watch_id=watch.pk, now=T0 + minute * MINUTE
                                                 + SEEN))


def storm_minute(watch: Watch, minute: int, *, mentions=40, negative=30, followers=10_000):
    add(watch, T0 + minute * MINUTE, mentions=mentions, negative=negative, followers=followers)


@pytest.fixture
def analyst(db):
    return grant(UserFactory(username="analyst"), "monitoring.view_alert",
                 "monitoring.change_alert", ADD_INCIDENT)


@pytest.fixture
def watch(analyst):
    watch = ordinary_watch("X2 power bank", include_terms=["X2"])
    WatchRecipient.objects.create(watch=watch, user=analyst, level="blue")
    return watch


def on_the_board(action) -> list[dict]:
    """The frames the board's group receives while ``action`` runs, oldest first."""
    async def listen():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(MONITORING_GROUP, channel)
        await sync_to_async(action)()
        frames = []
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=0.5)
            except TimeoutError:
                return frames
            frames.append(message["frame"])

    return async_to_sync(listen)()


def alert_notices(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind=NotificationKind.ALERT_RAISED)
                .order_by("pk").values_list("title", flat=True))


def test_one_alert_per_spike_rising_levels_warn_once_each_falling_ones_never(
        watch, analyst, django_capture_on_commit_callbacks):
    red_only = grant(UserFactory(username="red_only"), "monitoring.view_alert")
    WatchRecipient.objects.create(watch=watch, user=red_only, level="red")
    on_duty = grant(UserFactory(username="on_duty"), "monitoring.view_alert")
    DutyShift.objects.create(user=on_duty, duty=Duty.MONITORING,
                             starts_on=datetime.date.today(), ends_on=datetime.date.today())
    no_board = UserFactory(username="no_board")  # listed, but may not see alerts
    WatchRecipient.objects.create(watch=watch, user=no_board, level="blue")

    def play():
        with django_capture_on_commit_callbacks(execute=True):
            for minute in range(12):  # orange at once, red from minute 8
                storm_minute(watch, minute)
                look(watch, minute)
            for minute in range(12, 20):  # it calms down: lower levels, nobody told
                storm_minute(watch, minute, mentions=3, negative=1)
                look(watch, minute)

    frames = on_the_board(play)
    alert = Alert.objects.get()
    assert alert.peak_level == "red" and alert.level != "red"
    assert [c.level for c in alert.level_changes.all()][:2] == ["orange", "red"]
    assert alert.first_mention_at == T0
    notices = alert_notices(analyst)
    assert len(notices) == 2 and notices[0].startswith("Orange alert on X2 power bank: ")
    assert "the usual for Sunday 09:00 UTC" in notices[0]
    assert len(alert_notices(red_only)) == 1 and len(alert_notices(on_duty)) == 2
    assert alert_notices(no_board) == []
    notice = Notification.objects.filter(recipient=analyst).order_by("pk").first()
    emails = [m for m in mail.outbox if m.to == [analyst.email]]
    assert len(emails) == 2  # the email follows the notification to the alert board
    assert reverse("notification-open", args=[notice.pk]) in emails[0].body
    assert frames[0] == {"type": "alert.changed", "data": {
        "id": alert.pk, "watch": watch.pk, "level": "orange", "peak_level": "orange",
        "status": "open", "incident": None}}
    assert [frame["data"]["level"] for frame in frames] == [
        change.level for change in alert.level_changes.all()]
    assert AlertEvidence.objects.filter(alert=alert).count() == 0  # buckets only, no posts


def test_a_spike_over_for_a_cool_down_opens_a_new_alert_not_before(watch):
    for minute in range(3):
        storm_minute(watch, minute)
        look(watch, minute)
    first = Alert.objects.get()
    assert first.level == "orange"
    cooldown = first.rule.cooldown_minutes
    # the storm comes back within the cool-down: the same spike
    back = 60
    for minute in range(back, back + 3):
        storm_minute(watch, minute)
        look(watch, minute)
    assert Alert.objects.count() == 1
    # ...and after a whole cool-down of silence: a new spike, a new alert
    again = back + 3 + cooldown + 5
    for minute in range(again, again + 3):
        storm_minute(watch, minute)
        look(watch, minute)
    assert Alert.objects.count() == 2


def test_a_dismissed_spike_stays_silent_unless_it_climbs_higher(watch, analyst, api_client):
    for minute in range(3):
        storm_minute(watch, minute)
        look(watch, minute)
    alert = Alert.objects.get()
    api_client.force_authenticate(analyst)
    url = reverse("api:alert-dismiss", args=[alert.pk])
    assert api_client.post(url, {}, format="json").status_code == 400
    answer = api_client.post(url, {"reason": "   "}, format="json")
    assert answer.status_code == 400 and "reason" in answer.json()
    assert Alert.objects.get().status == AlertStatus.OPEN
    answer = api_client.post(url, {"reason": "A competitor's product, not ours"},
                             format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "dismissed"
    for minute in range(3, 7):  # still orange: silence
        storm_minute(watch, minute)
        look(watch, minute)
    assert Alert.objects.count() == 1 and len(alert_notices(analyst)) == 1
    for minute in range(7, 10):  # red now: worse than what was dismissed
        storm_minute(watch, minute)
        look(watch, minute)
    new = Alert.objects.exclude(pk=alert.pk).get()
    assert new.level == "red" and new.status == AlertStatus.OPEN
    assert api_client.post(url, {"reason": "again"}, format="json").status_code == 409


def test_a_storm_of_small_batches_is_evaluated_once_per_debounce(
        watch, django_capture_on_commit_callbacks):
    runs = []

    def count(sender=None, task=None, args=None, **kwargs):
        if task.name == "monitoring.detection_tasks.evaluate_watch":
            runs.append(args)

    task_prerun.connect(count)
    cache.delete(debounce_key(watch.pk))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(200):
                hooks.batch_ingested.send(sender=Watch, watch_ids=[watch.pk], minutes=[T0],
                                          pairs=[(watch.pk, T0)], source="api")
        assert runs == [[watch.pk]]
        cache.delete(debounce_key(watch.pk))  # the debounce ran out
        with django_capture_on_commit_callbacks(execute=True):
            hooks.batch_ingested.send(sender=Watch, watch_ids=[watch.pk], minutes=[T0],
                                      pairs=[(watch.pk, T0)], source="api")
        assert len(runs) == 2
    finally:
        task_prerun.disconnect(count)
        cache.delete(debounce_key(watch.pk))


def red_alert(watch: Watch) -> Alert:
    """A red storm of real English posts (evidence), looked at every minute."""
    storm_mentions(watch, ENGLISH_STORM * 180, start=T0, per_minute=40, followers=30_000,
                   platform="x")
    for minute in range(9):
        look(watch, minute)
    alert = Alert.objects.get()
    assert alert.level == "red"
    return alert


def test_a_falling_alert_still_names_the_influential_author(watch):
    storm_mentions(watch, ENGLISH_STORM * 90, start=T0, per_minute=20, followers=600_000,
                   platform="x")  # nine minutes of negative posts by big accounts: red
    for minute in range(9):
        look(watch, minute)
    assert Alert.objects.get().level == "red"
    alert = look(watch, 13)  # quiet since minute 8: the influencer rule's orange
    assert alert.level == "orange" and alert.peak_level == "red"
    assert "@user179 (600.2K followers) posted negatively" in describe_signals(alert.signals)
    assert Alert.objects.get().signals == alert.signals


def test_acknowledge_then_escalate_into_a_new_incident_with_the_evidence(
        watch, analyst, api_client):
    alert = red_alert(watch)
    evidence = list(AlertEvidence.objects.filter(alert=alert).order_by("rank")
                    .values_list("mention__reach", flat=True))
    assert len(evidence) == 5 and evidence == sorted(evidence, reverse=True)
    assert alert.top_platforms[0]["platform"] == "x" and alert.top_platforms[0]["count"] > 200
    assert alert.top_terms  # words of the posts, not the watched term
    assert "x2" not in alert.top_terms
    api_client.force_authenticate(analyst)
    answer = api_client.post(reverse("api:alert-acknowledge", args=[alert.pk]))
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"
    assert api_client.post(reverse("api:alert-acknowledge", args=[alert.pk])).status_code == 409

    answer = api_client.post(reverse("api:alert-escalate", args=[alert.pk]),
                             {"severity": "high"}, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    incident = Incident.objects.get(pk=body["incident"])
    assert body["status"] == "escalated"
    assert incident.title == "X2 power bank: Red alert" and incident.severity == "high"
    assert incident.type.code == "product_quality"  # guessed from "exploded", "recall"
    assert incident.detected_at == T0
    assert (incident.warning_level, incident.warning_level_auto,
            incident.warning_level_manual) == ("red", "red", "")
    entry = incident.timeline.get(kind=TimelineKind.ALERT)
    assert entry.data["action"] == "opened" and len(entry.data["evidence"]) == 5
    assert entry.data["evidence"][0]["text"].startswith(("The X2", "X2 charger"))
    escalation = incident.timeline.get(kind=TimelineKind.ESCALATION)
    assert escalation.data["auto"] is True and escalation.data["warning_level"] == ["", "red"]


def test_a_spike_fading_from_red_opens_an_incident_titled_red_like_its_warning_level(
        analyst):
    from tests.monitoring.helpers import make_alert, make_watch

    fading = make_alert(make_watch("X2 power bank", include_terms=["X2"]), level="orange",
                        levels=["red", "orange"])
    Alert.objects.filter(pk=fading.pk).update(peak_level="red")
    incident = Incident.objects.get(pk=alert_escalate(actor=analyst, alert=fading).incident_id)
    assert (incident.title, incident.warning_level) == ("X2 power bank: Red alert", "red")
    entry = incident.timeline.get(kind=TimelineKind.ALERT)
    assert alert_timeline_headline(entry.data).startswith(
        "Opened from the Orange alert on X2 power bank")


def test_escalating_onto_an_existing_incident(watch, analyst, api_client):
    for minute in range(3):
        storm_minute(watch, minute)
        look(watch, minute)
    alert = Alert.objects.get()
    hidden = IncidentFactory(confidentiality=Confidentiality.CONFIDENTIAL)
    visible = IncidentFactory(warning_level="yellow", warning_level_manual="yellow")
    api_client.force_authenticate(analyst)
    url = reverse("api:alert-escalate", args=[alert.pk])
    assert api_client.post(url, {"incident": hidden.pk}, format="json").status_code == 404
    assert api_client.post(url, {"incident": visible.pk}, format="json").status_code == 403
    both = api_client.post(url, {"incident": visible.pk, "title": "x"}, format="json")
    assert both.status_code == 400 and "incident" in both.json()
    assert Alert.objects.get().status == AlertStatus.OPEN

    manager = grant(analyst, MANAGE_INCIDENT)
    api_client.force_authenticate(manager)
    answer = api_client.post(url, {"incident": visible.pk}, format="json")
    assert answer.status_code == 200 and answer.json()["incident"] == visible.pk
    visible.refresh_from_db()
    assert (visible.warning_level, visible.warning_level_auto) == ("orange", "orange")
    # the spike goes on and turns red: the incident follows
    for minute in range(3, 10):
        storm_minute(watch, minute)
        look(watch, minute)
    visible.refresh_from_db()
    assert Alert.objects.get().peak_level == "red" and visible.warning_level == "red"


def test_someone_without_the_right_may_not_act_and_outsiders_see_no_alert(
        watch, api_client, outsider):
    for minute in range(3):
        storm_minute(watch, minute)
        look(watch, minute)
    alert = Alert.objects.get()
    reader = grant(UserFactory(username="reader"), "monitoring.view_alert")
    api_client.force_authenticate(reader)
    assert api_client.get(reverse("api:alert-list"), {"level": "orange"}).json()["count"] == 1
    assert api_client.get(reverse("api:alert-list"), {"level": "red"}).json()["count"] == 0
    assert api_client.post(reverse("api:alert-acknowledge", args=[alert.pk])).status_code == 403
    api_client.force_authenticate(outsider)
    assert api_client.get(reverse("api:alert-list")).status_code == 403
    assert api_client.post(reverse("api:alert-acknowledge", args=[alert.pk])).status_code == 403
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_signals_read_in_words_in_the_readers_language():
    signals = [{"code": "volume_ratio", "value": 6.2, "threshold": 6.0, "hour_of_week": 153},
               {"code": "negative_share", "value": 0.71, "threshold": 0.6},
               {"code": "velocity", "value": 0.2, "threshold": None},
               {"code": "influencer", "value": 2_100_000, "threshold": 500_000,
                "author": "@bigaccount"}]
    with translation.override("en"):
        assert describe_signals(signals) == (
            "mentions 6.2× the usual for Sunday 09:00 UTC; 71 % negative; "
            "@bigaccount (2.1M followers) posted negatively")
    with translation.override("zh-hant"):
        chinese = describe_signals(signals)
        assert "星期日" in chinese and chinese.count("；") == 2 and "; " not in chinese
    # In the reader's time zone, as every time on the pages (Sunday 09:00 UTC):
    with translation.override("en"), timezone.override("Asia/Taipei"):
        assert "the usual for Sunday 17:00;" in describe_signals(signals)
    with translation.override("en"), timezone.override("America/Los_Angeles"):
        assert "the usual for Sunday 0" in describe_signals(signals)  # 01:00 or 02:00 (DST)


@pytest.mark.django_db(transaction=True)
def test_on_the_embedded_default_the_end_of_a_burst_is_looked_at_again(settings):
    settings.EMBEDDED_CLOCK = True  # as in the embedded web process
    now = timezone.now().replace(second=0, microsecond=0)
    watch = ordinary_watch("Burst", end=now - 3 * MINUTE, days=2)
    cache.delete(debounce_key(watch.pk))

    def batch():
        hooks.batch_ingested.send(sender=Watch, watch_ids=[watch.pk], minutes=[now],
                                  pairs=[(watch.pk, now)], source="api")

    batch()  # looked at at once: nothing unusual yet
    for minute in range(3):  # then the storm lands in a burst of small batches
        add(watch, now - minute * MINUTE, mentions=40, negative=30, followers=10_000)
        batch()
    assert not Alert.objects.exists()
    deadline = time.monotonic() + 10
    while not Alert.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Alert.objects.get().level == "orange"


@pytest.mark.parametrize(("text", "code"), [
    ("Cannot log in, the app is down again, total outage", "service_failure"),
    ("我的個資外洩了，駭客拿到密碼", "data_breach"),
    ("你们的广告太恶心了，抵制", "marketing_misstep"),
    ("This is terrible, I am so angry at them", "other"),
])
def test_the_type_of_a_new_incident_is_guessed_from_the_evidence(watch, text, code):
    storm_mentions(watch, [(text, "")] * 360, start=T0, per_minute=40, followers=30_000,
                   platform="x")
    for minute in range(9):
        look(watch, minute)
    assert incident_type_guess(Alert.objects.get()).code == code
