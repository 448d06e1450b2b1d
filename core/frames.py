"""Names of every frame a live socket sends or accepts, declared once.

Apps declare their frame types as ``StrEnum``s and register them in their
``AppConfig.ready()``; pages receive the whole table (``frame_names()``) rendered into
the page, so scripts never spell a frame type themselves.
"""

from enum import StrEnum


class Frame(StrEnum):
    """Protocol frames every live socket shares (core.consumers, core.presence)."""

    PING = "ping"
    PONG = "pong"
    ERROR = "error"
    RESYNC = "resync"
    RESYNC_DONE = "resync.done"
    RESYNC_RELOAD = "resync.reload"
    PRESENCE_STATE = "presence.state"
    PRESENCE_CHANGED = "presence.changed"
    PRESENCE_BEAT = "presence.beat"


_registered: list[type[StrEnum]] = [Frame]


def register_frames(enum: type[StrEnum]) -> None:
    """Add an app's frame types to the table pages receive (call from ``ready()``)."""
    if enum not in _registered:
        _registered.append(enum)


def frame_names() -> dict[str, str]:
    """``{"TASK_CHANGED": "task.changed", ...}`` for every registered frame type."""
    names: dict[str, str] = {}
    for enum in _registered:
        for member in enum:
            if names.get(member.name, member.value) != member.value:
                raise ValueError(f"Two frame types are called {member.name}.")
            names[member.name] = member.value
    return names
