"""`build()` with parts replaced: the gateway's own wiring around a fake channel or a unit of
work that fails on purpose, instead of patching classes behind its back."""
import asyncio

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from gateway.conversations.channel_port import InboundMessage, OutputChannel
from gateway.conversations.views import HandoffStatus, MessageView
from gateway.storage.tables import Message
from gateway.storage.unit_of_work import UnitOfWork
from tests.chat_client import ChatClient
from tests.conftest import make_settings, start_server


class RecordingChannel(OutputChannel):
    """A channel the gateway knows only through the port: it keeps what it was asked to send."""

    name = "sms"

    def __init__(self):
        self.texts: list[tuple[str, str, str]] = []  # chat id, sender, text
        self.handoffs: list[tuple[str, str]] = []  # chat id, state

    async def send_text(self, chat_id: str, message: MessageView) -> list[str]:
        self.texts.append((chat_id, message.sender, message.text))
        return [f"sms-{len(self.texts)}"]

    async def send_handoff(self, chat_id: str, status: HandoffStatus) -> None:
        self.handoffs.append((chat_id, status.state))


async def until(condition, what: str, seconds: float = 20):
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still waiting for {what}")


async def test_a_channel_given_to_build_gets_the_bot_answer_and_the_hand_off(sqlite_url, tmp_path, encoders):
    sms = RecordingChannel()
    live = await start_server(make_settings(sqlite_url, tmp_path), encoders, channels=[sms])
    try:
        intake = live.gateway.intake
        await intake.receive(InboundMessage("sms", "+4470000", "+4470000", "How long does delivery take?",
                                            external_message_id="sms-in-1"))
        await until(lambda: any(sender == "bot" for _, sender, _ in sms.texts), "the bot's answer")
        assert {chat for chat, _, _ in sms.texts} == {"+4470000"}

        await intake.receive(InboundMessage("sms", "+4470000", "+4470000", "I want to talk to a person",
                                            external_message_id="sms-in-2"))
        await until(lambda: ("+4470000", "queued") in sms.handoffs, "the queue notice")
        # The queue position goes out as text too, for a channel with no richer display.
        await until(lambda: any(sender == "system" and "queue" in text for _, sender, text in sms.texts),
                    "the queue position as text")
    finally:
        await live.stop()


class CommitsFail(UnitOfWork):
    """Every transaction of the gateway fails at its commit while `failing` is set."""

    failing = False

    async def commit(self) -> None:
        if CommitsFail.failing:
            await self.session.flush()  # the message has its id; only the commit is missing
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        await super().commit()


async def test_no_stored_ack_when_the_commit_fails(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path), encoders, unit_of_work=CommitsFail)
    client = await ChatClient().connect(live.url)
    try:
        CommitsFail.failing = True
        ack = await client.send("never kept", "c-1")
        CommitsFail.failing = False
        assert ack["error"]["code"] == "unavailable"
        assert await count_messages(live) == 0

        assert (await client.send("kept", "c-2"))["status"] == "stored"
        assert await count_messages(live) == 1
    finally:
        CommitsFail.failing = False
        await client.close()
        await live.stop()


async def count_messages(live) -> int:
    async with live.gateway.session_factory() as s:
        return (await s.execute(select(func.count()).select_from(Message).where(Message.sender == "customer"))).scalar_one()
