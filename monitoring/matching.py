"""Which watches a mention matches: one compiled matcher for all active watches.

Terms are put in a canonical form: case folded, full-width ASCII made ASCII, and each
Traditional character converted to Simplified with OpenCC ``t2s``. The regular expression
then matches each Chinese character of a term by its class of variants (``电`` as
``[电電]``), so a Traditional term matches Simplified text and the reverse with no
conversion of the text: the text is only case folded (and its full-width ASCII, if any,
made ASCII). Converting every Chinese text with OpenCC and NFKC cost 35 µs a mention; the
whole match costs a few µs. The
variant table is built once per process from OpenCC's own conversion of each CJK
character.

English terms match whole words: an end of a term that is a letter or digit must not touch
another letter or digit ("brand" does not match "brandy" nor "#brandfail"; it does match
"#brand" and "Brand's"). Chinese has no spaces: a CJK end of a term matches next to
anything (characters, never whitespace words). Hashtag terms ("#brandfail") match the
hashtag in any case.

All terms of all watches go into ONE regular expression, built as a trie (common prefixes
shared); after each match the search goes on from the next character, so overlapping terms
are all found; a term that is a prefix of another at the same position is found through the
terms each term implies (precomputed). A watch matches when one of its include terms is
found, none of its exclude terms is, and the mention's language and platform are among the
watch's (empty: all; "zh" covers "zh-Hant" and "zh-Hans"). ``watch_matcher()`` keeps the
compiled matcher per process and builds it again when the active watches' definitions
change (checked with one small query per batch)."""

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import opencc

from .models import Watch

# CJK ideographs (and compatibility ones): what OpenCC may convert.
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
_FULL_WIDTH_ASCII = range(0xFF01, 0xFF5F)
# A letter or digit that is not CJK: what a word-bounded end must not touch.
_WORDISH = r"[^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]"


@cache
def _tables() -> tuple[dict[int, str], dict[str, str], dict[str, list[str]]]:
    """``{code point: canonical character}`` for ``str.translate``, and each canonical
    character's regular-expression class of the characters that mean it, and the list of
    them."""
    converter = opencc.OpenCC("t2s")
    canonical: dict[int, str] = {}
    for first, last in _CJK_RANGES:
        for point in range(first, last):
            converted = converter.convert(chr(point))
            if len(converted) == 1 and converted != chr(point):
                canonical[point] = converted
    variants: dict[str, set[str]] = {}
    for point, char in canonical.items():
        variants.setdefault(char, {char}).add(chr(point))
    ordered = {char: sorted(chars) for char, chars in variants.items()}
    classes = {char: "[" + "".join(re.escape(c) for c in chars) + "]"
               for char, chars in ordered.items()}
    for point in _FULL_WIDTH_ASCII:  # not in the classes: the text is translated (rarely)
        canonical[point] = chr(point - 0xFEE0).casefold()
    return canonical, classes, ordered


# Full-width letters, digits, # and @ (not the punctuation Chinese text is full of: that
# would make nearly every Chinese text pay for a translation).
_FULL_WIDTH = re.compile("[\uff03\uff10-\uff19\uff20-\uff3a\uff41-\uff5a]")
_TO_ASCII = str.maketrans({chr(point): chr(point - 0xFEE0) for point in _FULL_WIDTH_ASCII})


def canonical(text: str) -> str:
    """The form terms are compared in."""
    return text.casefold().translate(_tables()[0]).casefold()


def folded(text: str) -> str:
    """The form a text is searched in: case folded, full-width ASCII made ASCII (the
    Chinese characters are left as they are: the pattern takes both scripts)."""
    if _FULL_WIDTH.search(text):
        text = text.translate(_TO_ASCII)
    return text.casefold()


def _variants_of(char: str) -> list[str]:
    return _tables()[2].get(char) or [char]


def _char_pattern(char: str) -> str:
    return _tables()[1].get(char) or re.escape(char)


def _is_wordish(char: str) -> bool:
    return re.match(_WORDISH, char) is not None


def _left(char: str) -> str:
    # After the first character, a look-behind two wide (the one before it): the engine
    # then skips positions by the first characters (four times faster than before it).
    return f"(?<!{_WORDISH}.)" if _is_wordish(char) else ""


def _right(char: str) -> str:
    return f"(?!{_WORDISH})" if _is_wordish(char) else ""


def _term_pattern(term: str) -> str:
    """The regular expression of one canonical term, with the boundaries its ends need."""
    return (_char_pattern(term[0]) + _left(term[0])
            + "".join(_char_pattern(c) for c in term[1:]) + _right(term[-1]))


def _trie_pattern(terms: Iterable[str]) -> str:
    """One alternation of canonical ``terms`` with shared prefixes, longer ones first."""
    trie: dict = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = term

    def build(node: dict) -> str:
        branches = [_char_pattern(char) + build(node[char])
                    for char in sorted((c for c in node if c), reverse=True)]
        if "" in node:  # a term ends here (last: longer ones are tried first)
            branches.append(_right(node[""][-1]))
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    # At the top, one branch per variant of each first character (a class there would
    # keep the engine from skipping positions by their first character: 3 times slower).
    return "(?:" + "|".join(re.escape(variant) + _left(char) + build(trie[char])
                            for char in sorted(trie, reverse=True)
                            for variant in _variants_of(char)) + ")"


@dataclass(frozen=True)
class WatchDefinition:
    id: int
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    languages: tuple[str, ...]  # case folded; "zh" covers "zh-hant" and "zh-hans"
    platforms: frozenset[str]


def _clean_terms(terms) -> tuple[str, ...]:
    if not isinstance(terms, list | tuple):
        return ()
    found = []
    for term in terms:
        if isinstance(term, str) and (form := canonical(term.strip())) and form not in found:
            found.append(form)
    return tuple(found)


def definition_of(watch_id: int, include, exclude, languages, platforms) -> WatchDefinition:
    def strings(values) -> tuple[str, ...]:
        if not isinstance(values, list | tuple):
            return ()
        return tuple(sorted({v.strip().casefold() for v in values
                             if isinstance(v, str) and v.strip()}))

    return WatchDefinition(id=watch_id, include=_clean_terms(include),
                           exclude=_clean_terms(exclude), languages=strings(languages),
                           platforms=frozenset(strings(platforms)))


class Matcher:
    """The watches a text matches, for a fixed set of watch definitions."""

    def __init__(self, definitions: Iterable[WatchDefinition]):
        self.definitions = tuple(sorted(definitions, key=lambda d: d.id))
        terms = sorted({t for d in self.definitions for t in d.include + d.exclude})
        self.terms = terms
        self._regex = re.compile(_trie_pattern(terms)) if terms else None
        # Each term with the terms found whenever it is (itself, and those inside it).
        singles = {term: re.compile(_term_pattern(term)) for term in terms}
        self._canonical = _tables()[0]
        self._implied_by_written: dict[str, frozenset[str]] = {}  # as the text wrote it
        self._implied = {term: frozenset(other for other, pattern in singles.items()
                                         if pattern.search(term))
                         for term in terms}
        self._includers: dict[str, list[WatchDefinition]] = {}
        for definition in self.definitions:
            for term in definition.include:
                self._includers.setdefault(term, []).append(definition)

    def found_terms(self, folded_text: str) -> set[str]:
        """The canonical terms found in the case-folded text."""
        if self._regex is None:
            return set()
        found: set[str] = set()
        search, position = self._regex.search, 0
        while (hit := search(folded_text, position)) is not None:
            written = hit.group()
            implied = self._implied_by_written.get(written)
            if implied is None:
                implied = self._implied[written.translate(self._canonical)]
                if len(self._implied_by_written) < 100_000:
                    self._implied_by_written[written] = implied
            found |= implied
            position = hit.start() + 1
        return found

    def match(self, text: str, *, language: str = "", platform: str = "") -> list[int]:
        """The ids of the watches ``text`` (as written) matches, ascending."""
        if self._regex is None:
            return []
        found = self.found_terms(folded(text))
        if not found:
            return []
        language = language.casefold()
        matched = set()
        for term in found:
            for definition in self._includers.get(term, ()):
                if (definition.id not in matched
                        and (not definition.platforms or platform in definition.platforms)
                        and (not definition.languages or _speaks(language, definition))
                        and found.isdisjoint(definition.exclude)):
                    matched.add(definition.id)
        return sorted(matched)


def _speaks(language: str, definition: WatchDefinition) -> bool:
    return any(language == code or language.startswith(code + "-")
               for code in definition.languages)


_lock = threading.Lock()
_cached: tuple[tuple, Matcher] | None = None


def active_definitions() -> tuple[WatchDefinition, ...]:
    rows = Watch.objects.filter(is_active=True).order_by("pk").values_list(
        "pk", "include_terms", "exclude_terms", "languages", "platforms")
    return tuple(definition_of(*row) for row in rows)


def watch_matcher() -> Matcher:
    """The matcher of the active watches, compiled again only when they changed."""
    global _cached
    definitions = active_definitions()
    key = tuple((d.id, d.include, d.exclude, d.languages, tuple(sorted(d.platforms)))
                for d in definitions)
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    matcher = Matcher(definitions)
    with _lock:
        _cached = (key, matcher)
    return matcher
