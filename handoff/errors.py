"""Why hand-off refused a staff action, in its own words. The web maps each kind to an HTTP
status (`gateway/web/handoff_errors.py`), the /agent namespace to a socket error code."""
from __future__ import annotations


class HandoffRefused(Exception):
    pass


class NotFound(HandoffRefused, LookupError):
    """No such conversation, complaint or sample."""


class NotYours(HandoffRefused):
    """Someone else owns the conversation, and the actor does not supervise."""


class WrongState(HandoffRefused):
    """Not now: the conversation, complaint or rating is not in a state that allows it."""


class InvalidRequest(HandoffRefused, ValueError):
    """The request itself is wrong: a bad value, a target that cannot take it."""
