"""comms.diff: words in Latin text, characters in Chinese, every field of two versions."""

import pytest

from comms import services
from comms.diff import diff_text, tokens, version_diff
from tests.comms.conftest import FRAME


def changes(old, new):
    return [(s.old, s.new) for s in diff_text(old, new) if s.op != "equal"]


def test_latin_text_compares_word_by_word_and_punctuation_alone():
    assert changes("We are investigating, now.", "We have investigated, now!") == [
        ("are", "have"), ("investigating", "investigated"), (".", "!")]


def test_chinese_text_compares_character_by_character_in_both_scripts():
    assert changes("我們正在調查事件。", "我們已完成調查事件。") == [("正在", "已完成")]
    assert changes("我们正在调查", "我们正调查") == [("在", "")]
    assert tokens("批次42號") == ["批", "次", "42", "號"]


@pytest.mark.django_db
def test_a_version_diff_lists_changed_and_unchanged_fields_and_variants(draft, officer):
    services.statement_edit(actor=officer, statement=draft, body="We are very sorry.",
                            variants={"sms": "Kettle recall: see our site."}, **FRAME)
    old, new = draft.versions.order_by("number")
    fields = {d.field: d for d in version_diff(old, new)}
    assert not fields["what_happened"].changed
    assert fields["body"].changed
    assert [s.new for s in fields["body"].segments if s.op != "equal"] == ["very "]
    assert fields["variants.sms"].as_dict()["segments"] == [
        {"op": "insert", "old": "", "new": "Kettle recall: see our site."}]
    assert "why" not in fields  # empty on both sides
