"""The channel port: the conversation domain's, which channels adapt to. No aiohttp,
Socket.IO or aiogram type crosses it.

An input channel turns a transport's payload into one `InboundMessage` and hands it to
the intake; an output channel needs only `send_text`, and everything richer falls back
to it, so a new channel works once that one method is written. Outbound is addressed by
channel name and external chat id, never by a socket, so any process can send.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from gateway.conversations.views import HandoffStatus, MessageView


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo, sticker, voice, document…
    file_id: str
    mime_type: str | None = None
    size: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    external_chat_id: str
    external_user_id: str
    text: str
    external_message_id: str | None = None  # the idempotency key
    payload: str | None = None  # a pressed button's data
    pressed_on: int | None = None  # the stored message whose button was pressed, where the channel knows it
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    display_name: str | None = None
    language: str | None = None
    edit_of: str | None = None  # the external id of the message this one corrects


class OutputChannel(ABC):
    name: str
    # Whether sending one message twice is invisible to the customer (a client that drops a
    # message id it has shown). Where it is not, a send cut off by a crash is not repeated.
    resend_is_harmless: bool = True

    @abstractmethod
    async def send_text(self, chat_id: str, message: MessageView) -> list[str]:
        """Deliver one stored message; return the channel's own ids for it (several where
        a long text went out in parts), or none.

        Raise `ChannelUnavailable` while the transport cannot be reached (the message
        waits and is retried in order) and `Undeliverable` when it never will be."""

    async def send_handoff(self, chat_id: str, status: HandoffStatus) -> None:
        """Queue position and assignment. The matching system message already went out as
        text, so a channel without a richer display need do nothing."""

    async def send_typing(self, chat_id: str, sender: str) -> None:
        """Best effort; a channel without typing indicators ignores it."""

    async def send_csat_request(self, chat_id: str) -> None:
        """Ask for a 1-5 rating. The request already went out as a text message, so a
        channel without buttons need do nothing."""


class ChannelUnavailable(ConnectionError):
    """The transport cannot be reached or asked us to wait: retried however long it takes.
    `retry_after` is the wait the transport asked for, when it named one."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Undeliverable(Exception):
    """The channel refused this message for good (the customer blocked the bot, the chat
    is gone): retrying cannot help, so it is marked failed at once."""


class CsatRefused(Exception):
    """Nothing to rate yet, or rated already."""


class UnknownChannel(LookupError):
    pass


class ChannelRegistry:
    def __init__(self) -> None:
        self._channels: dict[str, OutputChannel] = {}

    def register(self, channel: OutputChannel) -> None:
        self._channels[channel.name] = channel

    def get(self, name: str) -> OutputChannel:
        try:
            return self._channels[name]
        except KeyError:
            raise UnknownChannel(f"no output channel named {name!r}") from None
