"""What counts as text a person wrote: one rule for every form, serializer and service; and
how text is joined in the reader's language (a label and its value, the items of a list)."""

import unicodedata

from django.utils.translation import pgettext

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


def label_separator() -> str:
    """What stands between a label and its value in the active language ("Legal: 2 hours",
    "法務：2 小時")."""
    # Translators: between a label and its value, as in "Legal: 2 hours". Chinese: the
    # full-width colon "：", with no space after it.
    return pgettext("between a label and its value", ": ")


def labelled(label, value) -> str:
    """``label`` and ``value`` joined as the active language joins them."""
    return f"{label}{label_separator()}{value}"


def join_list(items) -> str:
    """Items of a list (translated labels, names...) joined as the active language joins
    them: "red, orange" in English, "紅色、橙色" in Chinese."""
    # Translators: between the items of a list, as in "red from 10:00, orange from 11:00".
    # Chinese: the enumeration comma "、", with no space after it.
    return pgettext("list separator", ", ").join(str(item) for item in items)


def join_clauses(items) -> str:
    """Clauses that each say something whole ("6.2x the usual; 71 % negative") joined as
    the active language joins them: "; " in English, "；" in Chinese."""
    # Translators: between clauses that each say something whole, as in "6.2x the usual;
    # 71 % negative". Chinese: the full-width semicolon "；", with no space after it.
    return pgettext("clause separator", "; ").join(str(item) for item in items)
