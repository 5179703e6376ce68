"""What the conversation pipeline needs from storage and from hand-off, in its own words.

Storage implements the store ports (`gateway/storage/chat_store.py`), hand-off implements
`HandoffPort` (`handoff/pipeline_handoffs.py`), and the composition root plugs them in: the
pipeline imports neither, so it runs on an in-memory store in unit tests exactly as it
runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from gateway.conversations.commands import Command
from gateway.conversations.model import Transition
from gateway.conversations.views import HandoffStatus, MessageView


@dataclass(frozen=True)
class ConversationRecord:
    """A conversation as read in one unit of work; `version` is what a later write is checked
    against, so a record is never written back blindly."""
    id: str
    customer_id: str
    channel: str
    external_chat_id: str
    status: str
    version: int
    assignee_id: int | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    status: str  # sending | sent | retrying | failed
    attempts: int


class Transaction(Protocol):
    """One unit of work: what it does is kept only if it commits. Each part's unit of work is
    this with the stores it reads and writes."""

    async def __aenter__(self) -> Transaction: ...

    async def __aexit__(self, *exc: object) -> None:
        """Rolls back whatever was not committed."""

    async def commit(self) -> None:
        """StoreConflict or ConcurrentUpdate when another writer won; nothing is kept then."""


class StoreConflict(RuntimeError):
    """A write lost a race on something that exists once (a client's message id, a bot reply
    to a message, a customer's identity on a channel): the other writer won; read again."""


@dataclass(frozen=True)
class NewMessage:
    conversation_id: str
    sender: str
    text: str
    at: datetime
    client_msg_id: str | None = None
    meta: dict | None = None


class ChatStore(Protocol):
    async def conversation(self, conversation_id: str) -> ConversationRecord | None: ...

    async def latest_for_chat(self, channel: str, external_chat_id: str) -> ConversationRecord | None: ...

    async def latest_for_chats(self, chats: list[tuple[str, str]]) -> dict[tuple[str, str], ConversationRecord]:
        """`latest_for_chat` for many (channel, chat id) pairs at once; chats without one are left out."""

    async def open_conversation(self, channel: str, external_chat_id: str, external_user_id: str,
                                display_name: str | None, at: datetime) -> ConversationRecord:
        """A new conversation for the chat, and its customer on first contact."""

    async def message(self, message_id: int) -> MessageView | None: ...

    async def message_by_client_id(self, conversation_id: str, client_msg_id: str) -> MessageView | None: ...

    async def messages_by_client_ids(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], MessageView]:
        """`message_by_client_id` for many (conversation id, client id) pairs at once; unknown ones left out."""

    async def message_in_chat(self, channel: str, external_chat_id: str, client_msg_id: str) -> MessageView | None:
        """A message by its channel id in any conversation of one chat: edits can come late."""

    async def history(self, conversation_id: str, *, up_to: int | None = None, last: int = 500) -> list[MessageView]:
        """The `last` messages, oldest first; `up_to` leaves out what came after that message."""

    async def bot_replied_to(self, message_id: int) -> bool: ...

    async def add_message(self, conversation_id: str, sender: str, text: str, at: datetime, *,
                          client_msg_id: str | None = None, reply_to_id: int | None = None,
                          meta: dict | None = None) -> MessageView:
        """Stored with its id assigned; StoreConflict for a second message with the same client
        id in a conversation, or a second bot reply to one message."""

    async def add_messages(self, messages: list[NewMessage]) -> list[MessageView]:
        """Many at once, in order, each with its id: a burst's messages cost one write."""

    async def transition(self, conversation: ConversationRecord, change: Transition, at: datetime,
                         **columns: Any) -> ConversationRecord:
        """ConcurrentUpdate if the conversation changed since `conversation` was read."""

    async def touch(self, conversation: ConversationRecord, at: datetime) -> ConversationRecord:
        """Moves the version on, for a write that depends on the status read (a bot reply)."""

    async def customers_wrote(self, conversation_ids: set[str], at: datetime) -> None: ...


class DeliveryLog(Protocol):
    async def delivery(self, message_id: int) -> DeliveryRecord | None: ...

    async def record_delivery(self, message_id: int, channel: str, status: str, at: datetime, *,
                              attempts: int | None = None, error: str | None = None,
                              external_ids: list[str] | None = None) -> DeliveryRecord: ...


class CommandOutbox(Protocol):
    def issue(self, command: Command, at: datetime, conversation_id: str | None = None) -> None:
        """Runs once the unit of work commits, and never if it does not."""


@dataclass(frozen=True)
class QueuedCommand:
    """An outbox row as the worker runs it: a command's kind and stored payload."""
    id: int
    kind: str
    payload: dict
    conversation_id: str | None


class OutboxQueue(Protocol):
    async def due(self, now: datetime, limit: int, skip_conversations: frozenset[str] = frozenset(),
                  only_conversations: frozenset[str] | None = None) -> list[QueuedCommand]:
        """Undone commands that may run now, in commit order; a conversation's wait for a
        retry holds back its later ones, never another conversation's. `only_conversations`:
        those conversations' alone."""

    async def waiting(self, item_ids: list[int], now: datetime) -> dict[int, bool]:
        """For each undone one among these: whether it may run now."""

    async def attempts(self, item_id: int) -> int: ...

    async def mark_done_many(self, item_ids: list[int], at: datetime) -> None:
        """In one statement: lanes that finish together share a commit."""

    async def mark_failed(self, item_id: int, error: str, retry_at: datetime) -> None: ...

    async def mark_abandoned(self, item_id: int, error: str, at: datetime) -> None:
        """Done without success: kept with its error, never retried."""


class OutboxUnitOfWork(Transaction, Protocol):
    outbox: OutboxQueue


class Leases(Protocol):
    """Named leases shared by the processes on one database (gateway/leasing.py)."""

    async def take(self, name: str) -> bool: ...

    async def release(self, name: str) -> None: ...


class AlternateProposals(Protocol):
    async def propose_alternate(self, entry_id: str, text: str, source: str, conversation_id: str,
                                message_id: int | None, at: datetime) -> bool:
        """False when those words are already proposed for that entry."""


class WebhookEvents(Protocol):
    async def record(self, event_type: str, data: dict, at: datetime) -> None:
        """One delivery for each endpoint that wants `event_type`, in the caller's transaction."""


@dataclass(frozen=True)
class WebhookDelivery:
    id: int
    endpoint_id: int
    url: str
    secret: str = field(repr=False)  # a logged delivery must not carry it
    body: str = field(repr=False)  # the customer's words, perhaps unmasked
    attempts: int
    tried_since: datetime  # its 24 hours of tries count from here: the event, or its resend


class WebhookDeliveries(Protocol):
    """The deliveries on their way (gateway/channels/webhooks.py sends them)."""

    async def heads(self, now: datetime, skip: set[int]) -> list[WebhookDelivery]:
        """Each endpoint's oldest pending delivery, if it is due; endpoints in `skip` left out."""

    async def delivered(self, delivery_id: int, status: int, at: datetime) -> None: ...

    async def retry(self, delivery_id: int, status: int | None, error: str, at: datetime, next_at: datetime) -> None: ...

    async def failed(self, delivery_id: int, status: int | None, error: str, at: datetime) -> None: ...


class PipelineUnitOfWork(Transaction, Protocol):
    chats: ChatStore
    deliveries: DeliveryLog
    outbox: CommandOutbox
    proposals: AlternateProposals
    webhook_events: WebhookEvents


PipelineUnitOfWorkFactory = Callable[[], PipelineUnitOfWork]

# Set while a customer waits for the ack of a message: a store that makes units of work take
# turns (SQLite's one writer) lets these go first, so nothing the bot writes delays an ack.
ack_path: ContextVar[bool] = ContextVar("ack_path", default=False)
# Set around a unit of work that only reads (a queue redraw, a report): such a store lets it
# read beside the writer instead of waiting its turn, and refuses to commit it.
reading: ContextVar[bool] = ContextVar("reading", default=False)


@contextmanager
def only_reading():
    token = reading.set(True)
    try:
        yield
    finally:
        reading.reset(token)


class ChannelUpdateLog(Protocol):
    """Which of a channel's numbered updates (Telegram's) were handled, so one delivered
    again is handled once."""

    async def update_handled(self, update_id: int) -> bool: ...

    def mark_update(self, update_id: int, kind: str, at: datetime, error: str | None = None) -> None:
        """Kept at commit; StoreConflict there if another process marked it first."""

    async def newest_update(self) -> int | None: ...

    async def forget_updates_before(self, cutoff: datetime) -> int: ...


class UpdateLogUnitOfWork(Transaction, Protocol):
    channels: ChannelUpdateLog


UpdateLogUnitOfWorkFactory = Callable[[], UpdateLogUnitOfWork]


@dataclass(frozen=True)
class HandoffOpened:
    kind: str  # complaint | person | ... as hand-off's policy classifies it
    status: HandoffStatus
    after_commit: tuple[object, ...] = ()  # events to publish once the turn has committed


class HandoffPort(Protocol):
    """Hand-off as the pipeline sees it: where a waiting customer stands, and opening a
    hand-off inside the bot turn's own transaction (queue entry, clocks, the customer's notice)."""

    async def status(self, uow: PipelineUnitOfWork, conversation_id: str, at: datetime) -> HandoffStatus | None: ...

    async def open(self, uow: PipelineUnitOfWork, conversation: ConversationRecord, reason: str, details: dict,
                   message_id: int, customer_text: str, language: str, at: datetime) -> HandoffOpened: ...
