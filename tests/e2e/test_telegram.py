"""Telegram end to end: aiogram talks HTTP to a fake Bot API server on 127.0.0.1, the
gateway runs whole (real models, real database), agents act through the REST API."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from sqlalchemy import select

from gateway.storage.tables import CsatResponse, Delivery, Message, TelegramUpdate
from tests.agent_client import AgentClient
from tests.conftest import start_server
from tests.fake_telegram import CUSTOMER, telegram_settings

PASSWORD = "correct horse battery"
SHIPPING_ANSWER = "中国大陆统一运费¥8/单"
OTHER = {"id": 2002, "is_bot": False, "first_name": "Sam", "language_code": "en"}


@pytest.fixture
def fake(fake_telegram):
    return fake_telegram


@pytest.fixture
async def live(sqlite_url, tmp_path, encoders, fake):
    server = await start_server(telegram_settings(sqlite_url, tmp_path, fake), encoders)
    yield server
    await server.stop()


async def rows(server, model, **where):
    async with server.gateway.session_factory() as s:
        return list((await s.execute(select(model).filter_by(**where))).scalars().all())


class Agent:
    """An agent working through the REST API, as an outside console would."""

    def __init__(self, server, token: str):
        self.server, self.headers = server, {"Authorization": f"Bearer {token}"}

    @classmethod
    async def login(cls, server, username="ann", role="agent") -> "Agent":
        await server.gateway.accounts.add_user(username, role, PASSWORD)
        token, _ = await server.gateway.accounts.login(username, PASSWORD)
        return cls(server, token)

    async def request(self, method: str, path: str, body=None) -> tuple[int, dict]:
        async with aiohttp.ClientSession() as http:
            async with http.request(method, self.server.url + path, json=body, headers=self.headers) as r:
                return r.status, await r.json()

    async def queued_conversation(self) -> dict:
        for _ in range(200):
            status, body = await self.request("GET", "/api/conversations?status=queued")
            if body["conversations"]:
                return body["conversations"][0]
            await asyncio.sleep(0.05)
        raise AssertionError("nothing was queued")


async def claimed_by_an_agent(live, fake) -> tuple[Agent, dict, str]:
    """A customer who asked for a person, and an agent who took the conversation."""
    fake.text("转人工")
    await fake.wait_for_text("当前排在第 1 位")
    agent = await Agent.login(live)
    queued = await agent.queued_conversation()
    path = f"/api/conversations/{queued['id']}"
    assert (await agent.request("POST", path + "/claim"))[0] == 200
    return agent, queued, path


def buttons(call) -> list[str]:
    markup = json.loads(call.params["reply_markup"])
    return [b["text"] for row in markup["inline_keyboard"] for b in row]


async def test_an_faq_is_answered_with_feedback_buttons(live, fake):
    fake.text("运费多少钱？")
    answer = await fake.wait_for_text(SHIPPING_ANSWER)
    assert answer.params["chat_id"] == str(CUSTOMER["id"])
    assert buttons(answer) == ["有帮助", "没有帮助", "转人工"]
    assert fake.sent("sendChatAction")  # "typing…" while the bot looked it up

    fake.press(answer, "有帮助")
    await fake.wait_for_text("很高兴能帮到您")
    await fake.wait_for(lambda c: c.method == "answerCallbackQuery", what="the button press answered")
    [conversation_messages] = [await rows(live, Message, sender="customer")]
    assert [m.text for m in conversation_messages] == ["运费多少钱？", "有帮助"]


async def live_deciding_at(sqlite_url, tmp_path, encoders, fake, answer: float, clarify: float):
    return await start_server(telegram_settings(sqlite_url, tmp_path, fake, gateway_bot_answer_threshold=answer,
                                                gateway_bot_clarify_threshold=clarify), encoders)


@pytest.fixture
async def eager_live(sqlite_url, tmp_path, encoders, fake):
    """A bot that answers whenever it leans one way, so answers are sure to come."""
    server = await live_deciding_at(sqlite_url, tmp_path, encoders, fake, answer=0.05, clarify=0.01)
    yield server
    await server.stop()


def answer_with_buttons(call) -> bool:
    return call.method == "sendMessage" and "reply_markup" in call.params and "有帮助" in buttons(call)


async def test_helpful_pressed_under_an_older_answer_proposes_that_answers_question(eager_live, fake):
    from gateway.storage.tables import KbEntry, KbProposal

    fake.text("公司报销要开发票咋弄")
    first = await fake.wait_for(answer_with_buttons, what="the first answer")
    fake.text("茶叶放冰箱能存多久")
    second = await fake.wait_for(lambda c: c is not first and answer_with_buttons(c), what="the second answer")
    assert second.params["text"] != first.params["text"]  # two entries: crediting the latest would be wrong
    fake.press(first, "有帮助")  # scrolled up: the first answer is the one that helped
    await fake.wait_for_text("很高兴能帮到您")
    [proposal] = await rows(eager_live, KbProposal)
    [answered] = await rows(eager_live, KbEntry, answer=first.params["text"])
    assert (proposal.entry_id, proposal.text, proposal.source) == (answered.id, "公司报销要开发票咋弄", "helpful")


@pytest.fixture
async def unsure_live(sqlite_url, tmp_path, encoders, fake):
    """A bot that asks about everything it is not certain of, so a clarify is sure to come."""
    server = await live_deciding_at(sqlite_url, tmp_path, encoders, fake, answer=0.999, clarify=0.0001)
    yield server
    await server.stop()


async def test_a_clarify_comes_as_buttons_and_the_pressed_one_is_answered(unsure_live, fake):
    from gateway.storage.tables import KbEntry, KbProposal

    fake.text("寄到我家要多少钱")
    clarify = await fake.wait_for_text("您是想问以下哪个问题")
    options = buttons(clarify)
    assert 3 <= len(options) <= 4 and options[-1] == "转人工"
    fake.press(clarify, options[1])
    [entry] = await rows(unsure_live, KbEntry, question=options[1])
    await fake.wait_for_text(entry.answer[:20])
    [proposal] = await rows(unsure_live, KbProposal)
    assert (proposal.entry_id, proposal.text, proposal.source) == (entry.id, "寄到我家要多少钱", "clarify")


async def test_start_and_help_answer_in_the_customers_language(live, fake):
    fake.text("/start")
    await fake.wait_for_text("我是本店的智能客服")
    fake.text("/help", user=OTHER)
    help_text = await fake.wait_for_text("Ask your question in a message")
    assert help_text.params["chat_id"] == str(OTHER["id"])
    fake.push({"message": fake.message(dice={"emoji": "🎲", "value": 3})})
    await fake.wait_for_text("无法识别这类消息")
    assert not await rows(live, Message, sender="customer")  # commands are not questions for the bot


async def test_asking_for_a_person_hands_off_and_the_agents_reply_is_delivered(live, fake):
    fake.text("转人工")
    await fake.wait_for_text("正在为您转接人工客服")
    await fake.wait_for_text("当前排在第 1 位")
    agent = await Agent.login(live)
    queued = await agent.queued_conversation()
    assert queued["channel"] == "telegram"

    status, context = await agent.request("GET", f"/api/conversations/{queued['id']}")
    assert status == 200
    assert context["customer"]["display_name"] == "Lin Wei (@linwei_tea)"
    # The console's search finds a Telegram customer by the username they write under.
    status, found = await agent.request("GET", "/api/conversations/search?q=linwei_tea")
    assert status == 200 and [c["id"] for c in found["conversations"]] == [queued["id"]]
    assert context["customer"]["identities"] == [{"channel": "telegram", "handle": str(CUSTOMER["id"])}]

    assert (await agent.request("POST", f"/api/conversations/{queued['id']}/claim"))[0] == 200
    status, _ = await agent.request("POST", f"/api/conversations/{queued['id']}/reply",
                                    {"text": "您好，我是客服小安，请问有什么可以帮您？"})
    assert status == 200
    reply = await fake.wait_for_text("我是客服小安")
    assert reply.params["chat_id"] == str(CUSTOMER["id"]) and "reply_markup" not in reply.params

    long_text = "这是一段很长的说明。" * 600  # 6,000 characters: over Telegram's 4,096
    await agent.request("POST", f"/api/conversations/{queued['id']}/reply", {"text": long_text})
    await fake.wait_for(lambda c: c.method == "sendMessage" and c.params["text"].endswith("说明。")
                        and c is not reply and len(fake.sent()) >= 5, what="both parts of the long reply")
    parts = [c.params["text"] for c in fake.sent()][-2:]
    assert all(len(p) <= 4096 for p in parts) and "".join(parts) == long_text
    [delivery] = [d for d in await rows(live, Delivery) if len(d.external_ids) == 2]
    assert delivery.status == "sent"


async def test_a_repeated_update_is_ignored(live, fake):
    first = fake.text("运费多少钱？")
    await fake.wait_for_text(SHIPPING_ANSWER)
    fake.redeliver(first)  # as Telegram does when it did not hear the confirmation
    fake.text("退货政策是什么？")
    await fake.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] != fake.sent()[0].params["text"],
                        what="the answer to the second question")
    await asyncio.sleep(0.3)
    assert [m.text for m in await rows(live, Message, sender="customer")] == ["运费多少钱？", "退货政策是什么？"]
    assert len(fake.sent_texts_containing(SHIPPING_ANSWER)) == 1
    assert len(await rows(live, TelegramUpdate)) == 2


async def test_a_restart_resumes_after_the_last_handled_update(database_url, tmp_path, encoders, fake):
    settings = telegram_settings(database_url, tmp_path, fake)
    first = await start_server(settings, encoders)
    try:
        handled = fake.text("运费多少钱？")
        await fake.wait_for_text(SHIPPING_ANSWER)
    finally:
        await first.stop()
    fake.offsets.clear()
    later = fake.text("how long does delivery take?", user=OTHER)
    second = await start_server(settings, encoders)
    try:
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == str(OTHER["id"]),
                            what="the answer after the restart")
        assert fake.offsets[0] == handled["update_id"] + 1  # not None: nothing is fetched twice
        assert later["update_id"] == handled["update_id"] + 1
        assert len(fake.sent_texts_containing(SHIPPING_ANSWER)) == 1
    finally:
        await second.stop()


async def test_a_429_is_waited_out_and_retried(live, fake):
    fake.script("sendMessage", (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                      "parameters": {"retry_after": 1}}))
    fake.text("运费多少钱？")
    await fake.wait_for(lambda c: len(fake.sent_texts_containing(SHIPPING_ANSWER)) == 2, what="the retry")
    refused, accepted = fake.sent_texts_containing(SHIPPING_ANSWER)
    assert refused.result["error_code"] == 429 and accepted.result["message_id"]
    assert accepted.at - refused.at >= 0.95  # Telegram's retry_after, honoured
    await asyncio.sleep(0.3)
    assert len(fake.sent_texts_containing(SHIPPING_ANSWER)) == 2  # delivered once, not again


async def test_an_outage_queues_replies_shows_them_failed_and_delivers_them_in_order(live, fake):
    agent, queued, path = await claimed_by_an_agent(live, fake)
    console = await AgentClient().connect(live.url, agent.headers["Authorization"].split()[1])
    try:
        await fake.go_down()
        for text in ("第一条", "第二条", "第三条"):
            assert (await agent.request("POST", path + "/reply", {"text": text}))[0] == 200
        failed = await console.wait_for("delivery", lambda e: e["status"] == "retrying", timeout=10)
        assert failed["conversation_id"] == queued["id"] and "unreachable" in failed["error"]
        _, context = await agent.request("GET", path)
        waiting = [m for m in context["transcript"] if m["text"] == "第一条"]
        assert waiting[0]["delivery"]["status"] == "retrying"

        await fake.come_back()
        await fake.wait_for_text("第三条", timeout=30)
        order = [c.params["text"] for c in fake.sent() if c.params["text"].startswith("第")]
        assert order == ["第一条", "第二条", "第三条"]
        await console.wait_for("delivery", lambda e: e["status"] == "sent", timeout=10)
        _, context = await agent.request("GET", path)
        assert all(m["delivery"]["status"] == "sent" for m in context["transcript"] if m["text"].startswith("第"))
    finally:
        await console.close()


async def test_a_blocked_bot_marks_the_reply_failed_at_once(live, fake):
    agent, queued, path = await claimed_by_an_agent(live, fake)
    fake.script("sendMessage", (403, {"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot was blocked by the user"}))
    await agent.request("POST", path + "/reply", {"text": "您好？"})
    for _ in range(200):
        _, context = await agent.request("GET", path)
        [mine] = [m for m in context["transcript"] if m["text"] == "您好？"]
        if mine.get("delivery", {}).get("status", "sending") != "sending":
            break
        await asyncio.sleep(0.05)
    assert mine["delivery"]["status"] == "failed" and "blocked" in mine["delivery"]["error"]
    assert mine["delivery"]["attempts"] == 1


async def test_a_photo_is_acknowledged_and_reaches_the_agent_as_an_attachment(live, fake):
    fake.photo()
    ack = await fake.wait_for_text("文件已保存")
    assert buttons(ack) == ["转人工"]
    fake.press(ack, "转人工")
    await fake.wait_for_text("当前排在第 1 位")
    agent = await Agent.login(live)
    queued = await agent.queued_conversation()
    console = await AgentClient().connect(live.url, agent.headers["Authorization"].split()[1])
    try:
        fake.photo(caption="盒子压坏了")
        live_event = await console.wait_for("message", lambda m: m.get("attachments"))
        assert live_event["text"] == "盒子压坏了"
    finally:
        await console.close()
    _, context = await agent.request("GET", f"/api/conversations/{queued['id']}")
    with_files = [m for m in context["transcript"] if m.get("attachments")]
    assert len(with_files) == 2
    photo = with_files[0]["attachments"][0]
    assert photo == {"kind": "photo", "file_id": "photo-3", "size": 1280 * 90}  # the largest size
    assert with_files[0]["sender"] == "customer" and with_files[0]["text"] == ""
    assert "[photo]" in context["summary"] or "盒子压坏了" in context["summary"]


async def test_an_edit_is_recorded_as_a_new_record_pointing_at_the_original(live, fake):
    original = fake.text("我的订单号是 1234")
    await fake.wait_for(lambda c: c.method == "sendMessage", what="the bot's reply")
    fake.edit(original, "我的订单号是 5678")
    for _ in range(200):
        customer = await rows(live, Message, sender="customer")
        if len(customer) == 2:
            break
        await asyncio.sleep(0.05)
    first, edit = sorted(customer, key=lambda m: m.id)
    assert (first.text, edit.text) == ("我的订单号是 1234", "我的订单号是 5678")
    assert edit.meta["edit_of"] == first.id
    await asyncio.sleep(0.5)
    assert len(await rows(live, Message, sender="bot")) == 1  # the bot does not answer an edit again


async def test_csat_is_asked_with_buttons_after_resolve(live, fake):
    agent, queued, path = await claimed_by_an_agent(live, fake)
    await agent.request("POST", path + "/reply", {"text": "已为您处理好了。"})
    assert (await agent.request("POST", path + "/resolve"))[0] == 200
    ask = await fake.wait_for(lambda c: c.method == "sendMessage" and "reply_markup" in c.params
                              and "5⭐" in buttons(c), what="the rating request")
    assert buttons(ask) == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"]
    fake.press(ask, "5⭐")
    await fake.wait_for(lambda c: c.method == "editMessageReplyMarkup", what="the rating buttons removed")
    [csat] = await rows(live, CsatResponse, conversation_id=queued["id"])
    assert csat.score == 5
    fake.press(ask, "1⭐")  # an old keyboard still on the customer's screen
    await fake.wait_for(lambda c: c.method == "answerCallbackQuery" and "已经评价" in c.params.get("text", ""),
                        what="the second rating refused")
    assert [c.score for c in await rows(live, CsatResponse)] == [5]


async def test_a_pressed_button_from_another_chat_is_refused(live, fake):
    fake.text("运费多少钱？")
    answer = await fake.wait_for_text(SHIPPING_ANSWER)
    fake.press(answer, "转人工", user=OTHER, chat_id=OTHER["id"])  # the callback data, replayed from another chat
    await fake.wait_for(lambda c: c.method == "answerCallbackQuery", what="the press answered")
    assert [m.text for m in await rows(live, Message, sender="customer")] == ["运费多少钱？"]


WEBHOOK = "https://shop.example/telegram/webhook"
SECRET = "s3cret_token-for-tests"


@pytest.fixture
async def webhook_live(sqlite_url, tmp_path, encoders, fake):
    server = await start_server(telegram_settings(sqlite_url, tmp_path, fake, telegram_webhook_url=WEBHOOK,
                                                  telegram_webhook_secret=SECRET), encoders)
    yield server
    await server.stop()


async def test_webhook_mode_checks_the_secret_on_every_call(webhook_live, fake):
    registered = await fake.wait_for(lambda c: c.method == "setWebhook", what="the webhook registered")
    assert registered.params["url"] == WEBHOOK and registered.params["secret_token"] == SECRET
    update = {"update_id": 77, "message": fake.message("运费多少钱？")}
    url = webhook_live.url + "/telegram/webhook"
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as r:
                assert r.status == 401 and (await r.json())["error"]["code"] == "unauthorized"
        assert not await rows(webhook_live, Message)
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(url, data="{not json", headers=right) as r:
            assert r.status == 400
        async with http.post(url, json={"update_id": "x"}, headers=right) as r:
            assert r.status == 422
        for _ in range(2):  # Telegram retrying a call it thinks failed
            async with http.post(url, json=update, headers=right) as r:
                assert r.status == 200
    await fake.wait_for_text(SHIPPING_ANSWER)
    await asyncio.sleep(0.3)
    assert len(fake.sent_texts_containing(SHIPPING_ANSWER)) == 1
    assert not fake.sent("getUpdates")  # no polling in webhook mode
