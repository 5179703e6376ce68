"""The one composition root: configuration in, a wired gateway out."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import socketio
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.intent_model import IntentModel
from bot.order_responder import OrderStatusResponder
from bot.retrieval_responder import RetrievalResponder
from bot.shop_api import ShopOrderApi
from bot.responder import Responder
from gateway.app import create_app
from gateway.bus import MessageBus
from gateway.conversations.channel_port import ChannelRegistry, CsatRefused, OutputChannel
from gateway.channels.visitor_tokens import VisitorTokens
from gateway.channels.webchat import ChatNamespace, WebChatOutput
from gateway.client_address import ClientAddress, parse_proxies
from gateway.clock import Clock, utcnow
from gateway.config import Settings
from gateway.conversations.bot_turn import BotTurn
from gateway.conversations.commands import (DeliverMessage, RequestCsat, RunBotTurn, SendHandoffStatus, decode,
                                             outbox_handlers)
from gateway.conversations.delivery import Delivery
from gateway.conversations.events import BotTyping
from gateway.conversations.intake import Intake
from gateway.conversations.ports import HandoffPort
from gateway.leasing import LeaseKeeper
from gateway.metrics import METRICS, GatewayMetrics
from gateway.conversations.outbox_worker import OutboxWorker
from gateway.periodic import every
from gateway.storage import migrate
from gateway.storage.order_verifications import SqlVerificationLog
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.unit_of_work import UnitOfWork
from gateway.privacy.retention import RetentionSweeper
from gateway.web import customer_routes
from gateway.web import (audit_routes, canned_routes, conversation_routes, kb_editor_routes, kb_review_routes,
                         metrics_routes, quality_routes, report_routes, service_hours_routes, webhook_routes,
                         workspace_routes)
from handoff.accounts import Accounts
from gateway.web.agent_namespace import AgentNamespace
from gateway.web.auth import SESSIONS_ENDED, LoginGuard
from gateway.web.csrf import CsrfTokens
from handoff.login_throttle import LoginThrottle, ThrottlePolicy
from gateway.web.services import WebServices
from gateway.channels.webhooks import WebhookSender
from handoff.calendar_store import CalendarStore
from handoff.canned_demo import DEMO as DEMO_CANNED_REPLIES
from handoff.canned_replies import CannedReplies
from handoff.customer_updates import QueuePositionNotifier
from handoff.desk import Desk
from handoff.errors import HandoffRefused
from handoff.guard_model import GuardModel
from handoff.pipeline_handoffs import PipelineHandoffs
from handoff.events import QUEUE_REDRAW_SHARE, QueueChanged
from handoff.sla import SlaSweeper
from knowledge_base.encoders import Encoder
from knowledge_base.service import KnowledgeBase
from gateway.kb_wiring import bot_thresholds, build_knowledge_base, intent_model_path, start_knowledge_base

if TYPE_CHECKING:
    from gateway.channels.telegram.channel import TelegramChannel


STAFF_ROUTES = (kb_editor_routes, kb_review_routes, report_routes, quality_routes, audit_routes, metrics_routes,
                customer_routes, service_hours_routes, canned_routes, webhook_routes)


# How a unit of work is made: the session factory and the outbox worker's wake-up call in.
UnitOfWorkFactory = Callable[[async_sessionmaker, Callable[[], None]], UnitOfWork]


@dataclass
class Gateway:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker
    bus: MessageBus
    channels: ChannelRegistry
    intake: Intake
    knowledge: KnowledgeBase
    accounts: Accounts
    desk: Desk
    sweeper: SlaSweeper
    worker: OutboxWorker
    sio: socketio.AsyncServer
    app: web.Application
    telegram: TelegramChannel | None = None
    unit_of_work: UnitOfWorkFactory = field(default=UnitOfWork)

    def uow(self) -> UnitOfWork:
        return self.unit_of_work(self.session_factory, self.worker.kick)


async def migrate_database(settings: Settings) -> None:
    # Alembic's env runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(migrate.upgrade, settings.gateway_database_url)


# A bot that failed to warm up (say the database was briefly away) tries again this often.
WARM_UP_RETRY_SECONDS = 10
# A bot turn waits this long for a warming bot (a normal warm-up fits), then goes back to the
# outbox to be retried; well under a lease's hold, so a lane is never held for a bot that may
# not come.
BOT_WARMING_WAIT_SECONDS = 15


class BotWarming(TimeoutError):
    """Transient for the outbox worker: retried however long it takes, never given up on."""

    retry_after = 5
# How soon a console socket whose login ended elsewhere (another process, expiry, idle) is closed.
SESSION_SWEEP_SECONDS = 30


def reply_reader(model, knowledge: KnowledgeBase):
    """The guard model reads an agent's reply through the knowledge base's encoders. While
    they load, a reply is checked by the lexicon alone rather than held for seconds."""
    if model is None:
        return None

    async def read(text: str):
        if not knowledge.is_ready:
            return None
        return model.read(text, await knowledge.search.query_vectors(text))

    return read


@dataclass
class Pipeline:
    intake: Intake
    bot_turn: BotTurn
    delivery: Delivery
    handlers: dict  # outbox kind -> handler, for the worker
    superseded: dict  # outbox kind -> which of a lane's run of that kind need not run, for the worker


def wire_pipeline(uow, channels: ChannelRegistry, clock: Clock, bus: MessageBus, responder: Responder,
                  handoffs: HandoffPort, *, metrics: GatewayMetrics | None = None,
                  bot_ready: Callable[[], Awaitable[None]] | None = None) -> Pipeline:
    """The conversation pipeline and the one handler of each outbox command. `build` wires it
    for the gateway; tests wire the same with a memory or test database and their own bot.
    `bot_ready` is awaited before each bot turn: messages are stored and acked while the
    models load, and their turns wait in the outbox, each conversation's in order."""
    intake = Intake(uow, clock, bus, handoffs=handoffs)
    bot_turn = BotTurn(uow, responder, clock, bus, handoffs=handoffs, metrics=metrics)
    delivery = Delivery(uow, channels, clock, bus, metrics=metrics)
    bus.subscribe(BotTyping, delivery.typing)

    async def run_bot_turn(command: RunBotTurn) -> None:
        if bot_ready is not None:
            try:
                async with asyncio.timeout(BOT_WARMING_WAIT_SECONDS):
                    await bot_ready()
            except TimeoutError:
                # Given back to the outbox rather than held: the lane (and its lease) is free for
                # what else the conversation has, and the turn is retried as long as it takes.
                raise BotWarming("the bot is still warming up") from None
        await bot_turn.run(command)

    async def superseded_turns(payloads: list[dict]) -> set[int]:
        return await bot_turn.superseded([decode(RunBotTurn, p) for p in payloads])

    handlers = outbox_handlers({RunBotTurn: run_bot_turn, DeliverMessage: delivery.message,
                                SendHandoffStatus: delivery.handoff, RequestCsat: delivery.csat_request})
    return Pipeline(intake, bot_turn, delivery, handlers, {RunBotTurn.KIND: superseded_turns})


def build(settings: Settings, *, clock: Clock = utcnow, responder: Responder | None = None,
          encoders: list[Encoder] | None = None, unit_of_work: UnitOfWorkFactory = UnitOfWork,
          channels: Sequence[OutputChannel] = ()) -> Gateway:
    """The whole gateway from `settings`, the only place they are read: every part gets plain values.

    The rest replace real parts while keeping this wiring, for tests and embedders: `clock`
    (time for every deadline), `responder` (the bot), `encoders` (loaded models, shared between
    gateways), `unit_of_work` (every transaction, e.g. one that fails on purpose) and `channels`
    (more output channels beside the web chat, e.g. one that records what it was asked to send).
    """
    engine = create_engine(settings.gateway_database_url)
    session_factory = create_session_factory(engine)
    bus = MessageBus()
    origins = settings.gateway_widget_origins
    # Several processes: Socket.IO emits go through Redis, so a room's members are reached
    # whichever process they are connected to. Nothing else in the app changes.
    many = settings.gateway_redis_url is not None
    manager = socketio.AsyncRedisManager(settings.gateway_redis_url) if many else None
    sio = socketio.AsyncServer(
        client_manager=manager,
        async_mode="aiohttp",
        cors_allowed_origins="*" if origins.strip() == "*" else [o.strip() for o in origins.split(",")],
        max_http_buffer_size=64 * 1024,
    )
    registry = ChannelRegistry()
    for channel in (WebChatOutput(sio), *channels):
        registry.register(channel)

    worker: OutboxWorker | None = None

    def uow() -> UnitOfWork:
        return unit_of_work(session_factory, worker.kick)

    leases = LeaseKeeper(uow, clock, hold=timedelta(seconds=settings.gateway_lease_seconds)) if many else None
    calendar = CalendarStore(uow, clock, settings.service_clocks())
    handoffs = PipelineHandoffs(settings.gateway_first_response_sla_seconds, calendar.current)
    knowledge = build_knowledge_base(settings, uow, clock, encoders)
    retrieval_bot = RetrievalResponder(knowledge.search, bot_thresholds(settings, knowledge.search),
                                       IntentModel.load(intent_model_path(settings)),
                                       memo_size=settings.gateway_bot_memo_size)
    metrics = GatewayMetrics()  # per gateway: tests run several in one process
    metrics.watch(bus)
    metrics.follow_memo(retrieval_bot.memo)
    bot: Responder = responder or retrieval_bot
    orders = None
    if settings.gateway_order_lookup_url and responder is None:  # in front of the retrieval bot
        orders = ShopOrderApi(settings.gateway_order_lookup_url, settings.gateway_order_lookup_token,
                              settings.gateway_order_lookup_timeout_seconds)
        # "Late" by the shop's own calendar day, not the server's.
        bot = OrderStatusResponder(retrieval_bot, orders, SqlVerificationLog(uow, clock, settings.secret_key()),
                                   today=lambda: clock().astimezone(calendar.current().hours.zone).date())
    pipeline = wire_pipeline(uow, registry, clock, bus, bot, handoffs, metrics=metrics,
                             bot_ready=knowledge.ready)
    intake = pipeline.intake
    webhooks = WebhookSender(uow, clock, poll_seconds=settings.gateway_webhook_poll_seconds,
                             timeout_seconds=settings.gateway_webhook_timeout_seconds,
                             retry_cap_seconds=settings.gateway_webhook_retry_cap_seconds, leases=leases,
                             allow_private=settings.gateway_webhook_allow_private)
    worker = OutboxWorker(uow, pipeline.handlers, clock, on_failure=pipeline.delivery.failed, leases=leases,
                          superseded=pipeline.superseded)
    accounts = Accounts(uow, clock, lifetime=timedelta(hours=settings.gateway_session_hours),
                        idle=timedelta(minutes=settings.gateway_session_idle_minutes))
    addresses = ClientAddress(parse_proxies(settings.gateway_trusted_proxies))
    throttle = LoginThrottle(uow, clock, ThrottlePolicy(
        per_name=settings.gateway_login_failures_per_name, per_address=settings.gateway_login_failures_per_address,
        window=timedelta(seconds=settings.gateway_login_window_seconds)))
    guard_model = GuardModel.load() if settings.gateway_reply_guard_model else None
    desk = Desk(uow, clock, bus, read_reply=reply_reader(guard_model, knowledge), published=knowledge.search.has)
    sweeper = SlaSweeper(uow, clock, bus, desk, interval=settings.gateway_sla_sweep_seconds,
                         calendar=calendar.current)
    days = settings.gateway_retention_days
    retention = RetentionSweeper(uow, clock, days) if days is not None else None
    bus.subscribe_latest(QueueChanged, QueuePositionNotifier(uow, registry, clock, calendar.current),
                         share=QUEUE_REDRAW_SHARE)
    tokens = VisitorTokens(settings.secret_key(), settings.gateway_visitor_token_ttl_seconds)

    async def record_csat(conversation_id: str, score: int, comment: str | None) -> None:
        try:
            await desk.record_csat(conversation_id, score, comment)
        except HandoffRefused as exc:
            raise CsatRefused(str(exc)) from None

    telegram = None
    if settings.telegram_bot_token:
        # Imported only when used: aiogram's types take seconds to import, and a restarted
        # gateway without Telegram should be taking chat by then.
        from gateway.channels.telegram.channel import TelegramChannel, TelegramConfig

        config = TelegramConfig(settings.telegram_bot_token, settings.telegram_api_base, settings.telegram_webhook_url,
                                settings.telegram_webhook_secret, settings.telegram_poll_timeout_seconds)
        telegram = TelegramChannel(config, uow, clock, intake, record_csat, leases)

    sio.register_namespace(ChatNamespace(intake, tokens, bus, record_csat, addresses=addresses,
                                         connects_per_minute=settings.gateway_chat_connects_per_minute,
                                         messages_per_minute=settings.gateway_chat_messages_per_minute))
    agents = AgentNamespace(accounts, desk, uow, clock, bus, registry,
                            mask_pii=settings.gateway_console_mask_pii)
    sio.register_namespace(agents)

    app = create_app(sio, engine, accounts, knowledge, retrieval_bot,
                     LoginGuard(throttle, addresses, settings.gateway_cookie_secure),
                     CsrfTokens(settings.secret_key()))
    app[SESSIONS_ENDED] = agents.sessions_ended
    app[METRICS] = metrics
    services = WebServices(settings.gateway_first_response_sla_seconds, uow, clock, bus, knowledge, retrieval_bot, desk, accounts, registry,
                           calendar)
    # First: its /api/conversations/search must not be read as a conversation id.
    workspace_routes.add_routes(app, services)
    conversation_routes.add_routes(app, desk, uow, clock, calendar.current,
                                   mask_pii=settings.gateway_console_mask_pii)
    for routes in STAFF_ROUTES:
        routes.add_routes(app, services)
    if telegram is not None:
        telegram.attach(app, registry)

    background: list[asyncio.Task] = []

    async def warm_bot() -> None:
        while True:
            try:
                await start_knowledge_base(knowledge)
                break
            except Exception:  # logged by the knowledge base; /readyz shows it meanwhile
                await asyncio.sleep(WARM_UP_RETRY_SECONDS)
        if leases is not None:
            # With other processes, this one takes outbox lanes only once its bot is ready: a
            # warm process answers meanwhile instead of a conversation waiting on this one.
            worker.start()
            # Another process may edit the knowledge base: follow it.
            await every(settings.gateway_kb_refresh_seconds, knowledge.refresh_if_changed)

    async def start(_app: web.Application) -> None:
        await calendar.read()  # before the worker and the sweeper compute with it
        await CannedReplies(uow, clock).seed_if_new(DEMO_CANNED_REPLIES)
        # Another process may save a calendar: each follows within a few seconds.
        background.append(asyncio.create_task(every(settings.gateway_calendar_refresh_seconds,
                                                     calendar.refresh_if_changed), name="calendar-watch"))
        if leases is not None:
            leases.start()
        # Chat is served from here on; the bot answers once its models and index are in
        # memory (seconds), and /readyz says "bot": "warming" until then.
        background.append(asyncio.create_task(warm_bot(), name="bot-warm-up"))
        if leases is None:
            worker.start()
        sweeper.start()
        webhooks.start()
        background.append(asyncio.create_task(every(SESSION_SWEEP_SECONDS, agents.sweep_sessions),
                                              name="agent-session-sweep"))
        if retention is not None:
            background.append(asyncio.create_task(every(retention.interval, retention.sweep, at_once=True),
                                                  name="retention"))
        if telegram is not None:
            await telegram.start()

    async def stop(_app: web.Application) -> None:
        if telegram is not None:
            await telegram.stop()
        await sweeper.stop()
        await webhooks.stop()
        await worker.stop()
        if orders is not None:
            await orders.close()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await bus.drain()
        if leases is not None:
            await leases.stop()
        for encoder in knowledge.search.encoders.values():
            encoder.close()
        await engine.dispose()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return Gateway(settings, engine, session_factory, bus, registry, intake, knowledge, accounts, desk, sweeper,
                   worker, sio, app, telegram, unit_of_work)
