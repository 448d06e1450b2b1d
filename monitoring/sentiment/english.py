"""English polarity: VADER (vaderSentiment, lexicon and rules shipped with the package)
adjusted for posts about companies:
- words it lacks or misreads here (outage, recall, breach; "support" and "shares" are
  neutral, not praise) from ``data/en_lexicon.tsv``;
- phrases read whole ("on hold", "couldn't be happier", "five stars") from
  ``data/en_phrases.tsv``: each is replaced by a token carrying its polarity;
- emoji take their polarity from ``data/emoji.tsv`` (VADER's own emoji descriptions
  miss 🙄, 🤮, 🤡);
- sarcasm cues (``data/en_sarcasm.txt``: "great, another…", 🙄) turn praise negative;
- a question ("Does it support wireless charging?") counts half.
"""

import math
import re
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .lexicons import emoji_polarity, english_additions, english_phrases, english_sarcasm

NEUTRAL_BAND = 0.1  # on the compound score; VADER suggests 0.05, 0.1 fitted the tuning texts
VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = s / sqrt(s² + 15)
QUESTION_WEIGHT = 0.5
EMOJI_WEIGHT = 1.2
_QUESTION_OPENING = re.compile(
    r"^(?:q:|anyone|does|do|is|are|can|could|how|what|when|where|which|who|why|will|should)\b",
    re.IGNORECASE)
_TRAILING_NOISE = re.compile(r"(?:\s*(?:#\w+|@\w+|https?://\S+|[^\w\s?!.]))*\s*$")
_COMPLAINT_PRAISE = re.compile(
    r"\b(?:brilliant|great|nice|fantastic|wonderful|amazing|excellent|stellar)\s+"
    r"(?:security|job|work|planning|move|service|idea|timing|management)\b", re.IGNORECASE)


@cache
def _setup() -> tuple[SentimentIntensityAnalyzer, list[tuple[re.Pattern, str]],
                      re.Pattern, re.Pattern | None, dict[str, float]]:
    vader = SentimentIntensityAnalyzer()
    vader.lexicon.update(english_additions())
    phrases = []
    for number, (pattern, value) in enumerate(english_phrases().items()):
        token = f"cdphrase{number}x"
        vader.lexicon[token] = value
        phrases.append((re.compile(rf"\b{pattern}\b", re.IGNORECASE), f" {token} "))
    sarcasm = re.compile("|".join(english_sarcasm()), re.IGNORECASE)
    emoji = {key.replace("\ufe0f", ""): value for key, value in emoji_polarity().items()}
    emoji_pattern = re.compile("|".join(map(re.escape, emoji))) if emoji else None
    return vader, phrases, sarcasm, emoji_pattern, emoji


def polarity(text: str) -> float:
    vader, phrases, sarcasm, emoji_pattern, emoji = _setup()
    emoji_sum = 0.0
    plain = text.replace("\ufe0f", "")
    if emoji_pattern is not None:
        found = emoji_pattern.findall(plain)
        if found:
            emoji_sum = sum(emoji[item] for item in found) * EMOJI_WEIGHT
            plain = emoji_pattern.sub(" ", plain)
    for pattern, token in phrases:
        plain = pattern.sub(token, plain)
    compound = vader.polarity_scores(plain)["compound"] if plain.strip() else 0.0
    if emoji_sum:
        compound = _squash(_unsquash(compound) + emoji_sum)
    if compound > 0 and (sarcasm.search(text) or (
            _COMPLAINT_PRAISE.search(text) and vader.polarity_scores(plain)["neg"] >= 0.2)):
        compound = -max(0.3, compound * 0.8)
    if _is_question(text):
        compound *= QUESTION_WEIGHT
    return compound


def _is_question(text: str) -> bool:
    stripped = _TRAILING_NOISE.sub("", text)
    return stripped.endswith("?") or (
        _QUESTION_OPENING.match(text.lstrip()) is not None and not stripped.endswith("!"))


def _unsquash(compound: float) -> float:
    compound = max(-0.9999, min(0.9999, compound))
    return compound * math.sqrt(VADER_ALPHA / (1 - compound * compound))


def _squash(total: float) -> float:
    return total / math.sqrt(total * total + VADER_ALPHA)
