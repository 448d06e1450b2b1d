"""The one entry point: ``score(text, language)`` picks the analyzer for the language
(detected when not given) and turns its polarity in [-1, 1] into a label.

Labels: English takes the trained model's most probable class (its score is P(positive) −
P(negative), so the signs agree); Chinese is negative below ``-NEUTRAL_BAND``, positive
above ``+NEUTRAL_BAND``, neutral in between, the band chosen on the tuning texts in
``data/`` (never on the evaluation set).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from ..choices import SentimentLabel
from . import chinese, english_model
from .language import CHINESE, ENGLISH, detect_language

NEUTRAL_BAND = dict.fromkeys(CHINESE, chinese.NEUTRAL_BAND)


@dataclass(frozen=True, slots=True)
class Sentiment:
    score: float  # -1 (most negative) … 1 (most positive)
    label: str  # a SentimentLabel value


NEUTRAL = Sentiment(0.0, SentimentLabel.NEUTRAL.value)


def _label(value: float, band: float) -> str:
    if value > band:
        return SentimentLabel.POSITIVE.value
    if value < -band:
        return SentimentLabel.NEGATIVE.value
    return SentimentLabel.NEUTRAL.value


def score(text: str, language: str = "") -> Sentiment:
    """The sentiment of one text; ``language`` as stored on the mention ("en", "zh-Hant",
    "zh-Hans", "zh"…); detected from the text when empty. Unsupported languages and empty
    texts are neutral (0.0)."""
    if not text or not text.strip():
        return NEUTRAL
    language = _analyzer_language(language) or detect_language(text)
    if language == ENGLISH:
        value, label = english_model.classify(text)
        return Sentiment(round(max(-1.0, min(1.0, value)), 4), label)
    if language in CHINESE:
        value = chinese.polarity(text)
    else:
        return NEUTRAL
    value = max(-1.0, min(1.0, value))
    return Sentiment(round(value, 4), _label(value, NEUTRAL_BAND[language]))


def score_many(texts: Iterable[str], language: str = "") -> list[Sentiment]:
    """``score`` for each text, in order (one language for all, or detected per text)."""
    return [score(text, language) for text in texts]


def _analyzer_language(language: str) -> str:
    """Map a stored language code onto an analyzer: en-GB → en, zh-TW/zh-HK → zh-Hant,
    zh/zh-CN → zh-Hans; "" for anything else (then the text decides)."""
    code = (language or "").strip().lower().replace("_", "-")
    if not code:
        return ""
    if code == "en" or code.startswith("en-"):
        return ENGLISH
    if code in ("zh-hant", "zh-tw", "zh-hk", "zh-mo") or code.startswith("zh-hant"):
        return CHINESE[0]
    if code == "zh" or code.startswith("zh-"):
        return CHINESE[1]
    return code
