"""Sending to Telegram: long texts in parts, keyboards on bot answers, 429s waited out.

Errors are translated at this edge into the channel seam's two kinds, so the outbox knows
what to do: `ChannelUnavailable` (unreachable, rate-limited for long: keep the message and
retry in order) and `Undeliverable` (blocked, chat gone: stop and show the agent).
"""
from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import (TelegramAPIError, TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError,
                                TelegramNotFound, TelegramRetryAfter, TelegramServerError,
                                TelegramUnauthorizedError)
from aiogram.methods import SendChatAction, SendMessage, TelegramMethod

from gateway.conversations.channel_port import ChannelUnavailable, OutputChannel, Undeliverable
from gateway.channels.telegram import keyboards
from gateway.channels.text_parts import split_text
from gateway.conversations.views import MessageView

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MESSAGE_LIMIT = 4096
# A 429 asking for a short wait is waited out here, holding this conversation's later
# messages back so they keep their order; a longer one goes back to the outbox.
LONGEST_INLINE_WAIT = 30
RATE_LIMIT_TRIES = 3
TYPING_WAIT = 3


class TelegramOutput(OutputChannel):
    name = CHANNEL
    resend_is_harmless = False  # Telegram shows every sendMessage; it has no idempotency key

    def __init__(self, bot: Bot):
        self._bot = bot

    async def send_text(self, chat_id: str, message: MessageView) -> list[str]:
        parts = split_text(message.text, MESSAGE_LIMIT)
        markup = keyboards.for_message(message)
        ids = []
        for number, part in enumerate(parts, start=1):
            sent = await self.call(SendMessage(chat_id=int(chat_id), text=part,
                                               reply_markup=markup if number == len(parts) else None))
            ids.append(str(sent.message_id))
        return ids

    async def send_typing(self, chat_id: str, sender: str) -> None:
        try:
            async with asyncio.timeout(TYPING_WAIT):
                await self.call(SendChatAction(chat_id=int(chat_id), action="typing"))
        except (ChannelUnavailable, Undeliverable, TimeoutError):
            pass  # a typing indicator is not worth holding up the answer for

    async def call(self, method: TelegramMethod):
        for attempt in range(1, RATE_LIMIT_TRIES + 1):
            try:
                return await self._bot(method)
            except TelegramRetryAfter as exc:
                if exc.retry_after > LONGEST_INLINE_WAIT or attempt == RATE_LIMIT_TRIES:
                    raise ChannelUnavailable(f"Telegram asks to wait {exc.retry_after} s",
                                             retry_after=exc.retry_after) from exc
                log.info("telegram rate limit; waiting", extra={"retry_after": exc.retry_after,
                                                                "method": method.__api_method__})
                await asyncio.sleep(exc.retry_after)
            except (TelegramNetworkError, TelegramServerError) as exc:
                # The agent reads this on the waiting reply; the cause stays in the log.
                raise ChannelUnavailable("Telegram is unreachable") from exc
            except TelegramUnauthorizedError as exc:
                # A revoked or wrong token: the operator fixes it, and nothing is lost meanwhile.
                raise ChannelUnavailable("Telegram refused the bot token (TELEGRAM_BOT_TOKEN)") from exc
            except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as exc:
                raise Undeliverable(f"Telegram refused the message: {exc.message}") from exc
            except TelegramAPIError as exc:
                raise ChannelUnavailable(f"Telegram error: {exc.message}") from exc
        raise AssertionError("unreachable")
