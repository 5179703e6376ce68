"""Outbound: a stored message or status goes out through its conversation's own channel.

What the channel says about a message (its own ids, or that it could not be sent) is kept
in `deliveries`, so agents see which replies have not reached the customer.
"""
from __future__ import annotations

from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.channel_port import ChannelRegistry
from gateway.conversations.commands import DeliverMessage, RequestCsat, SendHandoffStatus, decode
from gateway.conversations.events import BotTyping, DeliveryChanged
from gateway.conversations.model import Sender
from gateway.conversations.ports import PipelineUnitOfWorkFactory
from gateway.conversations.views import HandoffStatus

SENDING = "sending"
UNCERTAIN = ("the gateway stopped while sending this, so it may or may not have reached the customer; "
             "it was not sent again, to avoid a duplicate")


class Delivery:
    def __init__(self, uow_factory: PipelineUnitOfWorkFactory, channels: ChannelRegistry, clock: Clock, bus: MessageBus,
                 *, metrics=None):
        """`metrics`: optional, with `message_sent(channel, sender)` (gateway.metrics)."""
        self._uow = uow_factory
        self._channels = channels
        self._clock = clock
        self._bus = bus
        self._metrics = metrics

    async def message(self, command: DeliverMessage) -> None:
        message_id = command.message_id
        channel = self._channels.get(command.channel)
        async with self._uow() as uow:
            view = await uow.chats.message(message_id)
            earlier = await uow.deliveries.delivery(message_id)
            if earlier is not None and earlier.status == "sent":
                return  # a second run of this delivery (another process, a retry after a crash)
            failed_before = earlier is not None and earlier.status != SENDING
            if not channel.resend_is_harmless:
                if earlier is not None and earlier.status == SENDING:
                    await self._uncertain(uow, view, command.channel, earlier.attempts)
                    return
                # Written before the send: if the process dies during it, the next try knows.
                await uow.deliveries.record_delivery(message_id, command.channel, SENDING, self._clock())
                await uow.commit()
        ids = await channel.send_text(command.chat_id, view)
        if self._metrics is not None:  # a failed try raises before this: only accepted sends count
            self._metrics.message_sent(command.channel, view.sender)
        if not ids and not failed_before and channel.resend_is_harmless:
            return  # nothing worth a write: the common case on the web chat
        async with self._uow() as uow:
            delivered = await uow.deliveries.record_delivery(message_id, command.channel, "sent", self._clock(),
                                                             external_ids=ids)
            attempts = delivered.attempts
            await uow.commit()
        if failed_before:
            await self._bus.publish(DeliveryChanged(view.conversation_id, message_id, "sent", attempts, None))

    async def _uncertain(self, uow, view, channel: str, attempts: int) -> None:
        """A send that was under way when the process stopped: it may have reached the customer.
        Sending again could show them the reply twice, so it is not resent; the agent is told."""
        await uow.deliveries.record_delivery(view.id, channel, "failed", self._clock(), attempts=attempts,
                                           error=UNCERTAIN)
        await uow.commit()
        await self._bus.publish(DeliveryChanged(view.conversation_id, view.id, "failed", attempts, UNCERTAIN))

    async def failed(self, kind: str, payload: dict, error: Exception, attempts: int, gave_up: bool) -> None:
        """The outbox worker's report of a failed try."""
        if kind != DeliverMessage.KIND:
            return
        command = decode(DeliverMessage, payload)
        message_id = command.message_id
        status = "failed" if gave_up else "retrying"
        text = str(error) or type(error).__name__
        async with self._uow() as uow:
            message = await uow.chats.message(message_id)
            if message is None:
                return
            await uow.deliveries.record_delivery(message_id, command.channel, status, self._clock(),
                                               attempts=attempts, error=text)
            conversation_id = message.conversation_id
            await uow.commit()
        await self._bus.publish(DeliveryChanged(conversation_id, message_id, status, attempts, text))

    async def csat_request(self, command: RequestCsat) -> None:
        await self._channels.get(command.channel).send_csat_request(command.chat_id)

    async def typing(self, event: BotTyping) -> None:
        await self._channels.get(event.channel).send_typing(event.external_chat_id, Sender.BOT)

    async def handoff(self, command: SendHandoffStatus) -> None:
        await self._channels.get(command.channel).send_handoff(command.chat_id, HandoffStatus(**command.status))
