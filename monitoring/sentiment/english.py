"""English polarity: VADER (vaderSentiment, lexicon and rules shipped with the package)
adjusted for posts about companies:
- words it lacks or misreads here (outage, recall, breach; "support" and "shares" are
  neutral, not praise) from ``data/en_lexicon.tsv``;
- phrases read whole ("on hold", "couldn't be happier", "five stars") from
  ``data/en_phrases.tsv``: each is replaced by a token carrying its polarity;
- emoji take their polarity from ``data/emoji.tsv`` (VADER's own emoji descriptions
  miss 🙄, 🤮, 🤡);
- sarcasm cues (``data/en_sarcasm.txt``: "great, another…", 🙄) turn praise negative;
- a question ("Does it support wireless charging?") counts half, and so does a notice or
  report ("according to", "a spokesperson said", "Update:") — it states, it does not judge.
"""

import math
import re
from dataclasses import dataclass
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .lexicons import emoji_polarity, english_additions, english_phrases, english_sarcasm

NEUTRAL_BAND = 0.1  # on the compound score; VADER suggests 0.05, 0.1 fitted the tuning texts
VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = s / sqrt(s² + 15)
QUESTION_WEIGHT = 0.5
NOTICE_WEIGHT = 0.5
_NOTICE = re.compile(
    r"\b(?:according to|spokes(?:person|man|woman)|press (?:release|conference|office)|"
    r"(?:said|says|confirmed|announced|reported|reports|stated) (?:it|that|on|in|the)\b|"
    r"(?:a|the) (?:company|firm|regulator|airline|bank|utility) (?:said|says|confirmed)|"
    r"(?:update|reminder|official|notice|announcement)\s*(?:at [\d:apm ]+)?:)", re.IGNORECASE)
EMOJI_WEIGHT = 1.2
_QUESTION_OPENING = re.compile(
    r"^(?:q:|anyone|does|do|is|are|can|could|how|what|when|where|which|who|why|will|should)\b",
    re.IGNORECASE)
# Praise that is sarcasm when the same text also complains ("Brilliant security." after
# a leak; "fourth time they've shipped the wrong item 👏").
_COMPLAINT_PRAISE = re.compile(
    r"\b(?:brilliant|great|nice|fantastic|wonderful|amazing|excellent|stellar)\s+"
    r"(?:security|job|work|planning|move|service|idea|timing|management)\b|👏|\bbravo\b"
    r"|\b(?:second|third|fourth|fifth|sixth|\d+(?:nd|rd|th)) time\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Phrase:
    keyword: str  # a substring the phrase cannot match without (cheap test first)
    pattern: re.Pattern
    token: str  # the word standing for the phrase in VADER's lexicon


@cache
def _setup() -> tuple[SentimentIntensityAnalyzer, list[_Phrase], re.Pattern,
                      re.Pattern | None, dict[str, float]]:
    vader = SentimentIntensityAnalyzer()
    vader.lexicon.update(english_additions())
    phrases = []
    for number, (pattern, value) in enumerate(english_phrases().items()):
        token = f"cdphrase{number}x"
        vader.lexicon[token] = value
        compiled = re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
        phrases.append(_Phrase(_keyword(pattern), compiled, f" {token} "))
    sarcasm = re.compile("|".join(english_sarcasm()), re.IGNORECASE)
    emoji = {key.replace("\ufe0f", ""): value for key, value in emoji_polarity().items()}
    emoji_pattern = re.compile("|".join(map(re.escape, sorted(emoji, key=len, reverse=True))))
    return vader, phrases, sarcasm, emoji_pattern if emoji else None, emoji


def _keyword(pattern: str) -> str:
    """The longest run of letters outside any group of ``pattern`` (a letter made
    optional by "?" dropped), "" when there is none."""
    outside, depth = [], 0
    for character in pattern:
        depth += character == "("
        outside.append(character if depth == 0 else " ")
        depth -= character == ")"
    runs = [match.group()[:-1] if pattern[match.end():match.end() + 1] == "?"
            else match.group() for match in re.finditer(r"[a-z]+", "".join(outside))]
    return max(runs, key=len, default="")


def polarity(text: str) -> float:
    vader, phrases, sarcasm, emoji_pattern, emoji = _setup()
    emoji_sum = 0.0
    plain = text.replace("\ufe0f", "")
    if emoji_pattern is not None:
        found = emoji_pattern.findall(plain)
        if found:
            emoji_sum = sum(emoji[item] for item in found) * EMOJI_WEIGHT
            plain = emoji_pattern.sub(" ", plain)
    lowered = plain.lower()
    for phrase in phrases:
        if phrase.keyword in lowered:
            plain = phrase.pattern.sub(phrase.token, plain)
    scores = vader.polarity_scores(plain) if plain.strip() else {"compound": 0.0, "neg": 0.0}
    compound = scores["compound"]
    if emoji_sum:
        compound = _squash(_unsquash(compound) + emoji_sum)
    if compound > 0 and (sarcasm.search(text) or (
            scores["neg"] >= 0.1 and _COMPLAINT_PRAISE.search(text))):
        compound = -max(0.3, compound * 0.8)
    if _is_question(text):
        compound *= QUESTION_WEIGHT
    if _NOTICE.search(text):
        compound *= NOTICE_WEIGHT
    return compound


def _is_question(text: str) -> bool:
    """Ends with "?" (before trailing hashtags, handles, links and emoji), or opens with a
    question word and does not end with "!"."""
    words = text.split()
    while words and (words[-1][0] in "#@" or words[-1].startswith("http")
                     or not any(character.isalnum() or character in "?!." for character
                                in words[-1])):
        words.pop()
    if not words:
        return False
    last = words[-1].rstrip(")\"'")
    return last.endswith("?") or (
        _QUESTION_OPENING.match(words[0]) is not None and not last.endswith("!"))


def _unsquash(compound: float) -> float:
    compound = max(-0.9999, min(0.9999, compound))
    return compound * math.sqrt(VADER_ALPHA / (1 - compound * compound))


def _squash(total: float) -> float:
    return total / math.sqrt(total * total + VADER_ALPHA)
