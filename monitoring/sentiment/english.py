"""English lexicon rules: VADER (vaderSentiment, lexicon and rules shipped with the package)
adjusted for posts about companies. Their reading of a post (``reading``) is the main input
of the trained English model (``english_model``), which gives the score and label;
``polarity`` is the rules' own score (the English analyzer before the model). The rules:
- words it lacks or misreads here (outage, recall, breach; "support" and "shares" are
  neutral, not praise) from ``data/en_lexicon.tsv``;
- phrases read whole ("on hold", "couldn't be happier", "five stars") from
  ``data/en_phrases.tsv``: each is replaced by a token carrying its polarity;
- emoji take their polarity from ``data/emoji.tsv`` (VADER's own emoji descriptions
  miss 🙄, 🤮, 🤡);
- sarcasm cues (``data/en_sarcasm.txt``: "great, another…", 🙄) turn praise negative;
- a negation does not reach over a sentence end (VADER looks three words back whatever
  lies between: "…without me asking. Good service." read "good" as negated);
- a question ("Does it support wireless charging?") counts half, and so does a notice or
  report ("according to", "a spokesperson said", "Update:") — it states, it does not judge.
"""

import math
import re
from dataclasses import dataclass
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .lexicons import emoji_polarity, english_additions, english_phrases, english_sarcasm
from .patterns import longest_match_pattern

NEUTRAL_BAND = 0.1  # on the compound score; VADER suggests 0.05, 0.1 fitted the tuning texts
VADER_ALPHA = 15.0  # VADER's normalisation constant: compound = s / sqrt(s² + 15)
QUESTION_WEIGHT = 0.5
_SENTENCE_END = re.compile(r"([.!?;])\s+(?=\S)")
_SENTENCE_BREAK = r"\1 cdbreak cdbreak cdbreak "  # three neutral words: out of negation's reach
NOTICE_WEIGHT = 0.5
_NOTICE = re.compile(
    r"\b(?:according to|spokes(?:person|man|woman)|press (?:release|conference|office)|"
    r"(?:said|says|confirmed|announced|reported|reports|stated) (?:it|that|on|in|the)\b|"
    r"(?:a|the) (?:company|firm|regulator|airline|bank|utility) (?:said|says|confirmed)|"
    r"(?:update|reminder|official|notice|announcement)\s*(?:at [\d:apm ]+)?:)", re.IGNORECASE)
_NOTICE_WORDS = ("accord", "spokes", "press", "said", "says", "confirmed", "announc", "report",
                 "stated", "update", "reminder", "official", "notice")  # cheap test first
EMOJI_WEIGHT = 1.2
_QUESTION_OPENING = re.compile(
    r"^(?:q:|anyone|does|do|is|are|can|could|how|what|when|where|which|who|why|will|should)\b",
    re.IGNORECASE)
# Praise that is sarcasm when the same text also complains ("Brilliant security." after
# a leak; "fourth time they've shipped the wrong item 👏").
_COMPLAINT_PRAISE = re.compile(
    r"\b(?:brilliant|great|nice|fantastic|wonderful|amazing|excellent|stellar)\s+"
    r"(?:security|job|work|planning|move|service|idea|timing|management)\b|👏|\bbravo\b"
    r"|\b(?:second|third|fourth|fifth|sixth|\d+(?:nd|rd|th)) time\b"
    r"|^\W*(?:oh,? )?(?:lovely|great|perfect|fantastic|amazing|wonderful|brilliant|awesome|nice"
    r"|cool|sure)\s*[,!.]", re.IGNORECASE)


@dataclass(frozen=True)
class _Phrase:
    keywords: tuple[str, ...]  # the phrase cannot match without one of them (cheap test)
    pattern: re.Pattern
    token: str  # the word standing for the phrase in VADER's lexicon


@dataclass(frozen=True)
class _Setup:
    vader: SentimentIntensityAnalyzer
    phrases: list[_Phrase]
    always: list[int]  # phrases without a keyword: tried on every text
    by_keyword: dict[str, list[int]]
    keywords: re.Pattern  # finds every keyword (overlapping, longest at each position)
    sarcasm: re.Pattern
    emoji: dict[str, float]
    emoji_pattern: re.Pattern


@cache
def _setup() -> _Setup:
    vader = SentimentIntensityAnalyzer()
    vader.lexicon.update(english_additions())
    phrases, always, by_keyword = [], [], {}
    for number, (pattern, value) in enumerate(english_phrases().items()):
        token = f"cdphrase{number}x"
        vader.lexicon[token] = value
        compiled = re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
        phrases.append(_Phrase(_keywords(pattern), compiled, f" {token} "))
        for keyword in phrases[-1].keywords:
            if keyword:
                by_keyword.setdefault(keyword, []).append(number)
            else:
                always.append(number)
    emoji = {key.replace("\ufe0f", ""): value for key, value in emoji_polarity().items()}
    return _Setup(
        vader, phrases, always, by_keyword,
        re.compile(f"(?=({longest_match_pattern(by_keyword)}))"),
        re.compile("|".join(english_sarcasm()), re.IGNORECASE), emoji,
        re.compile(_any_of(emoji)))


def _keywords(pattern: str) -> tuple[str, ...]:
    """Substrings of which a text must hold at least one for ``pattern`` to match: the
    longest letter run outside any group, or the alternatives of a required group when
    each has a longer run ("(?:zero|no) (?:replies|answers)" → ("replies", "answers"));
    ("",) when nothing is certain."""
    candidates = [(_literal(_outside_groups(pattern)),)]
    depth, start = 0, 0
    for index, character in enumerate(pattern):
        if character == "(":
            depth += 1
            start = index if depth == 1 else start
        elif character == ")":
            depth -= 1
            optional = pattern[index + 1:index + 2] in ("?", "*")
            if depth == 0 and not optional:
                body = pattern[start + 1:index].removeprefix("?:")
                candidates.append(tuple(_literal(_outside_groups(alternative))
                                        for alternative in _top_level_split(body)))
    return max(candidates, key=lambda words: min(map(len, words)))


def _outside_groups(pattern: str) -> str:
    outside, depth = [], 0
    for character in pattern:
        depth += character == "("
        outside.append(character if depth == 0 else " ")
        depth -= character == ")"
    return "".join(outside)


def _top_level_split(body: str) -> list[str]:
    parts, depth, current = [], 0, []
    for character in body:
        depth += (character == "(") - (character == ")")
        if character == "|" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    return [*parts, "".join(current)]


def _literal(text: str) -> str:
    """The longest run of letters (a letter made optional by "?" dropped; escapes such as
    \\d are not letters)."""
    text = re.sub(r"\\.", "  ", text)
    runs = [match.group()[:-1] if text[match.end():match.end() + 1] == "?" else match.group()
            for match in re.finditer(r"[a-z]+", text)]
    return max(runs, key=len, default="")


@dataclass(frozen=True, slots=True)
class Reading:
    """What the lexicon rules make of a text (the trained model's dense features)."""
    compound: float  # the rules' score in [-1, 1]: VADER, phrases, emoji, sarcasm, weights
    vader: float  # VADER's compound with phrases and emoji, before sarcasm and weights
    negative: float  # VADER's share of negative words
    emoji: float  # the emoji polarity added (on VADER's unnormalised scale)
    sarcasm: bool  # a sarcasm cue turned praise into complaint
    question: bool
    notice: bool


def polarity(text: str) -> float:
    """The lexicon rules' score in [-1, 1]."""
    return reading(text).compound


def reading(text: str) -> Reading:
    setup = _setup()
    emoji_sum = 0.0
    plain = text.replace("\ufe0f", "")
    found = setup.emoji_pattern.findall(plain)
    if found:
        emoji_sum = sum(setup.emoji[item] for item in found) * EMOJI_WEIGHT
        plain = setup.emoji_pattern.sub(" ", plain)
    lowered = plain.lower()
    for number in _phrases_to_try(setup, lowered):
        phrase = setup.phrases[number]
        plain = phrase.pattern.sub(phrase.token, plain)
    plain = _SENTENCE_END.sub(_SENTENCE_BREAK, plain)
    scores = (setup.vader.polarity_scores(plain) if plain.strip()
              else {"compound": 0.0, "neg": 0.0})
    compound = scores["compound"]
    if emoji_sum:
        compound = _squash(_unsquash(compound) + emoji_sum)
    vader = compound
    sarcasm = compound > 0 and bool(setup.sarcasm.search(text) or (
        scores["neg"] >= 0.1 and _COMPLAINT_PRAISE.search(text)))
    if sarcasm:
        compound = -max(0.3, compound * 0.8)
    question = _is_question(text)
    if question:
        compound *= QUESTION_WEIGHT
    notice = any(word in lowered for word in _NOTICE_WORDS) and _NOTICE.search(text) is not None
    if notice:
        compound *= NOTICE_WEIGHT
    return Reading(compound, vader, scores["neg"], emoji_sum, sarcasm, question, notice)


def _any_of(strings) -> str:
    """A character class when every string is one character (much faster), else an
    alternation, longest first."""
    if all(len(string) == 1 for string in strings):
        return "[" + "".join(map(re.escape, sorted(strings))) + "]"
    return "|".join(map(re.escape, sorted(strings, key=len, reverse=True)))


def _phrases_to_try(setup: _Setup, lowered: str) -> list[int]:
    """The phrases (in file order) whose keyword the text holds; a keyword found as part of
    a longer one counts too (the regex reports the longest at each position)."""
    numbers = set(setup.always)
    for found in setup.keywords.findall(lowered):
        for size in range(1, len(found) + 1):
            numbers.update(setup.by_keyword.get(found[:size], ()))
    return sorted(numbers)


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
