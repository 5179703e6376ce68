"""The version diff editors read: characters in Chinese, words in English."""
from knowledge_base.diff import entry_diff, text_ops


def test_diff_marks_characters_in_chinese_and_words_in_english():
    assert text_ops("满99元包邮", "满58元包邮") == [
        {"op": "equal", "text": "满"}, {"op": "delete", "text": "99"}, {"op": "insert", "text": "58"},
        {"op": "equal", "text": "元包邮"}]
    ops = text_ops("Free shipping over ¥99.", "Free delivery over ¥99.")
    assert {"op": "delete", "text": "shipping"} in ops and {"op": "insert", "text": "delivery"} in ops
    changes = entry_diff({"question": "a?", "tags": ["x"], "status": "draft", "answer": "same"},
                         {"question": "a?", "tags": ["y"], "status": "published", "answer": "same"})
    assert changes == [{"field": "tags", "before": ["x"], "after": ["y"], "removed": ["x"], "added": ["y"]},
                       {"field": "status", "before": "draft", "after": "published"}]
