"""The senders of stakeholder delivery, one module per channel, each with
``send(delivery, message) -> Outcome``. They only send and classify what happened
(sent, transient error worth another attempt, permanent error); the states are written
by ``comms.delivery_services``."""

from dataclasses import dataclass
from datetime import datetime

from ..choices import FRAME_FIELDS
from ..models import FRAME_LABELS, Publication


@dataclass(frozen=True)
class Outcome:
    error: str = ""
    transient: bool = False

    @property
    def sent(self) -> bool:
        return not self.error


SENT = Outcome()


@dataclass(frozen=True)
class Message:
    """What goes out of one publication: only what was published, nothing internal."""

    statement: int
    title: str
    language: str
    version: int
    hash: str
    published_at: datetime
    body: str
    frame: tuple[tuple[str, str], ...]  # (field, text), the 5W1H fields written

    @classmethod
    def of(cls, publication: Publication) -> "Message":
        version, statement = publication.version, publication.statement
        return cls(statement=statement.pk, title=statement.title, language=statement.language,
                   version=version.number, hash=publication.version_hash,
                   published_at=publication.published_at, body=version.body,
                   frame=tuple((name, getattr(version, name)) for name in FRAME_FIELDS
                               if getattr(version, name)))

    def text(self) -> str:
        """The plain text: the body, then each 5W1H field under its label (in the active
        language)."""
        parts = [self.body] if self.body else []
        parts += [f"{FRAME_LABELS[name].capitalize()}: {value}" for name, value in self.frame]
        return "\n\n".join(parts)

