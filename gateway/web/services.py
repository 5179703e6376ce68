"""What the staff route modules may use, handed over by bootstrap in one bundle so that a new
page's routes need no new wiring."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from bot.retrieval_responder import RetrievalResponder
from gateway.bus import MessageBus
from gateway.clock import Clock
from gateway.conversations.channel_port import ChannelRegistry
from gateway.conversations.ports import ChatStore, Transaction
from handoff.accounts import Accounts
from handoff.calendar_store import CalendarStore
from handoff.desk import Desk
from handoff.ports import AuditLog, ConsoleReadModel
from handoff.reports import ReportSource
from knowledge_base.service import KnowledgeBase
from knowledge_base.unanswered import UnansweredSource


class StaffUnitOfWork(Transaction, Protocol):
    """What staff routes read and write through: the domain's ports and read models, no rows.
    The services they call (desk, complaints, quality…) take the same factory for theirs."""
    chats: ChatStore
    console: ConsoleReadModel
    reports: ReportSource
    unanswered: UnansweredSource
    audit: AuditLog


StaffUnitOfWorkFactory = Callable[[], StaffUnitOfWork]


@dataclass(frozen=True)
class WebServices:
    first_response_sla_seconds: int  # the target the reports measure against
    uow: StaffUnitOfWorkFactory
    clock: Clock
    bus: MessageBus
    knowledge: KnowledgeBase
    bot: RetrievalResponder
    desk: Desk
    accounts: Accounts
    channels: ChannelRegistry
    calendar: CalendarStore
