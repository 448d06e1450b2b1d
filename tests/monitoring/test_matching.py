"""Matching mentions to watches (monitoring.matching): English by whole word and hashtag in
any case, Chinese by characters in either script, include/exclude, languages, platforms,
and the per-process matcher rebuilt when the watches change."""

import pytest

from monitoring.matching import Matcher, definition_of, watch_matcher
from monitoring.models import Watch


def matcher(*watches) -> Matcher:
    return Matcher(definition_of(pk, include, exclude, languages, platforms)
                   for pk, (include, exclude, languages, platforms) in enumerate(watches, 1))


@pytest.mark.parametrize(("term", "text", "found"), [
    ("brand", "I love this Brand!", True),
    ("brand", "BRAND's new kettle", True),
    ("brand", "a glass of brandy", False),
    ("brand", "rebranding is hard", False),
    ("brand", "#brand trending", True),
    ("brand", "#BrandFail again", False),
    ("#brandfail", "what a #BrandFail today", True),
    ("#brandfail", "brandfail without the hash", False),
    ("#brandfail", "#brandfailure", False),
    ("X2 kettle", "my x2   kettle", False),  # a term's inner space is one space
    ("X2 kettle", "my X2 Kettle leaks", True),
    ("X2", "买了X2就后悔", True),  # English term inside Chinese text: no spaces needed
    ("X2", "model AX2 is fine", False),
    ("ＢＲＡＮＤ", "brand fail", True),  # full-width letters are letters
    ("brand", "ＢＲＡＮＤ ｆａｉｌ", True),
    ("電池", "这个电池爆炸了", True),  # Traditional term, Simplified text
    ("电池", "這個電池爆炸了", True),  # and the reverse
    ("電池爆炸", "电池 爆炸", False),  # Chinese is never split on whitespace
    ("充電寶", "充电宝", True),
    ("充電寶", "充电器", False),
    ("#品牌翻車", "又是#品牌翻车事件", True),
])
def test_terms_match_by_word_in_english_and_by_character_in_chinese(term, text, found):
    assert (matcher(([term], [], [], [])).match(text) == [1]) is found


def test_overlapping_and_nested_terms_are_all_found():
    found = matcher((["acme ceo"], [], [], []), (["acme"], [], [], []),
                    (["ceo john"], [], [], []), (["CEO"], [], [], []))
    assert found.match("Acme CEO John quits") == [1, 2, 3, 4]
    assert found.match("Acme CEOs") == [2]


def test_exclude_terms_languages_and_platforms_narrow_a_watch():
    watches = matcher(
        (["kettle"], ["kettlebell"], [], []),
        (["kettle", "水壺"], ["二手"], ["zh"], []),
        (["kettle"], [], ["en"], ["x", "facebook"]),
    )
    assert watches.match("the kettle leaks", language="en", platform="x") == [1, 3]
    assert watches.match("kettle and kettlebell", language="en", platform="x") == [3]
    assert watches.match("the kettle leaks", language="en", platform="weibo") == [1]
    assert watches.match("水壺漏水", language="zh-Hant", platform="weibo") == [2]
    assert watches.match("二手水壶 漏水", language="zh-Hans", platform="weibo") == []
    assert watches.match("nothing to see", language="en", platform="x") == []


def test_a_watch_without_include_terms_matches_nothing():
    assert matcher(([], ["x"], [], [])).match("anything x") == []
    assert matcher().match("anything") == []


@pytest.mark.django_db
def test_the_matcher_is_kept_until_the_watches_change():
    watch = Watch.objects.create(name="Kettle", include_terms=["kettle"])
    first = watch_matcher()
    assert watch_matcher() is first
    assert first.match("a kettle") == [watch.pk]
    Watch.objects.filter(pk=watch.pk).update(include_terms=["toaster"])
    second = watch_matcher()
    assert second is not first
    assert second.match("a kettle") == [] and second.match("a toaster") == [watch.pk]
    Watch.objects.filter(pk=watch.pk).update(is_active=False)
    assert watch_matcher().match("a toaster") == []
