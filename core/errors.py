"""Domain errors the API turns into 409s and the pages into messages."""


class ConflictError(Exception):
    """The request is valid but the incident's current state does not allow it."""

    def __init__(self, message: str, **detail):
        super().__init__(message)
        self.message = message
        self.detail = detail
