"""A suite of knowledge bases, each with customer lines written against it, and what every
retriever says about every line: the material the cross-KB evaluation fits and scores on.

A suite is a folder with one sub-folder per knowledge base, holding the shop's FAQ
(`faq.yaml`, or any format `cs-gateway kb import` reads) and `queries.jsonl` (the lines of
`cs-gateway kb eval`). The retrievers run once per line; fitting and scoring then work on
the recorded signals, so trying a model on five knowledge bases takes seconds, not minutes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from knowledge_base.documents import KbDoc
from knowledge_base.encoders import Encoder
from knowledge_base.evaluation import EvalQuery, load_queries
from knowledge_base.fusion import Calibration
from knowledge_base.importers import read_file
from knowledge_base.search import HybridSearch

FAQ_NAMES = ("faq.yaml", "faq.yml", "faq.json", "faq.jsonl", "faq.csv", "faq.md")


class SuiteError(ValueError):
    pass


@dataclass(frozen=True)
class SuiteKb:
    name: str
    docs: list[KbDoc]
    queries: list[EvalQuery]


@dataclass
class Observed:
    """One line of a suite KB and what the retrievers said about every entry of its language."""

    kb: str
    query: EvalQuery
    language: str
    ids: list[str]
    signals: dict[str, np.ndarray]
    vectors: dict[str, np.ndarray]  # the line's own vector per encoder, for the intent models


def load_suite(folder: Path) -> list[SuiteKb]:
    kbs = []
    for sub in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        faq = next((sub / n for n in FAQ_NAMES if (sub / n).exists()), None)
        queries = sub / "queries.jsonl"
        if faq is None or not queries.exists():
            continue
        docs = [KbDoc.from_dict(e.resolved().model_dump()) for e in read_file(faq)]
        lines = load_queries(queries)
        known = {d.id for d in docs}
        unknown = sorted({q.entry for q in lines if q.entry and q.entry not in known})
        if unknown:
            raise SuiteError(f"{queries}: entries not in {faq.name}: {', '.join(unknown[:5])}")
        kbs.append(SuiteKb(sub.name, docs, lines))
    if len(kbs) < 2:
        raise SuiteError(f"{folder}: a suite needs at least two knowledge bases (folders with a FAQ and queries.jsonl)")
    return kbs


MATURED = "+alt"


def matured(kb: SuiteKb, per_entry: int = 2) -> SuiteKb:
    """The same shop some weeks on: `per_entry` customer lines of each entry approved as its
    alternates (what the proposals on /kb produce), scored on that entry's other lines."""
    taken: dict[str, list[str]] = {}
    rest = []
    for q in kb.queries:
        if q.expect == "answer" and len(taken.setdefault(q.entry, [])) < per_entry:
            taken[q.entry].append(q.text)
        else:
            rest.append(q)
    docs = [replace(d, alternates=d.alternates + tuple(taken.get(d.id, ()))) for d in kb.docs]
    return SuiteKb(kb.name + MATURED, docs, rest)


def shop(name: str) -> str:
    """The shop a suite KB belongs to: a matured KB and its original are one shop."""
    return name.removesuffix(MATURED)


@dataclass
class Phrasings:
    """What the retrievers say about every entry's own phrasings, per language: the
    knowledge base's self-check (self_check.py) reads them with whatever model is fitted."""

    language: str
    docs: list[KbDoc]
    signals: list[dict[str, np.ndarray]]  # one per phrasing, in the order of the docs


async def observe(kb: SuiteKb, encoders: list[Encoder]) -> tuple[list[Observed], list[Phrasings]]:
    """Index the KB alone, as a shop that imported it would have it, and record every line
    and every entry's phrasings."""
    search = HybridSearch(encoders, Calibration())
    await search.rebuild(kb.docs)
    phrasings = []
    for language in sorted({d.language for d in kb.docs}):
        docs = [d for d in kb.docs if d.language == language]
        signals = [(await search.raw_signals(text, language))[2] for d in docs for text in d.phrasings]
        phrasings.append(Phrasings(language, docs, signals))
    return await observe_lines(kb.name, kb.queries, search), phrasings


async def observe_lines(name: str, queries: list[EvalQuery], search: HybridSearch) -> list[Observed]:
    """Every line against an index already built (a suite KB's, or the live knowledge base)."""
    observed = []
    for q in queries:
        vectors: dict[str, np.ndarray] = {}
        language, ids, signals = await search.raw_signals(q.text, q.language, vectors)
        missing = [n for n in search.encoders if n not in vectors]
        if missing:  # an encoder not used in this language: the intent model may still read it
            vectors |= {n: v for n, v in (await search.query_vectors(q.text)).items() if n in missing}
        observed.append(Observed(name, q, language, ids, signals, vectors))
    return observed
