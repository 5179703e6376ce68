"""Webhook mode: Telegram posts updates to the gateway's own aiohttp app.

Every call must carry the configured secret in `X-Telegram-Bot-Api-Secret-Token`, else
401. The answer is sent only after the update is stored: a 503 makes Telegram deliver it
again later, which is what should happen while the database is unavailable.
"""
from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from gateway.channels.telegram.polling import ALLOWED_UPDATES, Backoff
from gateway.channels.telegram.updates import TRANSIENT, UpdateHandler
from gateway.json_api.errors import ApiError, error_response, read_json

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"


def webhook_path(url: str) -> str:
    return urlsplit(url).path or DEFAULT_PATH


def add_route(app: web.Application, url: str, secret: str, bot: Bot, updates: UpdateHandler) -> None:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            raise ApiError(401, "wrong or missing webhook secret")
        data = await read_json(request)
        if not isinstance(data, dict):
            raise ApiError(422, "an update must be a JSON object")
        try:
            update = Update.model_validate(data, context={"bot": bot})
        except ValidationError as exc:
            raise ApiError(422, f"not a Telegram update: {exc.errors()[0]['msg']}") from None
        try:
            await updates.handle(update)
        except TRANSIENT:
            log.warning("telegram update not stored; Telegram will deliver it again", exc_info=True)
            return error_response(503, "the update could not be stored; deliver it again", "unavailable")
        return web.json_response({"ok": True})

    app.router.add_post(webhook_path(url), receive)


async def register(bot: Bot, url: str, secret: str) -> None:
    """Point Telegram at the webhook; retried until it answers, without holding up start-up."""
    backoff = Backoff()
    while True:
        try:
            await bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                                  drop_pending_updates=False)
            log.info("telegram webhook set", extra={"url": url})
            return
        except TelegramAPIError as exc:
            log.warning("setting the telegram webhook failed; trying again", extra={"error": repr(exc)})
            await backoff.pause()
