"""The word lists shipped in ``data/`` (compiled by hand for this product, see
docs/sentiment.md), read once per process. Lines starting with ``#`` are comments."""

from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def _weights(name: str) -> dict[str, float]:
    weights = {}
    for line in _lines(name):
        word, _, weight = line.rpartition("\t")
        weights[word.strip()] = float(weight)
    return weights


@cache
def english_additions() -> dict[str, float]:
    """Words VADER's lexicon lacks, on its scale (-4 … 4)."""
    return _weights("en_lexicon.tsv")


@cache
def english_phrases() -> dict[str, float]:
    """English phrases (regular expressions) read whole, on VADER's scale."""
    return _weights("en_phrases.tsv")


@cache
def english_sarcasm() -> list[str]:
    """Regular expressions that turn a positive English text negative."""
    return _lines("en_sarcasm.txt")


@cache
def chinese_polarity() -> dict[str, float]:
    """Simplified words and phrases → polarity (-3 … 3; 0 marks a phrase that must not be
    read as its parts, e.g. 好几 "several")."""
    return _weights("zh_polarity.tsv")


@cache
def chinese_degree() -> dict[str, float]:
    """Degree adverbs → multiplier (非常 1.8, 有点 0.6…)."""
    return _weights("zh_degree.tsv")


@cache
def chinese_negators() -> frozenset[str]:
    return frozenset(_lines("zh_negators.txt"))


@cache
def chinese_contrast() -> frozenset[str]:
    """但是, 可是…: the clause after one weighs more than the one before."""
    return frozenset(_lines("zh_contrast.txt"))


@cache
def chinese_sarcasm() -> frozenset[str]:
    """Cues (又, 呵呵, 🙄…) that turn praise into complaint when a complaint is present."""
    return frozenset(_lines("zh_sarcasm.txt"))


@cache
def emoji_polarity() -> dict[str, float]:
    return _weights("emoji.tsv")
