"""Every page reads in Chinese: rendered in 繁體中文 and 简体中文 for a signed-in lead with the
demo data (teams/management/commands/seed_demo.py plus a running incident's notes, a
correction and a finished task), no English is left but the data people typed.

The catalogs are filled by the lead (locale/*/LC_MESSAGES/django.po, compiled .mo files
committed beside them); a new string that waits for them fails this test with the list of
English strings per page and language.
"""

import re
from html.parser import HTMLParser
from zoneinfo import available_timezones

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from comms import inquiry_services
from comms.choices import FRAME_FIELDS
from comms.models import (
    ApprovalDecision,
    MediaInquiry,
    Statement,
    StatementComment,
    StatementVersion,
)
from crisis.choices import AUTHORED_KINDS, TimelineKind
from crisis.models import Incident, TimelineEntry
from teams.models import Department, Notification, RoleAssignment
from tests.demo import seed_running_demo

LANGUAGES = ("zh-hant", "zh-hans")
# Attributes people read (or hear) as text.
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-label")
# A textarea's text is its value, what people write (or a template prefilled in the
# statement's language for them to edit), as an input's value is: not read.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "textarea"}
# Latin text that is not English to translate: the product's name, references, time zones,
# abbreviations every language writes so, the formats' names (Markdown, Atom) and content
# hashes (hexadecimal, shown whole or shortened).
# Initials, time-zone abbreviations and acronyms (all capitals) are left too.
NOT_ENGLISH = re.compile(r"CrisisDesk|English|Markdown|Atom|INC-\d+|\bINC\b|\b[A-Z0-9]{1,5}\b"
                         r"|\b(?=[0-9a-f]*\d)[0-9a-f]{12,64}\b")
# The last word of a text shortened on the page (truncatechars: "…", or "..." in 简体中文).
SHORTENED = re.compile(r"([A-Za-z]+)(?:…|\.\.\.)")
WORDS = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \-][A-Za-z][A-Za-z'’]*)*")


class PageText(HTMLParser):
    """The text a person reads or hears on a page: text nodes and read attributes, outside
    scripts and outside elements marked as another language (lang="en" on "English")."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skipped = tag in SKIPPED_ELEMENTS or (lang is not None and not lang.startswith("zh"))
        if tag not in ("br", "hr", "img", "input", "meta", "link", "source", "wbr"):
            self.stack.append((tag, skipped))
        if not (skipped or self.skipping()):
            self.texts += [attrs[name] for name in READ_ATTRIBUTES if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if data.strip() and not self.skipping():
            self.texts.append(data.strip())


def data_texts() -> list[str]:
    """What people typed (and the demo wrote in English on purpose): not for translators."""
    texts = []
    for incident in Incident.objects.all():
        texts += [incident.title, incident.summary]
    # What people wrote in the timeline; the entries CrisisDesk writes itself are UI text.
    texts += TimelineEntry.objects.filter(
        kind__in=[*AUTHORED_KINDS, TimelineKind.CORRECTION]).values_list("body", flat=True)
    texts += RoleAssignment.objects.values_list("note", flat=True)
    texts += Department.objects.values_list("name", flat=True)
    # Written once in the recipient's language of the day (the demo's: English).
    texts += Notification.objects.values_list("title", flat=True)
    for user in get_user_model().objects.all():
        texts += [str(user), user.get_full_name(), user.first_name, user.last_name,
                  user.username, user.email]
    # Statements: their titles and texts, comments and reasons (and the timeline entries
    # that quote them) are what people wrote, in whatever language they wrote them.
    texts += Statement.objects.values_list("title", flat=True)
    for version in StatementVersion.objects.all():
        texts += [version.body, *(getattr(version, name) for name in FRAME_FIELDS),
                  *version.variants.values()]
    texts += StatementComment.objects.values_list("body", flat=True)
    for inquiry in MediaInquiry.objects.all():
        texts += [inquiry.outlet, inquiry.journalist, inquiry.question, inquiry.answer_note]
    texts += ApprovalDecision.objects.values_list("comment", flat=True)
    texts += Statement.objects.values_list("rejection_reason", flat=True)
    texts += TimelineEntry.objects.filter(kind=TimelineKind.STATEMENT).values_list(
        "body", flat=True)
    texts += available_timezones()  # the account page's choice of time zone
    return sorted({t for t in texts if t}, key=len, reverse=True)


class EnglishFinder:
    """Finds the texts with English left once the data is taken out. Data shortened on the
    page ("…") is recognised by its words: a run made only of data words is data."""

    def __init__(self, data: list[str]):
        self.typed = re.compile("|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in data))
        self.vocabulary = {word.lower() for typed in data for word in WORDS.findall(typed)
                           for word in word.replace("-", " ").split()}

    def __call__(self, texts: list[str]) -> list[str]:
        found = []
        for text in texts:
            left = NOT_ENGLISH.sub(" ", self.typed.sub(" ", text))
            # A word cut short ("overheating rep…") counts as the data word it begins.
            left = SHORTENED.sub(lambda cut: " " if self.begins_a_word(cut[1]) else cut[0], left)
            words = (word for run in WORDS.findall(left) for word in run.replace("-", " ").split())
            if any(word.lower() not in self.vocabulary for word in words):
                found.append(" ".join(text.split())[:120])  # the whole text, for context
        return found

    def begins_a_word(self, start: str) -> bool:
        start = start.lower()
        return any(word.startswith(start) for word in self.vocabulary)


@pytest.fixture
def demo(db):
    incident = seed_running_demo()
    inquiry_services.inquiry_create(actor=incident.created_by, incident=incident,
                                    outlet="TechDaily", question="Is the X2 safe to charge?")
    return incident


def pages(incident: Incident) -> list[str]:
    room = incident.get_absolute_url()
    entry = TimelineEntry.objects.filter(incident=incident, kind="note").first()
    assignment = RoleAssignment.objects.filter(incident=incident, ended_at__isnull=True).first()
    return [
        "/", "/incidents/", "/incidents/?severity=critical&drill=exclude", "/incidents/new/",
        room, f"{room}escalate/", f"{room}classify/", f"{room}merge/", f"{room}move/active/",
        f"{room}team/", f"{room}team/handover/", f"{room}team/{assignment.pk}/end/",
        f"/incidents/entries/{entry.pk}/correct/", "/departments/", "/roster/",
        "/notifications/", "/account/", "/incidents/999999/",
        *statement_pages(incident),
    ]


def statement_pages(incident: Incident) -> list[str]:
    """Every statement page, on a statement in each state, the queue and the freezes."""
    found = [f"{incident.get_absolute_url()}statements/",
             f"{incident.get_absolute_url()}statements/new/",
             f"{incident.get_absolute_url()}statements/new/?kind=holding&language=en",
             "/approvals/", "/publishing-freezes/", "/status/"]
    found += [f"/incidents/media-inquiries/{pk}/" for pk in
              MediaInquiry.objects.filter(incident=incident).values_list("pk", flat=True)]
    for statement in Statement.objects.filter(incident=incident):
        page = f"/incidents/statements/{statement.pk}/"
        found += [page, f"{page}edit/"]
        if statement.current_version > 1:
            found.append(f"{page}diff/?from=1&to={statement.current_version}")
    return found


def test_every_page_reads_in_chinese(client, demo):
    """No English left on any page in either Chinese, but what people typed."""
    # The lead sees every page; the legal reviewer, her queue with a statement in it.
    readers = [(demo.created_by, pages(demo)),
               (get_user_model().objects.get(username="legal"), ["/", "/approvals/"])]
    english_left = EnglishFinder(data_texts())
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        for reader, paths in readers:
            reader.language = language
            reader.save(update_fields=["language"])
            client.force_login(reader)
            for path in paths:
                response = client.get(path, headers={"accept-language": language})
                assert response.status_code in (200, 404), (path, response.status_code)
                parser = PageText()
                parser.feed(response.content.decode())
                if english := english_left(parser.texts):
                    missing[f"{language} {reader.username} {path}"] = english
        client.logout()
        with translation.override(language):
            parser = PageText()
            parser.feed(client.get("/accounts/login/", headers={
                "accept-language": language}).content.decode())
            if english := english_left(parser.texts):
                missing[f"{language} /accounts/login/"] = english
    every = sorted({words for found in missing.values() for words in found})
    assert not missing, (
        f"{len(every)} English strings in Chinese pages (untranslated msgids):\n  "
        + "\n  ".join(every) + "\n\nper page:\n" + "\n".join(
            f"  {where}: {', '.join(dict.fromkeys(found))}" for where, found in missing.items()))
