"""What the staff route modules may use, handed over by bootstrap in one bundle so that a new
page's routes need no new wiring."""
from __future__ import annotations

from dataclasses import dataclass

from bot.retrieval_responder import RetrievalResponder
from gateway.bus import MessageBus
from gateway.conversations.channel_port import ChannelRegistry
from gateway.clock import Clock
from gateway.storage.unit_of_work import UnitOfWorkFactory
from handoff.accounts import Accounts
from handoff.calendar_store import CalendarStore
from handoff.desk import Desk
from knowledge_base.service import KnowledgeBase


@dataclass(frozen=True)
class WebServices:
    first_response_sla_seconds: int  # the target the reports measure against
    uow: UnitOfWorkFactory
    clock: Clock
    bus: MessageBus
    knowledge: KnowledgeBase
    bot: RetrievalResponder
    desk: Desk
    accounts: Accounts
    channels: ChannelRegistry
    calendar: CalendarStore
