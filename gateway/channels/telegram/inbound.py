"""Telegram messages turned into the channel seam's `InboundMessage`."""
from __future__ import annotations

from aiogram.types import CallbackQuery, Message, User

from gateway.conversations.channel_port import Attachment, InboundMessage
from gateway.channels.telegram.output import CHANNEL

FILE_KINDS = ("photo", "sticker", "voice", "audio", "video", "video_note", "animation", "document")


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    found = []
    for kind in FILE_KINDS:
        item = getattr(message, kind, None)
        if not item:
            continue
        if kind == "photo":
            item = max(item, key=lambda size: size.width * size.height)  # Telegram sends every size
        found.append(Attachment(
            kind=kind,
            file_id=item.file_id,
            mime_type=getattr(item, "mime_type", None),
            size=getattr(item, "file_size", None),
            name=getattr(item, "file_name", None) or getattr(item, "emoji", None),
        ))
    if message.location:
        found.append(Attachment(kind="location", file_id="",
                                name=f"{message.location.latitude:.5f},{message.location.longitude:.5f}"))
    if message.contact:
        found.append(Attachment(kind="contact", file_id="",
                                name=" ".join(filter(None, [message.contact.first_name, message.contact.phone_number]))))
    return tuple(found)


def display_name(user: User) -> str:
    """The name agents see, with the @username when there is one: it is what a customer
    quotes when they write about a chat, and what the console's search finds them by."""
    return f"{user.full_name} (@{user.username})" if user.username else user.full_name


def inbound(message: Message, *, key: str | None = None, edit_of: str | None = None) -> InboundMessage:
    user = message.from_user
    return InboundMessage(
        channel=CHANNEL,
        external_chat_id=str(message.chat.id),
        external_user_id=str(user.id if user else message.chat.id),
        text=message.text or message.caption or "",
        external_message_id=key or str(message.message_id),
        attachments=attachments_of(message),
        display_name=display_name(user) if user else None,
        language=user.language_code if user else None,
        edit_of=edit_of,
    )


def chat_of(callback: CallbackQuery) -> str:
    return str(callback.message.chat.id if callback.message else callback.from_user.id)


def pressed(callback: CallbackQuery, text: str, message_id: int) -> InboundMessage:
    """A button press as the customer saying the option's words, as a web visitor's click is,
    with the message it was pressed under: a Helpful under an older answer is about that one."""
    user = callback.from_user
    return InboundMessage(
        channel=CHANNEL,
        external_chat_id=chat_of(callback),
        external_user_id=str(user.id),
        text=text,
        external_message_id=f"cb:{callback.id}",
        payload=callback.data,
        pressed_on=message_id,
        display_name=display_name(user),
        language=user.language_code,
    )
