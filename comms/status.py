"""The public status page's reads and its cache (``comms.status_views`` serves them).

What the public sees: the published version of every published public statement (never an
internal memo, never a draft or a later edit) and, for one that a correction or retraction
superseded, a pointer to it. Nothing of the incident is shown: statements are grouped by
their incident, and a group is named by its newest statement's own title.

The rendered pages are cached (Django's cache: Redis in production, shared by every
process; local memory in the embedded default). Each entry is stored with the *generation*
it was rendered in; publishing a statement starts a new generation after its transaction
commits (``comms.hooks.statement_published``), so every older entry is stale at once, in
every process, and a reader never gets a page from before the publication. A hit is one
cache round trip (``get_many`` of the generation and the entry) and no database query; a
miss is rendered by one request at a time (``cached``).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from core.outages import DEPENDENCY_ERRORS

from . import hooks
from .choices import CorrectionKind, StatementKind, StatementStatus
from .models import FRAME_LABELS, Publication, Statement, StatementVersion

PUBLIC_KINDS = tuple(kind.value for kind in StatementKind if kind.is_public)
# A statement stays on the page once published: superseded ones say so and link onwards.
SHOWN_STATUSES = (StatementStatus.PUBLISHED, StatementStatus.SUPERSEDED)

GENERATION_KEY = "status-page:generation"
ENTRY_TIMEOUT = 60 * 60  # seconds; a publication makes entries stale long before this
RENDER_LOCK_TIMEOUT = 30  # seconds; frees the lock of a render that died
RENDER_WAIT, RENDER_POLL = 5.0, 0.025  # seconds
logger = logging.getLogger(__name__)
LATEST_IN_FULL = 3  # statements of an incident shown whole on the list; the earlier ones linked


# --- what the public may read ------------------------------------------------------------------

@dataclass
class PublicStatement:
    """One published public statement as it went out."""

    publication: Publication
    statement: Statement
    version: StatementVersion  # the published version, never a later edit
    corrected_by: "PublicStatement | None" = None  # the correction that superseded it
    corrects: "PublicStatement | None" = None  # the public statement it corrects

    @property
    def pk(self) -> int:  # the permalink's number: the publication's
        return self.publication.pk

    @property
    def published_at(self) -> datetime:
        return self.publication.published_at

    @property
    def superseded(self) -> bool:
        return self.statement.status == StatementStatus.SUPERSEDED

    @property
    def retracted(self) -> bool:
        """Superseded by a retraction: its text is no longer shown, only the retraction's."""
        return self.superseded and self.corrected_by is not None and (
            self.corrected_by.statement.corrects_as == CorrectionKind.RETRACTION)

    @property
    def updated_at(self) -> datetime:
        return self.corrected_by.published_at if self.corrected_by else self.published_at

    @property
    def frame(self) -> list[tuple[str, str]]:
        """The 5W1H frame as (label, text), leaving out what was left empty."""
        return [(label, getattr(self.version, name)) for name, label in FRAME_LABELS.items()
                if getattr(self.version, name)]

    @property
    def kind_label(self) -> str:
        return StatementKind(self.statement.kind).label


@dataclass
class IncidentUpdates:
    """The public statements of one incident, newest first, named by the newest one."""

    statements: list[PublicStatement]  # in the reader's language where it has any
    others: list[PublicStatement] = field(default_factory=list)  # other languages: linked

    @property
    def newest(self) -> PublicStatement:
        return self.statements[0]

    @property
    def latest(self) -> list[PublicStatement]:
        """Shown whole on the list."""
        return self.statements[:LATEST_IN_FULL]

    @property
    def earlier(self) -> list[PublicStatement]:
        """Linked by title on the list (each whole on its permalink)."""
        return self.statements[LATEST_IN_FULL:]

    @property
    def anchor(self) -> str:
        return f"updates-{min(s.pk for s in self.statements + self.others)}"

    @property
    def latest_at(self) -> datetime:
        return max(s.updated_at for s in self.statements + self.others)


def _published_public() -> QuerySet[Publication]:
    return (Publication.objects
            .filter(statement__kind__in=PUBLIC_KINDS, statement__status__in=SHOWN_STATUSES)
            .select_related("statement", "version"))


def _linked(shown: list[PublicStatement]) -> list[PublicStatement]:
    """Link each correction in ``shown`` with the statement it corrects (when shown too)."""
    by_statement = {item.statement.pk: item for item in shown}
    for item in sorted(shown, key=lambda item: (item.published_at, item.pk)):
        corrected = by_statement.get(item.statement.corrects_id)
        if corrected is None:
            continue
        item.corrects = corrected
        # The first correction published superseded it; a later one corrects it again.
        if corrected.corrected_by is None and corrected.superseded:
            corrected.corrected_by = item
    return shown


def _item(publication: Publication) -> PublicStatement:
    return PublicStatement(publication=publication, statement=publication.statement,
                           version=publication.version)


def public_statements() -> list[PublicStatement]:
    """Every published public statement with its published version, newest first (one
    query), each linked to the public correction that superseded it."""
    return _linked([_item(p) for p in _published_public().order_by("-published_at", "-pk")])


def public_statement_get(*, pk) -> PublicStatement:
    """The published public statement of publication ``pk`` with its corrections (two
    queries); 404 for anything else."""
    try:
        publication = _published_public().get(pk=pk)
    except (Publication.DoesNotExist, ValueError, TypeError):
        raise Http404("No public statement matches the given query.") from None
    statement = publication.statement
    related = _published_public().filter(
        Q(statement__corrects_id=statement.pk) | Q(statement_id=statement.corrects_id))
    item = _item(publication)
    _linked([item, *(_item(p) for p in related if p.pk != publication.pk)])
    return item


def incident_updates(*, statements: list[PublicStatement], language: str
                     ) -> list[IncidentUpdates]:
    """``statements`` grouped by incident, the incident with the latest news first. Where an
    incident has statements in ``language`` those lead and the rest are set aside
    (``others``); otherwise every language is shown as it is."""
    groups: dict[int, list[PublicStatement]] = {}
    for item in statements:  # newest first, and so within each group
        groups.setdefault(item.statement.incident_id, []).append(item)
    updates = []
    for items in groups.values():
        mine = [item for item in items if item.statement.language == language]
        updates.append(IncidentUpdates(
            statements=mine, others=[item for item in items if item not in mine])
            if mine else IncidentUpdates(statements=items))
    updates.sort(key=lambda group: (group.latest_at, group.newest.pk), reverse=True)
    return updates


# --- the cache ----------------------------------------------------------------------------------

def generation() -> str:
    """The current generation (started now when the cache lost it)."""
    current = cache.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, str(time.time_ns()), timeout=None)
        current = cache.get(GENERATION_KEY)
    return current


def forget() -> None:
    """Make every cached page stale (a new generation)."""
    cache.set(GENERATION_KEY, str(time.time_ns()), timeout=None)


def cached(key: str, render: Callable[[], object]) -> object:
    """``render()``'s result for ``key`` in the current generation: from the cache when it
    was rendered in it, otherwise rendered now and stored. The generation is read before
    rendering, so a page rendered while a publication commits is stored under the old
    generation and never served as current after it.

    One request renders a missing page at a time (a lock in the cache): a crowd arriving
    just after a publication would otherwise render it once per reader, all at once. The
    others meanwhile get the page as it was until the new one is stored (a render: well
    under a second), or, when there is none yet, wait for it (``RENDER_WAIT`` at most, then
    render it themselves)."""
    try:
        return _cached(f"status-page:{key}", render)
    except DEPENDENCY_ERRORS as error:
        # The cache (Redis) is unreachable: the page is served all the same, rendered now.
        logger.warning("Status page rendered without its cache: %s", error)
        return render()


def _cached(key: str, render: Callable[[], object]) -> object:
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY) or generation()
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        return entry[1]
    lock = f"{key}:rendering"
    if not cache.add(lock, current, timeout=RENDER_LOCK_TIMEOUT):
        if entry is not None:
            return entry[1]
        deadline = time.monotonic() + RENDER_WAIT
        while time.monotonic() < deadline:
            time.sleep(RENDER_POLL)
            entry = cache.get(key)
            if entry is not None:
                return entry[1]
    try:
        value = render()
        cache.set(key, (current, value), timeout=ENTRY_TIMEOUT)
    finally:
        cache.delete(lock)
    return value


def _published(sender, **kwargs) -> None:
    # robust: the publication is committed; a cache that cannot be reached (Redis down)
    # must not fail the request that published it.
    transaction.on_commit(forget, robust=True)


def register() -> None:
    """Publishing (and so superseding) makes the cached pages stale once it commits."""
    hooks.statement_published.connect(_published, dispatch_uid="comms.status.forget")
