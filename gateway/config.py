"""Settings read from the environment (and a `.env` file), once, by bootstrap.

Names and defaults are part of the public contract; nothing here runs at import.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from handoff.service_clocks import ServiceClocks
from handoff.service_hours import ServiceHours


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    gateway_database_url: str = "sqlite+aiosqlite:///./data/gateway.db"
    gateway_redis_url: str | None = None
    # Several processes (GATEWAY_REDIS_URL set): how long exclusive work (an outbox lane,
    # Telegram polling) stays with a process that stopped renewing it, i.e. died.
    gateway_lease_seconds: float = Field(30, gt=1, le=600)
    # Several processes: how often each checks whether another one changed the knowledge base.
    gateway_kb_refresh_seconds: float = Field(2, gt=0, le=300)
    gateway_secret_key: str | None = None
    gateway_first_response_sla_seconds: int = Field(600, gt=0)
    # How often stored clocks are re-evaluated: the accuracy of every warning and breach.
    gateway_sla_sweep_seconds: float = Field(0.5, gt=0, le=5)
    # The service calendar ("mon-sun 09:00-22:00", see handoff/service_hours.py); unset = always
    # open. Its time zone, and holidays as comma-separated ISO dates in that zone.
    gateway_service_hours: str | None = None
    gateway_service_timezone: str = "UTC"
    gateway_holidays: str = ""
    # Which clocks count only service time ("service") and which count every hour ("wall").
    gateway_first_response_clock: Literal["service", "wall"] = "service"
    gateway_ordinary_complaint_clock: Literal["service", "wall"] = "service"
    gateway_major_complaint_clock: Literal["service", "wall"] = "wall"
    # A calendar an admin saves on /hours takes over from the settings above; with several
    # processes, how often each checks whether another one saved.
    gateway_calendar_refresh_seconds: float = Field(2, gt=0, le=300)
    gateway_embedding_model: str | None = None
    gateway_data_dir: Path = Path("./data")
    # A visitor who comes back within a month resumes the same conversation.
    gateway_visitor_token_ttl_seconds: int = Field(30 * 24 * 3600, gt=0)
    # Customers quiet this many days, with nothing open, are erased; unset = kept forever.
    gateway_retention_days: int | None = Field(None, ge=1)
    gateway_log_level: str = "INFO"
    # Languages the GATEWAY_EMBEDDING_MODEL is trusted in (the bundled MiniLM: English only).
    gateway_embedding_languages: str = "en"
    # Above this many phrasing vectors per language, faiss switches to an approximate index.
    gateway_kb_approximate_above: int = Field(20000, gt=0)
    # Decision thresholds; unset = the calibrated values (`cs-gateway kb calibrate`).
    gateway_bot_answer_threshold: float | None = Field(None, ge=0, le=1)
    gateway_bot_clarify_threshold: float | None = Field(None, ge=0, le=1)
    # The models read questions in a process of their own, at a lower CPU priority, so the bot
    # cannot take the CPU that acks need (knowledge_base/encoder_process.py).
    gateway_encoder_process: bool = True
    # Searches the bot keeps by text and knowledge-base version (bot/search_memo.py); 0 = none.
    gateway_bot_memo_size: int = Field(2048, ge=0)
    # Sites allowed to embed the widget (comma-separated origins). Visitor tokens, not
    # cookies, authenticate `/chat`, so a foreign page gains nothing by connecting.
    gateway_widget_origins: str = "*"
    # The console shows customers' phones, ID and card numbers and e-mails masked; a person who
    # needs one reveals that message, and each reveal is written to the audit log.
    gateway_console_mask_pii: bool = False
    # Webhook deliveries (gateway/channels/webhooks.py): how long one attempt may take, and the
    # longest wait between attempts (the waits double from 1 s); each event is tried for 24 h.
    gateway_webhook_timeout_seconds: float = Field(10.0, gt=0, le=120)
    gateway_webhook_retry_cap_seconds: float = Field(300.0, gt=0, le=3600)
    gateway_webhook_poll_seconds: float = Field(1.0, gt=0, le=60)
    # Receivers on private, loopback or link-local addresses are refused unless this is on
    # (a receiver on the same network, or tests on 127.0.0.1).
    gateway_webhook_allow_private: bool = False
    # The shop's order API (bot/shop_api.py): with a URL holding {order_id}, the bot answers
    # "where is my order?" from it; unset, order questions go to the knowledge base as before.
    gateway_order_lookup_url: str | None = Field(None, pattern=r"^https?://[^\s]*\{order_id\}[^\s]*$")
    gateway_order_lookup_token: str | None = None  # sent as Authorization: Bearer …
    # A lookup taking longer is given up and the customer handed to a person.
    gateway_order_lookup_timeout_seconds: float = Field(3.0, gt=0, le=30)
    # The reply guard's model beside its lexicons (handoff/guard_model.py). Off by default: on
    # held-out labelled replies it catches 0.90-0.96 of forbidden ones, but it also warns on
    # short greetings such as "您好，很高兴为您服务" that its training lines lacked.
    gateway_reply_guard_model: bool = False
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed: behind
    # nginx every peer is the proxy, and per-address limits would lump all customers together.
    gateway_trusted_proxies: str = ""
    # Per client address on /chat (0 = no limit): new connections and messages a minute, after a
    # burst of as many. Generous, since a shop's customers may share one carrier or office NAT.
    gateway_chat_connects_per_minute: int = Field(60, ge=0)
    gateway_chat_messages_per_minute: int = Field(240, ge=0)
    # Staff logins: a session ends this long after login, and also once idle this long.
    gateway_session_hours: float = Field(12, gt=0, le=24 * 30)
    gateway_session_idle_minutes: float = Field(240, gt=0)
    # Failed logins within the window after which a name, or an address, must wait.
    gateway_login_failures_per_name: int = Field(5, gt=0)
    gateway_login_failures_per_address: int = Field(20, gt=0)
    gateway_login_window_seconds: int = Field(900, gt=0)
    # "auto" = Secure cookies when the request came over HTTPS (directly or per a trusted proxy).
    gateway_cookie_secure: str = Field("auto", pattern=r"^(auto|true|false)$")

    # BotFather's form, <bot id>:<secret>: a typo fails at start, not at the first message.
    telegram_bot_token: str | None = Field(None, pattern=r"^\d+:[A-Za-z0-9_-]+$")
    telegram_api_base: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,256}$")
    # How long one getUpdates call waits for news: longer means fewer idle requests.
    telegram_poll_timeout_seconds: int = Field(25, ge=0, le=50)

    @field_validator("gateway_trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        from gateway.client_address import parse_proxies

        parse_proxies(value)  # "GATEWAY_TRUSTED_PROXIES: '10.0.0.300' does not appear to be an IPv4 …"
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> "Settings":
        # Without the secret anyone who finds the URL could post forged customer messages.
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET "
                             "(1-256 characters: letters, digits, _ and -)")
        return self

    @model_validator(mode="after")
    def _order_token_not_in_clear(self) -> "Settings":
        # The bearer token would cross the network readable by anyone on the way.
        url = self.gateway_order_lookup_url
        if url and url.startswith("http://") and urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("GATEWAY_ORDER_LOOKUP_URL must be https:// (http:// only on this machine: "
                             "127.0.0.1, localhost, ::1)")
        return self

    @model_validator(mode="after")
    def _service_hours_parse(self) -> "Settings":
        # A typo in the calendar would silently move every deadline: refuse to start instead.
        try:
            self.service_clocks()
        except ValueError as exc:
            raise ValueError(f"GATEWAY_SERVICE_HOURS, GATEWAY_SERVICE_TIMEZONE or GATEWAY_HOLIDAYS: {exc}") from None
        return self

    def service_clocks(self) -> ServiceClocks:
        hours = ServiceHours.parse(self.gateway_service_hours, self.gateway_service_timezone, self.gateway_holidays)
        return ServiceClocks(hours, self.gateway_first_response_clock, self.gateway_ordinary_complaint_clock,
                             self.gateway_major_complaint_clock)

    def secret_key(self) -> str:
        """The configured key, else one generated once into the data directory.

        Generated rather than defaulted so that no two installs share a key, and
        persisted so that visitor tokens survive a restart.
        """
        if self.gateway_secret_key:
            return self.gateway_secret_key
        path = self.gateway_data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
