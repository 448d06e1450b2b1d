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


_panels: dict[str, RoomPanel] = {}


def register(panel: RoomPanel) -> None:
    _panels[panel.id] = panel


def room_panel(panel_id: str) -> RoomPanel | None:
    return _panels.get(panel_id)


def room_panels(column: str | None = None) -> list[RoomPanel]:
    panels = sorted(_panels.values(), key=lambda p: (p.position, p.id))
    return [p for p in panels if column is None or p.column == column]


def room_context(request, incident) -> dict:
    """Every panel's context, each context function called once."""
    context: dict = {}
    seen = set()
    for panel in room_panels():
        if panel.context not in seen:
            seen.add(panel.context)
            context.update(panel.context(request, incident))
    context["side_panels"] = room_panels(SIDE)
    context["panel_assets"] = list(dict.fromkeys(
        asset for panel in room_panels() for asset in panel.assets))
    return context
