"""The incident room's Statements panel (registered with crisis.panels)."""


def register() -> None:
    """Adds the Statements panel to the room (being built: issue 12)."""
