"""What comms adds to a person's My work page: the statements waiting for their decision."""


def register() -> None:
    """Adds the approval queue's section to My work (being built: issue 12)."""
