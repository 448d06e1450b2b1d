"""English polarity: VADER (vaderSentiment, lexicon and rules shipped with the package)
with crisis vocabulary it lacks (outage, recall, breach…) and a few sarcasm cues."""

import re
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .lexicons import english_additions, english_sarcasm

NEUTRAL_BAND = 0.05  # VADER's published convention on the compound score


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    vader = SentimentIntensityAnalyzer()
    vader.lexicon.update(english_additions())
    return vader


def polarity(text: str) -> float:
    compound = analyzer().polarity_scores(text)["compound"]
    if compound > 0 and _sarcastic(text):
        return -max(0.3, compound * 0.8)
    return compound


@cache
def _sarcasm_pattern() -> re.Pattern:
    return re.compile("|".join(english_sarcasm()), re.IGNORECASE)


def _sarcastic(text: str) -> bool:
    return _sarcasm_pattern().search(text) is not None
