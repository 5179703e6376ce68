"""How many agents a hand-off load needs: Erlang C (the M/M/N queue). Pure functions.

Model: hand-offs arrive at random (Poisson) at `arrivals_per_hour`, each takes an
exponentially distributed `handle_seconds` of one agent, nobody gives up while waiting, and
an agent works one conversation at a time. Chat agents often hold several conversations at
once; then the figure is "agent-slots" and dividing by the concurrency is only a rough
guide. The result is a floor before shrinkage (breaks, training, absence).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000  # beyond any desk this gateway serves; stops a search on absurd input


def erlang_b(traffic: float, servers: int) -> float:
    """Blocking probability of Erlang B, by the recurrence B(k) = A·B(k-1) / (k + A·B(k-1)).

    The textbook form A^N/N! / Σ A^k/k! overflows floats near N = 170; the recurrence only
    ever handles numbers between 0 and 1, so it is exact to rounding for any N.
    """
    if traffic < 0 or servers < 0:
        raise ValueError("traffic and servers must not be negative")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(traffic: float, servers: int) -> float:
    """Probability that an arrival has to wait (Erlang C), for `traffic` Erlangs offered to
    `servers` agents: C = N·B / (N − A·(1 − B)) with B = Erlang B. 1.0 when N ≤ A, where the
    queue grows without bound and everyone waits."""
    if servers <= traffic:
        return 1.0
    blocking = erlang_b(traffic, servers)
    return servers * blocking / (servers - traffic * (1.0 - blocking))


def service_level(traffic: float, servers: int, target_seconds: float, handle_seconds: float) -> float:
    """Share answered within `target_seconds`: 1 − C·exp(−(N − A)·t / AHT)."""
    if servers <= traffic:
        return 0.0
    waiting = erlang_c(traffic, servers)
    return 1.0 - waiting * math.exp(-(servers - traffic) * target_seconds / handle_seconds)


def average_speed_of_answer(traffic: float, servers: int, handle_seconds: float) -> float:
    """Mean wait over all arrivals, ASA = C·AHT / (N − A); infinite when N ≤ A."""
    if servers <= traffic:
        return math.inf
    return erlang_c(traffic, servers) * handle_seconds / (servers - traffic)


@dataclass(frozen=True)
class Staffing:
    traffic_erlangs: float
    agents: int
    probability_wait: float
    service_level: float
    average_speed_of_answer_seconds: float
    occupancy: float

    def to_dict(self) -> dict:
        return {"traffic_erlangs": round(self.traffic_erlangs, 4), "agents": self.agents,
                "probability_wait": self.probability_wait, "service_level": self.service_level,
                "average_speed_of_answer_seconds": self.average_speed_of_answer_seconds,
                "occupancy": self.occupancy}


def agents_needed(arrivals_per_hour: float, handle_seconds: float, target_seconds: float,
                  target_share: float) -> Staffing:
    """The fewest agents for which at least `target_share` (0 < share < 1) of arrivals is
    answered within `target_seconds`. Starts just above the offered load (fewer agents can
    never keep up) and adds one at a time; service level rises with every agent."""
    if arrivals_per_hour < 0 or handle_seconds <= 0 or target_seconds < 0:
        raise ValueError("arrivals must be ≥ 0, handle time > 0, target time ≥ 0")
    if not 0 < target_share < 1:
        raise ValueError("the target share must be between 0 and 1 (exclusive)")
    traffic = arrivals_per_hour * handle_seconds / 3600.0
    servers = max(1, math.floor(traffic) + 1)
    while service_level(traffic, servers, target_seconds, handle_seconds) < target_share:
        servers += 1
        if servers > MAX_AGENTS:
            raise ValueError(f"more than {MAX_AGENTS} agents: check the arrival rate and handle time")
    return Staffing(traffic, servers, erlang_c(traffic, servers),
                    service_level(traffic, servers, target_seconds, handle_seconds),
                    average_speed_of_answer(traffic, servers, handle_seconds), traffic / servers)
