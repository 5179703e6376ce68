"""One transaction: rolls back unless committed; wakes the outbox worker after a commit.
On SQLite, units of work take turns through the session factory's gate (serial_gate.py)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.ext.asyncio import async_sessionmaker

from gateway.conversations.ports import ack_path, reading
from gateway.storage.audit_log import SqlAuditLog
from gateway.storage.calendar_repository import CalendarRepository
from gateway.storage.canned_repository import SqlCannedReplies
from gateway.storage.webhook_repository import SqlWebhookDeliveries, SqlWebhookEndpoints, SqlWebhookEvents
from gateway.storage.channel_repository import ChannelRepository
from gateway.storage.chat_store import SqlAlternateProposals, SqlChatStore, SqlDeliveryLog
from gateway.storage.conflicts import conflicts_as_domain_errors
from gateway.storage.console_queries import ConsoleQueries
from gateway.storage.desk_store import SqlDeskStore
from gateway.storage.entry_store import SqlEntryStore
from gateway.storage.leases import LeaseRepository
from gateway.storage.outbox import OutboxRepository
from gateway.storage.report_queries import ReportQueries
from gateway.storage.review_repository import ReviewRepository
from gateway.storage.staff_directory import SqlLoginFailures, SqlStaffDirectory
from gateway.storage.unanswered_queries import UnansweredQueries


class UnitOfWork:
    """Carries every adapter of the parts' ports (chats, desk, entries, staff…) on one session;
    `channels`, `calendar`, `leases` and `reviews` are repositories that answer in records too."""

    def __init__(self, session_factory: async_sessionmaker, on_outbox_commit: Callable[[], None] | None = None):
        self._session_factory = session_factory
        self._on_outbox_commit = on_outbox_commit
        # Which event types webhook endpoints want, shared by the process (webhook_subscriptions.py).
        self._subscriptions = getattr(session_factory, "webhook_subscriptions", None)

    async def __aenter__(self) -> "UnitOfWork":
        # SQLite in WAL mode reads beside its one writer: a reader need not take a turn.
        self._reading = reading.get()
        self._gate = None if self._reading else getattr(self._session_factory, "gate", None)
        if self._gate is not None:
            await self._gate.acquire(urgent=ack_path.get())
        try:
            return self._open()
        except BaseException:
            if self._gate is not None:
                self._gate.release()
            raise

    def _open(self) -> "UnitOfWork":
        self.session = self._session_factory()
        self.outbox = OutboxRepository(self.session)
        self.channels = ChannelRepository(self.session)
        self.leases = LeaseRepository(self.session)
        self.reviews = ReviewRepository(self.session)
        self.calendar = CalendarRepository(self.session)
        self.canned = SqlCannedReplies(self.session)
        self.webhooks = SqlWebhookEndpoints(self.session)
        self.webhook_events = SqlWebhookEvents(self.session, self._subscriptions)
        self.webhook_deliveries = SqlWebhookDeliveries(self.session)
        self.chats = SqlChatStore(self.session)
        self.deliveries = SqlDeliveryLog(self.session)
        self.proposals = SqlAlternateProposals(self.session)
        self.desk = SqlDeskStore(self.session)
        self.audit = SqlAuditLog(self.session)
        self.reports = ReportQueries(self.session)
        self.console = ConsoleQueries(self.session)
        self.unanswered = UnansweredQueries(self.session)
        self.entries = SqlEntryStore(self.session)
        self.staff = SqlStaffDirectory(self.session)
        self.login_failures = SqlLoginFailures(self.session)
        self._committed = False
        return self

    async def __aexit__(self, *exc) -> None:
        try:
            if not self._committed:
                # Detach first: rows read in a read-only unit stay readable as snapshots
                # after it ends, instead of being expired by the rollback.
                self.session.expunge_all()
                await self.session.rollback()
        finally:
            try:
                await self.session.close()
            finally:
                if self._gate is not None:
                    self._gate.release()

    async def commit(self) -> None:
        if self._reading:
            raise RuntimeError("a unit of work opened for reading only cannot commit")
        async with conflicts_as_domain_errors():
            await self.outbox.flush()
            await self.webhook_events.flush()
            await self.session.commit()
        self._committed = True
        if self.webhooks.changed and self._subscriptions is not None:
            self._subscriptions.forget()  # this process looks again at once; the others within its TTL
        if self.outbox.added and self._on_outbox_commit:
            self._on_outbox_commit()


UnitOfWorkFactory = Callable[[], UnitOfWork]
