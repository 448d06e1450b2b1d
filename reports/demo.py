"""Demo history: a product-quality crisis three weeks ago, closed, with its post-incident
review signed off by the lead and the executive sponsor and its PDF rendered, so that
anyone who runs the demo can read and download a finished review.

Everything is written through the real services (mentions through ``monitoring.ingest``,
the alert by detection, the incident opened from the alert, team, statements and their
approvals, tasks, the lifecycle, the review, its action items and sign-offs, the PDF through
``reports.pdf``) with the clock set back to when each step happened (time-machine): every
timestamp, metric and chart is what the record would hold had it happened then. Seeded when
``seed_demo`` has made the demo incidents (``demo_incidents_seeded``, connected in
``ReportsConfig.ready()``).
"""

import datetime
import heapq
import math
import random

from django.db.models import Sum
from django.utils import timezone

from comms import services as comms
from comms.models import Statement
from crisis import services as crisis
from crisis.choices import Confidentiality, TaskStatus
from crisis.models import Incident, IncidentType, Playbook, Task
from monitoring.alerts import alert_escalate
from monitoring.baseline import baseline_refresh
from monitoring.choices import MentionSource
from monitoring.detection_tasks import evaluate_and_alert
from monitoring.ingest import MAX_BATCH, mentions_ingest
from monitoring.models import Alert, MentionBucket, WarningRule, Watch, WatchRecipient
from teams.choices import Duty
from teams.management.commands.seed_demo import demo_incidents_seeded
from teams.models import Role, User
from teams.services import duty_shift_create, role_assign

from . import pdf, services
from .metrics import compute_metrics, metrics_by_key
from .models import ActionItemStatus, ActionItemTarget

TITLE = "Skin irritation reports linked to Lumora Buds 2 ear tips"
SUMMARY = ("Photos and a dermatologist's video link red, itching ears to Buds 2 ear tips "
           "sold since March. Volume on TikTok, Instagram and Dcard is rising fast; a "
           "consumer group asked for a recall.")
WATCH = ("Lumora Buds 2", ["Buds 2", "#LumoraBuds", "Buds 2 耳機", "Buds 2 耳机"])
DAYS_AGO = 24  # the spike's first mention, at 09:30 Taipei time
DAYS = 4  # from the first mention to the incident's closing

ORDINARY = [
    ("en", "positive", "Buds 2 battery easily lasts my whole commute, great sound"),
    ("en", "neutral", "Are the Buds 2 ear tips the same size as the old ones?"),
    ("en", "neutral", "Buds 2 on sale at the airport shop this week"),
    ("en", "negative", "Left Buds 2 earbud keeps disconnecting, annoying"),
    ("zh-Hant", "positive", "Buds 2 耳機音質很好，通勤必備"),
    ("zh-Hant", "neutral", "請問 Buds 2 耳機可以單耳使用嗎？"),
    ("zh-Hans", "positive", "Buds 2 耳机降噪效果不错，推荐"),
    ("zh-Hans", "neutral", "Buds 2 耳机双十一会降价吗？"),
]
STORM = [
    ("en", "My ears hurt and itch after wearing Buds 2, so disappointed #LumoraBuds"),
    ("en", "Dermatologist here: the rash in these Buds 2 photos is contact dermatitis. Stop "
           "wearing them, it is dangerous"),
    ("en", "Took my Buds 2 out and my ear canal is swollen. Stop selling these #LumoraBuds"),
    ("en", "Third friend with a painful rash from Buds 2 ear tips. Terrible, recall them now"),
    ("zh-Hant", "戴了 Buds 2 耳機一週，耳朵又紅又癢，太可怕了"),
    ("zh-Hant", "Buds 2 耳機的耳塞讓我過敏，客服都不回應，非常失望"),
    ("zh-Hans", "Buds 2 耳机戴久了耳朵红肿发痒，必须召回！"),
    ("zh-Hans", "Buds 2 耳机耳塞导致皮肤过敏，垃圾产品，要求退款"),
]
INFLUENTIAL = [180_000, 320_000, 650_000, 1_200_000]
PLATFORMS = {"en": ["tiktok", "instagram", "x", "youtube", "forum"],
             "zh-Hant": ["dcard", "facebook", "instagram", "forum"],
             "zh-Hans": ["weibo", "xiaohongshu", "tiktok", "wechat"]}

EXECUTIVE_SUMMARY = """\
On the morning of {day}, posts linking Buds 2 ear tips to red, itching ears spread from one \
dermatologist's video to about {mentions} mentions in four days, most of them negative. \
Monitoring raised the alert {detect} after the first posts, the crisis team was complete \
{assemble} after the incident was opened, and our holding statement went out after \
{first_statement}: later than the hour we promise, because legal and the executive sponsor \
reviewed it one after the other.

We stopped selling Buds 2 with ear tips from batch B7, offered free replacement tips and \
refunds, and answered the two regulators who asked. Negative sentiment was back to its usual \
level {recovery} after the incident opened; no customer reported lasting harm.

The cause was a change in our supplier's silicone curing that left residue on batch B7 tips; \
the supplier did not tell us and our incoming inspection does not test for it. Four actions \
follow: a material-change check in the product-quality playbook, more terms on the \
Buds 2 watch, an earlier warning on negative share, and a pre-approved holding statement that \
legal clears in one step."""

SECTIONS = {
    "what_happened": """\
A TikTok video by a dermatologist showing contact dermatitis after wearing Buds 2 reached \
a million views in three hours. Owners in Taiwan, Hong Kong and mainland China posted \
photos of red, swollen ears; a consumer group asked for a recall and two regulators asked \
for information.

- The alert on the Buds 2 watch was opened by detection and escalated to an incident by \
the monitoring analyst on duty.
- The lead raised the severity to critical once the video passed a million views, which \
brought legal, the executive sponsor and customer service onto the team.
- Sales of Buds 2 with B7 ear tips were paused in our shops and online the same morning; \
the customer notice offering free replacement tips went out in the afternoon.
- Engineering confirmed the cause two days later with the supplier's lab.""",
    "impact": """\
About {mentions} mentions over four days, at the peak more than forty times the usual \
volume, with a reach of several million accounts. 41 customers contacted customer service \
about a skin reaction; none needed more than over-the-counter treatment. Two regulators (Taiwan's \
Consumer Protection Committee and the Shanghai market regulator) asked for information and \
were answered within their deadlines.""",
    "financial_impact": """\
About 18,000 pairs of replacement ear tips and 1,250 refunds (estimated NT$ 4.6 million), \
plus two weeks of lost Buds 2 sales in our own shops.""",
    "operational_impact": """\
Customer service added six agents to the hotline for four days; the hotline's wait rose \
to 25 minutes on the first afternoon.""",
    "went_well": """\
- Detection: the watch raised an alert minutes after the first posts, before any \
journalist called.
- The team was complete in under half an hour, and customer service had an approved answer \
before the first statement was published.
- The replacement programme was ready the same day; sentiment turned once it was announced.""",
    "went_badly": """\
- The holding statement missed the one-hour commitment: legal and the executive sponsor \
reviewed it one after the other, and legal asked for changes to the customer notice that \
a pre-agreed wording would have avoided.
- The watch knew only the product's name: posts about rashes from "my new Lumora \
earbuds" that did not say Buds 2 were missed until a reporter linked them.
- Batch data for ear tips was in the supplier's system, not ours: finding which units were \
affected took six hours.""",
    "root_cause": """\
The ear-tip supplier changed the curing process of its silicone in February without \
telling us. Tips of batch B7 kept residue of the curing accelerator, which irritates \
skin in a small share of people after several days of wear.""",
    "contributing_factors": """\
- Our supplier agreement does not require notice of a material or process change.
- Incoming inspection checks size and hardness of ear tips, not skin compatibility.
- The product-quality playbook had no step for a supplier-caused defect.""",
    "lessons": """\
1. A product that touches skin needs the same change control as one that holds a battery.
2. A pre-approved holding statement for product-safety reports lets legal clear it in one \
step and keeps us inside the hour.
3. Watches need the words customers use for the product and for harm, in all three \
scripts, from day one.""",
}

HOLDING_FRAME = {
    "what_happened": "Some Buds 2 owners report red, itching ears after wearing the earbuds.",
    "when": "Since this morning.", "where": "Taiwan, Hong Kong and mainland China.",
    "who_is_affected": "Owners of Buds 2 bought since March.",
    "why": "We are testing the ear tips with our supplier.",
    "what_we_do": "Sales of the affected batch are paused; replacement tips are free.",
}
NOTICE_FRAME = {
    "what_happened": "Ear tips of one production batch can irritate skin.",
    "when": "Reported since this morning.", "where": "Taiwan, Hong Kong and mainland China.",
    "who_is_affected": "Owners of Buds 2 with ear tips from batch B7.",
    "why": "We are testing the ear tips with our supplier.",
    "what_we_do": "Free replacement tips or a refund, in any shop or by post.",
}

# title, description, owner, due (days after the spike), status, what it changes
ACTION_ITEMS = [
    ("Add a supplier material-change check to the product-quality playbook",
     "A checklist task: ask the supplier whether materials or processes changed, and get "
     "the batch list, within two hours of a product-quality incident.",
     "lead", 18, ActionItemStatus.IN_PROGRESS, ActionItemTarget.PLAYBOOK),
    ("Add skin-reaction terms to the Buds 2 watch",
     "Lumora earbuds, 露摩拉耳機 and the words of harm with them: rash, itch, dermatitis, "
     "過敏, 发痒, 紅腫.",
     "analyst", 8, ActionItemStatus.DONE, ActionItemTarget.WATCH),
    ("Warn at yellow from a 30 % negative share on product watches",
     "Today's rule needs 40 % negative: a storm of complaints about harm should warn "
     "as it starts.",
     "analyst", 35, ActionItemStatus.OPEN, ActionItemTarget.WARNING_RULE),
    ("Pre-approve a holding statement for product-safety reports",
     "Legal and the executive office agree the wording now, so that in a crisis legal "
     "checks only the facts.",
     "legal", 40, ActionItemStatus.OPEN, ActionItemTarget.OTHER),
]


class Clock:
    """Moves the clock to ``start`` + minutes for each step (time flows within a step)."""

    def __init__(self, start: datetime.datetime):
        self.start = start

    def at(self, minutes: float):
        import time_machine  # on first use: only seed_demo travels in time

        return time_machine.travel(self.start + datetime.timedelta(minutes=minutes))

    def moment(self, minutes: float) -> datetime.datetime:
        return self.start + datetime.timedelta(minutes=minutes)


def _user(username: str) -> User:
    return User.objects.get(username=username)  # fresh: permission caches live on it


# --- the mentions ----------------------------------------------------------------------------

def _storm_rate(minute: float) -> tuple[float, float]:
    """Mentions a minute and their negative share, ``minute`` minutes after the spike."""
    rising = minute < 45  # to ten a minute in 45 minutes, then halving every two hours
    rate = 0.5 + 9.5 * minute / 45 if rising else 0.2 + 9.8 * math.exp(-(minute - 45) / 170)
    negative = 0.03 + 0.85 * math.exp(-max(0.0, minute - 120) / 300)
    return rate, negative


def _mentions(rng: random.Random, clock: Clock, end_minutes: int) -> list[dict]:
    """A week of ordinary mentions before the spike, the storm and its tail until the
    incident closes, then two ordinary days."""
    items = []

    def add(language, text, minute, followers=None):
        platform = rng.choice(PLATFORMS[language])
        number = len(items)
        items.append({
            "platform": platform, "external_id": f"demo-buds2-{number}", "text": text,
            "language": language, "author_handle": f"user{rng.randrange(1, 99_999)}",
            "author_followers": followers or int(10 ** rng.uniform(1.5, 4.5)),
            "shares": rng.randrange(0, 60), "likes": rng.randrange(0, 600),
            "url": f"https://{platform}.example/p/b2-{number}",
            "posted_at": clock.moment(minute + rng.random() * 0.9).isoformat()})

    def ordinary(minute, negative_share):
        if rng.random() < negative_share:
            language, text = rng.choice(STORM[:2] + STORM[4:5] + STORM[6:7]) \
                if minute >= 0 else next((lang, t) for lang, tone, t in ORDINARY
                                         if tone == "negative")
        else:
            language, _tone, text = rng.choice([row for row in ORDINARY
                                                if row[1] != "negative"])
        add(language, text, minute)

    def usual(minutes):  # about one every 15 minutes
        for minute in minutes:
            hour = (clock.moment(minute).hour + 8) % 24  # Taipei time
            if rng.random() < (0.25 if 8 <= hour <= 23 else 0.08):
                ordinary(minute, 0.08)

    usual(range(-7 * 24 * 60, 0, 3))
    for minute in range(0, end_minutes):
        rate, negative = _storm_rate(minute)
        count = int(rate) + (rng.random() < rate - int(rate))
        for k in range(count):
            if rng.random() < negative:
                language, text = rng.choice(STORM)
                # a news desk or a known reviewer in each minute of the peak
                add(language, text, minute, followers=rng.choice(INFLUENTIAL)
                    if k == 0 and 6 <= minute <= 150 else None)
            else:
                ordinary(minute, 0.0)
    usual(range(end_minutes, end_minutes + 2 * 24 * 60, 3))  # and the days after
    return items


class Ingest:
    """Ingests the mentions posted before each moment, as connectors would have sent them."""

    def __init__(self, items: list[dict]):
        self.items = sorted(items, key=lambda item: item["posted_at"])
        self.done = 0

    def until(self, moment: datetime.datetime) -> None:
        stamp = moment.isoformat()
        end = self.done
        while end < len(self.items) and self.items[end]["posted_at"] < stamp:
            end += 1
        for start in range(self.done, end, MAX_BATCH):
            mentions_ingest(items=self.items[start:min(start + MAX_BATCH, end)],
                            source=MentionSource.DEMO, now=moment)
        self.done = end


# --- the incident ----------------------------------------------------------------------------

def seed_review_history() -> Incident | None:
    """The Buds 2 crisis from its first mention to its signed-off review and PDF."""
    if Incident.objects.filter(title=TITLE).exists():
        return None
    now = timezone.now().astimezone(datetime.UTC)
    clock = Clock((now - datetime.timedelta(days=DAYS_AGO)).replace(
        hour=1, minute=30, second=0, microsecond=0))
    name, terms = WATCH
    with clock.at(-8 * 24 * 60):
        watch, _created = Watch.objects.get_or_create(name=name,
                                                      defaults={"include_terms": terms})
        WatchRecipient.objects.get_or_create(watch=watch, user=_user("analyst"),
                                             defaults={"level": "blue"})
        shift_start = clock.moment(0).date() - datetime.timedelta(days=3)
        for username, duty in (("lead", Duty.CRISIS_LEAD), ("analyst", Duty.MONITORING)):
            duty_shift_create(actor=_user("admin"), duty=duty, user=_user(username),
                              starts_on=shift_start,
                              ends_on=shift_start + datetime.timedelta(days=13))
    story = Story(clock, watch, _mentions(random.Random(15), clock,  # noqa: S311 - demo
                                          DAYS * 24 * 60))
    story.run(_crisis(story))
    with clock.at((DAYS + 2) * 24 * 60):
        story.mentions.until(clock.moment((DAYS + 2) * 24 * 60))
    incident = Incident.objects.get(title=TITLE)
    _write_review(incident, clock)
    return incident


class Story:
    """Runs the crisis's steps in the order of their minutes (a step may schedule more).
    Before each step the mentions posted so far arrive and detection looks at the watch:
    every two minutes in the first half hour, then less often until the fourth hour (the
    beat looks every minute; these are enough for the levels the storm reaches)."""

    def __init__(self, clock: Clock, watch: Watch, items: list[dict]):
        self.clock, self.watch = clock, watch
        self.mentions = Ingest(items)
        self.looked = 0
        self.steps: list[tuple[float, int, object]] = []
        self.count = 0  # steps of one minute run in the order they were scheduled
        self.state: dict = {}

    def at(self, minute: float, action) -> None:
        self.count += 1
        heapq.heappush(self.steps, (minute, self.count, action))

    def run(self, first) -> None:
        with self.clock.at(0):
            self.mentions.until(self.clock.moment(0))
            baseline_refresh(watch=self.watch, now=self.clock.moment(0))  # the hourly job's
        self.at(0, first)
        while self.steps:
            minute, _order, action = heapq.heappop(self.steps)
            for look in range(self.looked + 2, min(int(minute), 240) + 1, 2):
                if look <= 30 or (look <= 60 and look % 6 == 0) or look % 20 == 0:
                    with self.clock.at(look):
                        self.mentions.until(self.clock.moment(look))
                        evaluate_and_alert(self.watch.pk)
                self.looked = look
            with self.clock.at(minute):
                self.mentions.until(self.clock.moment(minute))
                action()


def _crisis(story: Story):
    """The steps of the crisis; returns the first."""
    state = story.state
    at = story.at

    def lead():
        return _user("lead")

    def comms_officer():
        return _user("comms")

    def incident():
        return Incident.objects.get(pk=state["incident"])

    def statement(key):
        return Statement.objects.get(pk=state[key])

    def start():
        at(24, open_incident)

    def open_incident():
        alert = Alert.objects.filter(watch=story.watch).order_by("-opened_at").first()
        state["incident"] = alert_escalate(
            actor=_user("analyst"), alert=alert, title=TITLE, summary=SUMMARY,
            severity="high", type=IncidentType.objects.get(code="product_quality"),
        ).incident_id
        at(26, lambda: crisis.incident_classify(
            actor=lead(), incident=incident(), confidentiality=Confidentiality.RESTRICTED,
            stakeholder_kinds=["customers", "media", "regulators", "affected_individuals"],
            affected_products=["Buds 2"],
            affected_regions=["Taiwan", "Hong Kong", "Mainland China"]))
        at(27, lambda: crisis.incident_transition(actor=lead(), incident=incident(),
                                                  to_status="active"))
        at(33, lambda: crisis.timeline_entry_add(
            actor=lead(), incident=incident(), kind="key_moment",
            body="A dermatologist's TikTok video about Buds 2 rashes passed one million "
                 "views; TechDaily and UDN asked for comment."))
        at(36, escalate)

    def escalate():
        crisis.incident_escalate(
            actor=lead(), incident=incident(), severity="critical",
            reason="A million views and a consumer group calling for a recall: a safety "
                   "question for every owner.")
        at(41, lambda: role_assign(actor=lead(), incident=incident(), user=comms_officer(),
                                   role=Role.objects.get(code="spokesperson"),
                                   note="Speaks for us to the media."))
        at(45, decide)
        at(49, draft_holding)
        at(120, draft_notice)
        at(250, lambda: crisis.timeline_entry_add(
            actor=_user("support"), incident=incident(), kind="note",
            body="Hotline: 320 calls since 10:00, wait 25 minutes. Six more agents from "
                 "14:00; they read the customer notice's answer."))
        # The checklist: each task done a little before it is due, but the holding
        # statement's, done when it was published (late, as the review says).
        for task in incident().tasks.order_by("position", "pk"):
            if "holding" in task.title.lower():
                minute = 92
            else:
                due = (task.due_at - story.clock.start).total_seconds() / 60 \
                    if task.due_at else 24 * 60
                minute = max(37, due - 8 - (task.pk % 4) * 3)
            at(minute, lambda task=task: crisis.task_set_status(
                actor=lead(), task=crisis_task(task.pk), status=TaskStatus.DONE))
        at(26 * 60, lambda: crisis.incident_escalate(
            actor=lead(), incident=incident(), warning_level="yellow", override=True,
            reason="Volume is down to twice the usual and falling since the customer "
                   "notice."))
        at(26 * 60 + 5, lambda: crisis.incident_transition(
            actor=lead(), incident=incident(), to_status="contained"))
        at(50 * 60, lambda: crisis.timeline_entry_add(
            actor=lead(), incident=incident(), kind="key_moment",
            body="The supplier's lab confirmed residue of the curing accelerator on batch B7 "
                 "ear tips; other batches are clean."))
        at(50 * 60 + 10, lambda: crisis.incident_escalate(
            actor=lead(), incident=incident(), severity="high", warning_level="blue",
            override=True, reason="Cause confirmed and contained to one batch; sentiment "
                                  "back to usual."))
        at(50 * 60 + 15, lambda: crisis.incident_transition(
            actor=lead(), incident=incident(), to_status="recovering"))
        at(DAYS * 24 * 60 - 60, lambda: crisis.incident_transition(
            actor=lead(), incident=incident(), to_status="closed"))

    def decide():
        entry = crisis.timeline_entry_add(
            actor=lead(), incident=incident(), kind="decision",
            body="Pause sales of Buds 2 with batch B7 ear tips in our shops and online until "
                 "engineering knows the cause. @comms drafts the holding statement.")
        crisis.timeline_entry_pin(actor=lead(), entry=entry, pinned=True)

    def approve_and_publish(key, *, version: int, legal: float, executive: float,
                            published: float):
        """Legal, then the executive, approve ``version`` of a statement; the
        communications officer publishes it (each at its minute)."""
        for approver, minute in (("legal", legal), ("exec", executive)):
            at(minute, lambda approver=approver: comms.statement_decide(
                actor=_user(approver), statement=statement(key), version=version,
                decision="approve"))
        at(published, lambda: comms.statement_publish(actor=comms_officer(),
                                                      statement=statement(key)))

    def draft_holding():
        state["holding"] = comms.statement_create(
            actor=comms_officer(), incident=incident(), kind="holding", language="en",
            title="Buds 2 ear tips: what we know",
            body="We have seen reports of skin irritation after wearing Buds 2 and we take "
                 "them seriously. Until we know more, please stop using Buds 2 ear tips if "
                 "your skin is red or itching, and contact us for free replacement tips. We "
                 "will update you by 18:00 today.",
            **HOLDING_FRAME).pk
        at(56, lambda: comms.statement_submit(actor=comms_officer(),
                                              statement=statement("holding")))
        approve_and_publish("holding", version=1, legal=79, executive=88, published=91)

    def draft_notice():
        state["notice"] = comms.statement_create(
            actor=comms_officer(), incident=incident(), kind="customer_notice",
            language="en", title="Buds 2: free replacement ear tips",
            body="If you own Buds 2 bought since March, we will replace the ear tips free of "
                 "charge, because they can cause an allergic reaction.", **NOTICE_FRAME).pk
        at(128, lambda: comms.statement_submit(actor=comms_officer(),
                                               statement=statement("notice")))
        at(161, lambda: comms.statement_decide(
            actor=_user("legal"), statement=statement("notice"), version=1,
            decision="request_changes",
            comment="Say 'skin irritation', not 'allergic reaction', until the lab confirms; "
                    "offer a refund as well as new tips."))
        at(172, lambda: comms.statement_edit(
            actor=comms_officer(), statement=statement("notice"),
            body="If you bought Buds 2 since March and your ears are red or itching, stop "
                 "using the ear tips. We will send you new ear tips free of charge, or refund "
                 "the earbuds if you prefer, in any of our shops or by post.",
            **{**NOTICE_FRAME, "what_happened": "Ear tips of one production batch can cause "
                                                "skin irritation."}))
        at(175, lambda: comms.statement_submit(actor=comms_officer(),
                                               statement=statement("notice")))
        approve_and_publish("notice", version=2, legal=193, executive=204, published=209)

    return start


def crisis_task(pk: int) -> Task:
    return Task.objects.get(pk=pk)


def _write_review(incident: Incident, clock: Clock) -> None:
    """The lead and the scribe write the review, add its actions, the lead and the
    executive sponsor sign it off, and the executive downloads its PDF."""
    review = incident.review
    day = DAYS * 24 * 60
    with clock.at(day + 24 * 60):
        metrics = metrics_by_key(compute_metrics(incident))
        incident.refresh_from_db()
        during = MentionBucket.objects.filter(  # as the impact's "During" row counts them
            watch__name=WATCH[0], start__gte=incident.detected_at, start__lt=incident.closed_at,
        ).aggregate(n=Sum("mentions"))["n"]
        mentions = f"{round(during, -2):,}"

        def shown(key):
            return metrics[key].display if key in metrics else ""

        summary = EXECUTIVE_SUMMARY.format(
            day=timezone.localtime(clock.moment(0)).strftime("%-d %B"),
            mentions=mentions, detect=shown("time_to_detect"),
            assemble=shown("time_to_assemble"), first_statement=shown("time_to_first_statement"),
            recovery=shown("sentiment_recovery"))
        version = review.current
        services.review_edit(actor=_user("analyst"), review=review,
                             base_revision=version.revision,
                             **{**SECTIONS, "impact": SECTIONS["impact"].format(
                                 mentions=mentions)})
        version = review.current
        services.review_edit(actor=_user("lead"), review=review,
                             base_revision=version.revision, executive_summary=summary)
    targets = {
        ActionItemTarget.PLAYBOOK: {"playbook": Playbook.objects.filter(
            incident_type__code="product_quality").first()},
        ActionItemTarget.WATCH: {"watch": Watch.objects.get(name=WATCH[0])},
        ActionItemTarget.WARNING_RULE: {"warning_rule": WarningRule.objects.filter(
            level="yellow", watch__isnull=True).first()},
        ActionItemTarget.OTHER: {},
    }
    for n, (title, description, owner, due, status, changes) in enumerate(ACTION_ITEMS):
        with clock.at(day + 25 * 60 + n):
            item = services.action_item_create(
                actor=_user("lead"), review=review, title=title, description=description,
                owner=_user(owner), due_on=clock.moment(due * 24 * 60).date(),
                changes=changes, **targets[changes])
        if status != ActionItemStatus.OPEN:
            with clock.at(day + (26 if status == ActionItemStatus.IN_PROGRESS else 5 * 24)
                          * 60):
                services.action_item_update(actor=_user(owner), item=item, status=status)
    number = review.current.number
    with clock.at(day + 27 * 60):
        services.review_sign_off(actor=_user("lead"), review=review, version_number=number)
    with clock.at(day + 45 * 60):
        services.review_sign_off(actor=_user("exec"), review=review, version_number=number)
    with clock.at(day + 45 * 60 + 2):
        rendered = pdf.pdf_request(user=_user("exec"), version=review.current,
                                   language=review.language)
        pdf.render_review_pdf(rendered)


def on_demo_incidents_seeded(sender, **kwargs) -> None:
    seed_review_history()


def register() -> None:
    demo_incidents_seeded.connect(on_demo_incidents_seeded, dispatch_uid="reports.demo")
