"""Writes to statements: drafting, review, publishing, freezes, comments.

Every step (1) checks the right (``comms.permissions``), (2) locks the incident and then
the statement (``incident_lock``, then ``select_for_update``: always in that order),
(3) validates against the locked rows, (4) writes, appends its timeline entry and emits
``statement.changed`` in the incident's numbered stream, all in one transaction, and
(5) tells people after commit (``teams.services.notification_send``).

The invariants of the approval flow hold here, under the locks, whatever the caller:
1. a decision binds to one version (number and hash); an edit makes a new version, which
   voids every earlier decision (only decisions on the current version count) and sends
   the statement back to the first stage;
2. nobody decides on a statement they wrote or edited (superusers included); one person
   counts once per stage (a unique constraint too); a decision on a version that is no
   longer current is refused (409) naming the current one;
3. stages complete in order (parallel where the policy says so); a rejection ends the
   flow and, like a request for changes, needs a reason;
4. only the approved current version is published, by a holder of the publish right,
   never while a freeze applies, and only once (``Publication`` is one per statement);
5. versions, decisions and comments are append-only (``comms.models``).
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ConflictError
from core.text import join_list
from crisis import live
from crisis.choices import IncidentStatus, StakeholderKind, TimelineKind
from crisis.models import Incident
from crisis.services import check_not_merged, incident_lock, mentioned_usernames
from crisis.timeline import timeline_record
from teams.choices import NotificationKind
from teams.models import User
from teams.services import notification_send

from . import events, hooks, policy
from .choices import (
    EDITABLE_STATUSES,
    FRAME_FIELDS,
    LANGUAGE_CHOICES,
    OPTIONAL_FRAME_FIELDS,
    WITHDRAWABLE_STATUSES,
    CorrectionKind,
    Decision,
    StatementKind,
    StatementStatus,
)
from .models import (
    FRAME_LABELS,
    ApprovalDecision,
    Publication,
    PublishingFreeze,
    ReviewStage,
    Statement,
    StatementComment,
    StatementVersion,
    content_hash,
    variant_problems,
)
from .permissions import (
    can_comment,
    can_draft,
    can_freeze,
    can_publish,
    stage_eligibility,
    stage_role_holders,
    statement_authors,
)
from .selectors import freeze_applying

MAX_TITLE_LENGTH = 200
MAX_FIELD_LENGTH = 4_000  # each 5W1H field
MAX_BODY_LENGTH = 20_000
MAX_COMMENT_LENGTH = 4_000
MAX_MENTIONS = 20


# --- helpers ---------------------------------------------------------------------------------

def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _text(value, field: str, limit: int, *, required: bool = False, missing: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: [_("Expected text.")]})
    value = value.strip()
    if required and not value:
        raise ValidationError({field: [missing or _("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("Keep it under %(n)d characters.") % {"n": limit}]})
    return value


def _content(*, body, variants, frame: dict) -> dict:
    """The text of a version, trimmed and checked (variants within their channel's limit)."""
    content = {name: _text(frame.get(name), name, MAX_FIELD_LENGTH) for name in FRAME_FIELDS}
    content["body"] = _text(body, "body", MAX_BODY_LENGTH)
    variants = {} if variants is None else variants
    problems = variant_problems(variants)
    if problems:
        raise ValidationError(problems)
    content["variants"] = {channel: text.strip() for channel, text in variants.items()}
    return content


def _audience(values, incident: Incident) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError({"audience": [_("Expected a list of stakeholder kinds.")]})
    cleaned: list[str] = []
    for value in values:
        if value not in StakeholderKind.values:
            raise ValidationError({"audience": [
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(StakeholderKind.values)}]})
        if value not in (incident.stakeholder_kinds or []):
            raise ValidationError({"audience": [
                _("%(kind)s are not among this incident's stakeholders.")
                % {"kind": StakeholderKind(value).label}]})
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _choice(value, choices, field: str) -> str:
    allowed = [code for code, _label in choices] if isinstance(choices, list | tuple) \
        else list(choices.values)
    if value not in allowed:
        raise ValidationError({field: [_("“%(value)s” is not one of: %(allowed)s.")
                                       % {"value": value, "allowed": ", ".join(allowed)}]})
    return value


def _lock(statement: Statement) -> tuple[Incident, Statement]:
    """The incident's row lock, then the statement's, fresh: every write takes both, in
    this order, so two writers on one statement queue instead of racing."""
    incident = incident_lock(statement.incident)
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    locked.incident = incident
    return incident, locked


def _new_version(*, statement: Statement, number: int, author, content: dict
                 ) -> StatementVersion:
    version = StatementVersion(statement=statement, number=number, author=author,
                               content_hash=content_hash(content), **content)
    version.save()
    return version


def _current(statement: Statement) -> StatementVersion:
    return StatementVersion.objects.get(statement=statement, number=statement.current_version)


def _record(*, incident: Incident, statement: Statement, actor, action: str, body: str = "",
            **data) -> None:
    """The timeline entry and the live event of one step."""
    timeline_record(incident=incident, kind=TimelineKind.STATEMENT, actor=actor, body=body,
                    data={"action": action, "statement": statement.pk,
                          "title": statement.title, "kind": statement.kind,
                          "version": statement.current_version, **data})
    live.emit(incident=incident, event=events.statement_changed(statement, action=action))


def _set_status(statement: Statement, status: str, *fields: str) -> None:
    statement.status = status
    statement.updated_at = timezone.now()
    statement.save(update_fields=["status", "updated_at", *fields])


def _check_status(statement: Statement, allowed: Iterable[str], message: str) -> None:
    if statement.status not in allowed:
        raise ConflictError(message, current=statement.status, allowed=allowed)


def _tell_deciders(*, statement: Statement, stages: list[ReviewStage], actor) -> None:
    """Ask the people who may decide ``stages`` (never the authors) for their decision."""
    authors = statement_authors(statement)
    people: set[int] = set()
    for stage in stages:
        holders = stage_role_holders(statement, stage) - authors
        if not holders and stage.capability:
            holders = set(User.objects.filter(groups__name=stage.capability, is_active=True)
                          .values_list("pk", flat=True)) - authors
        people |= holders
    if not people:
        return
    incident, version = statement.incident, statement.current_version

    def title() -> str:
        return _("%(ref)s: “%(title)s” (version %(version)d) is waiting for your approval") % {
            "ref": incident.reference, "title": statement.title, "version": version}

    notification_send(
        recipients=User.objects.filter(pk__in=people).order_by("pk"),
        kind=NotificationKind.APPROVAL_REQUESTED, title=title,
        dedupe_key=f"approval:{statement.pk}:{statement.review_round}:{version}:"
                   f"{min(stage.position for stage in stages)}",
        actor=actor, incident=incident)


# --- drafting --------------------------------------------------------------------------------

def statement_create(
    *, actor, incident: Incident, kind: str, language: str, title: str, body: str = "",
    audience: Iterable[str] | None = None, variants: dict | None = None,
    corrects: Statement | None = None, corrects_as: str = "", **frame: str,
) -> Statement:
    """A draft with its version 1. A correction or retraction names the published
    statement it ``corrects`` (``corrects_as``: correction or retraction)."""
    unknown = set(frame) - set(FRAME_FIELDS)
    if unknown:
        raise TypeError(f"statement_create got unexpected fields: {sorted(unknown)}")
    _require(can_draft(actor, incident), _("You may not draft statements in this incident."))
    kind = _choice(kind, StatementKind, "kind")
    language = _choice(language, LANGUAGE_CHOICES, "language")
    title = _text(title, "title", MAX_TITLE_LENGTH, required=True,
                  missing=_("Give the statement a title."))
    content = _content(body=body, variants=variants, frame=frame)
    if corrects is not None:
        corrects_as = _choice(corrects_as or CorrectionKind.CORRECTION, CorrectionKind,
                              "corrects_as")
    elif corrects_as:
        raise ValidationError({"corrects": [_("Name the published statement this one "
                                              "corrects.")]})
    with transaction.atomic():
        incident = incident_lock(incident)
        check_not_merged(incident)
        if incident.status == IncidentStatus.CLOSED:
            raise ConflictError(_("%(ref)s is closed; reopen it first.")
                                % {"ref": incident.reference}, current=incident.status)
        audience = _audience(audience, incident)
        if corrects is not None:
            corrects = Statement.objects.select_for_update().get(pk=corrects.pk)
            if corrects.incident_id != incident.pk:
                raise ValidationError({"corrects": [_("A correction belongs to the incident "
                                                      "of the statement it corrects.")]})
            if corrects.status != StatementStatus.PUBLISHED:
                raise ConflictError(_("Only a published statement can be corrected or "
                                      "retracted."), current=corrects.status)
        now = timezone.now()
        statement = Statement.objects.create(
            incident=incident, kind=kind, language=language, title=title, audience=audience,
            corrects=corrects, corrects_as=corrects_as if corrects else "", created_by=actor,
            created_at=now, updated_at=now)
        _new_version(statement=statement, number=1, author=actor, content=content)
        _record(incident=incident, statement=statement, actor=actor, action="created",
                to=statement.status)
    return statement


def statement_edit(
    *, actor, statement: Statement, body: str = "", variants: dict | None = None,
    title: str | None = None, base_version: int | None = None, **frame: str,
) -> StatementVersion:
    """Save a new version (the whole text). It voids every decision on earlier versions:
    a statement in review or approved goes back to review from the first stage, and the
    people who decide it are asked again. ``base_version``: the version the text was
    written from; if another was saved since, the edit is refused (409) rather than
    silently overwriting it."""
    unknown = set(frame) - set(FRAME_FIELDS)
    if unknown:
        raise TypeError(f"statement_edit got unexpected fields: {sorted(unknown)}")
    _require(can_draft(actor, statement.incident),
             _("You may not draft statements in this incident."))
    content = _content(body=body, variants=variants, frame=frame)
    if title is not None:
        title = _text(title, "title", MAX_TITLE_LENGTH, required=True,
                      missing=_("Give the statement a title."))
    with transaction.atomic():
        incident, statement = _lock(statement)
        check_not_merged(incident)
        _check_status(statement, EDITABLE_STATUSES,
                      _("A %(status)s statement can no longer be edited.")
                      % {"status": statement.get_status_display().lower()})
        if base_version is not None and base_version != statement.current_version:
            raise ConflictError(
                _("Version %(n)d was saved while you were editing version %(base)d. Compare "
                  "it with your text, then save again.")
                % {"n": statement.current_version, "base": base_version},
                current=statement.status, current_version=statement.current_version)
        if content_hash(content) == _current(statement).content_hash and (
                title is None or title == statement.title):
            raise ValidationError({"body": [_("Nothing changed: this is the current "
                                              "version's text.")]})
        was = statement.status
        statement.current_version += 1
        version = _new_version(statement=statement, number=statement.current_version,
                               author=actor, content=content)
        fields = ["current_version"]
        if title is not None:
            statement.title = title
            fields.append("title")
        restart = was != StatementStatus.DRAFT
        if restart:
            statement.review_started_at = timezone.now()
            fields.append("review_started_at")
            stages = list(statement.review_stages.filter(round=statement.review_round)
                          .order_by("position"))
            for stage, due in zip(stages, policy.due_times(stages, statement.review_started_at),
                                  strict=True):
                stage.due_at = due
                stage.save(update_fields=["due_at"])
        _set_status(statement, StatementStatus.IN_REVIEW if restart else was, *fields)
        _record(incident=incident, statement=statement, actor=actor, action="edited",
                **({"from": was, "to": statement.status} if restart else {}))
        if restart:
            _tell_deciders(statement=statement,
                           stages=policy.review_progress(statement).open_stages, actor=actor)
    return version


def statement_submit(*, actor, statement: Statement) -> Statement:
    """Send a draft for approval: the stages its policy names now are copied onto it (a
    new review round), each with its SLA deadline counted from now."""
    _require(can_draft(actor, statement.incident),
             _("You may not draft statements in this incident."))
    with transaction.atomic():
        incident, statement = _lock(statement)
        check_not_merged(incident)
        _check_status(statement, (StatementStatus.DRAFT,),
                      _("Only a draft can be sent for approval."))
        version = _current(statement)
        missing = [name for name in FRAME_FIELDS
                   if name not in OPTIONAL_FRAME_FIELDS and not getattr(version, name)]
        if missing or not version.body:
            problems = {name: [_("Fill in “%(field)s” before sending it for approval.")
                               % {"field": FRAME_LABELS[name]}] for name in missing}
            if not version.body:
                problems["body"] = [_("Write the statement's text before sending it for "
                                      "approval.")]
            raise ValidationError(problems)
        specs = policy.stages_for(statement)
        if not specs:
            raise ConflictError(_("No approval policy covers this statement; an "
                                  "administrator must add one."), current=statement.status)
        now = timezone.now()
        statement.review_round += 1
        statement.review_started_at = now
        stages = [ReviewStage(statement=statement, round=statement.review_round,
                              position=number, name=spec.name, role_codes=spec.role_codes,
                              capability=spec.capability, approvals_needed=spec.approvals_needed,
                              sla_minutes=spec.sla_minutes,
                              parallel_with_previous=spec.parallel_with_previous,
                              policy_name=spec.policy_name)
                  for number, spec in enumerate(specs, start=1)]
        for stage, due in zip(stages, policy.due_times(stages, now), strict=True):
            stage.due_at = due
        ReviewStage.objects.bulk_create(stages)
        _set_status(statement, StatementStatus.IN_REVIEW, "review_round", "review_started_at")
        _record(incident=incident, statement=statement, actor=actor, action="submitted",
                **{"from": StatementStatus.DRAFT, "to": statement.status})
        _tell_deciders(statement=statement,
                       stages=policy.review_progress(statement).open_stages, actor=actor)
    return statement


# --- deciding --------------------------------------------------------------------------------

def check_decide(*, user, statement: Statement, version: int, decision: str,
                 comment: str = "", stage: ReviewStage | None = None
                 ) -> tuple[ReviewStage, bool]:
    """The stage ``user`` decides for and whether by the capability fallback, or the
    reason they may not (on a locked statement in the service; a page may ask first)."""
    if decision not in Decision.values:
        raise ValidationError({"decision": [_("“%(value)s” is not one of: %(allowed)s.")
                                            % {"value": decision,
                                               "allowed": ", ".join(Decision.values)}]})
    if Decision(decision).needs_comment and not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why: the author needs the reason.")]})
    _check_status(statement, (StatementStatus.IN_REVIEW,),
                  _("This statement is not waiting for a decision."))
    if version != statement.current_version:
        raise ConflictError(
            _("Version %(version)s is no longer current: version %(current)d is. Read it "
              "before deciding.") % {"version": version, "current": statement.current_version},
            current=statement.status, current_version=statement.current_version)
    authors = statement_authors(statement)
    if user.pk in authors:
        raise PermissionDenied(_("You wrote or edited this statement; someone else must "
                                 "decide on it."))
    progress = policy.review_progress(statement)
    open_stages = progress.open_stages
    candidates = [s for s in open_stages if stage is None or s.pk == stage.pk]
    eligible = [(s, fallback) for s in candidates
                for allowed, fallback in [stage_eligibility(user, statement, s, authors)]
                if allowed]
    undecided = [(s, fallback) for s, fallback in eligible
                 if user.pk not in progress.decided.get(s.pk, ())]
    if undecided:
        return undecided[0]
    if eligible:
        raise ConflictError(_("You already decided on this version at this stage."),
                            current=statement.status)
    later = [s for s in progress.stages if s not in open_stages
             and not progress.is_complete(s) and stage_eligibility(user, statement, s, authors)[0]]
    if later:
        raise ConflictError(_("“%(stage)s” decides after “%(open)s”, which is still open.")
                            % {"stage": str(later[0]),
                               "open": join_list(open_stages)},
                            current=statement.status)
    raise PermissionDenied(_("You may not decide at this stage of the review."))


def statement_decide(*, actor, statement: Statement, version: int, decision: str,
                     comment: str = "", stage: ReviewStage | None = None) -> ApprovalDecision:
    """Approve, reject or request changes to version ``version`` (its number) at the open
    stage ``actor`` may decide. A rejection ends the flow; a request for changes sends the
    statement back to draft; the last approval needed makes it approved."""
    comment = _text(comment, "comment", MAX_COMMENT_LENGTH)
    with transaction.atomic():
        incident, statement = _lock(statement)
        check_not_merged(incident)
        decided_stage, fallback = check_decide(user=actor, statement=statement,
                                               version=version, decision=decision,
                                               comment=comment, stage=stage)
        current = _current(statement)
        made = ApprovalDecision.objects.create(
            statement=statement, version=current, version_number=current.number,
            version_hash=current.content_hash, stage=decided_stage, decider=actor,
            decision=decision, comment=comment, as_fallback=fallback)
        was = statement.status
        next_stages: list[ReviewStage] = []
        if decision == Decision.REJECT:
            statement.rejection_reason = comment
            _set_status(statement, StatementStatus.REJECTED, "rejection_reason")
        elif decision == Decision.REQUEST_CHANGES:
            _set_status(statement, StatementStatus.DRAFT)
        else:
            progress = policy.review_progress(statement)
            if progress.all_complete:
                _set_status(statement, StatementStatus.APPROVED)
            elif decided_stage not in progress.open_stages:
                next_stages = progress.open_stages
        data = {"stage": decided_stage.name, "decision": decision}
        if statement.status != was:
            data.update({"from": was, "to": statement.status})
        _record(incident=incident, statement=statement, actor=actor, action="decided",
                body=comment, **data)
        if next_stages:
            _tell_deciders(statement=statement, stages=next_stages, actor=actor)
    return made


def statement_withdraw(*, actor, statement: Statement, reason: str = "") -> Statement:
    """Take a statement out of the flow for good (it stays on record)."""
    _require(can_draft(actor, statement.incident),
             _("You may not draft statements in this incident."))
    reason = _text(reason, "reason", MAX_COMMENT_LENGTH)
    with transaction.atomic():
        incident, statement = _lock(statement)
        check_not_merged(incident)
        _check_status(statement, WITHDRAWABLE_STATUSES,
                      _("A %(status)s statement cannot be withdrawn.")
                      % {"status": statement.get_status_display().lower()})
        was = statement.status
        _set_status(statement, StatementStatus.WITHDRAWN)
        _record(incident=incident, statement=statement, actor=actor, action="withdrawn",
                body=reason, **{"from": was, "to": statement.status})
    return statement


# --- publishing ------------------------------------------------------------------------------

def check_publish(*, statement: Statement) -> StatementVersion:
    """The version to publish, or why not (on the locked rows): approved, every stage's
    approvals on the current version, no freeze."""
    _check_status(statement, (StatementStatus.APPROVED,),
                  _("Only an approved statement can be published."))
    progress = policy.review_progress(statement)
    if not progress.all_complete:
        raise ConflictError(_("Version %(version)d does not have every approval it needs.")
                            % {"version": statement.current_version}, current=statement.status)
    freeze = freeze_applying(incident=statement.incident)
    if freeze is not None:
        raise ConflictError(_("Publishing is frozen: %(reason)s") % {"reason": freeze.reason},
                            current=statement.status, freeze=freeze.pk)
    return _current(statement)


def statement_publish(*, actor, statement: Statement) -> Publication:
    """Publish the approved current version, once: publishing again answers the same
    publication and writes nothing. Publishing a correction or retraction supersedes the
    statement it corrects. Delivery to stakeholders hangs on ``hooks.statement_published``."""
    _require(can_publish(actor, statement.incident),
             _("You may not publish statements in this incident."))
    with transaction.atomic():
        incident, statement = _lock(statement)
        existing = Publication.objects.filter(statement=statement).first()
        if existing is not None:
            return existing
        check_not_merged(incident)
        version = check_publish(statement=statement)
        corrected = None
        if statement.corrects_id:
            corrected = Statement.objects.select_for_update().get(pk=statement.corrects_id)
        now = timezone.now()
        publication = Publication.objects.create(
            statement=statement, version=version, version_hash=version.content_hash,
            published_by=actor, published_at=now)
        statement.published_version = version.number
        statement.published_by = actor
        statement.published_at = now
        _set_status(statement, StatementStatus.PUBLISHED, "published_version", "published_by",
                    "published_at")
        _record(incident=incident, statement=statement, actor=actor, action="published",
                published=statement.is_public,
                **{"from": StatementStatus.APPROVED, "to": statement.status})
        if corrected is not None and corrected.status == StatementStatus.PUBLISHED:
            _set_status(corrected, StatementStatus.SUPERSEDED)
            _record(incident=incident, statement=corrected, actor=actor, action="superseded",
                    **{"from": StatementStatus.PUBLISHED, "to": corrected.status})
        hooks.statement_published.send(sender=Publication, publication=publication,
                                       statement=statement, actor=actor)
    return publication


# --- freezes ---------------------------------------------------------------------------------

def _freeze_incidents(freeze: PublishingFreeze) -> list[Incident]:
    """The incidents a freeze is recorded on: its own, or every open one (locked, in order)."""
    if freeze.incident_id:
        return [incident_lock(freeze.incident)]
    ids = (Incident.objects.exclude(status=IncidentStatus.CLOSED).order_by("pk")
           .values_list("pk", flat=True))
    return [incident_lock(Incident(pk=pk)) for pk in ids]


def _record_freeze(freeze: PublishingFreeze, *, actor, action: str, incidents) -> None:
    for incident in incidents:
        timeline_record(incident=incident, kind=TimelineKind.STATEMENT, actor=actor,
                        body=freeze.reason if action == "frozen" else "",
                        data={"action": action, "freeze": freeze.pk,
                              "organisation_wide": freeze.incident_id is None})
        live.emit(incident=incident, event=events.freeze_changed(freeze, action=action))


def freeze_create(*, actor, reason: str, incident: Incident | None = None) -> PublishingFreeze:
    """Stop all publishing (``incident`` None: everywhere) until the freeze is lifted."""
    _require(can_freeze(actor, incident), _("You may not freeze publishing."))
    reason = _text(reason, "reason", MAX_COMMENT_LENGTH, required=True,
                   missing=_("Give a reason: publishing is refused with it."))
    with transaction.atomic():
        incidents_before = [incident_lock(incident)] if incident else []
        if PublishingFreeze.objects.filter(incident=incident, lifted_at__isnull=True).exists():
            raise ConflictError(_("Publishing is already frozen here."), current="frozen")
        freeze = PublishingFreeze.objects.create(incident=incident, reason=reason,
                                                 created_by=actor)
        _record_freeze(freeze, actor=actor, action="frozen",
                       incidents=incidents_before or _freeze_incidents(freeze))
    return freeze


def freeze_lift(*, actor, freeze: PublishingFreeze) -> PublishingFreeze:
    _require(can_freeze(actor, freeze.incident), _("You may not lift this freeze."))
    with transaction.atomic():
        incidents = _freeze_incidents(freeze)
        freeze = PublishingFreeze.objects.select_for_update().get(pk=freeze.pk)
        if freeze.lifted_at is not None:
            raise ConflictError(_("This freeze was already lifted."), current="lifted")
        freeze.lifted_at, freeze.lifted_by = timezone.now(), actor
        freeze.save(update_fields=["lifted_at", "lifted_by"])
        _record_freeze(freeze, actor=actor, action="lifted", incidents=incidents)
    return freeze


# --- comments --------------------------------------------------------------------------------

def comment_add(*, actor, statement: Statement, body: str,
                version: int | None = None) -> StatementComment:
    """A comment on one version (the current one unless ``version`` names another); the
    people it names with ``@username`` are told."""
    _require(can_comment(actor, statement), _("You may not comment on this statement."))
    body = _text(body, "body", MAX_COMMENT_LENGTH, required=True,
                 missing=_("Write a comment."))
    with transaction.atomic():
        incident, statement = _lock(statement)
        number = statement.current_version if version is None else version
        anchored = StatementVersion.objects.filter(statement=statement, number=number).first()
        if anchored is None:
            raise ValidationError({"version": [_("This statement has no version %(n)s.")
                                               % {"n": number}]})
        comment = StatementComment.objects.create(statement=statement, version=anchored,
                                                  author=actor, body=body)
        _record(incident=incident, statement=statement, actor=actor, action="commented")
        names = mentioned_usernames(body)
        if names:
            excerpt = " ".join(body.split())
            excerpt = excerpt if len(excerpt) <= 120 else excerpt[:119] + "…"

            def title() -> str:
                return _("%(author)s mentioned you on “%(title)s”: %(text)s") % {
                    "author": actor, "title": statement.title, "text": excerpt}

            notification_send(
                recipients=User.objects.filter(username__in=names, is_active=True)
                .order_by("pk")[:MAX_MENTIONS],
                kind=NotificationKind.MENTION, title=title,
                dedupe_key=f"statement_comment:{comment.pk}", actor=actor, incident=incident)
    return comment
