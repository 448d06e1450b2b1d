"""What counts as text a person wrote: one rule for every form, serializer and service."""

import unicodedata

# Control and format characters (zero-width spaces and joiners, the word joiner, the byte
# order mark, soft hyphens...) and every kind of space and line separator draw nothing;
# so do the Hangul fillers and the combining grapheme joiner, though Unicode files them
# as letters and marks.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
BLANK_CHARACTERS = frozenset("\u034f\u115f\u1160\u3164\uffa0")


def is_invisible(char: str) -> bool:
    return (char.isspace() or char in BLANK_CHARACTERS
            or unicodedata.category(char) in INVISIBLE_CATEGORIES)


def clean_text(value: str) -> str:
    """``value`` without the invisible characters at either end, so that text made only of
    them is empty (and a required field refuses it); what is inside is kept as written."""
    start, end = 0, len(value)
    while start < end and is_invisible(value[start]):
        start += 1
    while end > start and is_invisible(value[end - 1]):
        end -= 1
    return value[start:end]
