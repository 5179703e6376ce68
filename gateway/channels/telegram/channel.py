"""Telegram wired: the bot client, the dispatcher with its context, the output channel, and
either polling or the webhook route. Off when no token is set."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from gateway.conversations.channel_port import ChannelRegistry
from gateway.channels.telegram import webhook
from gateway.channels.telegram.handlers import build_router
from gateway.channels.telegram.output import TelegramOutput
from gateway.channels.telegram.polling import Poller
from gateway.channels.telegram.updates import UpdateHandler
from gateway.clock import Clock
from gateway.conversations.intake import Intake
from gateway.conversations.ports import UpdateLogUnitOfWorkFactory
from gateway.leasing import LeaseKeeper

log = logging.getLogger(__name__)

RecordCsat = Callable[[str, int, "str | None"], Awaitable[None]]


@dataclass(frozen=True)
class TelegramConfig:
    """What the channel needs of the settings; the composition root reads them."""

    token: str
    api_base: str | None = None  # a Bot API server of one's own (tests: a fake on 127.0.0.1)
    webhook_url: str | None = None  # None: long polling
    webhook_secret: str | None = None
    poll_timeout: int = 25


class TelegramChannel:
    def __init__(self, config: TelegramConfig, uow_factory: UpdateLogUnitOfWorkFactory, clock: Clock, intake: Intake,
                 record_csat: RecordCsat, leases: LeaseKeeper | None = None):
        server = TelegramAPIServer.from_base(config.api_base) if config.api_base else None
        session = AiohttpSession(api=server) if server else AiohttpSession()
        self.bot = Bot(config.token, session=session)
        self.dispatcher = Dispatcher(intake=intake, record_csat=record_csat)
        self.dispatcher.include_router(build_router())
        self.output = TelegramOutput(self.bot)
        self.updates = UpdateHandler(uow_factory, self.dispatcher, self.bot, clock)
        self._webhook_url = config.webhook_url
        self._webhook_secret = config.webhook_secret
        self._poll_timeout = config.poll_timeout
        self._task: asyncio.Task | None = None
        self._leases = leases

    def attach(self, app: web.Application, channels: ChannelRegistry) -> None:
        channels.register(self.output)
        if self._webhook_url:
            webhook.add_route(app, self._webhook_url, self._webhook_secret, self.bot, self.updates)

    async def start(self) -> None:
        if self._webhook_url:
            work = webhook.register(self.bot, self._webhook_url, self._webhook_secret)
        else:
            work = Poller(self.bot, self.updates, self._poll_timeout, self._leases).run()
        self._task = asyncio.create_task(work, name="telegram")
        log.info("telegram channel started", extra={"mode": "webhook" if self._webhook_url else "polling"})

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.bot.session.close()
