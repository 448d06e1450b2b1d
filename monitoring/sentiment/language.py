"""A fast script-based language guess: Chinese (Traditional or Simplified), Japanese,
Korean, English, or "" when unsure. Good enough to route a mention to its sentiment
analyzer and to filter the stream; not a general language identifier."""

import re
from functools import cache

import opencc

ENGLISH = "en"
TRADITIONAL_CHINESE = "zh-Hant"
SIMPLIFIED_CHINESE = "zh-Hans"
CHINESE = (TRADITIONAL_CHINESE, SIMPLIFIED_CHINESE)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f']+")
_NON_ENGLISH_LETTER = re.compile(r"[\u00c0-\u024f]")
_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
_COMMON_ENGLISH = (
    "a an the and or but not no is are was were be been am i you he she it we they my your "
    "our their this that these those of to in on at for with from by about as so if than "
    "too very just still again ever never what when where why how who which do does did "
    "don't doesn't didn't can can't cannot could would should will won't have has had "
    "it's i'm get got up down out all any some more most thanks thank please"
)
_ENGLISH_WORDS = frozenset(_COMMON_ENGLISH.split())
# Frequent words of other languages written in plain ASCII (Latin text without any of
# these, and without many accented letters, is taken for English).
_COMMON_OTHER_LATIN = (
    "der die das und ist nicht ein eine ich sie wir mit auf den dem des zu von "
    "le la les et est une des du pas je vous nous avec pour dans qui que sur "
    "el los las es una por con para como pero muy del al que se "
    "il di che non per sono della e gli "
    "de het een en niet ik je dat van zijn "
    "yang dan tidak ini itu dengan untuk saya ada ke dari "
    "ang mga ng sa ay hindi ako"
)
_OTHER_LATIN_WORDS = frozenset(_COMMON_OTHER_LATIN.split()) - _ENGLISH_WORDS


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def chinese_script(text: str) -> str:
    """zh-Hant when the text has two or more Traditional-only characters (ones OpenCC t2s
    changes), or one and at most twice as many that s2t changes (s2t also swaps
    characters both scripts use for variants: 布 → 佈, 吃 → 喫); else zh-Hans, also for
    text whose characters are the same in both scripts."""
    as_simplified = _to_simplified().convert(text)
    if as_simplified == text:
        return SIMPLIFIED_CHINESE
    traditional = sum(a != b for a, b in zip(text, as_simplified, strict=False))
    if traditional >= 2:  # a shared variant is at most a stray character
        return TRADITIONAL_CHINESE
    as_traditional = _to_traditional().convert(text)
    simplified = sum(a != b for a, b in zip(text, as_traditional, strict=False))
    if traditional and traditional * 2 >= simplified:
        return TRADITIONAL_CHINESE
    return SIMPLIFIED_CHINESE


def detect_language(text: str) -> str:
    """"en", "zh-Hant", "zh-Hans", "ja", "ko" or "" (no letters, or Latin that does not
    look English)."""
    han = len(_HAN.findall(text))
    if _KANA.search(text) and len(_KANA.findall(text)) * 5 >= han:
        return "ja"
    if _HANGUL.search(text) and len(_HANGUL.findall(text)) >= han:
        return "ko"
    plain = _URL_OR_HANDLE.sub(" ", text)
    words = _LATIN_WORD.findall(plain)
    if han and han >= len(words):
        return chinese_script(text)
    if not words:
        return chinese_script(text) if han else ""
    lowered = [word.lower() for word in words]
    english = sum(word in _ENGLISH_WORDS for word in lowered)
    other = sum(word in _OTHER_LATIN_WORDS for word in lowered)
    accented = len(_NON_ENGLISH_LETTER.findall(plain))
    if other > english or accented * 20 > sum(map(len, words)):
        return ""
    return ENGLISH
