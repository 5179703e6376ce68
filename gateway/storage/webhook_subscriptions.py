"""Which event types some webhook endpoint wants, as a process last read them.

Every customer message stored is a `message.created` event, on the ack path, thousands of them
in a burst. Asking the database at each one whether anybody listens would put a query on every
ack; instead a process remembers the set of subscribed types for TTL_SECONDS, and a unit of
work reads the endpoints themselves only when that set says one wants an event it records,
then once for all its events (a group commit's whole batch). With no endpoint, or none wanting
the event, recording costs no query at all.

Why the endpoints are still read in the unit of work rather than remembered with the set: the
deliveries are written for the rows the transaction sees, so an endpoint that another process
deleted a moment ago never gets one (its foreign key would fail the customer's commit), and a
`trusted` flag just cleared is never trusted.

Why a short TTL and not a read per unit of work: the read would then cost every ack a query
while nobody subscribes, the common case. The price, in a deployment of several processes: the
process where an admin adds or edits an endpoint forgets the set at that commit, but the others
may go on not looking for up to TTL_SECONDS, so an endpoint that is new, or newly subscribed to
an event, misses what those processes record in that window. An endpoint removed costs them at
most one wasted read per unit of work until they look again.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

TTL_SECONDS = 2.0


class WebhookSubscriptions:
    """Shared by the units of work of one session factory (`create_session_factory`)."""

    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._wanted: frozenset[str] | None = None
        self._until = 0.0
        # Moves on at every change of the endpoints, so a read that began before one is not kept.
        self.version = 0

    def wanted(self) -> frozenset[str] | None:
        """The event types some endpoint wants; None when it is time to look again."""
        if self._wanted is not None and self._clock() < self._until:
            return self._wanted
        return None

    def remember(self, wanted: Iterable[str], version: int) -> None:
        """What a unit of work read, taken `version` before its read, unless endpoints changed since."""
        if version == self.version:
            self._wanted, self._until = frozenset(wanted), self._clock() + self._ttl

    def forget(self) -> None:
        """An endpoint was added, changed or removed (and committed): look again at the next event."""
        self.version += 1
        self._wanted = None
