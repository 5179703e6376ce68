"""The order-status steps with orders in memory: ask the number, look it up, verify the phone
digits, answer or hand off; and everything else left to the retrieval bot."""
from __future__ import annotations

from datetime import date

import pytest

from bot.intent_model import lexicon_intent
from bot.order_responder import (ASK_NUMBER, ASK_PHONE, ORDER_ANSWER, ORDER_LATE, ORDER_LOOKUP_FAILED,
                                 ORDER_UNKNOWN, ORDER_UNVERIFIED, OrderStatusResponder)
from bot.order_status import FAILED, TIMED_OUT, MemoryOrders, MemoryVerificationLog, Order
from bot.responder import BotReply
from tests.unit.test_button_press_history import Said

TODAY = date(2026, 12, 7)
ON_ITS_WAY = Order("2023110288", "in_transit", "SF Express", "SF1234567890", date(2026, 12, 9), "5678")
LATE = Order("A1B2C3", "shipped", "UPS", "1Z999", date(2026, 12, 1), "4321")


class KnowledgeBaseBot:
    """The retrieval bot's part: a person or a complaint by the lexicons, else an FAQ answer."""

    def __init__(self):
        self.answered: list[str] = []

    async def wants_person(self, text: str) -> bool:
        intent = lexicon_intent(text)
        return intent.kind == "human" or (intent.kind == "complaint" and intent.complaint is not None)

    async def respond(self, text, history) -> BotReply:
        self.answered.append(text)
        return BotReply("from the knowledge base", details={"decision": "answer"})


class Chat:
    """A conversation: each customer line goes to the bot with the history so far, and the
    bot's reply is kept with its meta as the gateway stores it."""

    def __init__(self, orders: MemoryOrders, attempts: MemoryVerificationLog | None = None):
        self.kb = KnowledgeBaseBot()
        self.attempts = attempts or MemoryVerificationLog()
        self.bot = OrderStatusResponder(self.kb, orders, self.attempts, today=lambda: TODAY)
        self.history: list[Said] = []

    async def say(self, text: str) -> BotReply:
        self.history.append(Said(len(self.history) + 1, "customer", text))
        reply = await self.bot.respond(text, list(self.history))
        meta = {"bot": reply.details, **({"order": reply.order} if reply.order else {})}
        self.history.append(Said(len(self.history) + 1, "bot", reply.text, meta))
        return reply


@pytest.fixture
def orders():
    return MemoryOrders([ON_ITS_WAY, LATE])


async def test_a_chinese_question_with_its_number_is_answered_after_the_phone_digits(orders):
    chat = Chat(orders)
    asked = await chat.say("订单2023110288到哪了")
    assert asked.details["decision"] == ASK_PHONE and "后四位" in asked.text
    assert "SF1234567890" not in asked.text  # nothing of the order before the digits
    answer = await chat.say("5678")
    assert answer.details["decision"] == ORDER_ANSWER and answer.handoff_reason is None
    assert "运输中" in answer.text and "SF1234567890" in answer.text and "12月9日" in answer.text
    assert answer.order["verified"] is True and "phone_last4" not in answer.order
    assert chat.kb.answered == []


async def test_an_english_question_without_a_number_asks_for_it(orders):
    chat = Chat(orders)
    asked = await chat.say("Where is my package?")
    assert asked.details["decision"] == ASK_NUMBER and "order number" in asked.text
    assert (await chat.say("2023110288")).details["decision"] == ASK_PHONE
    answer = await chat.say("it's 5678")
    assert "on its way" in answer.text and "9 December 2026" in answer.text


async def test_three_wrong_tries_hand_off_and_asking_again_does_not_buy_more(orders):
    chat = Chat(orders)
    await chat.say("where's my order #A1B2C3")
    first = await chat.say("1111")
    assert first.details["decision"] == ASK_PHONE and "2 left" in first.text
    assert (await chat.say("2222")).details["decision"] == ASK_PHONE
    third = await chat.say("3333")
    assert third.details["code"] == ORDER_UNVERIFIED and third.handoff_reason
    assert "UPS" not in third.text and "1Z999" not in third.text  # a guess reveals nothing
    # Nor to agents: whoever this is has not shown the order is theirs.
    assert third.order == {"order_id": "A1B2C3", "lookup": "found", "verified": False, "tries": 3}
    for asked_again in ("where's my order #A1B2C3", "where's my order #a1b2c3"):  # in any case
        assert (await chat.say(asked_again)).details["code"] == ORDER_UNVERIFIED


async def test_new_conversations_do_not_buy_new_guesses(orders):
    attempts = MemoryVerificationLog()
    for first, second in (("1111", "1112"), ("2222", "2223")):  # two wrong tries each, then a fresh conversation
        chat = Chat(orders, attempts)
        assert (await chat.say("where's my order #a1b2c3")).details["decision"] == ASK_PHONE
        assert (await chat.say(first)).details["decision"] == ASK_PHONE
        assert (await chat.say(second)).details["decision"] == ASK_PHONE
    chat = Chat(orders, attempts)
    assert (await chat.say("where's my order #a1b2c3")).details["decision"] == ASK_PHONE
    fifth = await chat.say("3333")  # the fifth wrong digits for the order, in all
    assert fifth.details["code"] == ORDER_UNVERIFIED and attempts.failures == {"a1b2c3": 5}
    # From now on, even the right ones are not taken from anyone: a person checks.
    chat = Chat(orders, attempts)
    locked = await chat.say("where's my order #A1B2C3")
    assert locked.details["code"] == ORDER_UNVERIFIED and "1Z999" not in locked.text


async def test_full_width_digits_and_the_order_number_again_are_no_wrong_guess(orders):
    chat = Chat(orders)
    await chat.say("订单2023110288到哪了")
    again = await chat.say("订单2023110288")
    assert again.details["decision"] != "handoff" and chat.attempts.failures == {}
    chat = Chat(orders)
    await chat.say("订单2023110288到哪了")
    assert (await chat.say("５６７８")).details["decision"] == ORDER_ANSWER


async def test_a_late_order_is_answered_and_handed_off(orders):
    chat = Chat(orders)
    await chat.say("订单号是A1B2C3，什么时候到")
    reply = await chat.say("尾号4321")
    assert reply.details["code"] == ORDER_LATE and reply.handoff_reason
    assert "1Z999" in reply.text and "转接人工" in reply.text
    assert reply.order["late"] is True


async def test_an_unknown_order_hands_off_at_once(orders):
    reply = await Chat(orders).say("订单9999999999到哪了")
    assert reply.details["code"] == ORDER_UNKNOWN and reply.order == {"order_id": "9999999999",
                                                                     "lookup": "not_found"}


@pytest.mark.parametrize("failing", [FAILED, TIMED_OUT])
async def test_a_failing_or_slow_order_system_hands_off_with_what_it_said(failing):
    reply = await Chat(MemoryOrders([ON_ITS_WAY], failing=failing)).say("where is my order 2023110288?")
    assert reply.details["code"] == ORDER_LOOKUP_FAILED and reply.order["lookup"] == failing
    assert "down on purpose" in reply.handoff_reason


async def test_the_system_failing_at_the_digits_hands_off_too(orders):
    chat = Chat(orders)
    await chat.say("订单2023110288到哪了")
    orders.failing = TIMED_OUT
    assert (await chat.say("5678")).details["code"] == ORDER_LOOKUP_FAILED


async def test_a_person_or_a_complaint_comes_first(orders):
    chat = Chat(orders)
    await chat.say("转人工，我的订单2023110288到哪了")
    await chat.say("订单2023110288到哪了？太差了，我要投诉")
    assert len(chat.kb.answered) == 2 and orders.asked == []


async def test_other_questions_and_words_instead_of_digits_go_to_the_knowledge_base(orders):
    chat = Chat(orders)
    await chat.say("怎么查物流")
    await chat.say("订单2023110288到哪了")
    reply = await chat.say("运费多少")  # asked for the digits, the customer asks something else
    assert reply.text == "from the knowledge base" and chat.kb.answered == ["怎么查物流", "运费多少"]
    # Asked for the number, words without one are the knowledge base's too.
    await chat.say("my parcel still hasn't arrived")
    assert (await chat.say("I don't know it")).text == "from the knowledge base"
