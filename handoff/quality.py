"""Quality review: a supervisor draws a random sample of resolved conversations, scores each
on a checklist, and reads the figures per agent.

The draw is reproducible: the candidates are the ids of conversations resolved in the period,
sorted, and `random.Random(seed).sample` picks from them; the seed is stored with the sample,
so anyone can redraw it and check that nobody chose the conversations by hand.
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from gateway.clock import Clock
from handoff.errors import InvalidRequest, NotFound
from handoff.quality_ports import QualityUnitOfWork, ReviewRecord, SampleRecord
from handoff.staff import StaffMember

MAX_SAMPLE = 200
MAX_PERIOD = timedelta(days=366)


def draw_ids(candidates: list[str], size: int, seed: str) -> list[str]:
    """The sample for this seed: pure, so a stored sample can be checked by redrawing it.
    String seeds are hashed by `random` itself (SHA-512), independent of PYTHONHASHSEED."""
    population = sorted(candidates)
    return random.Random(seed).sample(population, min(size, len(population)))


@dataclass(frozen=True)
class Checklist:
    courtesy: int  # 1..5
    accuracy: int  # 1..5
    resolved: bool
    forbidden_hits: int | None = None  # None = take the reply guard's count
    comment: str | None = None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def sample_dict(s: SampleRecord) -> dict:
    return {"id": s.id, "drawn_by": s.drawn_by, "drawn_at": _iso(s.drawn_at), "period_from": _iso(s.period_from),
            "period_to": _iso(s.period_to), "size": s.size, "seed": s.seed, "conversation_ids": list(s.conversation_ids)}


def review_dict(r: ReviewRecord, names: dict[int, str]) -> dict:
    return {"id": r.id, "sample_id": r.sample_id, "conversation_id": r.conversation_id, "agent_id": r.agent_id,
            "agent": names.get(r.agent_id), "reviewer_id": r.reviewer_id, "reviewer": names.get(r.reviewer_id),
            "courtesy": r.courtesy, "accuracy": r.accuracy, "resolved": r.resolved,
            "forbidden_hits": r.forbidden_hits, "comment": r.comment, "created_at": _iso(r.created_at)}


class QualityReviews:
    def __init__(self, uow: Callable[[], QualityUnitOfWork], clock: Clock):
        self._uow = uow
        self._clock = clock

    async def draw(self, by: StaffMember, period_from: datetime, period_to: datetime, size: int,
                   seed: str | None = None) -> dict:
        if period_to <= period_from:
            raise InvalidRequest("period_to must be after period_from")
        if period_to - period_from > MAX_PERIOD:
            raise InvalidRequest("the period may be at most a year")
        if not 1 <= size <= MAX_SAMPLE:
            raise InvalidRequest(f"size must be 1 to {MAX_SAMPLE}")
        seed = seed or secrets.token_hex(8)  # recorded either way: the draw is auditable
        async with self._uow() as uow:
            candidates = await uow.reviews.resolved_between(period_from, period_to)
            sample = await uow.reviews.add_sample(by.user_id, self._clock(), period_from, period_to, size, seed,
                                                  draw_ids(candidates, size, seed))
            await uow.commit()
            return {**sample_dict(sample), "population": len(candidates)}

    async def samples(self) -> list[dict]:
        async with self._uow() as uow:
            return [sample_dict(s) for s in await uow.reviews.samples()]

    async def sample(self, sample_id: int) -> dict:
        """The sample with, per conversation, who handled it, the reply guard's counts and its reviews."""
        async with self._uow() as uow:
            sample = await uow.reviews.sample(sample_id)
            if sample is None:
                raise NotFound(f"no sample {sample_id}")
            ids = list(sample.conversation_ids)
            conversations = await uow.reviews.conversations(ids)
            agents = await uow.reviews.handling_agents(ids)
            guard = await uow.reviews.guard_counts(ids)
            reviews = await uow.reviews.reviews_of(ids)
            names = await uow.reviews.usernames(set(agents.values()) | {r.reviewer_id for r in reviews}
                                                | {r.agent_id for r in reviews})
        items = []
        for cid in ids:
            c, agent = conversations.get(cid), agents.get(cid)
            sent, shown = guard.get((cid, agent), (0, 0))
            items.append({"conversation_id": cid, "channel": c.channel if c else None,
                          "status": c.status if c else None, "resolved_at": _iso(c.resolved_at) if c else None,
                          "agent_id": agent, "agent": names.get(agent), "forbidden_hits": sent,
                          "guard_warnings": shown,
                          "reviews": [review_dict(r, names) for r in reviews if r.conversation_id == cid]})
        return {**sample_dict(sample), "items": items}

    async def review(self, by: StaffMember, conversation_id: str, checklist: Checklist,
                     sample_id: int | None = None) -> dict:
        for name in ("courtesy", "accuracy"):
            if not 1 <= getattr(checklist, name) <= 5:
                raise InvalidRequest(f"{name} must be 1 to 5")
        if checklist.forbidden_hits is not None and checklist.forbidden_hits < 0:
            raise InvalidRequest("forbidden_hits must be 0 or more")
        async with self._uow() as uow:
            if not await uow.reviews.conversations([conversation_id]):
                raise NotFound(f"no conversation {conversation_id!r}")
            if sample_id is not None:
                sample = await uow.reviews.sample(sample_id)
                if sample is None:
                    raise NotFound(f"no sample {sample_id}")
                if conversation_id not in sample.conversation_ids:
                    raise InvalidRequest("that conversation is not in the sample")
            agent = (await uow.reviews.handling_agents([conversation_id])).get(conversation_id)
            hits = checklist.forbidden_hits
            if hits is None:
                hits = (await uow.reviews.guard_counts([conversation_id])).get((conversation_id, agent), (0, 0))[0]
            review = await uow.reviews.add_review(ReviewRecord(
                None, sample_id, conversation_id, agent, by.user_id, checklist.courtesy, checklist.accuracy,
                checklist.resolved, hits, (checklist.comment or "").strip() or None, self._clock()))
            await uow.commit()
            names = await uow.reviews.usernames({agent, by.user_id})
            return review_dict(review, names)

    async def report(self, start: datetime | None = None, end: datetime | None = None) -> list[dict]:
        async with self._uow() as uow:
            rows = await uow.reviews.agent_report(start, end)
            names = await uow.reviews.usernames({r[0] for r in rows})
        return [{"agent_id": agent, "agent": names.get(agent), "reviewed": int(n),
                 "mean_courtesy": round(float(courtesy), 4), "mean_accuracy": round(float(accuracy), 4),
                 "resolved_rate": round(int(resolved) / int(n), 4), "forbidden_hits": int(hits or 0)}
                for agent, n, courtesy, accuracy, resolved, hits in rows]
