"""One bot turn for one stored customer message: reply, and hand off when the bot says so.

Runs from the outbox, so it survives a crash; safe to run twice (a message has at most
one bot reply, enforced by a unique column).
"""
from __future__ import annotations

import logging
import time

from sqlalchemy.exc import IntegrityError

from bot.responder import Responder
from gateway import texts
from gateway.conversations.channel_port import ChannelRegistry
from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.commands import DeliverMessage, RunBotTurn, SendHandoffStatus
from gateway.conversations.model import ConcurrentUpdate, Sender, Status, plan_transition
from gateway.logs import conversation_context
from gateway.storage.repository import message_view
from gateway.storage.tables import KbProposal, Message
from gateway.storage.unit_of_work import UnitOfWorkFactory
from handoff.events import NobodyOnline, QueueChanged
from handoff.opening import open_handoff
from handoff.queue import NOBODY_ONLINE, notice_text, queue_status
from handoff.service_clocks import CalendarSource, ServiceClocks

log = logging.getLogger(__name__)



class BotTurn:
    def __init__(self, uow_factory: UnitOfWorkFactory, responder: Responder, channels: ChannelRegistry, clock: Clock,
                 bus: MessageBus, sla_seconds: int, *, metrics=None,
                 calendar: CalendarSource = ServiceClocks):
        """`metrics`: optional, with `decision_took(seconds)` and `handed_off(code)` (gateway.metrics)."""
        self._uow = uow_factory
        self._responder = responder
        self._channels = channels
        self._clock = clock
        self._bus = bus
        self._sla_seconds = sla_seconds
        self._metrics = metrics
        self._calendar = calendar

    async def run(self, command: RunBotTurn) -> None:
        message_id = command.message_id
        async with self._uow() as uow:
            message = await uow.conversations.message(message_id)
            if message is None:
                return
            conversation = await uow.conversations.get(message.conversation_id)
            if conversation.status != Status.BOT or await uow.conversations.bot_reply_to(message_id):
                return  # a person owns it now, or this turn already ran
            # The conversation as it stood at this message: a turn that runs late does not read
            # what the customer sent after it.
            history = [message_view(m) for m in await uow.conversations.history(conversation.id)
                       if m.id <= message_id]
            conversation_id, text = conversation.id, message.text
            language = texts.customer_language(history, text)
            channel, chat_id = conversation.channel, conversation.external_chat_id

        with conversation_context(conversation_id):
            try:
                await self._channels.get(channel).send_typing(chat_id, Sender.BOT)
            except Exception:
                log.warning("typing indicator failed", exc_info=True)
            started = time.perf_counter()
            reply = await self._responder.respond(text, history)
            if self._metrics is not None:
                self._metrics.decision_took(time.perf_counter() - started)
            try:
                await self._record(message_id, reply, language)
            except IntegrityError:
                log.info("bot turn already recorded by another run", extra={"message_id": message_id})
            except ConcurrentUpdate:
                # An agent (or a resolve, or another run) acted while the bot was thinking:
                # the reply would come after them, so it is dropped, and the turn is done.
                log.info("conversation changed during the bot turn; reply dropped",
                         extra={"message_id": message_id})

    async def _record(self, message_id: int, reply, language: str) -> None:
        now = self._clock()
        async with self._uow() as uow:
            conversation = await uow.conversations.get(
                (await uow.conversations.message(message_id)).conversation_id
            )
            if conversation.status != Status.BOT:
                return  # an agent took over while the bot was thinking
            # Every reply moves the version on from the one just read, so a takeover that
            # commits between that read and this commit makes it fail, not land after it.
            if reply.handoff_reason:
                change = plan_transition(Status.BOT, Status.QUEUED, actor="bot", reason=reply.handoff_reason)
                await uow.conversations.transition(conversation, change, now, handed_off_at=now)
            else:
                await uow.conversations.touch(conversation, now)
            route = (conversation.channel, conversation.external_chat_id)
            bot_message = await uow.conversations.add_message(
                Message(
                    conversation_id=conversation.id,
                    sender=Sender.BOT,
                    text=reply.text,
                    reply_to_id=message_id,
                    meta={"quick_replies": list(reply.quick_replies), "bot": reply.details,
                          "handoff_reason": reply.handoff_reason},
                    created_at=now,
                )
            )
            uow.outbox.issue(DeliverMessage(*route, bot_message.id), now, conversation.id)
            proposed = reply.proposal
            if proposed:  # the customer confirmed an entry answered these words: editors decide on /kb
                await uow.kb.propose(KbProposal(
                    entry_id=proposed["entry_id"], text=proposed["text"], source=proposed["source"],
                    conversation_id=conversation.id, message_id=proposed.get("message_id"), status="pending",
                    created_at=now))
            if reply.handoff_reason:
                clocks = self._calendar()  # the calendar in force now stamps the deadline, for good
                handoff = await open_handoff(uow, conversation, reply.handoff_reason, reply.details, message_id,
                                             await self._customer_text(uow, message_id), now, self._sla_seconds,
                                             clocks)
                status = await queue_status(uow, handoff, now, clocks.hours)
                notice = await uow.conversations.add_message(
                    Message(
                        conversation_id=conversation.id,
                        sender=Sender.SYSTEM,
                        text=notice_text(language, status, clocks.hours),
                        meta={"handoff": status.to_event()},
                        created_at=now,
                    )
                )
                uow.outbox.issue(DeliverMessage(*route, notice.id), now, conversation.id)
                uow.outbox.issue(SendHandoffStatus(*route, status.to_event()), now, conversation.id)
                log.info("handed off", extra={"reason": reply.handoff_reason, "position": status.position,
                                              "handoff_kind": handoff.kind})
            await uow.commit()
        if reply.handoff_reason:
            if self._metrics is not None:  # counted once committed, so a dropped turn is not counted
                self._metrics.handed_off(handoff.kind)
            if status.notice == NOBODY_ONLINE:
                await self._bus.publish(NobodyOnline(conversation.id, handoff.id, handoff.kind, handoff.queued_at,
                                                     handoff.first_response_due_at))
            await self._bus.publish(QueueChanged("hand-off"))

    async def _customer_text(self, uow, message_id: int) -> str:
        return (await uow.conversations.message(message_id)).text
