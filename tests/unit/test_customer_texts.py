"""The customer text catalogues: the same keys and placeholders in every language, and the
rules that pick a conversation's language."""
import string
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from gateway import texts
from gateway.conversations.views import MessageView

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", sorted(texts.CATALOGUES))
def test_every_language_has_every_key_with_the_same_placeholders(language):
    reference = texts.CATALOGUES[texts.DEFAULT]
    catalogue = texts.CATALOGUES[language]
    assert set(catalogue) == set(reference), "keys missing or extra"
    for key, template in catalogue.items():
        assert template.strip(), f"{language}.{key} is empty"
        assert fields(template) == fields(reference[key]), f"{language}.{key} placeholders differ"
    assert len(catalogue["weekdays"].split()) == 7 and len(catalogue["months"].split()) == 12


def said(text: str, locale: str | None = None, sender: str = "customer") -> MessageView:
    return MessageView(1, "c", sender, text, NOW, meta={"language": locale} if locale else {})


def test_the_channel_locale_comes_first_then_what_the_customer_wrote():
    assert texts.customer_language([said("agent please", "zh-hans")], "agent please") == "zh"
    assert texts.customer_language([said("转人工", "en")], "转人工") == "en"
    assert texts.customer_language([said("转人工")], "转人工") == "zh"
    assert texts.customer_language([said("我的快递呢"), said("ok")]) == "zh"  # a short "ok" keeps the language
    assert texts.customer_language([said("", "zh-CN")]) == "zh"  # a photo from a Chinese app
    assert texts.customer_language([said("您好", sender="agent")]) == "en"  # only the customer's words count


def test_the_opening_time_is_written_on_the_shops_clock_the_way_each_language_writes_dates():
    opens = datetime(2026, 12, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai
    zone = ZoneInfo("Asia/Shanghai")
    assert texts.opening_time("zh", opens, zone) == "12月2日（周三）09:00（Asia/Shanghai 时间）"
    assert texts.opening_time("en", opens, zone) == "Wednesday 2 December at 09:00 (Asia/Shanghai time)"


def test_an_unknown_language_falls_back_to_english_and_a_missing_key_is_an_error():
    assert texts.text("fr", "queued", position=2) == "You are number 2 in the queue for a person."
    with pytest.raises(KeyError):
        texts.text("zh", "no_such_text")
