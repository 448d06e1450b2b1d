"""The incident room's panel registry.

A panel is a template fragment with the context it needs; the room page renders every
registered panel in its column, and serves one panel again by its element id when a live
event names it (the panel's root element lists those events). Higher apps (teams, comms,
monitoring, reports) register their panels in ``AppConfig.ready()``; the room never
imports them. Adding a panel: write its template (root element ``id`` = the panel id),
a context function ``(request, incident) -> dict``, and ``register()`` it.
"""

from collections.abc import Callable
from dataclasses import dataclass

MAIN, SIDE, HEADER = "main", "side", "header"


@dataclass(frozen=True)
class RoomPanel:
    id: str
    template: str
    context: Callable  # (request, incident) -> dict
    column: str = SIDE
    position: int = 100
    label: str = ""  # its entry in the room's section menu on small screens ("": none)
    assets: tuple[str, ...] = ()  # static .js / .css files the panel needs, loaded once
    # Drawn after the page (below the fold on every screen): the room asks for every lazy
    # panel in one request once it has loaded (``LAZY_ID``), so the page is smaller, paints
    # sooner and costs the server less while everyone opens the room at once. Lazy panels
    # come after the column's other panels, in their order.
    lazy: bool = False


_panels: dict[str, RoomPanel] = {}


def register(panel: RoomPanel) -> None:
    _panels[panel.id] = panel


def room_panel(panel_id: str) -> RoomPanel | None:
    return _panels.get(panel_id)


def room_panels(column: str | None = None) -> list[RoomPanel]:
    panels = sorted(_panels.values(), key=lambda p: (p.position, p.id))
    return [p for p in panels if column is None or p.column == column]


LAZY_ID = "room-more-panels"  # the element (and HX-Target) that asks for the lazy panels
EVERY_PANEL = "all"  # ?panels=all: every panel drawn with the page (the way without JavaScript)


def draws_every_panel(request) -> bool:
    """Without JavaScript nothing asks for the lazy panels: the placeholder links to the
    room with ``?panels=all``; a task's forms (``?task=``) are in the checklist, lazy too."""
    return request.GET.get("panels") == EVERY_PANEL or "task" in request.GET


def _contexts(request, incident, panels: list[RoomPanel]) -> dict:
    """The context of ``panels``, each context function called once. The names each panel
    found mentioned (``known_mentions``, read by ``mention_text``) are pooled: the
    timeline's and the checklist's comments' both hold on a room drawn whole."""
    context: dict = {}
    seen = set()
    known_mentions: set[str] = set()
    for panel in panels:
        if panel.context not in seen:
            seen.add(panel.context)
            own = panel.context(request, incident)
            known_mentions |= set(own.get("known_mentions") or ())
            context.update(own)
    if "known_mentions" in context:
        context["known_mentions"] = known_mentions
    return context


def room_context(request, incident) -> dict:
    """The context of every panel drawn with the page (every one with ``?panels=all``)."""
    every = draws_every_panel(request)
    drawn = [panel for panel in room_panels() if every or not panel.lazy]
    side = room_panels(SIDE)
    context = _contexts(request, incident, drawn)
    context["side_panels"] = side  # the section menu names them all
    context["drawn_side_panels"] = [p for p in side if p in drawn]
    context["lazy_panels"] = [p for p in side if p not in drawn]
    context["lazy_id"] = LAZY_ID
    context["panel_assets"] = list(dict.fromkeys(
        asset for panel in room_panels() for asset in panel.assets))
    return context


def lazy_context(request, incident) -> dict:
    """What the room's placeholder asks for once the page has loaded: the lazy panels."""
    lazy = [panel for panel in room_panels(SIDE) if panel.lazy]
    return {**_contexts(request, incident, lazy), "lazy_panels": lazy, "room": True}
