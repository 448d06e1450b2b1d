"""Alerts: one per watch and spike, raised by detection, acted on by analysts.

Detection (``monitoring.detection.evaluate``) hands each look at a watch to
``alert_update_from_evaluation``, which keeps one alert per spike:

- a level on a watch whose last spike is over (or that never had one) opens an alert and
  warns its recipients at that level and whoever is on monitoring duty;
- a higher level on the same spike raises that alert (a level-history row, the evidence
  taken again, everyone warned at the new level once: one notice per alert and level);
- a lower level lowers it (history row, no notice);
- a spike is over once a whole cool-down of its level (``WarningRule.cooldown_minutes``)
  passes without a look finding any level (``Alert.last_matched_at``). Until then the
  spike keeps its one alert, whatever its status: a dismissed spike stays silent unless it
  climbs above the level it reached (then a new alert opens).

Analysts act with ``alert_acknowledge``, ``alert_dismiss`` (a reason is required) and
``alert_escalate`` (a new incident, or attached to one they manage); an escalated alert's
incident follows its alerts' peak level automatically
(``crisis.services.incident_set_auto_warning_level``).

Signals are stored as codes and numbers (``detection.Evaluation.signals``);
``describe_signals`` puts them into words in the active language. Every change is one
``alert.changed`` frame on ``/ws/monitoring/`` (``monitoring.events``) after commit.
"""

import datetime
import logging
import re
from collections import Counter

import jieba
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.errors import ConflictError
from core.text import join_clauses, labelled
from crisis.choices import IncidentStatus, Severity, TimelineKind, WarningLevel
from crisis.models import Incident, IncidentType
from crisis.permissions import can_manage_incident
from crisis.selectors import may_view
from crisis.services import incident_create, incident_set_auto_warning_level
from crisis.timeline import timeline_record
from teams.choices import Duty, NotificationKind
from teams.selectors import on_duty
from teams.services import notification_send

from . import events
from .choices import ACTIVE_ALERT_STATUSES, AlertStatus, SentimentLabel
from .detection import Evaluation, spike_began
from .models import Alert, AlertEvidence, AlertLevelChange, MentionMatch, Watch, WatchRecipient
from .permissions import VIEW_ALERT, can_change_alerts

EVIDENCE_SIZE = 5
TOP_TERMS = 5
TERM_SAMPLE = 500  # the most recent mentions of the spike its terms and platforms come from
DEFAULT_COOLDOWN_MINUTES = 60
MAX_REASON_LENGTH = 2_000
MAX_EXCERPT = 280

_WORD = re.compile(r"#?[^\W\d_]{3,}", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]+")
_STOPWORDS = frozenset("""the and for that this with you your are was were have has had not
but all our out its it's they them their from just about what when who how why will would
can could should been than then there here very more most much some any into over after
again also only such like get got did does doing done one two new now off too via amp https
http www com""".split())  # noqa: SIM905
_CHINESE_STOPWORDS = frozenset("""我们 你们 他们 一个 什么 没有 沒有 完全 非常 真的 这个 這個 那个
那個 就是 还是 還是 已经 已經 因为 因為 所以 可以 今天 现在 現在 不是 自己""".split())  # noqa: SIM905
jieba.setLogLevel(logging.WARNING)  # not the dictionary's loading messages


def level_rank(level: str) -> int:
    return WarningLevel(level).rank if level else 0


# --- words ---------------------------------------------------------------------------------

def compact_number(value: float) -> str:
    """2.1M, 12K, 950."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"


def hour_of_week_words(hour_of_week: int) -> str:
    """An hour of the week (kept in UTC) in the reader's time zone and language: "Sunday
    17:00" for someone in Taipei; "Sunday 09:00 UTC" where the active zone is UTC (an
    email written by a worker, say)."""
    zone = timezone.get_current_timezone()
    now = timezone.now().astimezone(datetime.UTC)
    monday = (now - datetime.timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                                    microsecond=0)
    local = (monday + datetime.timedelta(hours=hour_of_week)).astimezone(zone)
    if local.utcoffset() == datetime.timedelta(0) and str(zone) in ("UTC", "Etc/UTC"):
        return _("%(day)s %(hour)02d:00 UTC") % {"day": WEEKDAYS[hour_of_week // 24],
                                                  "hour": hour_of_week % 24}
    return _("%(day)s %(time)s") % {"day": WEEKDAYS[local.weekday()],
                                     "time": local.strftime("%H:%M")}


def describe_signal(signal: dict) -> str | None:
    """One signal in words in the active language (``None``: not worth saying)."""
    code, value, threshold = signal["code"], signal["value"], signal.get("threshold")
    if code == "volume_ratio":
        return _("mentions %(ratio)s× the usual for %(when)s") % {
            "ratio": f"{value:.1f}", "when": hour_of_week_words(signal.get("hour_of_week", 0))}
    if code == "negative_share":
        return _("%(percent)d %% negative") % {"percent": round(value * 100)}
    if threshold is None:
        return None
    if code == "volume_z":
        return _("volume %(z)s standard deviations above the usual") % {"z": f"{value:.1f}"}
    if code == "velocity":
        return _("growing %(percent)d %% on the window before") % {"percent": round(value * 100)}
    if code == "negative_reach":
        return _("negative posts reached %(reach)s") % {"reach": compact_number(value)}
    if code == "influencer":
        if signal.get("author"):
            return _("%(author)s (%(followers)s followers) posted negatively") % {
                "author": signal["author"], "followers": compact_number(value)}
        return _("an author with %(followers)s followers posted negatively") % {
            "followers": compact_number(value)}
    if code == "persistence":
        return _("for %(count)d windows of %(minutes)d minutes in a row") % {
            "count": value, "minutes": signal.get("window_minutes", 0)}
    return None  # "mentions": the count is in the ratio already


def describe_signals(signals: list[dict]) -> str:
    """What crossed its threshold, in the reader's language: "mentions 6.2× the usual for
    Sunday 09:00 UTC; 71 % negative; @bigaccount (2.1M followers) posted negatively"."""
    return join_clauses(words for words in map(describe_signal, signals or []) if words)


def alert_title(alert: Alert) -> str:
    """"Red alert on X2 power bank" in the active language."""
    return _("%(level)s alert on %(watch)s") % {
        "level": WarningLevel(alert.level).label, "watch": alert.watch.name}


# --- what the spike is about ---------------------------------------------------------------

def _spike_matches(alert: Alert, until: datetime.datetime):
    return (MentionMatch.objects.filter(watch_id=alert.watch_id,
                                        posted_at__gte=alert.first_mention_at,
                                        posted_at__lte=until)
            .select_related("mention"))


def _terms(texts: list[str], watch: Watch) -> list[str]:
    counts: Counter = Counter()
    watched = " ".join(term.lower() for term in watch.include_terms)  # nothing new in them
    for text in texts:
        lowered = text.lower()
        seen = {word for word in _WORD.findall(lowered)
                if word not in _STOPWORDS and word.lstrip("#") not in watched
                and not _CJK.match(word)}
        for run in _CJK.findall(text):  # Chinese: segmented words, not whitespace words
            seen.update(word for word in jieba.lcut(run)
                        if len(word) > 1 and word not in watched
                        and word not in _CHINESE_STOPWORDS)
        counts.update(seen)
    return [term for term, n in counts.most_common(TOP_TERMS) if n > 1]


def _collect(alert: Alert, now: datetime.datetime) -> None:
    """Evidence (the spike's mentions with the most reach), top terms and platforms and the
    influential author's handle; one bounded query each."""
    AlertEvidence.objects.filter(alert=alert).delete()
    top = [m.mention for m in _spike_matches(alert, now).order_by("-mention__reach",
                                                                   "-posted_at")[:EVIDENCE_SIZE]]
    AlertEvidence.objects.bulk_create([AlertEvidence(alert=alert, mention=mention, rank=rank)
                                       for rank, mention in enumerate(top)])
    recent = [m.mention for m in _spike_matches(alert, now).order_by("-posted_at")[:TERM_SAMPLE]]
    alert.top_terms = _terms([m.text for m in recent], alert.watch)
    platforms = Counter(m.platform for m in recent)
    alert.top_platforms = [{"platform": p, "count": n} for p, n in platforms.most_common(5)]
    _name_influencer(alert, now)


def _name_influencer(alert: Alert, now: datetime.datetime) -> None:
    """The influential author's handle in the influencer signal (the buckets hold only
    the followers): the spike's negative mention by the author with the most followers."""
    for signal in alert.signals:
        if signal["code"] == "influencer" and signal.get("threshold") is not None:
            loudest = (_spike_matches(alert, now)
                       .filter(mention__sentiment_label=SentimentLabel.NEGATIVE)
                       .order_by("-mention__author_followers").first())
            if loudest is not None:
                handle = loudest.mention.author_handle
                signal["author"] = handle if handle.startswith("@") or not handle \
                    else f"@{handle}"


# --- who hears -----------------------------------------------------------------------------

def alert_recipients(alert: Alert):
    """Who is warned at the alert's level: the watch's recipients from that level down,
    and whoever is on monitoring duty today; only people who may see the alert board."""
    User = get_user_model()
    lower = [level.value for level in WarningLevel if level.rank <= level_rank(alert.level)]
    listed = WatchRecipient.objects.filter(watch_id=alert.watch_id, level__in=lower) \
        .values("user_id")
    duty = on_duty(duty=Duty.MONITORING).values("pk")
    board = User.objects.with_perm(VIEW_ALERT, backend="django.contrib.auth.backends.ModelBackend")
    return (User.objects.filter(Q(pk__in=listed) | Q(pk__in=duty), is_active=True)
            .filter(pk__in=board.values("pk")).order_by("pk"))


def _notify(alert: Alert) -> None:
    """Warn once per alert and level (a retried or repeated look never warns twice)."""
    if level_rank(alert.level) <= level_rank(alert.notified_level):
        return
    signals = list(alert.signals)

    def title() -> str:
        return labelled(alert_title(alert), describe_signals(signals))

    notification_send(recipients=alert_recipients(alert), kind=NotificationKind.ALERT_RAISED,
                      title=title, dedupe_key=f"alert:{alert.pk}:{alert.level}", actor=None)
    alert.notified_level = alert.level


# --- detection's side ----------------------------------------------------------------------

def _cooldown(alert: Alert) -> datetime.timedelta:
    minutes = alert.rule.cooldown_minutes if alert.rule_id and alert.rule else \
        DEFAULT_COOLDOWN_MINUTES
    return datetime.timedelta(minutes=minutes)


def current_spike_alert(*, watch_id: int, now: datetime.datetime) -> Alert | None:
    """The alert of the watch's spike that is not over yet (see the module's doc)."""
    alert = (Alert.objects.filter(watch_id=watch_id).select_related("rule", "watch")
             .order_by("-opened_at", "-pk").first())
    if alert is None or now - alert.last_matched_at >= _cooldown(alert):
        return None
    return alert


def _set_level(alert: Alert, level: str, now: datetime.datetime) -> None:
    alert.level = level
    if level_rank(level) > level_rank(alert.peak_level):
        alert.peak_level = level
    alert.level_changed_at = now
    AlertLevelChange.objects.create(alert=alert, level=level, at=now)


def _follow_on_incident(alert: Alert, actor=None) -> None:
    if alert.incident_id is None:
        return
    levels = Alert.objects.filter(incident_id=alert.incident_id).values_list("peak_level",
                                                                             flat=True)
    peak = max(levels, key=level_rank, default="")
    incident_set_auto_warning_level(
        incident=alert.incident, level=peak, actor=actor,
        reason=_("Its alerts reached %(level)s.") % {"level": WarningLevel(peak).label})


def alert_open(*, evaluation: Evaluation, now: datetime.datetime) -> Alert:
    first = evaluation.first_mention_at or now
    if evaluation.expected is not None:
        first = spike_began(watch_id=evaluation.watch_id, expected=evaluation.expected, at=first)
    alert = Alert.objects.create(
        watch_id=evaluation.watch_id, level=evaluation.level, peak_level=evaluation.level,
        rule=evaluation.rule, signals=evaluation.signals,
        first_mention_at=first, opened_at=now, updated_at=now,
        level_changed_at=now, last_matched_at=now)
    alert = Alert.objects.select_related("watch", "rule").get(pk=alert.pk)
    AlertLevelChange.objects.create(alert=alert, level=alert.level, at=now)
    _collect(alert, now)
    _notify(alert)
    alert.save(update_fields=["signals", "top_terms", "top_platforms", "notified_level"])
    events.alert_changed(alert)
    return alert


def alert_update_from_evaluation(evaluation: Evaluation) -> Alert | None:
    """Open, raise, lower or keep the watch's spike alert from one look (see the module's
    doc); returns the alert it opened or changed, ``None`` when nothing changed that
    anyone is told about. Serialised per watch (the watch's row is locked)."""
    if not evaluation.level:
        return None
    now = evaluation.at
    with transaction.atomic():
        Watch.objects.select_for_update().filter(pk=evaluation.watch_id).values_list("pk").get()
        alert = current_spike_alert(watch_id=evaluation.watch_id, now=now)
        if alert is None or (alert.status == AlertStatus.DISMISSED
                             and level_rank(evaluation.level) > level_rank(alert.peak_level)):
            return alert_open(evaluation=evaluation, now=now)
        alert = (Alert.objects.select_for_update(of=("self",))
                 .select_related("watch", "rule", "incident").get(pk=alert.pk))
        alert.last_matched_at = now
        fields = ["last_matched_at"]
        if alert.status == AlertStatus.DISMISSED or evaluation.level == alert.level:
            alert.save(update_fields=fields)
            return None
        went_up = level_rank(evaluation.level) > level_rank(alert.level)
        _set_level(alert, evaluation.level, now)
        alert.signals = evaluation.signals
        alert.updated_at = now
        fields += ["level", "peak_level", "level_changed_at", "signals", "updated_at"]
        if went_up:
            alert.rule = evaluation.rule
            _collect(alert, now)
            _notify(alert)
            fields += ["rule", "top_terms", "top_platforms", "notified_level"]
        else:  # falling: the new signals still name the author, as when it rose
            _name_influencer(alert, now)
        alert.save(update_fields=fields)
        if went_up:
            _follow_on_incident(alert)
        events.alert_changed(alert)
    return alert


# --- analysts' side ------------------------------------------------------------------------

def may_not_act() -> str:
    return _("You may not act on alerts.")


def _require_change(actor) -> None:
    if not can_change_alerts(actor):
        raise PermissionDenied(may_not_act())


def _lock_active(alert: Alert, action: str) -> Alert:
    alert = (Alert.objects.select_for_update(of=("self",))
             .select_related("watch", "rule", "incident").get(pk=alert.pk))
    if alert.status not in ACTIVE_ALERT_STATUSES:
        raise ConflictError(
            _("This alert is %(status)s already; only an open or acknowledged alert can be "
              "%(action)s.") % {"status": AlertStatus(alert.status).label, "action": action},
            current=alert.status, allowed=[])
    return alert


def alert_acknowledge(*, actor, alert: Alert) -> Alert:
    """Someone is looking at it: open → acknowledged (409 from any other status)."""
    _require_change(actor)
    with transaction.atomic():
        alert = _lock_active(alert, pgettext("alert action", "acknowledged"))
        if alert.status != AlertStatus.OPEN:
            raise ConflictError(_("This alert is acknowledged already."), current=alert.status,
                                allowed=[AlertStatus.DISMISSED, AlertStatus.ESCALATED])
        now = timezone.now()
        alert.status, alert.acknowledged_by, alert.acknowledged_at = (
            AlertStatus.ACKNOWLEDGED, actor, now)
        alert.updated_at = now
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        events.alert_changed(alert)
    return alert


def alert_dismiss(*, actor, alert: Alert, reason: str) -> Alert:
    """Not a crisis: closed with a required reason. The rest of the spike stays silent
    unless it climbs above the level it reached."""
    _require_change(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the alert is dismissed.")]})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError({"reason": [_("Keep the reason under %(n)d characters.")
                                          % {"n": MAX_REASON_LENGTH}]})
    with transaction.atomic():
        alert = _lock_active(alert, _("dismissed"))
        now = timezone.now()
        alert.status, alert.dismiss_reason = AlertStatus.DISMISSED, reason
        alert.closed_by, alert.closed_at, alert.updated_at = actor, now, now
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = actor, now
        alert.save(update_fields=["status", "dismiss_reason", "closed_by", "closed_at",
                                  "updated_at", "acknowledged_by", "acknowledged_at"])
        events.alert_changed(alert)
    return alert


# Words in an alert's evidence and top terms that point at a shipped incident type (codes
# of crisis migration 0003), English and Chinese (both scripts where they differ).
TYPE_CLUES = {
    "data_breach": ("breach", "leak", "leaked", "hacked", "hack", "ransomware", "password",
                    "personal data", "外洩", "外泄", "洩漏", "泄露", "駭客", "黑客", "個資",
                    "个人信息", "資安", "数据"),
    "service_failure": ("outage", "down", "offline", "not working", "crash", "crashed",
                        "delay", "delayed", "cancelled", "當機", "宕机", "斷線", "断网",
                        "無法登入", "无法登录", "延誤", "延误", "停擺", "瘫痪"),
    "product_quality": ("recall", "overheat", "overheating", "exploded", "explode", "fire",
                        "burn", "burned", "defect", "defective", "injury", "contaminated",
                        "swell", "召回", "過熱", "过热", "爆炸", "起火", "燒", "烧", "瑕疵",
                        "受傷", "受伤", "膨脹", "膨胀", "食物中毒"),
    "conduct": ("harassment", "racist", "sexist", "ceo", "executive", "scandal", "fired",
                "騷擾", "骚扰", "歧視", "歧视", "醜聞", "丑闻", "高管", "總裁", "总裁"),
    "misinformation": ("fake", "rumour", "rumor", "hoax", "false claim", "謠言", "谣言",
                       "假消息", "造謠", "造谣"),
    "marketing_misstep": ("ad", "advert", "campaign", "commercial", "offensive", "boycott",
                          "廣告", "广告", "抵制", "辱華", "辱华"),
    "legal_regulatory": ("lawsuit", "sued", "fine", "fined", "regulator", "investigation",
                         "訴訟", "诉讼", "罰款", "罚款", "調查", "调查", "監管", "监管"),
}
_CLUE_PATTERNS = {
    code: re.compile("|".join(
        re.escape(word) if not word.isascii() else rf"\b{re.escape(word)}\b"
        for word in words), re.IGNORECASE)
    for code, words in TYPE_CLUES.items()}


def incident_type_guess(alert: Alert | None = None) -> IncidentType | None:
    """The active incident type the alert's evidence and top terms speak of most (a
    recall, an outage, a leak...), else "other", else the first active type."""
    types = {t.code: t for t in IncidentType.objects.filter(is_active=True)}
    if alert is not None:
        texts = [str(term) for term in alert.top_terms or []]
        texts += [row.mention.text for row in AlertEvidence.objects.filter(alert=alert)
                  .select_related("mention")]
        text = "\n".join(texts)
        hits = {code: len(pattern.findall(text)) for code, pattern in _CLUE_PATTERNS.items()
                if code in types}
        best = max(hits, key=hits.get, default=None)
        if best is not None and hits[best]:
            return types[best]
    return types.get("other") or next(iter(types.values()), None)


def evidence_record(alert: Alert) -> list[dict]:
    """The alert's evidence as the incident's timeline keeps it (a copy: it stays readable
    when the mentions are purged)."""
    rows = AlertEvidence.objects.filter(alert=alert).select_related("mention").order_by("rank")
    return [{"mention": row.mention_id, "platform": row.mention.platform,
             "author": row.mention.author_handle, "followers": row.mention.author_followers,
             "reach": row.mention.reach, "sentiment": row.mention.sentiment_label,
             "text": row.mention.text[:MAX_EXCERPT], "url": row.mention.url,
             "posted_at": row.mention.posted_at.isoformat()} for row in rows]


def alert_escalate(*, actor, alert: Alert, incident: Incident | None = None,
                   title: str = "", type: IncidentType | None = None, summary: str = "",
                   severity: str = Severity.MEDIUM) -> Alert:
    """Make the alert an incident: attach it to ``incident`` (which ``actor`` manages; the
    caller answers 404 first for one they may not view), or open a new one (``actor``
    may open incidents) titled after the watch, of the given type (default: guessed from
    the evidence, ``incident_type_guess``), detected at the spike's first mention. Either way
    the alert's signals and evidence go on the incident's timeline and the incident's
    automatic warning level follows its alerts."""
    _require_change(actor)
    if incident is not None and not (may_view(user=actor, incident=incident)
                                     and can_manage_incident(actor, incident)):
        raise PermissionDenied(_("You may not change this incident."))
    with transaction.atomic():
        alert = _lock_active(alert, _("escalated"))
        now = timezone.now()
        action = "attached"
        if incident is None:
            action = "opened"
            # Titled after the level the spike reached, as the incident's warning level
            # follows it (a spike fading from red to orange is still a red one).
            incident = incident_create(
                actor=actor, title=title or _("%(watch)s: %(level)s alert") % {
                    "watch": alert.watch.name, "level": WarningLevel(alert.peak_level).label},
                type=type or incident_type_guess(alert), severity=severity,
                summary=summary or describe_signals(alert.signals),
                detected_at=min(alert.first_mention_at, now))
        elif incident.status == IncidentStatus.CLOSED or incident.merged_into_id:
            raise ConflictError(_("%(ref)s is closed; choose an open incident.")
                                % {"ref": incident.reference}, current=incident.status)
        alert.status, alert.incident = AlertStatus.ESCALATED, incident
        alert.closed_by, alert.closed_at, alert.updated_at = actor, now, now
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = actor, now
        alert.save(update_fields=["status", "incident", "closed_by", "closed_at", "updated_at",
                                  "acknowledged_by", "acknowledged_at"])
        timeline_record(incident=incident, kind=TimelineKind.ALERT, actor=actor,
                        data={"action": action, "alert": alert.pk, "watch": alert.watch.name,
                              "level": alert.level, "peak_level": alert.peak_level,
                              "signals": alert.signals, "top_terms": alert.top_terms,
                              "top_platforms": alert.top_platforms,
                              "first_mention_at": alert.first_mention_at.isoformat(),
                              "evidence": evidence_record(alert)})
        _follow_on_incident(alert, actor=actor)
        events.alert_changed(alert)
    return alert


def alert_timeline_headline(data: dict) -> str:
    """How an alert entry reads on the incident's timeline, in the reader's language."""
    values = {"watch": data.get("watch", ""),
              "level": WarningLevel(data["level"]).label if data.get("level") else "",
              "signals": describe_signals(data.get("signals", []))}
    if data.get("action") == "opened":
        line = _("Opened from the %(level)s alert on %(watch)s") % values
    else:
        line = _("The %(level)s alert on %(watch)s was attached") % values
    return labelled(line, values["signals"]) if values["signals"] else line
