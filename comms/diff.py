"""Side-by-side diff of two statement versions, field by field, from ``difflib``.

Latin text compares word by word; Chinese (and Japanese, Korean) text has no spaces
between words, so it compares character by character. Whitespace runs and punctuation
are tokens of their own, so a changed comma does not repaint the word beside it."""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .choices import FRAME_FIELDS, VariantChannel

# One CJK ideograph / kana / hangul syllable, a run of other word characters, a run of
# whitespace, or any other single character.
_TOKEN = re.compile(
    r"[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    r"\uf900-\ufaff\U00020000-\U0003134f]"
    r"|[^\W\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    r"\uf900-\ufaff\U00020000-\U0003134f]+"
    r"|\s+|.", re.DOTALL)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


@dataclass(frozen=True)
class Segment:
    op: str  # equal, insert, delete, replace
    old: str
    new: str

    def as_dict(self) -> dict:
        return {"op": self.op, "old": self.old, "new": self.new}


@dataclass
class FieldDiff:
    field: str
    label: str
    segments: list[Segment] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(s.op != "equal" for s in self.segments)

    def as_dict(self) -> dict:
        return {"field": self.field, "label": str(self.label), "changed": self.changed,
                "segments": [s.as_dict() for s in self.segments]}


def diff_text(old: str, new: str) -> list[Segment]:
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [Segment(op, "".join(a[i1:i2]), "".join(b[j1:j2]))
            for op, i1, i2, j1, j2 in matcher.get_opcodes()]


def _fields(old, new) -> list[tuple[str, str]]:
    """(field, label) of every field either version has, in page order: the 5W1H frame,
    the text, then each channel variant."""
    from .models import FRAME_LABELS, StatementVersion

    names = [(name, FRAME_LABELS[name]) for name in FRAME_FIELDS]
    names.append(("body", StatementVersion._meta.get_field("body").verbose_name))
    channels = set(old.variants or {}) | set(new.variants or {})
    for channel in VariantChannel:
        if channel.value in channels:
            names.append((f"variants.{channel.value}",
                          _("%(channel)s variant") % {"channel": channel.label}))
    return names


def _value(version, name: str) -> str:
    if name.startswith("variants."):
        return (version.variants or {}).get(name.split(".", 1)[1], "")
    return getattr(version, name) or ""


def version_diff(old, new) -> list[FieldDiff]:
    """Every field of two ``StatementVersion`` rows, compared; unchanged fields included
    (pages fold them), empty-on-both-sides fields left out."""
    diffs = []
    for name, label in _fields(old, new):
        before, after = _value(old, name), _value(new, name)
        if before or after:
            diffs.append(FieldDiff(name, label, diff_text(before, after)))
    return diffs
