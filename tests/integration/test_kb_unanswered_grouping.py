"""Grouping unanswered questions with the real multilingual encoder."""
from datetime import datetime, timezone

from knowledge_base.unanswered import Question, group_questions, multilingual_encoder

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def questions(*texts):
    return [Question(n, "c", text, AT, "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en", None)
            for n, text in enumerate(texts, 1)]


def test_paraphrases_share_a_group_and_unrelated_questions_do_not(encoders):
    asked = questions("What is your CEO's favourite colour?", "Do you have a parking lot for bicycles?",
                      "Which colour does your boss like best?", "你们老板喜欢什么颜色", "Is there bicycle parking at your shop?",
                      "What's the favourite color of your CEO?", "老板最喜欢的颜色是什么", "Do you sell spaceship parts?")
    groups = group_questions(asked, multilingual_encoder(encoders))
    assert {frozenset(g["phrasings"]): g["language"] for g in groups} == {
        frozenset(["What is your CEO's favourite colour?", "Which colour does your boss like best?",
                   "What's the favourite color of your CEO?"]): "en",
        frozenset(["老板最喜欢的颜色是什么", "你们老板喜欢什么颜色"]): "zh",  # a group never mixes languages
        frozenset(["Do you have a parking lot for bicycles?", "Is there bicycle parking at your shop?"]): "en",
        frozenset(["Do you sell spaceship parts?"]): "en"}
    assert [g["size"] for g in groups] == [3, 2, 2, 1]  # biggest first
    assert group_questions([], multilingual_encoder(encoders)) == []
