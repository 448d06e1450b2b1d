"""How long a text is in words, in English and Chinese alike: the rule the executive
summary's limit (``EXECUTIVE_SUMMARY_MAX_WORDS``, 200) is checked by.

Chinese (and Japanese and Korean) is written without spaces, so its words cannot be
counted by splitting. An English word comes out as about 1.5 Chinese characters in
translation (a 200-word English summary is some 300 characters of Chinese), so:

- every run of letters or digits between spaces or punctuation counts as one word
  ("X2", "don't", "U.S." are one word each);
- every CJK character (Han ideographs, kana, Hangul) counts as two thirds of a word:
  three characters make two words, and 300 characters of Chinese reach the limit;
- punctuation (。，、「」 included) counts as nothing.

The total is rounded up. ``word_count`` is what the limit checks and the pages show.
"""

import math
import re
from fractions import Fraction

# Han (with extensions and compatibility ideographs), kana, Hangul syllables.
CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\U00020000-\U0003134f]")
CJK_CHARACTER_WEIGHT = Fraction(2, 3)
# Anything that is neither a word character nor part of one: spaces, punctuation, symbols
# (CJK characters split words too).
_SEPARATOR = re.compile(r"[^\w'’.\-]+")


def word_count(text: str) -> int:
    """Words in ``text`` by the rule above (CJK characters: 2/3 of a word each)."""
    if not text:
        return 0
    cjk = len(CJK.findall(text))
    rest = CJK.sub(" ", text)
    words = sum(1 for token in _SEPARATOR.split(rest)
                if any(char.isalnum() for char in token))
    return math.ceil(words + cjk * CJK_CHARACTER_WEIGHT)
