"""Demo early warning: two watches (the brand and the X2 power bank), a week of ordinary
mentions in English and both Chinese scripts, and a negative storm about the X2 in the last
35 minutes, all ingested through ``monitoring.ingest`` (scored, matched, bucketed as real
mentions are). The baselines are computed as the hourly job had them before the storm, and
detection then looks at each watch: the open alert on the board is real detection's.

Seeded when ``seed_demo`` has made the demo incidents (``demo_incidents_seeded``, connected
in ``MonitoringConfig.ready()``)."""

import datetime
import random

from django.utils import timezone

from crisis.choices import WarningLevel
from teams.management.commands.seed_demo import demo_incidents_seeded
from teams.models import User

from .baseline import baseline_refresh
from .choices import MentionSource
from .detection_tasks import evaluate_and_alert
from .ingest import MAX_BATCH, mentions_ingest
from .models import Watch, WatchRecipient

BRAND = "Lumora"
WATCHES = [
    # name, include terms, recipients (username, from level)
    (f"{BRAND} brand", [BRAND, f"#{BRAND}", "露摩拉"], [("analyst", WarningLevel.BLUE)]),
    ("X2 power bank", ["X2 power bank", "#X2", "X2 行動電源", "X2 充电宝"],
     [("analyst", WarningLevel.BLUE), ("lead", WarningLevel.ORANGE)]),
]
WEEK_RATE = 0.12  # ordinary mentions a minute, per watch, in office hours (a third at night)
STORM_MINUTES = 35

ORDINARY = {
    "en": {
        "positive": ["Loving my new {t}, charges my phone twice over!",
                     "Great service from {t} today, swapped my cable in five minutes.",
                     "{t} keeps getting better, very happy with it"],
        "neutral": ["Does anyone know if the {t} works with USB-C laptops?",
                    "Picked up a {t} at the airport shop.",
                    "{t} announced new colours for next month"],
        "negative": ["My {t} stopped charging after a week, annoying.",
                     "Waited 40 minutes on the {t} hotline, not impressed"],
    },
    "zh-Hant": {
        "positive": ["{t} 真的很好用，出門一整天都不怕沒電！", "{t} 客服很親切，推薦"],
        "neutral": ["請問 {t} 可以帶上飛機嗎？", "今天在門市看到 {t} 的新顏色"],
        "negative": ["{t} 充電有點慢，有點失望"],
    },
    "zh-Hans": {
        "positive": ["{t} 质量不错，续航很给力", "{t} 的售后服务很好，点赞"],
        "neutral": ["{t} 双十一有优惠吗？", "刚买了一个 {t}，明天到货"],
        "negative": ["{t} 用了一个月就坏了，不太满意"],
    },
}
STORM = [
    ("en", "My X2 power bank swelled up and started smoking while charging. Terrifying! #X2"),
    ("en", "Third X2 power bank overheating video today. This is dangerous, recall it now"),
    ("en", "X2 power bank burned a hole in my bag. Never buying Lumora again. #X2"),
    ("zh-Hant", "X2 行動電源充電時膨脹冒煙，太可怕了，要求全面回收！"),
    ("zh-Hant", "又一台 X2 行動電源過熱，客服完全不回應，非常失望"),
    ("zh-Hans", "X2 充电宝充电时鼓包冒烟，太危险了，必须召回！"),
    ("zh-Hans", "X2 充电宝烧坏了我的手机，垃圾产品，退货退款"),
]
PLATFORMS = {"en": ["x", "facebook", "youtube", "forum", "news"],
             "zh-Hant": ["facebook", "forum", "news", "instagram"],
             "zh-Hans": ["weibo", "wechat", "xiaohongshu", "tiktok"]}
TERM = {"en": {0: BRAND, 1: "X2 power bank"}, "zh-Hant": {0: "露摩拉", 1: "X2 行動電源"},
        "zh-Hans": {0: "露摩拉", 1: "X2 充电宝"}}


def _followers(rng: random.Random) -> int:
    return int(10 ** rng.uniform(1.5, 4.5))


def _ordinary(rng: random.Random, now: datetime.datetime) -> list[dict]:
    items = []
    minute = now - datetime.timedelta(days=7)
    while minute < now - datetime.timedelta(minutes=STORM_MINUTES):
        office = 1.0 if 1 <= minute.hour <= 12 else 1 / 3  # Asian office hours, in UTC
        for watch_index in (0, 1):
            if rng.random() < WEEK_RATE * office:
                language = rng.choice(["en", "en", "zh-Hant", "zh-Hans"])
                tone = rng.choices(["positive", "neutral", "negative"], [4, 5, 1])[0]
                text = rng.choice(ORDINARY[language][tone]).format(
                    t=TERM[language][watch_index])
                items.append(_item(rng, language, text, minute, len(items)))
        minute += datetime.timedelta(minutes=1)
    return items


def _storm(rng: random.Random, now: datetime.datetime, start: int) -> list[dict]:
    items = []
    for m in range(STORM_MINUTES):
        minute = now - datetime.timedelta(minutes=STORM_MINUTES - m)
        for k in range(int(2 + m * 0.6)):
            language, text = rng.choice(STORM)
            item = _item(rng, language, text, minute + datetime.timedelta(seconds=k),
                         start + len(items))
            if k == 0:  # a news desk or a known reviewer in each minute of the storm
                item["author_followers"] = rng.choice([180_000, 320_000, 650_000])
            items.append(item)
    items[len(items) // 2]["author_handle"] = "techreviewer"
    items[len(items) // 2]["author_followers"] = 2_100_000
    return items


def _item(rng: random.Random, language: str, text: str, posted_at: datetime.datetime,
          number: int) -> dict:
    platform = rng.choice(PLATFORMS[language])
    return {"platform": platform, "external_id": f"demo-{number}", "text": text,
            "language": language, "author_handle": f"user{rng.randrange(1, 99_999)}",
            "author_followers": _followers(rng), "shares": rng.randrange(0, 40),
            "likes": rng.randrange(0, 400), "url": f"https://{platform}.example/p/{number}",
            "posted_at": posted_at.isoformat()}


def seed_monitoring(users: dict | None = None) -> None:
    """The demo watches, their week of mentions and the storm; detection looks once."""
    now = timezone.now().replace(second=0, microsecond=0)
    watches = []
    for name, terms, recipients in WATCHES:
        watch, _created = Watch.objects.get_or_create(name=name,
                                                      defaults={"include_terms": terms})
        for username, level in recipients:
            user = User.objects.filter(username=username).first()
            if user is not None:
                WatchRecipient.objects.get_or_create(watch=watch, user=user,
                                                     defaults={"level": level})
        watches.append(watch)
    rng = random.Random(14)  # noqa: S311 - the same demo every time, not a secret
    ordinary = _ordinary(rng, now)
    for start in range(0, len(ordinary), MAX_BATCH):
        mentions_ingest(items=ordinary[start:start + MAX_BATCH], source=MentionSource.DEMO,
                        now=now)
    storm_start = now - datetime.timedelta(minutes=STORM_MINUTES)
    for watch in watches:  # as the hourly job had them before the storm
        baseline_refresh(watch=watch, now=storm_start)
    mentions_ingest(items=_storm(rng, now, len(ordinary)), source=MentionSource.DEMO, now=now)
    for watch in watches:
        evaluate_and_alert(watch.pk)


def on_demo_incidents_seeded(sender, users=None, **kwargs) -> None:
    if not Watch.objects.exists():
        seed_monitoring(users)


def register() -> None:
    demo_incidents_seeded.connect(on_demo_incidents_seeded, dispatch_uid="monitoring.demo")
