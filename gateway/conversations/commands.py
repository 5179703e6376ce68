"""The work the pipeline and the desk record in the outbox, as typed commands.

Each command is written in the same transaction as the change that causes it and run by the
outbox worker afterwards, by the one handler bootstrap registers for its kind. The kind
strings and payload keys are what older rows in a database carry: they stay as they are.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import Awaitable, Callable, ClassVar, TypeVar, Union


@dataclass(frozen=True)
class RunBotTurn:
    """Let the bot answer a customer's message."""

    KIND: ClassVar[str] = "bot_turn"
    message_id: int


@dataclass(frozen=True)
class DeliverMessage:
    """Send a stored message to the customer's channel."""

    KIND: ClassVar[str] = "deliver_message"
    channel: str
    chat_id: str
    message_id: int


@dataclass(frozen=True)
class SendHandoffStatus:
    """Tell the customer's channel where the hand-off stands (queued, position, resolved)."""

    KIND: ClassVar[str] = "deliver_handoff"
    channel: str
    chat_id: str
    status: dict


@dataclass(frozen=True)
class RequestCsat:
    """Ask the customer to rate the conversation just resolved."""

    KIND: ClassVar[str] = "deliver_csat"
    channel: str
    chat_id: str


Command = Union[RunBotTurn, DeliverMessage, SendHandoffStatus, RequestCsat]
C = TypeVar("C", RunBotTurn, DeliverMessage, SendHandoffStatus, RequestCsat)


def payload(command: Command) -> dict:
    return asdict(command)


def decode(kind: type[C], data: dict) -> C:
    """A stored payload as its command; keys a later version added are left out."""
    return kind(**{name: data[name] for name in _field_names(kind)})


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    # `fields()` builds its answer anew each call: measurable when a burst decodes thousands.
    return tuple(f.name for f in fields(kind))


def outbox_handlers(handlers: dict[type, Callable[[Command], Awaitable[None]]]) -> dict[str, Callable[[dict], Awaitable[None]]]:
    """The worker runs rows by kind with their stored payload; each handler gets its command."""
    def decoding(kind, handler):
        async def run(data: dict) -> None:
            await handler(decode(kind, data))
        return run

    return {kind.KIND: decoding(kind, handler) for kind, handler in handlers.items()}
