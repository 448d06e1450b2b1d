"""My work's section registry.

A section is a template fragment with the context it needs; My work (``teams.views.my_work``)
renders every registered section in its column, by position. Higher apps (comms,
monitoring, reports) register theirs in ``AppConfig.ready()``; teams never imports them,
as the incident room's panels do (``crisis.panels``). Adding a section: write its
template, a context function ``(request) -> dict`` (a fixed number of queries, whatever
the user has), and ``register()`` it.
"""

from collections.abc import Callable
from dataclasses import dataclass

MAIN, SIDE = "main", "side"


@dataclass(frozen=True)
class WorkSection:
    id: str
    template: str
    context: Callable  # (request) -> dict
    column: str = SIDE
    position: int = 100


_sections: dict[str, WorkSection] = {}


def register(section: WorkSection) -> None:
    _sections[section.id] = section


def work_sections(column: str | None = None) -> list[WorkSection]:
    sections = sorted(_sections.values(), key=lambda s: (s.position, s.id))
    return [s for s in sections if column is None or s.column == column]


def work_context(request) -> dict:
    """Every section's context (each function called once) and the sections by column."""
    context: dict = {}
    for section in work_sections():
        context.update(section.context(request))
    context["work_main"] = work_sections(MAIN)
    context["work_side"] = work_sections(SIDE)
    return context


# Where following a notification of a kind lands (a higher app's page), instead of the
# notification's incident: {kind: (notification) -> URL}.
_landings: dict[str, Callable] = {}


def register_landing(kind: str, landing: Callable) -> None:
    _landings[kind] = landing


def landing_for(notification) -> str | None:
    landing = _landings.get(notification.kind)
    return landing(notification) if landing else None
