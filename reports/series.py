"""What the review's charts draw, as plain data: ``reports.facts`` builds these from the
record, ``reports.charts`` draws them (to SVG, for the page and the PDF alike)."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class VolumePoint:
    """Mentions in one time bucket of the incident's watches."""

    at: datetime
    mentions: int
    negative: int

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.mentions if self.mentions else None


@dataclass(frozen=True)
class LevelBand:
    """The warning level (``monitoring`` choices: blue, yellow, orange, red) in force from
    ``start`` to ``end``."""

    start: datetime
    end: datetime
    level: str


@dataclass(frozen=True)
class StatementMarker:
    """A statement published at ``at`` (label: its title, short)."""

    at: datetime
    label: str


@dataclass(frozen=True)
class VolumeSeries:
    """Volume and negative share over time, with the warning-level bands and a marker at
    each published statement. ``bucket_minutes``: the width of one point."""

    points: list[VolumePoint] = field(default_factory=list)
    bands: list[LevelBand] = field(default_factory=list)
    markers: list[StatementMarker] = field(default_factory=list)
    bucket_minutes: int = 60

    @property
    def is_empty(self) -> bool:
        return not self.points


@dataclass(frozen=True)
class StageCycle:
    """Approval cycle times of one stage (e.g. "Legal"), in minutes per decided version."""

    stage: str
    minutes: list[float] = field(default_factory=list)
