"""Hand-off as the conversation pipeline asks for it (`HandoffPort`): where a waiting customer
stands, and opening a hand-off inside the bot turn's own transaction."""
from __future__ import annotations

import logging
from datetime import datetime

from gateway.conversations.commands import DeliverMessage, SendHandoffStatus
from gateway.conversations.model import Sender, Status
from gateway.conversations.ports import ConversationRecord, HandoffOpened
from gateway.conversations.views import HandoffStatus
from handoff.events import NobodyOnline, QueueChanged
from handoff.opening import open_handoff
from handoff.queue import NOBODY_ONLINE, notice_text, queue_status
from handoff.service_clocks import CalendarSource, ServiceClocks

log = logging.getLogger(__name__)


class PipelineHandoffs:
    """Implements the pipeline's `HandoffPort` on hand-off's own ports: the unit of work the
    pipeline passes in is a `DeskUnitOfWork` too."""

    def __init__(self, sla_seconds: int, calendar: CalendarSource = ServiceClocks):
        self._sla_seconds = sla_seconds
        self._calendar = calendar

    async def status(self, uow, conversation_id: str, at: datetime) -> HandoffStatus | None:
        conversation = await uow.chats.conversation(conversation_id)
        if conversation is None or conversation.status != Status.QUEUED:
            return None
        handoff = await uow.desk.open_handoff_of(conversation_id)
        return await queue_status(uow, handoff, at, self._calendar().hours) if handoff else None

    async def open(self, uow, conversation: ConversationRecord, reason: str, details: dict, message_id: int,
                   customer_text: str, language: str, at: datetime) -> HandoffOpened:
        clocks = self._calendar()  # the calendar in force now stamps the deadline, for good
        handoff = await open_handoff(uow, conversation, reason, details, message_id, customer_text, at,
                                     self._sla_seconds, clocks)
        status = await queue_status(uow, handoff, at, clocks.hours)
        notice = await uow.chats.add_message(conversation.id, Sender.SYSTEM,
                                             notice_text(language, status, clocks.hours), at,
                                             meta={"handoff": status.to_event()})
        route = (conversation.channel, conversation.external_chat_id)
        uow.outbox.issue(DeliverMessage(*route, notice.id), at, conversation.id)
        uow.outbox.issue(SendHandoffStatus(*route, status.to_event()), at, conversation.id)
        log.info("handed off", extra={"reason": reason, "position": status.position, "handoff_kind": handoff.kind})
        events: list[object] = []
        if status.notice == NOBODY_ONLINE:
            events.append(NobodyOnline(conversation.id, handoff.id, handoff.kind, handoff.queued_at,
                                       handoff.first_response_due_at))
        events.append(QueueChanged("hand-off"))
        return HandoffOpened(handoff.kind, status, tuple(events))
