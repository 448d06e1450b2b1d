"""Domain errors the API turns into 409s and the pages into messages."""

from collections.abc import Iterable


class ConflictError(Exception):
    """The request is valid but the current state does not allow it.

    Every 409 has one shape (the OpenAPI schema's ``ConflictError``): ``detail`` (this
    message), ``current`` (the state the object is in now) and ``allowed`` (where it may
    go from here, possibly nowhere); ``extra`` adds keys of its own (``open_tasks``)."""

    def __init__(self, message: str, *, current: str, allowed: Iterable[str] = (),
                 **extra):
        super().__init__(message)
        self.message = message
        self.detail = {"current": str(current), "allowed": [str(a) for a in allowed], **extra}
