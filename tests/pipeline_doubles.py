"""The pipeline's other ports in memory: hand-off, an output channel that notes typing, the bus."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.responder import BotReply
from gateway.bus import MessageBus
from gateway.channels.collecting import CollectingChannel
from gateway.conversations.model import Status
from gateway.conversations.ports import ConversationRecord, HandoffOpened
from gateway.conversations.views import HandoffStatus


@dataclass(frozen=True)
class QueueJoined:
    conversation_id: str


class RecordingHandoffs:
    """Opens every hand-off as place 1 in the queue and remembers what the pipeline passed."""

    def __init__(self):
        self.opened: list[dict] = []
        self.waiting = HandoffStatus("queued", position=1, agents_online=1)

    async def status(self, uow, conversation_id: str, at: datetime) -> HandoffStatus | None:
        conversation = await uow.chats.conversation(conversation_id)
        return self.waiting if conversation is not None and conversation.status == Status.QUEUED else None

    async def open(self, uow, conversation: ConversationRecord, reason: str, details: dict, message_id: int,
                   customer_text: str, language: str, at: datetime) -> HandoffOpened:
        self.opened.append({"conversation": conversation, "reason": reason, "message_id": message_id,
                            "customer_text": customer_text, "language": language})
        return HandoffOpened("person", self.waiting, (QueueJoined(conversation.id),))


class ScriptedBot:
    """Answers with the reply it is given; `thinking` runs while it 'composes' it."""

    def __init__(self, reply: BotReply, thinking=None):
        self.reply, self.thinking, self.heard = reply, thinking, []

    async def respond(self, text, history):
        self.heard.append((text, [m.text for m in history]))
        if self.thinking is not None:
            await self.thinking()
        return self.reply


class TypingChannel(CollectingChannel):
    def __init__(self, name: str = "collect", *, typing_fails: bool = False):
        super().__init__(name)
        self.typing: list[str] = []
        self._typing_fails = typing_fails

    async def send_typing(self, chat_id: str, sender: str) -> None:
        if self._typing_fails:
            raise ConnectionError("typing indicator refused")
        self.typing.append(chat_id)


class RecordingBus(MessageBus):
    def __init__(self):
        super().__init__()
        self.published: list[object] = []

    async def publish(self, event) -> None:
        self.published.append(event)
        await super().publish(event)

    def of(self, kind: type) -> list:
        return [e for e in self.published if isinstance(e, kind)]


class SteppingClock:
    """Each reading a second after the last: orderings by time are never ties."""

    def __init__(self, start: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)):
        self._now = start

    def __call__(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
