"""English polarity from a small trained model: multinomial logistic regression over the
words and word pairs of a post plus what the lexicon rules (``english.reading``: VADER
with our phrases, emoji, sarcasm cues, question and notice weights) make of it.

The weights are trained offline (``python -m monitoring.sentiment.train``) on the
training texts in ``data/`` and shipped as ``data/en_model.tsv``; scoring is a few dozen
dictionary look-ups beside the VADER call, in plain Python. The score is
P(positive) − P(negative), in [-1, 1]. docs/sentiment.md gives the data and the figures.
"""

import itertools
import math
import re
from functools import cache
from pathlib import Path

from . import english

MODEL = Path(__file__).parent / "data" / "en_model.tsv"
CLASSES = ("negative", "neutral", "positive")
BIAS = "<bias>"
STEM = 5  # letters of a word kept as its stem feature

# Words (with an inner apostrophe), numbers, and single symbols: "!", "?", emoji.
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:'[a-z]+)?|\d+|[^\w\s.,;:!?'\"()\[\]/&*+=<>|\\-]")
_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_NEGATORS = frozenset((
    "not", "no", "never", "nobody", "nothing", "none", "nowhere", "neither", "nor", "without",
    "cannot", "zero"))  # and every word ending in n't
_CLAUSE_END = re.compile(r"[.,;:!?]")


def tokens(text: str) -> list[str]:
    """Lower-cased words without handles and links, numbers generalised ("<num>"), letters
    repeated three or more times cut to two ("soooo" → "soo"), the words
    after a negator in the same clause marked ("not happy" → "not", "¬happy")."""
    text = _URL.sub(" ", text.replace("\u2019", "'").replace("\ufe0f", ""))
    text = _HANDLE.sub(" ", text).lower()
    text = _REPEAT.sub(r"\1\1", text)
    words = []
    for clause in _CLAUSE_END.split(text):
        negated = False
        for token in _TOKEN.findall(clause):
            if token[0].isdigit():
                token = "<num>"  # noqa: S105 (a placeholder, not a password)
            words.append("¬" + token if negated and token.isalpha() else token)
            if token in _NEGATORS or token.endswith("n't"):
                negated = True
    for mark in "!?":
        if mark in text:
            words.append(mark)
    return words


def features(text: str, reading: english.Reading | None = None) -> dict[str, float]:
    """Feature → value for one text: each word, word stem (its first five letters, so
    "refunded" and "refunding" share "~refun") and word pair present (1.0), and the
    lexicon rules' reading as a few numbers and flags."""
    reading = reading or english.reading(text)
    return {**dict.fromkeys(_present(tokens(text)), 1.0), **_dense(reading)}


def _present(words: list[str]) -> set[str]:
    present = set(words)
    for word in words:
        if len(word) > STEM and word.isalpha():
            present.add("~" + word[:STEM])
    present.update(f"{first} {second}" for first, second in itertools.pairwise(["<s>", *words]))
    return present


def _dense(reading: english.Reading) -> dict[str, float]:
    compound = reading.compound
    found = {"lex+": max(compound, 0.0), "lex-": max(-compound, 0.0),
             "vader+": max(reading.vader, 0.0), "vader-": max(-reading.vader, 0.0),
             "vader neg share": reading.negative}
    if abs(compound) <= english.NEUTRAL_BAND:
        found["lex neutral"] = 1.0
    if reading.emoji:
        found["emoji+" if reading.emoji > 0 else "emoji-"] = min(abs(reading.emoji), 4.0) / 2
    if reading.sarcasm:
        found["sarcasm"] = 1.0
    if reading.question:
        found["question"] = 1.0
    if reading.notice:
        found["notice"] = 1.0
    return found


@cache
def _weights() -> dict[str, tuple[float, float]]:
    """Feature → its weights for negative and for positive, each less its weight for
    neutral (the same probabilities with one class fewer to add up)."""
    weights = {}
    for line in MODEL.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        feature, negative, neutral, positive = line.rsplit("\t", 3)
        weights[feature] = (float(negative) - float(neutral), float(positive) - float(neutral))
    return weights


def probabilities(text: str) -> tuple[float, float, float]:
    """P(negative), P(neutral), P(positive)."""
    weights = _weights()
    negative, positive = weights[BIAS]
    get = weights.get
    for feature in _present(tokens(text)):
        row = get(feature)
        if row is not None:
            negative += row[0]
            positive += row[1]
    for feature, value in _dense(english.reading(text)).items():
        row = get(feature)
        if row is not None:
            negative += row[0] * value
            positive += row[1] * value
    top = max(negative, 0.0, positive)
    negative, neutral, positive = (math.exp(negative - top), math.exp(-top),
                                   math.exp(positive - top))
    total = negative + neutral + positive
    return negative / total, neutral / total, positive / total


def classify(text: str) -> tuple[float, str]:
    """(score, label): the score is P(positive) − P(negative), the label the most probable
    class (cross-validated on the training texts it beats any band on the score)."""
    chances = probabilities(text)
    return chances[2] - chances[0], CLASSES[chances.index(max(chances))]
