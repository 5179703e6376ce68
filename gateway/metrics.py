"""Prometheus instruments for one gateway.

Each gateway owns its CollectorRegistry (not the library's global one), so several gateways
in one process (the tests start many) keep separate counts. Only aggregate numbers are
exported, labelled by channel, sender kind or hand-off code: no ids and no text, because
`/metrics` is served without a login for scrapers.

Counters are fed by bus events where they exist (customer messages, SLA breaches) and by
small optional hooks where none does (sends, bot decision time, hand-off codes); the queue
length and the outbox's undone work are read from the database at scrape time, so they are right
after a restart too.
"""
from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select

from gateway.bus import MessageBus
from gateway.conversations.events import CustomerMessageStored
from gateway.conversations.model import Status
from gateway.conversations.ports import only_reading
from gateway.storage.tables import Conversation, OutboxItem
from handoff.events import SlaBreach
from handoff.policy import CHANNEL_CODES, PRIORITY

# Bot decisions take ~20 ms at p50 and ~50 ms at p99 (README, Speed), so most buckets sit there.
DECISION_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SENDERS = ("bot", "agent", "system")


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages_in = Counter("gateway_messages_in", "Customer messages stored, by channel",
                                   ["channel"], registry=r)
        self.messages_out = Counter("gateway_messages_out", "Messages handed to a channel and accepted by it, "
                                    "by channel and sender kind", ["channel", "sender"], registry=r)
        self.handoffs = Counter("gateway_handoffs", "Conversations handed to people, by the bot's hand-off code",
                                ["reason"], registry=r)
        self.sla_breaches = Counter("gateway_sla_breaches", "First-response deadlines missed", registry=r)
        self.queue_length = Gauge("gateway_queue_length", "Conversations waiting for a person (read at scrape)",
                                  registry=r)
        self.outbox_waiting = Gauge("gateway_outbox_waiting", "Bot turns and deliveries recorded and not yet done "
                                    "(read at scrape): grows under a burst, drains after it", registry=r)
        self.bot_decision = Histogram("gateway_bot_decision_seconds", "Time the bot took to decide one reply",
                                      buckets=DECISION_BUCKETS, registry=r)
        # Known label values start at 0, so a dashboard's rate() has a series before the first event.
        for channel in CHANNEL_CODES:
            self.messages_in.labels(channel)
            for sender in SENDERS:
                self.messages_out.labels(channel, sender)
        for code in PRIORITY:
            self.handoffs.labels(code)

    def follow_memo(self, memo) -> None:
        """The bot's search memo (bot/search_memo.py), read at scrape: how many searches a
        burst of copies saved."""
        Gauge("gateway_bot_search_memo_hits", "Bot searches answered from the memo since start",
              registry=self.registry).set_function(lambda: memo.hits)
        Gauge("gateway_bot_search_memo_misses", "Bot searches run since start (the memo did not have them)",
              registry=self.registry).set_function(lambda: memo.misses)

    # -- bus subscriptions -------------------------------------------------------------
    def watch(self, bus: MessageBus) -> None:
        bus.subscribe(CustomerMessageStored, self._on_customer_message)
        bus.subscribe(SlaBreach, self._on_sla_breach)

    async def _on_customer_message(self, event: CustomerMessageStored) -> None:
        self.messages_in.labels(event.channel).inc()

    async def _on_sla_breach(self, event: SlaBreach) -> None:
        self.sla_breaches.inc()

    # -- hooks the pipeline calls --------------------------------------------------------
    def message_sent(self, channel: str, sender: str) -> None:
        self.messages_out.labels(channel, sender).inc()

    def decision_took(self, seconds: float) -> None:
        self.bot_decision.observe(seconds)

    def handed_off(self, code: str) -> None:
        self.handoffs.labels(code).inc()

    # -- exposition ------------------------------------------------------------------------
    async def scrape(self, uow_factory) -> bytes:
        with only_reading():
            async with uow_factory() as uow:
                waiting = (await uow.session.execute(select(func.count()).select_from(Conversation).where(
                    Conversation.status == Status.QUEUED))).scalar_one()
                undone = (await uow.session.execute(select(func.count()).select_from(OutboxItem).where(
                    OutboxItem.done_at.is_(None)))).scalar_one()
        self.queue_length.set(waiting)
        self.outbox_waiting.set(undone)
        return generate_latest(self.registry)


METRICS = web.AppKey("metrics", GatewayMetrics)
