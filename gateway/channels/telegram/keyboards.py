"""Inline keyboards for bot answers and ratings, and the callback data their buttons carry.

A quick-reply button names the stored message and the option's index rather than its
text: Telegram allows 64 bytes of callback data, and the handler checks that message
belongs to the chat that pressed it.
"""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from gateway.conversations.views import MessageView

BUTTON_TEXT_LIMIT = 60
STARS = "⭐"


class QuickReplyPress(CallbackData, prefix="qr"):
    message_id: int
    index: int


class RatingPress(CallbackData, prefix="csat"):
    conversation_id: str
    score: int


def _label(text: str) -> str:
    return text if len(text) <= BUTTON_TEXT_LIMIT else text[: BUTTON_TEXT_LIMIT - 1] + "…"


def for_message(message: MessageView) -> InlineKeyboardMarkup | None:
    if message.meta.get("csat_request"):
        return InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text=f"{score}{STARS}",
                                 callback_data=RatingPress(conversation_id=message.conversation_id,
                                                           score=score).pack())
            for score in range(1, 6)
        ]])
    if not message.quick_replies:
        return None
    buttons = [InlineKeyboardButton(text=_label(label),
                                    callback_data=QuickReplyPress(message_id=message.id, index=i).pack())
               for i, label in enumerate(message.quick_replies)]
    if all(len(label) <= 12 for label in message.quick_replies):
        return InlineKeyboardMarkup(inline_keyboard=[buttons])  # short labels fit one row
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])
