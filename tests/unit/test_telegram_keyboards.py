from datetime import datetime, timezone

from gateway.channels.telegram.keyboards import QuickReplyPress, RatingPress, for_message
from gateway.conversations.views import MessageView


def view(**kw) -> MessageView:
    base = dict(id=123456789012, conversation_id="f" * 32, sender="bot", text="…",
                created_at=datetime.now(timezone.utc))
    return MessageView(**{**base, **kw})


def test_callback_data_fits_telegrams_64_bytes_even_for_large_ids():
    markup = for_message(view(quick_replies=("有帮助", "没有帮助", "转人工")))
    datas = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert all(len(d.encode()) <= 64 for d in datas)
    assert QuickReplyPress.unpack(datas[2]) == QuickReplyPress(message_id=123456789012, index=2)
    rating = for_message(view(meta={"csat_request": True}))
    assert [RatingPress.unpack(b.callback_data).score for b in rating.inline_keyboard[0]] == [1, 2, 3, 4, 5]
    assert all(len(b.callback_data.encode()) <= 64 for b in rating.inline_keyboard[0])


def test_long_options_get_a_row_each_and_a_shortened_label():
    question = "我买的东西质量有问题，收到货已经超过七天了，还能不能申请退货或者换货呢？请告诉我具体怎么操作，需要准备什么材料和凭证"
    markup = for_message(view(quick_replies=(question * 2, "转人工")))
    assert len(markup.inline_keyboard) == 2
    assert markup.inline_keyboard[0][0].text.endswith("…") and len(markup.inline_keyboard[0][0].text) == 60


def test_a_plain_message_has_no_keyboard():
    assert for_message(view()) is None
