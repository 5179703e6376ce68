"""One bot turn for one stored customer message: reply, and hand off when the bot says so.

Runs from the outbox, so it survives a crash; safe to run twice (a message has at most
one bot reply, enforced by a unique column).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from bot.responder import Responder
from gateway import texts
from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.commands import DeliverMessage, RunBotTurn
from gateway.conversations.events import BotMessageStored, BotTyping
from gateway.conversations.model import ConcurrentUpdate, Sender, Status, plan_transition
from gateway.conversations.ports import HandoffPort, PipelineUnitOfWorkFactory, StoreConflict
from gateway.conversations.webhook_events import record_message
from gateway.logs import conversation_context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Turn:
    conversation_id: str
    channel: str
    chat_id: str
    text: str  # the customer's words it answers, together
    language: str
    history: list  # the conversation as it stood at the message
    answers: list[int]  # the customer messages it answers


class BotTurn:
    def __init__(self, uow_factory: PipelineUnitOfWorkFactory, responder: Responder, clock: Clock, bus: MessageBus,
                 *, handoffs: HandoffPort, metrics=None):
        """`metrics`: optional, with `decision_took(seconds)` and `handed_off(code)` (gateway.metrics)."""
        self._uow = uow_factory
        self._responder = responder
        self._clock = clock
        self._bus = bus
        self._handoffs = handoffs
        self._metrics = metrics

    async def run(self, command: RunBotTurn) -> None:
        message_id = command.message_id
        turn = await self._read(message_id)
        if turn is None:
            return
        with conversation_context(turn.conversation_id):
            await self._bus.publish(BotTyping(turn.channel, turn.chat_id))  # best effort: the bus isolates a failure
            started = time.perf_counter()
            reply = await self._responder.respond(turn.text, turn.history)
            if self._metrics is not None:
                self._metrics.decision_took(time.perf_counter() - started)
            try:
                await self._record(message_id, turn.text, reply, turn.language, turn.answers)
            except StoreConflict:
                log.info("bot turn already recorded by another run", extra={"message_id": message_id})
            except ConcurrentUpdate:
                # An agent (or a resolve, or another run) acted while the bot was thinking:
                # the reply would come after them, so it is dropped, and the turn is done.
                log.info("conversation changed during the bot turn; reply dropped",
                         extra={"message_id": message_id})

    async def _read(self, message_id: int) -> _Turn | None:
        """What the turn answers, or None when it has nothing to do. Through the database's
        gate like any writer, though it only reads: that gate is what holds the bot back while
        customers' messages wait for their acks."""
        async with self._uow() as uow:
            message = await uow.chats.message(message_id)
            if message is None:
                return None
            conversation = await uow.chats.conversation(message.conversation_id)
            if conversation.status != Status.BOT or await uow.chats.bot_replied_to(message_id):
                return None  # a person owns it now, or this turn already ran
            everything = await uow.chats.history(conversation.id)
        if message_id in written_on(everything):
            # The customer wrote on before the bot got to this: the turn of their newest
            # words answers them all at once, as a person reading the chat would.
            log.info("answered together with the customer's next message", extra={"message_ids": [message_id]})
            return None
        # The conversation as it stood at this message: a turn that runs late does not read
        # what the customer sent after it.
        history = [m for m in everything if m.id <= message_id]
        together = unanswered_run(history) if typed(message) else [message]
        text = "\n".join(m.text for m in together)
        return _Turn(conversation.id, conversation.channel, conversation.external_chat_id, text,
                     texts.customer_language(history, text), history, [m.id for m in together])

    async def superseded(self, commands: list[RunBotTurn]) -> set[int]:
        """Which of these turns, one conversation's in order, would answer nothing because the
        customer has typed more since (`run` leaves those words to the newest one's turn). One
        read for them all; a turn this does not name runs and decides for itself."""
        async with self._uow() as uow:
            first = await uow.chats.message(commands[0].message_id)
            if first is None:
                return set()
            history = await uow.chats.history(first.conversation_id)
        later = written_on(history)
        skip = {i for i, c in enumerate(commands) if c.message_id in later}
        if skip:
            log.info("answered together with the customer's next message",
                     extra={"message_ids": [commands[i].message_id for i in sorted(skip)]})
        return skip

    async def _record(self, message_id: int, customer_text: str, reply, language: str, answers: list[int]) -> None:
        now = self._clock()
        opened = None
        async with self._uow() as uow:
            conversation = await uow.chats.conversation((await uow.chats.message(message_id)).conversation_id)
            if conversation.status != Status.BOT:
                return  # an agent took over while the bot was thinking
            # Every reply moves the version on from the one just read, so a takeover that
            # commits between that read and this commit makes it fail, not land after it.
            if reply.handoff_reason:
                change = plan_transition(Status.BOT, Status.QUEUED, actor="bot", reason=reply.handoff_reason)
                conversation = await uow.chats.transition(conversation, change, now, handed_off_at=now)
            else:
                conversation = await uow.chats.touch(conversation, now)
            bot_message = await uow.chats.add_message(
                conversation.id, Sender.BOT, reply.text, now, reply_to_id=message_id,
                meta={"quick_replies": list(reply.quick_replies), "bot": reply.details,
                      "handoff_reason": reply.handoff_reason,
                      **({"order": reply.order} if reply.order else {}),
                      # Every customer message this reply answers, its own included.
                      **({"answers": answers} if len(answers) > 1 else {})})
            await record_message(uow.webhook_events, bot_message)
            uow.outbox.issue(DeliverMessage(conversation.channel, conversation.external_chat_id, bot_message.id),
                             now, conversation.id)
            proposed = reply.proposal
            if proposed:  # the customer confirmed an entry answered these words: editors decide on /kb
                await uow.proposals.propose_alternate(proposed["entry_id"], proposed["text"], proposed["source"],
                                                      conversation.id, proposed.get("message_id"), now)
            if reply.handoff_reason:
                opened = await self._handoffs.open(uow, conversation, reply.handoff_reason, reply.details,
                                                   message_id, customer_text, language, now)
            await uow.commit()
        await self._bus.publish(BotMessageStored(bot_message))
        if opened is not None:
            if self._metrics is not None:  # counted once committed, so a dropped turn is not counted
                self._metrics.handed_off(opened.kind)
            for event in opened.after_commit:
                await self._bus.publish(event)


def written_on(history) -> set[int]:
    """Ids of the customer's typed messages that more typed words followed: a turn for one of
    them answers nothing, and the newest one's answers them together. Only ever true once true,
    as messages are never changed or taken back."""
    words = [m.id for m in history if m.sender == Sender.CUSTOMER and typed(m)]
    return set(words[:-1])


def typed(message) -> bool:
    """Words the customer typed, as opposed to a button press, a file or a correction: only
    those are read together."""
    meta = message.meta or {}
    return bool(message.text.strip()) and not any(k in meta for k in ("payload", "pressed_on", "attachments",
                                                                        "edit_of"))


def unanswered_run(history) -> list:
    """The customer's typed messages since anyone else last spoke, ending with the newest."""
    run = []
    for message in reversed(history):
        if message.sender != Sender.CUSTOMER or not typed(message):
            break
        run.append(message)
    return run[::-1]
