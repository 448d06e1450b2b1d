"""Sentiment of a mention, one interface for every language.

    from monitoring.sentiment import score, score_many, detect_language
    score("great, another outage 🙄")            # Sentiment(score=-0.15, label="negative")
    score("這次客服處理得很好", "zh-Hant")
    detect_language("退款什么时候到账？")          # "zh-Hans"

``score`` is in [-1, 1]; ``label`` is a ``monitoring.choices.SentimentLabel`` value. English
goes through a small trained model (``english_model``: logistic regression over words, word
pairs and what VADER with our crisis vocabulary and sarcasm cues makes of the post; its
weights ship in ``data/en_model.tsv``), Chinese of either
script through the lexicon analyzer in ``chinese`` (Traditional is converted to Simplified
first). Other languages are scored neutral. Nothing is downloaded: the lexicons ship in
``data/``. docs/sentiment.md gives the method and the measured accuracy.
"""

from .language import detect_language
from .scoring import Sentiment, score, score_many

__all__ = ["Sentiment", "detect_language", "score", "score_many"]
