"""Which messages are order-status questions, which number they name, and the phone digits.
The "no" list is what the knowledge base answers: how-tos, returns, refunds, fees."""
from __future__ import annotations

from datetime import date

import pytest

from bot.order_words import asks_order_status, last_four, order_number
from bot.shop_api import parse_order

ORDER_QUESTIONS = [
    ("订单2023110288到哪了", "2023110288"), ("where's my order #A1B2C3", "A1B2C3"), ("我的快递到哪了？", None),
    ("我的订单什么时候到", None), ("订单号是A1B2C3，发货了吗", "A1B2C3"), ("Where is my package?", None),
    ("has my order shipped yet?", None), ("When will my order 2023110288 arrive?", "2023110288"),
    ("my parcel still hasn\u2019t arrived", None), ("查一下我的订单", None), ("我的货到哪了", None),
    ("order status for 2023110288", "2023110288"), ("我买的东西怎么还没到，订单 2023110288", "2023110288"),
    ("track my order please", None), ("订单到哪了，我电话13812345678", None),
]
NOT_ORDER_QUESTIONS = [
    "怎么查物流", "你们发什么快递", "我想查一下退货条件", "How do I track my order?", "How long does delivery take?",
    "I want to return my order, it arrived broken", "where is my refund", "我的退货到哪了", "运费多少", "退款进度",
    "do you ship to Canada?", "我要取消订单2023110288", "转人工", "What are your opening hours?",
]


@pytest.mark.parametrize("text, number", ORDER_QUESTIONS)
def test_order_questions_and_their_numbers(text, number):
    assert asks_order_status(text)
    assert order_number(text, bare=True) == number


@pytest.mark.parametrize("text", NOT_ORDER_QUESTIONS)
def test_questions_for_the_knowledge_base(text):
    assert not asks_order_status(text)


@pytest.mark.parametrize("text, unasked, asked", [
    ("2023110288", "2023110288", "2023110288"), ("A1B2C3", "A1B2C3", "A1B2C3"), ("ok", None, None),
    ("是 2023-1101-88 吧", "2023-1101-88", "2023-1101-88"), ("ABCDEF", None, None),
    ("A1B2", None, "A1B2"),  # four characters: an order number only when the bot asked for one
    ("13812345678", None, None), ("+86 138-1234-5678", None, None),  # a mobile number
    ("2023-11-02", None, None), ("I paid 2999 yuan", None, None), ("¥129900", None, None)])
def test_a_lone_number_is_read_by_its_length_and_never_as_a_phone_a_date_or_a_sum(text, unasked, asked):
    assert order_number(text, bare=True) == unasked
    assert order_number(text, bare=True, asked=True) == asked
    assert order_number(text) is None  # without bare, only numbers the text names as an order's


@pytest.mark.parametrize("text, digits", [("5678", "5678"), ("尾号5678", "5678"), ("13812345678", "5678"),
                                          ("138 1234 5678", "5678"), ("5678。", "5678"), ("123", None),
                                          ("我不记得了", None), ("what do you need that for", None)])
def test_the_last_four_digits(text, digits):
    assert last_four(text) == digits


def test_the_shops_answer_is_read_strictly():
    good = {"order_id": "A1B2C3", "status": "shipped", "carrier": "UPS", "tracking_number": "1Z9",
            "expected_date": "2026-12-09T00:00:00Z", "phone_last4": "4321"}
    order = parse_order(good, "a1b2c3")
    assert order.expected_date == date(2026, 12, 9) and order.phone_last4 == "4321"
    assert parse_order({**good, "carrier": None, "expected_date": None}, "A1B2C3").carrier is None
    for bad, why in [([], "object"), ({**good, "order_id": "OTHER1"}, "another order"),
                     ({**good, "phone_last4": "12345"}, "four digits"), ({**good, "phone_last4": 4321}, "four digits"),
                     ({**good, "status": ""}, "status"), ({**good, "expected_date": "soon"}, "isoformat"),
                     ({**good, "carrier": {"name": "UPS"}}, "carrier")]:
        with pytest.raises(ValueError, match=why):
            parse_order(bad, "A1B2C3")
