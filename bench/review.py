"""The post-incident review (issue 15): its metrics, facts and charts, and its PDF.

Issue 15: "render time and peak memory of the review PDF for a large incident (2,000
timeline entries, 50,000 mentions, 30 statements with 120 versions, 300 deliveries) and a
small one, against WeasyPrint rendering a bare HTML file of the same page count (the
floor). Targets: large ≤ 10 s and ≤ 500 MB, ≤ 1.3× the floor; small ≤ 1.5 s. Metric
computation for the large incident ≤ 200 ms, queries flat."

- **Data** (own database, ``BENCH_DATABASE_URL``; PostgreSQL is what the targets are for;
  COPY there, ``bulk_create`` on SQLite; a seeded generator, reused when it is there):
  two closed incidents, each with its own watch, alert (with level changes), team (lead,
  executive sponsor, scribe, spokesperson, legal reviewer), tasks, and a review whose
  current version is a draft with every section written (so the render computes the
  metrics, the heavier case; a signed-off version reads them frozen) and action items.
  *Large*: 2,000 timeline entries over three days (notes, a fifth of them in Chinese,
  decisions, key moments, escalations of the warning level, statement submissions,
  decisions and publications, alerts, roles, tasks; 3 % pinned), 50,000 mentions (with
  their matches and minute buckets: a week of usual volume before, the spike, the decay,
  the day after), 30 statements with 120 versions (two approval stages, changes asked on
  the first versions, both stages approving the last), 10 published, 300 deliveries.
  The large review's written sections run to several paragraphs each (about six pages).
  *Small*: 60 entries over eight hours, 1,000 mentions, 2 statements with 4 versions, 20
  deliveries, and a short review (a paragraph a section).
- **In this process**: ``reports.metrics.compute_metrics``, each ``reports.facts``
  function, the two charts (``reports.charts``), and ``reports.pdf.gather_record`` +
  ``review_pdf_context`` (what the render reads before layout): p50/p95 over
  ``--repeat`` runs and the queries of one run, large and small (the counts must match).
- **The PDF**, per incident and language (en, zh-hant), in a child process of its own:
  the Celery task's body, ``reports.pdf.render_review_pdf``, on a ``ReviewPdf`` row asked
  for the current version (claim, progress events, gather, context, template, WeasyPrint
  layout and writing, storing the file); the first render in the fresh process (*cold*:
  WeasyPrint's fonts and caches are set up during it, as in a worker's first render) and
  ``--warm`` more (*warm*, p50), each split by stage. **Peak memory** is the child's peak
  resident set (``ru_maxrss`` from ``os.wait4`` on that child): WeasyPrint's layout and
  its C libraries (Pango, HarfBuzz, fontconfig) allocate outside Python's heap, so
  ``tracemalloc`` would miss most of it, and a high-water mark only means something in a
  process that did nothing else (this one seeded 50,000 rows). The child imports the whole
  app first, and what a render loads on first use (WeasyPrint, matplotlib: their time is
  shown apart); its resident set after imports is shown beside the peak. Seconds are wall
  and CPU (the child's own: not PostgreSQL's); on a shared machine CPU is the steadier.
- **Floor**, in a child process set up the same way: a bare HTML document of plain text
  paragraphs (no charts, no tables; English for en, Traditional Chinese for zh-hant, the
  same fonts, size and A4 margins), one page's worth of paragraphs per page, as many pages
  as the review PDF has, rendered by WeasyPrint as ``reports.rendering`` does
  (``HTML(string=…).render(stylesheets=[…])`` then ``write_pdf()``), cold then warm; the
  review's ratio to it.
- A PASS/FAIL line per target: on the wall seconds of the cold render (the stricter),
  the floor ratio on the larger of cold and warm.
- DEBUG is off (as in a worker), with a throwaway SECRET_KEY; ``--profile`` prints a
  cProfile of the large English render (cumulative), to find where the time goes.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE crisisdesk_bench_review'   # once
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisisdesk_bench_review \\
        .venv/bin/python -m bench review [--repeat 15] [--warm 2] [--profile] [--only large]
"""

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.harness import TABLE_HEADER, Sample, ensure_database, measure, use_bench_database

SEED = 20261515
T0 = datetime(2026, 10, 5, 7, 40, tzinfo=UTC)  # the spike's first mention (a Monday)
PREFIX = "bench-review"
LANGUAGES = ("en", "zh-hant")

# Targets (issue 15).
LARGE_SECONDS, LARGE_MIB, FLOOR_RATIO, SMALL_SECONDS, METRICS_MS = 10.0, 500, 1.3, 1.5, 200


@dataclass(frozen=True)
class Shape:
    name: str
    title: str
    entries: int
    mentions: int
    statements: int
    versions: int       # over all statements
    published: int      # statements published (each to every delivery group)
    deliveries: int     # over all publications
    tasks: int
    action_items: int
    hours: int          # from the incident's opening to its closing
    watch: str
    long_review: bool   # written sections of several paragraphs (else one each)


LARGE = Shape(name="large", title="Bench review: X2 power bank fires on trains",
              entries=2_000, mentions=50_000, statements=30, versions=120, published=10,
              deliveries=300, tasks=40, action_items=12, hours=72, watch="Bench review X2",
              long_review=True)
SMALL = Shape(name="small", title="Bench review: kettle lid complaints in Osaka",
              entries=60, mentions=1_000, statements=2, versions=4, published=1,
              deliveries=20, tasks=8, action_items=2, hours=8, watch="Bench review kettle",
              long_review=False)
SHAPES = {shape.name: shape for shape in (LARGE, SMALL)}

NOTES_EN = [
    "Video of a power bank smoking on the 08:12 train reposted by a large account; "
    "views climbing fast.",
    "QA confirms the batch number in the video is genuine (batch 2611, March production).",
    "A national daily asked for comment by 14:00; spokesperson briefed.",
    "Customer-care volume up threefold since the morning; queue at 25 minutes.",
    "Regulator acknowledged our notice and asked for the affected serial numbers.",
    "Sentiment turning neutral in the replies to the holding statement.",
    "Decided to hold the update until QA reports back on the cell supplier.",
    "Influencer deleted the original post after our reply; copies still circulating.",
    "Retail partners asked for a script for store staff; sent the Q&A sheet.",
    "Legal asks that we do not speculate on the cause before the lab report.",
]
NOTES_ZH = [
    "捷運上行動電源冒煙的影片被大帳號轉發，觀看次數快速上升。",
    "品保確認影片中的批號屬實（2611 批，三月生產）。",
    "客服來電量是平常的三倍，等候時間約二十五分鐘。",
    "主管機關已收到通報，要求提供受影響的序號清單。",
    "門市夥伴詢問應對說法，已提供問答稿。",
]
STATEMENT_TITLES = ["Holding statement on X2 power banks", "Update: what we know",
                    "Customer notice: stop using X2 batch 2611", "Q&A for retail staff",
                    "Regulator notice", "Media response to the national daily",
                    "Apology from the CEO", "Update: replacement programme",
                    "Social post: how to check your serial number", "Update: lab findings"]
# One paragraph of each section; the large review repeats them (LONG), the small one not.
SECTIONS = {
    "executive_summary": (
        "On 5 October a video of an X2 power bank smoking on a commuter train spread on "
        "social media within an hour. Monitoring raised an alert twelve minutes after the "
        "first mention and the crisis team assembled in under an hour. A holding statement "
        "went out within the first hour, followed by a customer notice asking owners of "
        "batch 2611 to stop using their power banks, and a replacement programme two days "
        "later. Negative sentiment peaked at sixty per cent in the first hours and was back "
        "inside its usual band on the third day. Regulators were notified the same morning. "
        "The approval of the first statements took longer than our policy allows, because "
        "legal asked for changes three times; the action items below shorten that path and "
        "add an incoming inspection of cells. 客服熱線等候時間過長引發網路抱怨。"),
    "what_happened": (
        "A commuter filmed an X2 power bank smoking in a backpack on the 08:12 train and "
        "posted it at 07:40. Within the hour the video had been reposted by accounts with "
        "more than a million followers.\n\nThe monitoring watch on the product raised a "
        "yellow alert at 07:52, orange at 08:05; the duty officer opened the incident at "
        "08:10 and the lead took it over at 08:20.\n\n"),
    "impact": ("Call volume tripled for two days. Retail partners paused sales of the X2 "
               "for a week. 客服热线等候时间过长。\n\n"),
    "financial_impact": "Replacement programme: about 4.2 million in units and logistics.",
    "operational_impact": "Customer care added two shifts for three days.",
    "went_well": ("- The alert came twelve minutes after the first mention.\n"
                  "- The holding statement was out within the hour.\n"
                  "- Retail partners had a script the same day.\n"),
    "went_badly": ("- Legal asked for changes three times on the first update.\n"
                   "- The regulator's delivery failed twice before it was sent by hand.\n"
                   "- The Chinese version of the customer notice lagged by two hours.\n"),
    "root_cause": ("A cell supplier changed the separator material without notice; the "
                   "March batch overheated under load. "),
    "contributing_factors": ("No incoming inspection of cells; the supplier contract "
                             "did not require change notices. "),
    "lessons": ("Inspect cells at intake. Pre-approve holding statements for product safety "
                "with legal. Translate notices in parallel, not after. "),
}
# How many times the large review repeats each section's paragraph (a long review: its
# PDF's written sections fill about six pages).
LONG = {"what_happened": 3, "impact": 4, "went_well": 4, "went_badly": 4, "root_cause": 5,
        "contributing_factors": 5, "lessons": 4}


def sections(shape) -> dict:
    repeat = LONG if shape.long_review else {}
    return {key: text * repeat.get(key, 1) for key, text in SECTIONS.items()}


# --- seeding -----------------------------------------------------------------------------------

def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _users():
    from teams.models import User

    names = [("Mei", "Chen"), ("Oskar", "Lindqvist"), ("Ana", "Souza"), ("Kenji", "Sato"),
             ("Lea", "Martin"), ("志明", "林"), ("Priya", "Nair"), ("Tom", "Becker")]
    users = []
    for n in range(40):
        first, last = names[n % len(names)]
        users.append(User.objects.get_or_create(
            username=f"{PREFIX}-{n:02d}",
            defaults={"first_name": first, "last_name": f"{last}{'' if n < 8 else n}"})[0])
    return users


def _contacts(count: int):
    from comms.models import Contact

    have = list(Contact.objects.filter(name__startswith=PREFIX).order_by("pk"))
    if len(have) < count:
        Contact.objects.bulk_create([
            Contact(name=f"{PREFIX} contact {n}", email=f"contact{n}@example.com",
                    addresses={"email": f"contact{n}@example.com"})
            for n in range(len(have), count)])
        have = list(Contact.objects.filter(name__startswith=PREFIX).order_by("pk"))
    return have


def seeded() -> dict | None:
    """{shape name: version} when both incidents are there as planned, else None."""
    from crisis.models import Incident
    from monitoring.models import MentionMatch
    from reports.models import ReviewVersion

    found = {}
    for shape in SHAPES.values():
        incident = Incident.objects.filter(title=shape.title).first()
        if incident is None or incident.timeline.count() != shape.entries:
            return None
        if MentionMatch.objects.filter(watch__name=shape.watch).count() != shape.mentions:
            return None
        version = (ReviewVersion.objects.filter(review__incident=incident)
                   .order_by("-number").first())
        if version is None or version.what_happened != sections(shape)["what_happened"]:
            return None
        found[shape.name] = version
    return found


def wipe() -> None:
    """Empty every table the two incidents are written to (this database is the bench's)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from comms.models import (
        ApprovalDecision,
        Delivery,
        Publication,
        ReviewStage,
        Statement,
        StatementVersion,
    )
    from crisis.models import Incident, LiveEvent, Task, TimelineEntry
    from monitoring.models import (
        Alert,
        AlertLevelChange,
        Mention,
        MentionBucket,
        MentionMatch,
        Watch,
    )
    from reports.models import ActionItem, PostIncidentReview, ReviewPdf, ReviewVersion
    from teams.models import RoleAssignment

    models = (ReviewPdf, ActionItem, ReviewVersion, PostIncidentReview, Delivery, Publication,
              ApprovalDecision, ReviewStage, StatementVersion, Statement, AlertLevelChange,
              Alert, MentionMatch, MentionBucket, Mention, Watch, RoleAssignment, Task,
              LiveEvent, TimelineEntry, Incident)
    statements = connection.ops.sql_flush(no_style(), [m._meta.db_table for m in models],
                                          reset_sequences=True, allow_cascade=True)
    with transaction.atomic():
        connection.ops.execute_sql_flush(statements)


def seed() -> tuple[float, bool, dict]:
    """Both incidents with their reviews; (seconds, whether seeded now, {name: version})."""
    from django.db import connection, transaction

    started = time.perf_counter()
    found = seeded()
    if found is not None:
        return time.perf_counter() - started, False, found
    wipe()
    users = _users()
    contacts = _contacts(40)
    with transaction.atomic():
        found = {shape.name: _fill(shape, random.Random(f"{SEED}-{shape.name}"), users,
                                   contacts)
                 for shape in SHAPES.values()}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started, True, found


def _fill(shape: Shape, rng: random.Random, users, contacts):
    from bench.seed import insert
    from comms.choices import Decision, StatementKind, StatementStatus
    from comms.models import (
        ApprovalDecision,
        Delivery,
        Publication,
        ReviewStage,
        StakeholderGroup,
        Statement,
        StatementVersion,
    )
    from crisis.choices import IncidentStatus, TaskStatus, TimelineKind
    from crisis.models import Incident, IncidentType, Task, TimelineEntry
    from monitoring.models import (
        Alert,
        AlertLevelChange,
        Mention,
        MentionBucket,
        MentionMatch,
        Watch,
    )
    from reports.models import ActionItem, ActionItemTarget, PostIncidentReview, ReviewVersion
    from teams.models import Role, RoleAssignment

    span = shape.hours * 60  # minutes from the incident's opening to its closing
    opened, closed = 30, 30 + span
    lead, sponsor, scribe, spokesperson, legal = users[:5]
    incident = Incident.objects.create(
        title=shape.title, summary="Seeded for the review benchmark.",
        type=IncidentType.objects.filter(is_active=True).order_by("pk").first(),
        severity="critical" if shape is LARGE else "medium", confidentiality="restricted",
        warning_level="orange", status=IncidentStatus.CLOSED, detected_at=T0,
        acknowledged_at=at(opened + 5), contained_at=at(opened + span * 0.4),
        resolved_at=at(opened + span * 0.8), closed_at=at(closed), created_by=lead,
        created_at=at(opened), updated_at=at(closed))
    watch = Watch.objects.create(name=shape.watch, include_terms=["x2 power bank"])
    alert = Alert.objects.create(watch=watch, incident=incident, level="orange",
                                 peak_level="red", status="escalated", first_mention_at=T0,
                                 opened_at=at(12), closed_at=at(opened))
    AlertLevelChange.objects.bulk_create([
        AlertLevelChange(alert=alert, level="yellow", at=at(12)),
        AlertLevelChange(alert=alert, level="orange", at=at(25))])
    roles = {role.code: role for role in Role.objects.all()}
    team = [("lead", lead, 35), ("executive_sponsor", sponsor, 50), ("scribe", scribe, 40),
            ("spokesperson", spokesperson, 55), ("legal_reviewer", legal, 70)]
    RoleAssignment.objects.bulk_create([
        RoleAssignment(incident=incident, user=user, role=roles[code], assigned_at=at(minute))
        for code, user, minute in team if code in roles])

    # --- statements, approvals, publications, deliveries --------------------------------
    per_statement = [shape.versions // shape.statements] * shape.statements
    for n in range(shape.versions - sum(per_statement)):
        per_statement[n] += 1
    groups = list(StakeholderGroup.objects.order_by("position", "pk")[:3])
    timeline: list[TimelineEntry] = []
    statement_span = span * 0.7
    per_publication = shape.deliveries // shape.published
    for s, count in enumerate(per_statement):
        start = opened + 10 + s * statement_span / shape.statements
        kind = (StatementKind.HOLDING if s == 0 else
                [StatementKind.UPDATE, StatementKind.CUSTOMER_NOTICE, StatementKind.QA,
                 StatementKind.REGULATOR_NOTICE, StatementKind.MEDIA_RESPONSE][s % 5])
        title = f"{STATEMENT_TITLES[s % len(STATEMENT_TITLES)]}" + (f" ({s + 1})" if s >= 10
                                                                      else "")
        published = s < shape.published
        statement = Statement.objects.create(
            incident=incident, kind=kind, language="en", title=title, created_by=spokesperson,
            created_at=at(start), current_version=count,
            status=StatementStatus.PUBLISHED if published else StatementStatus.APPROVED,
            published_version=count if published else None,
            published_at=at(start + 12 * count + 6) if published else None,
            published_by=lead if published else None)
        StatementVersion.objects.bulk_create([
            StatementVersion(statement=statement, number=v, author=spokesperson,
                             created_at=at(start + 12 * (v - 1)),
                             body=f"{title}, version {v}. " * 20,
                             content_hash=f"{shape.name}-{s}-{v}")
            for v in range(1, count + 1)])
        versions = list(statement.versions.order_by("number"))
        legal_stage, executive_stage = ReviewStage.objects.bulk_create([
            ReviewStage(statement=statement, round=1, position=1, name="Legal review",
                        approvals_needed=1, sla_minutes=30, parallel_with_previous=False),
            ReviewStage(statement=statement, round=1, position=2, name="Executive approval",
                        approvals_needed=1, sla_minutes=30, parallel_with_previous=False)])
        decisions = []
        for version in versions:
            saved = (version.created_at - T0).total_seconds() / 60
            timeline.append(TimelineEntry(
                incident=incident, kind=TimelineKind.STATEMENT, actor=spokesperson,
                created_at=at(saved + 1),
                data={"action": "submitted", "statement": statement.pk, "title": title,
                      "kind": kind, "version": version.number}))
            last = version.number == count
            decisions.append(ApprovalDecision(
                statement=statement, version=version, version_number=version.number,
                version_hash=version.content_hash, stage=legal_stage, decider=legal,
                decision=Decision.APPROVE if last else Decision.REQUEST_CHANGES,
                comment="" if last else "Do not speculate on the cause; cite the batch.",
                created_at=at(saved + 4 + rng.random() * 4)))
            if last:
                decisions.append(ApprovalDecision(
                    statement=statement, version=version, version_number=version.number,
                    version_hash=version.content_hash, stage=executive_stage, decider=sponsor,
                    decision=Decision.APPROVE, created_at=at(saved + 9 + rng.random())))
        ApprovalDecision.objects.bulk_create(decisions)
        if published:
            publication = Publication.objects.create(
                statement=statement, version=versions[-1], version_hash=versions[-1].content_hash,
                published_by=lead, published_at=statement.published_at)
            timeline.append(TimelineEntry(
                incident=incident, kind=TimelineKind.STATEMENT, actor=lead,
                created_at=statement.published_at,
                data={"action": "published", "published": True, "statement": statement.pk,
                      "title": title, "kind": kind, "version": count}))
            Delivery.objects.bulk_create([
                Delivery(publication=publication, group=groups[d % len(groups)],
                         contact=contacts[d % len(contacts)], channel="email",
                         address=contacts[d % len(contacts)].email,
                         status=rng.choices(["sent", "failed", "acknowledged", "queued"],
                                            [55, 8, 35, 2])[0],
                         version_number=count, version_hash=versions[-1].content_hash,
                         created_at=statement.published_at)
                for d in range(per_publication)])

    # --- the timeline: the fixed entries, then filler up to the planned count ------------
    timeline.append(TimelineEntry(
        incident=incident, kind=TimelineKind.CREATED, actor=lead, created_at=at(opened),
        data={"severity": incident.severity, "type": str(incident.type),
              "warning_level": "yellow"}))
    steps = [("triage", "active", 5), ("active", "contained", span * 0.4),
             ("contained", "recovering", span * 0.8), ("recovering", "closed", span)]
    timeline += [TimelineEntry(incident=incident, kind=TimelineKind.STATUS, actor=lead,
                               created_at=at(opened + minute), data={"from": old, "to": new})
                 for old, new, minute in steps]
    timeline.append(TimelineEntry(
        incident=incident, kind=TimelineKind.ALERT, created_at=at(opened + 1),
        data={"action": "opened", "watch": watch.name, "level": "orange"}))
    timeline += [TimelineEntry(
        incident=incident, kind=TimelineKind.ROLE, actor=lead, created_at=at(minute),
        data={"person": str(user), "role_name": roles[code].name if code in roles else code})
        for code, user, minute in team]
    filler = shape.entries - len(timeline)
    if filler < 0:
        raise SystemExit(f"{shape.name}: {len(timeline)} fixed entries exceed {shape.entries}")
    levels, level = ["yellow", "orange", "red"], "yellow"
    escalations = max(2, filler // 60)
    for n in range(filler):
        minute = opened + 2 + (n + rng.random()) * (span - 4) / filler
        actor = rng.choice(users[:20])
        if n % (filler // escalations) == 0 and n // (filler // escalations) < escalations:
            new = rng.choice([lv for lv in levels if lv != level])
            timeline.append(TimelineEntry(
                incident=incident, kind=TimelineKind.ESCALATION, actor=actor,
                created_at=at(minute), body="Coverage spreading to national media.",
                data={"warning_level": [level, new],
                      "direction": "up" if levels.index(new) > levels.index(level) else "down",
                      "override": False}))
            level = new
            continue
        kind = rng.choices([TimelineKind.NOTE, TimelineKind.DECISION, TimelineKind.KEY_MOMENT,
                            TimelineKind.TASK], [70, 12, 6, 12])[0]
        if kind == TimelineKind.TASK:
            data, body = {"title": "Brief the spokesperson", "from": "open", "to": "done"}, ""
        else:
            data = {}
            body = rng.choice(NOTES_ZH) if rng.random() < 0.2 else rng.choice(NOTES_EN)
            if rng.random() < 0.5:
                body = f"{body} {rng.choice(NOTES_EN)}"
        timeline.append(TimelineEntry(
            incident=incident, kind=kind, actor=actor, body=body, data=data,
            created_at=at(minute), pinned=kind != TimelineKind.TASK and rng.random() < 0.03))
    timeline.sort(key=lambda entry: entry.created_at)
    insert(TimelineEntry, timeline)

    Task.objects.bulk_create([
        Task(incident=incident, position=(n + 1) * 10, title=f"Checklist step {n + 1}",
             owner=rng.choice(users[:10]), status=TaskStatus.DONE,
             due_at=at(opened + 20 + n * span / shape.tasks),
             completed_at=at(opened + 15 + n * span / shape.tasks + rng.uniform(-10, 40)),
             created_at=at(opened))
        for n in range(shape.tasks)])

    # --- mentions: a week before, the spike and its decay, the day after ----------------
    mentions, buckets = [], {}
    week = 7 * 24 * 60
    for n in range(shape.mentions):
        phase = rng.random()
        if phase < 0.10:
            minute = -rng.uniform(0, week)
            negative = rng.random() < 0.12
        elif phase < 0.94:
            minute = rng.expovariate(1 / (closed / 6)) % closed
            negative = rng.random() < 0.15 + 0.45 * max(0.0, 1 - minute / (closed * 0.5))
        else:
            minute = closed + rng.uniform(0, 24 * 60)
            negative = rng.random() < 0.10
        followers = int(rng.paretovariate(1.3) * 40)
        shares = rng.randrange(60)
        language = rng.choice(["en", "en", "zh-Hant", "zh-Hans"])
        text = (rng.choice(NOTES_ZH) if language != "en" else
                "My X2 power bank started smoking on the train, is it part of the recall?")
        posted = at(minute)
        mentions.append(Mention(
            platform=rng.choice(["x", "weibo", "facebook", "forum", "news", "instagram"]),
            external_id=f"{PREFIX}-{shape.name}-{n}", author_handle=f"user{rng.randrange(9000)}",
            author_followers=followers, text=text, posted_at=posted, language=language,
            shares=shares, reach=followers + shares, sentiment=-0.6 if negative else 0.1,
            sentiment_label="negative" if negative else "neutral", source="api",
            ingested_at=posted, updated_at=posted))
        key = posted.replace(second=0, microsecond=0)
        row = buckets.setdefault(key, [0, 0, 0, 0])
        row[0] += 1
        row[1] += negative
        row[2] += followers + shares
        row[3] += (followers + shares) if negative else 0
    insert(Mention, mentions)
    pks = Mention.objects.filter(external_id__startswith=f"{PREFIX}-{shape.name}-").order_by(
        "pk").values_list("pk", flat=True)
    insert(MentionMatch, (MentionMatch(mention_id=pk, watch=watch, posted_at=m.posted_at)
                          for pk, m in zip(pks, mentions, strict=True)))
    insert(MentionBucket, (MentionBucket(watch=watch, start=start, mentions=c, negative=neg,
                                         reach=reach, negative_reach=neg_reach)
                           for start, (c, neg, reach, neg_reach) in sorted(buckets.items())))

    # --- the review: a draft with every section written, and action items ---------------
    review = PostIncidentReview.objects.create(incident=incident, language="en",
                                               created_at=at(closed + 60))
    version = ReviewVersion.objects.create(review=review, number=1, revision=4,
                                           created_by=scribe, updated_by=lead,
                                           created_at=at(closed + 60), **sections(shape))
    ActionItem.objects.bulk_create([
        ActionItem(review=review, title=f"Action {n + 1}: inspect cells at intake" if n % 2
                   else f"Action {n + 1}: pre-approved safety holding statement",
                   description="Owner reports progress at the monthly quality review. " * 3,
                   owner=users[n % 6], created_by=lead,
                   due_on=(at(closed) + timedelta(days=14 + 7 * n)).date(),
                   changes=ActionItemTarget.OTHER)
        for n in range(shape.action_items)])
    return version


# --- in this process ---------------------------------------------------------------------------

def _in_process(versions: dict, *, repeat: int, budget: float) -> list[tuple[str, Sample, Sample]]:
    from django.utils import translation

    from reports import charts, facts
    from reports import pdf as review_pdf
    from reports.metrics import compute_metrics

    rows = []
    with translation.override("en"):
        for name, action in [
            ("metrics.compute_metrics", lambda i, v: compute_metrics(i)),
            ("facts.key_moments", lambda i, v: facts.key_moments(i)),
            ("facts.statement_history", lambda i, v: facts.statement_history(i)),
            ("facts.impact", lambda i, v: facts.impact(i)),
            ("facts.volume_series", lambda i, v: facts.volume_series(i)),
            ("facts.approval_cycles", lambda i, v: facts.approval_cycles(i)),
            ("facts.suggested_summary (+ its metrics)",
             lambda i, v: facts.suggested_summary(i, compute_metrics(i))),
            ("charts.volume_chart (series read before)", "volume"),
            ("charts.approval_cycle_chart (cycles read before)", "cycles"),
            ("pdf.gather_record (metrics, facts, charts)",
             lambda i, v: review_pdf.gather_record(v)),
            ("pdf.review_pdf_context (record read before)", "context"),
        ]:
            pair = []
            for shape in (LARGE, SMALL):
                version = versions[shape.name]
                incident = version.review.incident
                if action == "volume":
                    series = facts.volume_series(incident)
                    call = lambda series=series: charts.volume_chart(series)  # noqa: E731
                elif action == "cycles":
                    cycles = facts.approval_cycles(incident)
                    call = lambda cycles=cycles: charts.approval_cycle_chart(cycles)  # noqa: E731
                elif action == "context":
                    record = review_pdf.gather_record(version)
                    call = lambda v=version, r=record: review_pdf.review_pdf_context(  # noqa: E731
                        v, record=r)
                else:
                    call = lambda a=action, i=incident, v=version: a(i, v)  # noqa: E731
                pair.append(measure(f"{name} [{shape.name}]", call, repeat=repeat, warmup=2,
                                    budget_s=budget, min_repeat=5))
            rows.append((name, *pair))
    return rows


# --- the PDF in child processes ---------------------------------------------------------------

FLOOR_CSS = """
@page { size: A4; margin: 24mm 17mm 20mm; }
html { font-family: "Noto Sans CJK TC", "Noto Sans CJK SC", "DejaVu Sans", sans-serif;
       font-size: 9.5pt; line-height: 1.5; color: #1d2433; }
body { margin: 0; }
section { break-after: page; }
p { margin: 0 0 2mm; }
"""
WORDS = ("the", "crisis", "team", "reviewed", "every", "statement", "before", "it", "was",
         "published", "and", "legal", "reviewer", "approved", "second", "version", "after",
         "asking", "for", "changes", "to", "wording", "of", "customer", "notice", "while",
         "monitoring", "showed", "negative", "share", "falling", "back", "inside", "its",
         "usual", "band", "on", "third", "day", "first", "mention", "spike")
HANZI = ("危機小組在發布前審閱了每一份聲明法務在要求修改顧客通知的措辭後核准了第二版監測顯示負面"
         "比例在高峰首次出現後的第三天回到平常範圍客服熱線等候時間過長引發網路抱怨我們在一小時內"
         "發布了聲明")


def _paragraph(rng: random.Random, language: str) -> str:
    if language == "en":
        return " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."
    return "".join(rng.choice(HANZI) for _ in range(110)) + "。"


def floor_html(language: str, *, pages: int, per_page: int) -> str:
    rng = random.Random(SEED)
    lang = {"en": "en", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}[language]
    sections = "\n".join(
        "<section>" + "".join(f"<p>{_paragraph(rng, language)}</p>" for _ in range(per_page))
        + "</section>" for _ in range(pages))
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>Floor</title></head><body>{sections}</body></html>")


def floor_per_page(language: str) -> int:
    """The most paragraphs that still fit one page (so each section is one full page)."""
    from weasyprint import CSS, HTML

    def pages(count: int) -> int:
        return len(HTML(string=floor_html(language, pages=1, per_page=count)).render(
            stylesheets=[CSS(string=FLOOR_CSS)]).pages)

    low, high = 1, 60
    while low < high:
        middle = (low + high + 1) // 2
        if pages(middle) == 1:
            low = middle
        else:
            high = middle - 1
    return low


def _rss_mib(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _clock() -> tuple[float, float]:
    """Wall and CPU seconds (this process's CPU: not PostgreSQL's)."""
    return time.perf_counter(), time.process_time()


def _first_use_imports() -> list[float]:
    """Import what the app loads on its first render (WeasyPrint, matplotlib through
    reports.charts): wall and CPU seconds. Outside the timed renders, in both children."""
    started = _clock()
    import weasyprint  # noqa: F401

    import reports.charts
    import reports.pdf  # noqa: F401
    return [now - then for now, then in zip(_clock(), started, strict=True)]


def _child_review(args) -> dict:
    """In the child: render the review PDF through the task's body, ``args.runs`` times."""
    from django.core.files.storage import default_storage

    import reports.pdf as review_pdf
    import reports.rendering as rendering
    from reports.models import PdfStatus, ReviewPdf, ReviewVersion

    imports = _first_use_imports()
    after_imports = _rss_mib()
    # Seconds by stage, wall and CPU: {stage: [wall, cpu]}.
    stamps: dict[str, list[float]] = {}

    def add(key: str, since: tuple[float, float]) -> None:
        now = _clock()
        spent = stamps.setdefault(key, [0.0, 0.0])
        spent[0] += now[0] - since[0]
        spent[1] += now[1] - since[1]

    def timed(module, name: str, key: str):
        real = getattr(module, name)

        def wrapper(*a, **kw):
            started = _clock()
            try:
                return real(*a, **kw)
            finally:
                add(key, started)
        setattr(module, name, wrapper)

    timed(review_pdf, "gather_record", "gather")
    timed(review_pdf, "review_pdf_context", "context")
    timed(rendering, "render_to_string", "template")
    real_document = review_pdf.render_document

    def document(**kw):
        reported = kw.get("laid_out")
        marks = {"started": _clock()}

        def laid_out():
            marks["laid_out"] = _clock()
            if reported is not None:
                reported()  # the progress event: counted in "other"
            marks["reported"] = _clock()
        result = real_document(**{**kw, "laid_out": laid_out})
        ended = _clock()
        template = stamps.get("template", [0.0, 0.0])  # inside render_document, before layout
        stamps["layout"] = [marks["laid_out"][i] - marks["started"][i] - template[i]
                            for i in (0, 1)]
        stamps["write"] = [ended[i] - marks["reported"][i] for i in (0, 1)]
        return result
    review_pdf.render_document = document

    version = ReviewVersion.objects.select_related("review__incident").get(pk=args.version)
    ReviewPdf.objects.filter(version=version, language=args.language).delete()
    runs = []
    profiler = None
    for run in range(args.runs):
        pdf = ReviewPdf.objects.create(version=version, language=args.language,
                                       revision=version.revision)
        stamps.clear()
        if args.profile and run == args.runs - 1:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = _clock()
        review_pdf.render_review_pdf(pdf)
        total, cpu = (now - then for now, then in zip(_clock(), started, strict=True))
        if profiler is not None:
            profiler.disable()
        pdf.refresh_from_db()
        if pdf.status != PdfStatus.READY:
            raise SystemExit(f"the render failed: {pdf.error}")
        stages = {key: stamps.get(key, [0.0, 0.0])
                  for key in ("gather", "context", "template", "layout", "write")}
        # claim, progress events, storing the file
        stages["other"] = [total - sum(wall for wall, _cpu in stages.values()),
                           cpu - sum(cpu for _wall, cpu in stages.values())]
        runs.append({"seconds": total, "cpu": cpu, "stages": stages, "pages": pdf.pages,
                     "bytes": pdf.size, "hwm_mib": _rss_mib("VmHWM")})
        default_storage.delete(pdf.file.name)
        pdf.delete()
    if profiler is not None:
        import pstats

        print(f"\n--- cProfile: the last render ({args.language}, version {args.version}) ---",
              file=sys.stderr)
        stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs()
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(20)
    return {"after_imports_mib": after_imports, "imports": imports, "runs": runs}


def _child_floor(args) -> dict:
    """In the child: the bare HTML document of ``args.pages`` pages, ``args.runs`` times."""
    imports = _first_use_imports()  # the same as the review's child
    from weasyprint import CSS, HTML

    after_imports = _rss_mib()
    html = floor_html(args.language, pages=args.pages, per_page=args.per_page)
    runs = []
    for _run in range(args.runs):
        started = _clock()
        document = HTML(string=html).render(stylesheets=[CSS(string=FLOOR_CSS)])
        laid_out = _clock()
        pdf = document.write_pdf()
        ended = _clock()
        layout = [now - then for now, then in zip(laid_out, started, strict=True)]
        write = [now - then for now, then in zip(ended, laid_out, strict=True)]
        runs.append({"seconds": layout[0] + write[0], "cpu": layout[1] + write[1],
                     "stages": {"layout": layout, "write": write},
                     "pages": len(document.pages), "bytes": len(pdf),
                     "hwm_mib": _rss_mib("VmHWM")})
    return {"after_imports_mib": after_imports, "imports": imports, "runs": runs}


def _spawn(*options: str) -> dict:
    """Run this benchmark's child with ``options``; its answer and its peak RSS (MiB)."""
    process = subprocess.Popen([sys.executable, "-m", "bench", "review", *options],
                               stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode:
        raise SystemExit(f"child {' '.join(options)} exited {process.returncode}")
    answer = json.loads(output.strip().splitlines()[-1])
    answer["peak_mib"] = usage.ru_maxrss / 1024  # KiB on Linux
    return answer


@dataclass
class Render:
    label: str
    pages: int
    size: int
    cold: tuple[float, float]          # wall, CPU seconds of the first render in the process
    warm: tuple[float, float] | None   # their medians over the renders after it
    stages_cold: dict
    stages_warm: dict | None
    after_imports: float
    peak: float
    imports: tuple[float, float]       # wall, CPU seconds of the first-use imports


def _render(label: str, answer: dict) -> Render:
    runs = answer["runs"]
    warm = runs[1:]
    stages_warm = ({key: [statistics.median(run["stages"][key][i] for run in warm)
                          for i in (0, 1)]
                    for key in warm[0]["stages"]} if warm else None)
    return Render(label=label, pages=runs[0]["pages"], size=runs[0]["bytes"],
                  cold=(runs[0]["seconds"], runs[0]["cpu"]),
                  warm=(statistics.median(run["seconds"] for run in warm),
                        statistics.median(run["cpu"] for run in warm)) if warm else None,
                  stages_cold=runs[0]["stages"], stages_warm=stages_warm,
                  after_imports=answer["after_imports_mib"], peak=answer["peak_mib"],
                  imports=tuple(answer["imports"]))


def _stages(stages: dict | None) -> str:
    """CPU seconds by stage (wall in brackets)."""
    if not stages:
        return "–"
    return " ".join(f"{key} {cpu:.2f} ({wall:.2f})" for key, (wall, cpu) in stages.items())


def _pair(pair: tuple[float, float] | None, width: int = 13) -> str:
    return f"{pair[0]:.2f} / {pair[1]:.2f}".rjust(width) if pair else "–".rjust(width)


def _ratio(review: tuple[float, float] | None, floor: tuple[float, float] | None) -> str:
    if not review or not floor:
        return "–".rjust(11)
    return f"{review[0] / floor[0]:.2f} / {review[1] / floor[1]:.2f}".rjust(11)


def _render_rows(results: list[tuple[Render, Render]]) -> None:
    print("\nseconds as wall / CPU (CPU: the render's process only; on a shared machine the "
          "steadier figure)")
    print(f"{'PDF':<16} {'pages':>5} {'KiB':>5} {'cold':>13} {'warm':>13} {'floor cold':>13} "
          f"{'floor warm':>13} {'× cold':>11} {'× warm':>11} {'MiB imp.':>8} {'MiB peak':>8} "
          f"{'floor':>6}")
    for review, floor in results:
        print(f"{review.label:<16} {review.pages:>5} {review.size / 1024:5.0f} "
              f"{_pair(review.cold)} {_pair(review.warm)} {_pair(floor.cold)} "
              f"{_pair(floor.warm)} {_ratio(review.cold, floor.cold)} "
              f"{_ratio(review.warm, floor.warm)} {review.after_imports:8.0f} "
              f"{review.peak:8.0f} {floor.peak:6.0f}")
        if floor.pages != review.pages:
            print(f"  (the floor came out at {floor.pages} pages, not {review.pages})")
    imports = [review.imports for review, _floor in results]
    print("first-use imports in each child, not in the figures above (WeasyPrint, matplotlib, "
          "the review's modules: a worker's first PDF pays them once): "
          + ", ".join(f"{wall:.2f} s / {cpu:.2f} s" for wall, cpu in imports))
    print("\nCPU seconds by stage, wall in brackets (gather = metrics, facts and charts; "
          "context; template = Django; layout and write = WeasyPrint; other = claim, progress "
          "events, storing the file):")
    for review, floor in results:
        print(f"  {review.label:<14} cold: {_stages(review.stages_cold)}")
        print(f"  {'':<14} warm: {_stages(review.stages_warm)}")
        print(f"  {'':<14} floor cold: {_stages(floor.stages_cold)}")
        print(f"  {'':<14} floor warm: {_stages(floor.stages_warm)}")


def _verdict(line: str, ok: bool) -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {line}")
    return ok


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench review")
    parser.add_argument("--repeat", type=int, default=15,
                        help="timed runs of each in-process function")
    parser.add_argument("--budget", type=float, default=8.0,
                        help="seconds per in-process function before it stops (at least 5 runs)")
    parser.add_argument("--warm", type=int, default=2,
                        help="renders after the first in each child (warm), 0 for cold only")
    parser.add_argument("--only", choices=sorted(SHAPES), help="render only this incident")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--profile", action="store_true",
                        help="cProfile of the large English render (the last warm one)")
    parser.add_argument("--no-functions", action="store_true",
                        help="skip the in-process metrics/facts/charts timings")
    # The children (not for people): --child review|floor and what they render.
    parser.add_argument("--child", choices=["review", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--version", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--language", help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--per-page", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if not os.environ.get("REDIS_URL"):
        os.environ.setdefault("CRISISDESK_EMBEDDED", "1")  # DEBUG off without Redis
    url = use_bench_database()
    if args.child is None:
        ensure_database(url)
    import django

    django.setup()
    if args.child == "review":
        print(json.dumps(_child_review(args)))
        return
    if args.child == "floor":
        print(json.dumps(_child_floor(args)))
        return

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    seconds, fresh, versions = seed()
    print(f"{connection.vendor}, DEBUG={settings.DEBUG}, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{'seeded' if fresh else 'reused'} in {seconds:.1f} s")
    for shape in SHAPES.values():
        incident = versions[shape.name].review.incident
        print(f"  {shape.name}: {incident.reference}, {incident.timeline.count()} entries, "
              f"{shape.mentions} mentions, {shape.statements} statements / "
              f"{shape.versions} versions, {shape.deliveries} deliveries, review version "
              f"{versions[shape.name].number} (draft, revision {versions[shape.name].revision})")

    ok = True
    if not args.no_functions:
        rows = _in_process(versions, repeat=args.repeat, budget=args.budget)
        print(f"\n{TABLE_HEADER}")
        for _name, large, small in rows:
            print(large.row(METRICS_MS if large.name.startswith("metrics.") else None))
            print(small.row())
        metrics_large, metrics_small = rows[0][1], rows[0][2]
        ok &= _verdict(f"metrics, large incident: p50 {metrics_large.percentile(50):.1f} ms "
                       f"≤ {METRICS_MS} ms", metrics_large.percentile(50) <= METRICS_MS)
        ok &= _verdict(f"metrics queries flat: {metrics_small.queries} small, "
                       f"{metrics_large.queries} large",
                       metrics_small.queries == metrics_large.queries)
        uneven = [f"{name}: {small.queries} → {large.queries}" for name, large, small in rows
                  if large.queries != small.queries]
        print("      other functions' queries small → large: "
              + ("; ".join(uneven) if uneven else "all equal"))

    languages = [language for language in args.languages.split(",") if language]
    shapes = [SHAPES[args.only]] if args.only else [LARGE, SMALL]
    per_page = {language: floor_per_page(language) for language in languages}
    connection.close()  # the children open their own
    results: dict[tuple[str, str], tuple[Render, Render]] = {}
    for shape in shapes:
        for language in languages:
            profile = args.profile and shape is LARGE and language == "en"
            review = _render(f"{shape.name} {language}", _spawn(
                "--child", "review", "--version", str(versions[shape.name].pk),
                "--language", language, "--runs", str(1 + args.warm),
                *(["--profile"] if profile else [])))
            floor = _render(f"floor {review.pages} pp {language}", _spawn(
                "--child", "floor", "--language", language, "--pages", str(review.pages),
                "--per-page", str(per_page[language]), "--runs", str(1 + args.warm)))
            results[shape.name, language] = (review, floor)
    _render_rows(list(results.values()))
    print(f"(floor: {', '.join(f'{k} {v}' for k, v in per_page.items())} paragraphs a page; "
          "peak = the child's ru_maxrss, the whole process: Python, Django, the app, "
          "WeasyPrint)")
    print()
    for (name, language), (review, floor) in results.items():
        times = (f"{review.cold[0]:.2f} s cold ({review.cold[1]:.2f} s CPU)"
                 + (f", {review.warm[0]:.2f} s warm ({review.warm[1]:.2f} s CPU)"
                    if review.warm else ""))
        if name == "large":
            ok &= _verdict(f"large {language}: {times} ≤ {LARGE_SECONDS:.0f} s",
                           review.cold[0] <= LARGE_SECONDS)
            ok &= _verdict(f"large {language}: peak {review.peak:.0f} MiB ≤ {LARGE_MIB} MB",
                           review.peak * 1024 * 1024 <= LARGE_MIB * 1_000_000)
            cold = review.cold[0] / floor.cold[0]
            warm = review.warm[0] / floor.warm[0] if review.warm and floor.warm else 0.0
            ok &= _verdict(f"large {language}: {cold:.2f}× the floor cold "
                           f"({review.cold[1] / floor.cold[1]:.2f}× in CPU)"
                           + (f", {warm:.2f}× warm ({review.warm[1] / floor.warm[1]:.2f}× "
                              "in CPU)" if warm else "") + f" ≤ {FLOOR_RATIO}×",
                           max(cold, warm) <= FLOOR_RATIO)
        else:
            ok &= _verdict(f"small {language}: {times} ≤ {SMALL_SECONDS} s",
                           review.cold[0] <= SMALL_SECONDS)
    print("\nall targets met" if ok else "\nsome targets missed")
