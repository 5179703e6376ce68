"""The aiogram Router: what each kind of Telegram update does.

Handlers only store (through the same intake as the web chat) and answer button presses;
the bot's turn and every reply run from the outbox. Handlers name the context they need
(`intake`, `record_csat`), which the dispatcher was given by `channel.py`. Only private
chats are served: in a group, customers would read each other's conversations.
"""
from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from gateway.conversations.channel_port import CsatRefused
from gateway.channels.telegram import texts
from gateway.channels.telegram.inbound import FILE_KINDS, chat_of, display_name, inbound, pressed
from gateway.channels.telegram.keyboards import QuickReplyPress, RatingPress
from gateway.channels.telegram.output import CHANNEL
from gateway.conversations.intake import Intake

log = logging.getLogger(__name__)

PRIVATE = F.chat.type == ChatType.PRIVATE
HAS_CONTENT = F.text | F.caption | F.location | F.contact
for _kind in FILE_KINDS:
    HAS_CONTENT |= getattr(F, _kind)


def build_router() -> Router:
    """A new Router each time: a Router attaches to one dispatcher only."""
    router = Router(name="customers")
    router.message.filter(PRIVATE)
    router.edited_message.filter(PRIVATE)
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_message, HAS_CONTENT)
    router.message.register(on_unsupported)  # polls, dice, games: say so rather than stay silent
    router.edited_message.register(on_edit, F.text | F.caption)
    router.callback_query.register(on_quick_reply, QuickReplyPress.filter())
    router.callback_query.register(on_rating, RatingPress.filter())
    router.callback_query.register(on_stale_button)
    return router


async def on_start(message: Message, intake: Intake) -> None:
    await _command_answer(message, intake, "start")


async def on_help(message: Message, intake: Intake) -> None:
    await _command_answer(message, intake, "help")


async def _command_answer(message: Message, intake: Intake, command: str) -> None:
    user = message.from_user
    await intake.answer_command(
        CHANNEL, str(message.chat.id), str(user.id), texts.text(user.language_code, command),
        key=f"{command}:{message.message_id}", display_name=display_name(user))


async def on_message(message: Message, intake: Intake) -> None:
    await intake.receive(inbound(message))


async def on_unsupported(message: Message, intake: Intake) -> None:
    await _command_answer(message, intake, "unsupported")


async def on_edit(edited_message: Message, intake: Intake) -> None:
    edited = edited_message  # aiogram passes the event under the name of its kind
    await intake.receive(inbound(edited, key=f"{edited.message_id}:edit:{edited.edit_date or 0}",
                                 edit_of=str(edited.message_id)))


async def on_quick_reply(callback: CallbackQuery, callback_data: QuickReplyPress, intake: Intake) -> None:
    pressed_on = await intake.chat_message(CHANNEL, chat_of(callback), callback_data.message_id)
    if pressed_on is None or not 0 <= callback_data.index < len(pressed_on.quick_replies):
        await _answer(callback, texts.text(callback.from_user.language_code, "expired"))
        return
    await intake.receive(pressed(callback, pressed_on.quick_replies[callback_data.index], pressed_on.id))
    await _answer(callback)


async def on_rating(callback: CallbackQuery, callback_data: RatingPress, intake: Intake, record_csat) -> None:
    language = callback.from_user.language_code
    if not 1 <= callback_data.score <= 5 or not await intake.chat_owns(CHANNEL, chat_of(callback),
                                                                        callback_data.conversation_id):
        await _answer(callback, texts.text(language, "expired"))
        return
    try:
        await record_csat(callback_data.conversation_id, callback_data.score, None)
    except CsatRefused:
        await _answer(callback, texts.text(language, "rated_already"))
        return
    await _answer(callback, texts.text(language, "rated"))
    if isinstance(callback.message, Message):
        try:
            await callback.message.edit_reply_markup(reply_markup=None)  # no second rating
        except TelegramAPIError:
            log.info("could not remove the rating buttons", exc_info=True)


async def on_stale_button(callback: CallbackQuery) -> None:
    await _answer(callback, texts.text(callback.from_user.language_code, "expired"))


async def _answer(callback: CallbackQuery, text: str | None = None) -> None:
    """Stops the button's spinner. Best effort: what the press meant is already stored."""
    try:
        await callback.answer(text)
    except TelegramAPIError:
        log.info("could not answer a button press", exc_info=True)
