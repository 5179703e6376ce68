"""JSON logs, each line carrying the conversation it concerns when there is one, and none
carrying a customer's personal data: phones, ID and card numbers and e-mails are masked in the
message, its arguments, the extra fields and exception text before a handler writes them."""
from __future__ import annotations

import contextvars
import logging
import sys
from contextlib import contextmanager

from pythonjsonlogger.json import JsonFormatter

from gateway.privacy import pii

_conversation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("conversation_id", default=None)


@contextmanager
def conversation_context(conversation_id: str):
    token = _conversation_id.set(conversation_id)
    try:
        yield
    finally:
        _conversation_id.reset(token)


class _ConversationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "conversation_id"):
            record.conversation_id = _conversation_id.get()
        return True


# What every LogRecord has; anything else on a record came in through `extra`.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class _PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # the JSON formatter merges a dict message into the line
            record.msg = pii.mask_nested(record.msg)
        else:  # a string, or anything str() turns into one (an exception logged by itself)
            try:
                record.msg, record.args = pii.mask(record.getMessage()), None
            except (TypeError, ValueError):  # arguments that do not fit: the line still says what it could
                record.msg, record.args = f"{pii.mask(str(record.msg))} {pii.mask_nested(record.args)!r}", None
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS:
                setattr(record, key, pii.mask_nested(value))
        if record.exc_text:
            record.exc_text = pii.mask(record.exc_text)
        return True


class _MaskingJsonFormatter(JsonFormatter):
    """Exception messages and tracebacks quote values ("no customer 13812345678")."""

    def formatException(self, ei):
        return pii.mask_nested(super().formatException(ei))

    def formatStack(self, stack_info):
        return pii.mask_nested(super().formatStack(stack_info))


def configure_logging(level: str = "INFO", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        _MaskingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(conversation_id)s",
            rename_fields={"levelname": "level", "asctime": "time"},
        )
    )
    handler.addFilter(_ConversationFilter())
    handler.addFilter(_PersonalDataFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's per-request access lines and engine.io's chatter drown the gateway's own.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("engineio").setLevel(logging.WARNING)
    logging.getLogger("socketio").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
