"""Writes to the post-incident review and its action items. Pages, API, hooks and tasks
all come through here.

Every write (1) checks the right (``reports.permissions``), (2) validates the input,
(3) takes the incident's row lock (``crisis.services.incident_lock``) and then the rows it
changes, (4) writes, appends its timeline entry (kind ``review``) and emits
``review.changed`` on the incident's numbered stream, all in one transaction, and (5) tells
people after commit (``teams.services.notification_send``).

The rules of the review, whatever the caller:

1. one review per incident, opened when the incident reaches recovering or closed
   (``review_open``, from the ``crisis.hooks.incident_transitioned`` hook; safe to call
   again), its version 1 pre-filled from the record;
2. a version is edited in place while nobody has signed it; every save bumps its
   ``revision``, and an edit sent from another revision than the current one is refused
   (409) so nobody overwrites what they have not seen. Revisions grow across the versions
   of a review: a revision names one text;
3. the first sign-off locks a version: the next edit starts a new version copied from it
   (revision + 1), which needs every sign-off again. Only the current version is signed;
4. the lead and the executive sponsor sign, each as the active holder of that role on the
   incident (``reports.permissions.sign_off_roles``), one person once per version; the
   last required sign-off sets ``signed_off_at``, freezes the metrics into the version
   and tells the executives;
5. the executive summary has at most 200 words, counted by ``reports.words.word_count``
   (CJK characters count two thirds of a word each: about 300 characters of Chinese).

In-place edits of a draft write no timeline entry (the version keeps who edited it last
and when; the room need not hear of every saved paragraph): opening the review, starting a
new version, each sign-off, the full sign-off and every action-item change do.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.errors import ConflictError
from core.text import clean_text, join_list
from crisis import live
from crisis.choices import (
    IncidentStatus,
    Severity,
    StakeholderKind,
    TimelineKind,
    WarningLevel,
)
from crisis.models import Incident, TimelineEntry
from crisis.selectors import may_view
from crisis.services import incident_lock
from crisis.templatetags.crisis_ui import entry_headline
from crisis.timeline import timeline_record
from teams.choices import NotificationKind
from teams.services import notification_send

from . import events, facts, selectors
from .metrics import compute_metrics, metrics_as_json
from .models import (
    EXECUTIVE_SUMMARY_MAX_WORDS,
    REQUIRED_SIGN_OFFS,
    UNFINISHED_ACTION_ITEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    ActionItemTarget,
    PostIncidentReview,
    ReviewLanguage,
    ReviewSignOff,
    ReviewVersion,
    SignOffRole,
)
from .permissions import (
    can_change_action_item,
    can_edit_review,
    can_view_review,
    held_sign_off_roles,
)
from .words import word_count

# The sections people write, in the order the review shows them.
REVIEW_TEXT_FIELDS = ("executive_summary", "what_happened", "impact", "financial_impact",
                      "operational_impact", "went_well", "went_badly", "root_cause",
                      "contributing_factors", "lessons")
MAX_SECTION_LENGTH = 20_000
MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 4_000
# The statuses an incident opens its review in.
REVIEW_STATUSES = (IncidentStatus.RECOVERING, IncidentStatus.CLOSED)
# What "what happened" is pre-filled with: the key moments (``reports.facts``), at most.
PREFILL_MAX_ENTRIES = 40
ACTION_ITEM_FIELDS = ("title", "description", "owner", "due_on", "status", "changes",
                      "playbook", "approval_policy", "watch", "warning_rule")
logger = logging.getLogger(__name__)

TARGET_FIELDS = {ActionItemTarget.PLAYBOOK: "playbook",
                 ActionItemTarget.APPROVAL_POLICY: "approval_policy",
                 ActionItemTarget.WATCH: "watch",
                 ActionItemTarget.WARNING_RULE: "warning_rule"}


# --- helpers ---------------------------------------------------------------------------------

def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _text(value, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: [_("Expected text.")]})
    value = clean_text(value)
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("Keep it under %(n)d characters.") % {"n": limit}]})
    return value


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [_("“%(value)s” is not one of: %(allowed)s.")
                                       % {"value": value,
                                          "allowed": ", ".join(choices.values)}]})
    return value


def check_executive_summary(text: str) -> None:
    """At most 200 words, by ``reports.words.word_count`` (400 naming the field)."""
    words = word_count(text)
    if words > EXECUTIVE_SUMMARY_MAX_WORDS:
        raise ValidationError({"executive_summary": [
            _("The executive summary has %(n)d words; keep it to %(max)d. (Chinese, "
              "Japanese and Korean characters count as two thirds of a word each: about "
              "%(chars)d characters.)")
            % {"n": words, "max": EXECUTIVE_SUMMARY_MAX_WORDS,
               "chars": EXECUTIVE_SUMMARY_MAX_WORDS * 3 // 2}]})


def _record(*, incident: Incident, review: PostIncidentReview, actor, action: str,
            body: str = "", **data) -> TimelineEntry:
    return timeline_record(incident=incident, kind=TimelineKind.REVIEW, actor=actor, body=body,
                           data={"action": action, "review": review.pk, **data})


def _changed(incident: Incident, version: ReviewVersion) -> None:
    live.emit(incident=incident, event=events.review_changed(version))


def _lock_current(review: PostIncidentReview) -> ReviewVersion:
    return (ReviewVersion.objects.select_for_update().filter(review=review)
            .order_by("-number").first())


def _language_for(actor) -> str:
    """A new review is written in its opener's language (else the site's)."""
    for code in (getattr(actor, "language", "") or "", settings.LANGUAGE_CODE):
        if code in ReviewLanguage.values:
            return code
    return ReviewLanguage.ENGLISH


# --- pre-filling version 1 from the record ---------------------------------------------------

def _when(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _moment_line(entry: TimelineEntry) -> str:
    """What the room reads for the entry (its line, and what people wrote with it)."""
    headline = str(entry_headline({}, entry) or "")
    body = " ".join((entry.body or "").split())
    text = f"{headline}: {body}" if headline and body and body != headline else (headline
                                                                                  or body)
    return f"- {_when(entry.created_at)} — {text}"


def prefill_what_happened(incident: Incident) -> str:
    """One line per key moment (``reports.facts.key_moments``: pinned entries first, then
    decisions, key moments, escalations, publications…), in the active language."""
    moments = facts.key_moments(incident)[:PREFILL_MAX_ENTRIES]
    lines = [line for line in map(_moment_line, moments) if not line.endswith("— ")]
    if not lines:
        return _("Nothing was pinned or recorded as a decision or key moment on the "
                 "timeline.")
    return "\n".join(lines)


def _labels(values, choices) -> str:
    return join_list(choices(value).label for value in values if value in choices.values)


def _share(share) -> str:
    return number_format(round(share * 100))


def prefill_impact(incident: Incident) -> str:
    """The impact basics the record holds (``reports.facts.impact``), in the active
    language: severity and level, who and what was affected, mentions, reach and
    sentiment, and the stakeholder groups reached."""
    lines = [_("Severity: %(severity)s") % {"severity": Severity(incident.severity).label}]
    if incident.warning_level:
        lines.append(_("Warning level: %(level)s")
                     % {"level": WarningLevel(incident.warning_level).label})
    kinds = _labels(incident.stakeholder_kinds or [], StakeholderKind)
    if kinds:
        lines.append(_("Stakeholders affected: %(kinds)s") % {"kinds": kinds})
    if incident.affected_products:
        lines.append(_("Products: %(products)s")
                     % {"products": join_list(incident.affected_products)})
    if incident.affected_regions:
        lines.append(_("Regions: %(regions)s")
                     % {"regions": join_list(incident.affected_regions)})
    found = facts.impact(incident)
    during, before = found["during"], found["before"]
    if during["mentions"]:
        values = {"mentions": number_format(during["mentions"], force_grouping=True),
                  "reach": number_format(during["reach"], force_grouping=True),
                  "negative": _share(during["negative_share"])}
        lines.append(_("Mentions while it lasted: %(mentions)s, reaching about %(reach)s "
                       "people; %(negative)s %% negative") % values)
        if before["negative_share"] is not None:
            lines.append(_("Negative share in the day before: %(before)s %%")
                         % {"before": _share(before["negative_share"])})
    reached = [group["group"] for group in found["groups_reached"]]
    if reached:
        lines.append(_("Stakeholder groups reached: %(groups)s")
                     % {"groups": join_list(reached)})
    return "\n".join(f"- {line}" for line in lines)  # a Markdown list, as it is shown


def _cut_to_limit(text: str) -> str:
    text = clean_text(text or "")
    while text and word_count(text) > EXECUTIVE_SUMMARY_MAX_WORDS:
        text = text[: int(len(text) * 0.9)].rstrip()
    return text


def prefill_executive_summary(incident: Incident) -> str:
    """The summary suggested from the facts (``reports.facts.suggested_summary``), kept to
    the word limit: a start people rewrite."""
    return _cut_to_limit(facts.suggested_summary(incident, compute_metrics(incident)))


def _first_version_text(incident: Incident, language: str) -> dict:
    """Version 1's sections from the record, in ``language``. Opening the review is part of
    moving the incident on: should reading the record fail, the version starts from the
    incident's own summary (and the failure is logged) rather than the move failing."""
    with translation.override(language):
        try:
            with transaction.atomic():  # a failed query must not poison the transition
                return {"executive_summary": prefill_executive_summary(incident),
                        "what_happened": prefill_what_happened(incident),
                        "impact": prefill_impact(incident)}
        except Exception:
            logger.exception("Pre-filling the review of incident %s failed", incident.pk)
            return {"executive_summary": _cut_to_limit(incident.summary)}


def _frozen_metrics(incident: Incident) -> dict:
    """The metrics as of the full sign-off (``reports.metrics``; numbers, no words), kept in
    the version so its PDF never changes."""
    return metrics_as_json(compute_metrics(incident))


# --- the review ------------------------------------------------------------------------------

def review_open(*, incident: Incident, actor=None) -> PostIncidentReview:
    """The incident's review, opened now with its version 1 pre-filled from the record if
    it has none yet (safe to call again: the existing one is returned unchanged). Opened by
    the system when the incident reaches recovering or closed; ``actor`` is who moved it."""
    existing = PostIncidentReview.objects.filter(incident_id=incident.pk).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        incident = incident_lock(incident)
        existing = PostIncidentReview.objects.filter(incident=incident).first()
        if existing is not None:
            return existing
        language = _language_for(actor)
        now = timezone.now()
        review = PostIncidentReview.objects.create(incident=incident, language=language,
                                                   created_at=now)
        version = ReviewVersion.objects.create(
            review=review, number=1, revision=1, created_by=actor, created_at=now,
            updated_by=actor, updated_at=now, **_first_version_text(incident, language))
        _record(incident=incident, review=review, actor=actor, action="opened", version=1)
        _changed(incident, version)
    return review


def on_incident_transitioned(sender, *, incident, actor, from_status, to_status,
                             **kwargs) -> None:
    """``crisis.hooks.incident_transitioned``: reaching recovering or closed opens the
    review (in the transition's transaction)."""
    if to_status in REVIEW_STATUSES and not incident.merged_into_id:
        review_open(incident=incident, actor=actor)


def review_edit(*, actor, review: PostIncidentReview, base_revision: int,
                **fields) -> ReviewVersion:
    """Change the text of the review's current version (``fields``: any of
    ``REVIEW_TEXT_FIELDS``), written from revision ``base_revision``.

    A draft is changed in place (revision + 1); a version someone has signed is kept and a
    new version, copied from it, takes the change (it needs every sign-off again).
    Nothing changed: the current version is returned as it is."""
    _require(can_edit_review(actor, review), _("You may not edit this review."))
    unknown = sorted(set(fields) - set(REVIEW_TEXT_FIELDS))
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed here.")]
                               for field in unknown})
    if isinstance(base_revision, bool) or not isinstance(base_revision, int) \
            or base_revision < 1:
        raise ValidationError({"base_revision": [
            _("Send the revision your text was written from (a whole number).")]})
    cleaned = {field: _text(value, field, MAX_SECTION_LENGTH) for field, value in fields.items()}
    if "executive_summary" in cleaned:
        check_executive_summary(cleaned["executive_summary"])
    with transaction.atomic():
        incident = incident_lock(review.incident)
        current = _lock_current(review)
        if base_revision != current.revision:
            raise ConflictError(
                _("The review changed since you opened it (revision %(yours)d; it is now at "
                  "revision %(current)d of version %(version)d). Reload it and make your "
                  "change again.")
                % {"yours": base_revision, "current": current.revision,
                   "version": current.number},
                current=str(current.revision), allowed=[],
                version=current.number, revision=current.revision)
        changes = {field: value for field, value in cleaned.items()
                   if getattr(current, field) != value}
        if not changes:
            return current
        now = timezone.now()
        if current.is_locked:
            version = ReviewVersion.objects.create(
                review=review, number=current.number + 1, revision=current.revision + 1,
                created_by=actor, created_at=now, updated_by=actor, updated_at=now,
                **{**{field: getattr(current, field) for field in REVIEW_TEXT_FIELDS}, **changes})
            _record(incident=incident, review=review, actor=actor, action="version_started",
                    version=version.number)
        else:
            version = current
            for field, value in changes.items():
                setattr(version, field, value)
            version.revision = current.revision + 1
            version.updated_by, version.updated_at = actor, now
            version.save(update_fields=[*changes, "revision", "updated_by", "updated_at"])
        _changed(incident, version)
    return version


def review_set_language(*, actor, review: PostIncidentReview,
                        language: str) -> PostIncidentReview:
    """The language of the review's headings, labels and PDF (its text stays as written)."""
    _require(can_edit_review(actor, review), _("You may not edit this review."))
    language = _choice(language, ReviewLanguage, "language")
    with transaction.atomic():
        incident = incident_lock(review.incident)
        locked = PostIncidentReview.objects.select_for_update().get(pk=review.pk)
        if locked.language == language:
            return locked
        locked.language = language
        locked.save(update_fields=["language"])
        _changed(incident, _lock_current(locked))
    review.language = language
    return locked


def review_sign_off(*, actor, review: PostIncidentReview, version_number: int,
                    role: str | None = None) -> ReviewSignOff:
    """``actor`` signs version ``version_number`` (the current one) as ``role`` (by default
    the first role they hold that nobody has signed in yet). The last required sign-off
    signs the version off: ``signed_off_at`` is set, the metrics are frozen into it, the
    executives on the incident are told."""
    _require(can_view_review(actor, review), _("You may not sign this review."))
    if role is not None and role not in SignOffRole.values:
        _choice(role, SignOffRole, "role")
    if isinstance(version_number, bool) or not isinstance(version_number, int):
        raise ValidationError({"version": [_("Send the number of the version you sign.")]})
    with transaction.atomic():
        incident = incident_lock(review.incident)
        current = _lock_current(review)
        version = current if current.number == version_number else \
            review.versions.filter(number=version_number).first()
        if version is None:
            raise ValidationError({"version": [
                _("This review has no version %(n)d; the current one is version %(current)d.")
                % {"n": version_number, "current": current.number}]})
        if version.pk != current.pk:
            raise ConflictError(
                _("Version %(n)d is no longer the current version: sign version %(current)d, "
                  "which is what the review now says.")
                % {"n": version.number, "current": current.number},
                current=str(current.number), allowed=[str(current.number)],
                version=current.number, revision=current.revision)
        if version.signed_off_at is not None:
            raise ConflictError(
                _("Version %(n)d is already signed off.") % {"n": version.number},
                current=str(current.number), allowed=[], version=current.number,
                revision=current.revision)
        held = held_sign_off_roles(actor, incident)
        signed = {sign_off.role: sign_off for sign_off in version.sign_offs.all()}
        if role is None:
            role = next((r.value for r in REQUIRED_SIGN_OFFS
                         if r.value in held and r.value not in signed), None) \
                or next((r.value for r in REQUIRED_SIGN_OFFS if r.value in held), None)
        if role is None or role not in held:
            raise PermissionDenied(
                _("Only the incident's lead signs the review as lead, and only its executive "
                  "sponsor as executive sponsor.") if role is None else
                _("Only the active holder of the %(role)s role on this incident signs as "
                  "%(role)s.") % {"role": SignOffRole(role).label})
        if role in signed:
            raise ConflictError(
                _("Version %(n)d is already signed as %(role)s by %(name)s.")
                % {"n": version.number, "role": SignOffRole(role).label,
                   "name": signed[role].user},
                current=str(current.number), allowed=[], version=current.number,
                revision=current.revision)
        if any(sign_off.user_id == actor.pk for sign_off in signed.values()):
            raise PermissionDenied(
                _("You signed version %(n)d already; the other sign-off must come from "
                  "someone else.") % {"n": version.number})
        if not clean_text(version.executive_summary):
            raise ValidationError({"executive_summary": [
                _("Write the executive summary before signing the review off.")]})
        now = timezone.now()
        try:
            with transaction.atomic():
                sign_off = ReviewSignOff.objects.create(version=version, role=role, user=actor,
                                                        signed_at=now)
        except IntegrityError:  # pragma: no cover - the incident lock serialises signers
            raise ConflictError(_("Someone signed in this role at the same moment."),
                                current=str(current.number), allowed=[]) from None
        _record(incident=incident, review=review, actor=actor, action="signed",
                version=version.number, role=role)
        done = set(signed) | {role}
        if all(required.value in done for required in REQUIRED_SIGN_OFFS):
            version.signed_off_at = now
            version.metrics = _frozen_metrics(incident)
            version.save(update_fields=["signed_off_at", "metrics"])
            _record(incident=incident, review=review, actor=actor, action="signed_off",
                    version=version.number)
            _tell_signed_off(incident=incident, version=version, actor=actor)
            # Rendered at once in the review's language: the executives are told when the
            # PDF is ready (reports.pdf), without anyone having to ask for it first.
            from .pdf import pdf_request  # here: reports.pdf imports tasks, which import us

            pdf_request(user=actor, version=version, language=review.language)
        _changed(incident, version)
    return sign_off


def _tell_signed_off(*, incident: Incident, version: ReviewVersion, actor) -> None:
    def title() -> str:
        return _("%(ref)s: the post-incident review (version %(n)d) is signed off") % {
            "ref": incident.reference, "n": version.number}

    notification_send(recipients=selectors.review_executives(incident),
                      kind=NotificationKind.REVIEW_SIGNED_OFF, title=title,
                      dedupe_key=f"review_signed_off:{version.pk}", actor=actor,
                      incident=incident)


# --- action items ----------------------------------------------------------------------------

def _check_owner(owner, incident: Incident) -> None:
    if owner is None:
        raise ValidationError({"owner": [_("Choose who owns this action item.")]})
    if not isinstance(owner, get_user_model()):
        raise ValidationError({"owner": [_("Choose a person.")]})
    if not owner.is_active:
        raise ValidationError({"owner": [_("%(name)s can no longer sign in; choose someone "
                                           "active.") % {"name": owner}]})
    if not may_view(user=owner, incident=incident):
        raise ValidationError({"owner": [_("%(name)s may not view this incident; choose "
                                           "someone who may.") % {"name": owner}]})


def _check_due(due_on) -> None:
    if not isinstance(due_on, datetime.date) or isinstance(due_on, datetime.datetime):
        raise ValidationError({"due_on": [_("Give the day it is due (YYYY-MM-DD).")]})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": [_("That day has passed; choose today or later.")]})


def _check_target(values: dict) -> None:
    """The link named by ``changes`` is given; no other link is."""
    changes = _choice(values.get("changes") or ActionItemTarget.OTHER, ActionItemTarget,
                      "changes")
    wanted = TARGET_FIELDS.get(changes)
    for target, field in TARGET_FIELDS.items():
        if field != wanted and values.get(field) is not None:
            raise ValidationError({field: [
                _("This item changes %(what)s: link only that, or say it changes %(target)s.")
                % {"what": ActionItemTarget(changes).label.lower(),
                   "target": target.label.lower()}]})
    if wanted and values.get(wanted) is None:
        raise ValidationError({wanted: [_("Say which: this item changes %(what)s.")
                                        % {"what": ActionItemTarget(changes).label.lower()}]})


def _item_text(values: dict) -> dict:
    cleaned = {}
    if "title" in values:
        cleaned["title"] = _text(values["title"], "title", MAX_TITLE_LENGTH, required=True)
    if "description" in values:
        cleaned["description"] = _text(values["description"], "description",
                                       MAX_DESCRIPTION_LENGTH)
    if "status" in values:
        cleaned["status"] = _choice(values["status"], ActionItemStatus, "status")
    return cleaned


def _item_event(incident: Incident, review: PostIncidentReview) -> None:
    _changed(incident, review.versions.order_by("-number").first())


def action_item_create(*, actor, review: PostIncidentReview, **fields) -> ActionItem:
    """A change the review commits to: ``title``, ``owner`` (someone who may view the
    incident), ``due_on`` (today or later), optional ``description``, ``status`` and what
    it ``changes`` with the matching link (``playbook``, ``approval_policy``, ``watch``,
    ``warning_rule``)."""
    _require(can_edit_review(actor, review), _("You may not edit this review."))
    unknown = sorted(set(fields) - set(ACTION_ITEM_FIELDS))
    if unknown:
        raise ValidationError({field: [_("This field cannot be set here.")]
                               for field in unknown})
    values = {"title": fields.get("title"), "description": fields.get("description", ""),
              "status": fields.get("status") or ActionItemStatus.OPEN,
              "changes": fields.get("changes") or ActionItemTarget.OTHER,
              **{field: fields.get(field) for field in TARGET_FIELDS.values()}}
    values.update(_item_text(values))
    _check_owner(fields.get("owner"), review.incident)
    _check_due(fields.get("due_on"))
    _check_target(values)
    with transaction.atomic():
        incident = incident_lock(review.incident)
        now = timezone.now()
        item = ActionItem.objects.create(
            review=review, owner=fields["owner"], due_on=fields["due_on"], created_by=actor,
            created_at=now,
            completed_at=now if ActionItemStatus(values["status"]).is_finished else None,
            **values)
        _record(incident=incident, review=review, actor=actor, action="action_item_added",
                action_item=item.pk, title=item.title, owner=str(item.owner),
                due_on=item.due_on.isoformat(), status=item.status)
        _item_event(incident, review)
    return item


def action_item_update(*, actor, item: ActionItem, **changes) -> ActionItem:
    """Change an action item: any field for those who write the review, the status alone
    for its owner. A new owner or due day may be told of it being overdue again."""
    unknown = sorted(set(changes) - set(ACTION_ITEM_FIELDS))
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed here.")]
                               for field in unknown})
    _require(can_change_action_item(actor, item), _("You may not change this action item."))
    _require(can_change_action_item(actor, item, changes),
             _("As its owner you may change only the status of this item."))
    review = item.review
    cleaned = _item_text(changes)
    if "owner" in changes:
        _check_owner(changes["owner"], review.incident)
    if "due_on" in changes:
        _check_due(changes["due_on"])
    with transaction.atomic():
        incident = incident_lock(review.incident)
        locked = ActionItem.objects.select_for_update().get(pk=item.pk)
        values = {field: getattr(locked, field) for field in ACTION_ITEM_FIELDS}
        values.update({field: changes[field] for field in ("owner", "due_on", "changes",
                                                            *TARGET_FIELDS.values())
                       if field in changes})
        values.update(cleaned)
        if {"changes", *TARGET_FIELDS.values()} & set(changes):
            _check_target(values)
        diff = [field for field in ACTION_ITEM_FIELDS if values[field] != getattr(locked, field)]
        if not diff:
            return locked
        before = locked.status
        for field in diff:
            setattr(locked, field, values[field])
        fields = list(diff)
        if "status" in diff:
            finished = ActionItemStatus(locked.status).is_finished
            locked.completed_at = timezone.now() if finished else None
            fields.append("completed_at")
        if {"owner", "due_on"} & set(diff) or ("status" in diff and locked.status
                                                in UNFINISHED_ACTION_ITEM_STATUSES):
            locked.overdue_notified_at = None
            fields.append("overdue_notified_at")
        locked.save(update_fields=[*fields, "updated_at"])
        data = {"action_item": locked.pk, "title": locked.title}
        if "status" in diff:
            data.update({"from": before, "to": locked.status})
        if "owner" in diff:
            data["owner"] = str(locked.owner)
        if "due_on" in diff:
            data["due_on"] = locked.due_on.isoformat()
        _record(incident=incident, review=review, actor=actor, action="action_item_changed",
                **data)
        _item_event(incident, review)
    return locked


def action_item_mark_overdue_notified(*, item: ActionItem) -> bool:
    """Claim the one overdue notice of an item and tell its owner; False when it was
    already told (or the item is no longer overdue)."""
    with transaction.atomic():
        claimed = ActionItem.objects.filter(
            selectors.overdue_q(), pk=item.pk, overdue_notified_at__isnull=True,
        ).update(overdue_notified_at=timezone.now())
        if not claimed:
            return False
        incident = item.review.incident

        def title() -> str:
            return _("%(ref)s: your action item “%(title)s” was due on %(day)s") % {
                "ref": incident.reference, "title": item.title,
                "day": formats.date_format(item.due_on, "SHORT_DATE_FORMAT")}

        notification_send(recipients=[item.owner], kind=NotificationKind.ACTION_ITEM_OVERDUE,
                          title=title,
                          dedupe_key=f"action_item_overdue:{item.pk}:{item.due_on.isoformat()}",
                          actor=None, incident=incident)
    return True


def action_items_overdue_sweep() -> int:
    """Tell the owner of each overdue action item, once (run every few minutes by beat or
    the embedded clock). Returns how many were told."""
    overdue = (ActionItem.objects.filter(selectors.overdue_q(), overdue_notified_at__isnull=True)
               .select_related("review__incident", "owner").order_by("due_on", "pk")[:500])
    return sum(action_item_mark_overdue_notified(item=item) for item in overdue)
