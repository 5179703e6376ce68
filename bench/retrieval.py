"""Retrieval benchmark: bot decision latency, concurrent throughput with and without
micro-batching, the bare encoders' ceiling, index scale, and memory.

    .venv/bin/python bench/retrieval.py [--quick] [--json]      (from the project root, offline)

The machine is small and shared, so every comparison is between measurements taken side
by side in this run (interleaved where it matters), and figures are medians, not means.
"""
from __future__ import annotations

import os

# One BLAS/OpenMP thread, as the server runs next to other work on two cores; set before
# numpy/faiss/torch are imported or it has no effect. A caller's own setting wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import asyncio
import copy
import gc
import hashlib
import json
import random
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, sys.path[0] is bench/, not the project

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from bot.retrieval_responder import RetrievalResponder  # noqa: E402
from gateway.config import Settings  # noqa: E402
from knowledge_base.documents import KbDoc  # noqa: E402
from knowledge_base.encoders import Encoder  # noqa: E402
from gateway.texts.languages import detect_language  # noqa: E402
from knowledge_base.fusion import Calibration  # noqa: E402
from knowledge_base.importers import read_file  # noqa: E402
from knowledge_base.search import HybridSearch  # noqa: E402
from gateway.kb_wiring import DEMO_FAQ, bot_thresholds, load_encoders  # noqa: E402
from knowledge_base.tokenize import jieba  # noqa: E402  (already quietened there)

DEV = ROOT / "knowledge_base" / "demo" / "dev.jsonl"
CONCURRENCY = 32


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(seconds: list[float]) -> dict:
    a = np.asarray(seconds) * 1000
    return {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), 2), "p99_ms": round(float(np.percentile(a, 99)), 2)}


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) / 1024 for l in f if l.startswith("VmRSS:"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- inputs ----------------------------------------------------------------------------------
def faq_docs() -> list[KbDoc]:
    # The same path an import takes: read_file -> resolved() -> KbDoc.
    return [KbDoc.from_dict(e.resolved().model_dump()) for e in read_file(DEMO_FAQ)]


def dev_texts() -> list[str]:
    texts = [json.loads(l)["text"] for l in DEV.read_text(encoding="utf-8").splitlines() if l.strip()]
    random.Random(7).shuffle(texts)  # the file is grouped by topic and language: mix zh and en
    return texts


# -- the variant without micro-batching -------------------------------------------------------
class PerQueryEncode:
    """MicroBatcher's encode(text), but every query is its own forward pass."""

    def __init__(self, encoder: Encoder):
        self.encoder = encoder
        self.batches = 0

    async def encode(self, text: str) -> np.ndarray:
        vectors = await asyncio.to_thread(self.encoder.encode_queries, [text])
        self.batches += 1
        return vectors[0]


def unbatched(search: HybridSearch) -> HybridSearch:
    clone = copy.copy(search)  # shallow: shares the built index, encoders and calibration
    clone.batchers = {name: PerQueryEncode(e) for name, e in search.encoders.items()}
    return clone


# -- 1. single-decision latency ---------------------------------------------------------------
async def single_latency(responder: RetrievalResponder, texts: list[str], n: int, warmup: int) -> dict:
    for text in texts[:warmup]:
        await responder.decide(text)
    by_lang: dict[str, list[float]] = {"zh": [], "en": []}
    for i in range(n):
        text = texts[i % len(texts)]
        t = time.perf_counter()
        await responder.decide(text)
        by_lang[detect_language(text)].append(time.perf_counter() - t)
    return {"all": ms(by_lang["zh"] + by_lang["en"]), **{k: ms(v) for k, v in by_lang.items() if v}}


# -- 2 and 3. throughput at 32 concurrent decisions, and the bare encoders' ceiling -------------
async def throughput(search: HybridSearch, thresholds, texts: list[str], rounds: int) -> dict:
    """Every round takes the next 32 dev texts and measures, in an order that rotates from
    round to round so load from elsewhere on the machine falls on all alike:
      batched    32 decide() at once through the normal MicroBatcher path
      unbatched  the same, one forward pass per query (PerQueryEncode)
      pair       the bare encoders on those 32 texts as the hybrid splits them (each encoder
                 on the texts in its languages, in parallel threads): the ceiling
      <encoder>  one encoder alone on 32 texts in its languages"""
    variants = {"batched": search, "unbatched": unbatched(search)}
    # memo_size=0: every decision searches, as a new question would; a repeat costs ~nothing.
    responders = {k: RetrievalResponder(s, thresholds, memo_size=0) for k, s in variants.items()}
    encoders = list(search.encoders.values())
    own = {e.name: [t for t in texts if detect_language(t) in e.languages] for e in encoders}
    seconds: dict[str, list[float]] = {k: [] for k in [*variants, "pair", *own]}
    passes: dict[str, list[dict]] = {k: [] for k in variants}

    async def decide_all(key: str, batch: list[str]) -> None:
        batchers = variants[key].batchers
        before = {n: b.batches for n, b in batchers.items()}
        await asyncio.gather(*(responders[key].decide(q) for q in batch))
        passes[key].append({n: b.batches - before[n] for n, b in batchers.items()})

    async def pair(batch: list[str]) -> None:
        shares = [(e, [t for t in batch if detect_language(t) in e.languages]) for e in encoders]
        await asyncio.gather(*(asyncio.to_thread(e.encode_queries, s) for e, s in shares if s))

    for r in range(rounds + 1):  # round 0 warms up and is not counted
        batch = [texts[(r * CONCURRENCY + i) % len(texts)] for i in range(CONCURRENCY)]
        jobs = {"batched": lambda: decide_all("batched", batch), "unbatched": lambda: decide_all("unbatched", batch),
                "pair": lambda: pair(batch)}
        for e in encoders:
            alone = [own[e.name][(r * CONCURRENCY + i) % len(own[e.name])] for i in range(CONCURRENCY)]
            jobs[e.name] = lambda e=e, alone=alone: asyncio.to_thread(e.encode_queries, alone)
        keys = list(jobs)
        for key in keys[r % len(keys):] + keys[: r % len(keys)]:
            t = time.perf_counter()
            await jobs[key]()
            if r:
                seconds[key].append(time.perf_counter() - t)
    for key in variants:
        passes[key] = passes[key][1:]  # drop the warm-up round

    rate = {k: CONCURRENCY / np.array(v) for k, v in seconds.items()}  # per round, queries or texts per s
    summary = lambda k: {"median": round(float(np.median(rate[k])), 1), "min": round(float(rate[k].min()), 1),  # noqa: E731
                         "max": round(float(rate[k].max()), 1)}
    return {
        "rounds": rounds,
        **{k: {**summary(k), "forward_passes_per_round": {n: int(np.median([p[n] for p in passes[k]]))
                                                          for n in passes[k][0]}} for k in variants},
        "ratio_batched_unbatched": round(float(np.median(rate["batched"] / rate["unbatched"])), 2),
        "ratio_batched_ceiling": round(float(np.median(rate["batched"] / rate["pair"])), 2),
        "ceiling": {"pair": summary("pair"), **{n: {**summary(n), "languages": sorted(search.encoders[n].languages)}
                                               for n in own}},
    }


# -- 4. index scale, with stand-in encoders ---------------------------------------------------
class FakeEncoder(Encoder):
    """Name, dim and languages of a real encoder, but each vector is a unit vector from an
    RNG seeded by a hash of the text: running the real models on 100k entries would take
    hours, and this part is about faiss, BM25 and fusion cost, not inference."""

    def __init__(self, like: Encoder):
        super().__init__()
        self.name, self.dim, self.languages = like.name, like.dim, like.languages
        self.seconds = 0.0  # time spent making vectors, to tell apart from index building

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        t = time.perf_counter()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = hashlib.blake2b(f"{self.name}|{query}|{text}".encode(), digest_size=8).digest()
            out[i] = np.random.default_rng(int.from_bytes(seed, "little")).standard_normal(self.dim, dtype=np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        self.seconds += time.perf_counter() - t
        return out


_HAN_WORD = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")


def vocabulary(docs: list[KbDoc]) -> dict[str, list[str]]:
    words: dict[str, set[str]] = {"zh": set(), "en": set()}
    for d in docs:
        text = "\n".join((*d.phrasings, d.answer))
        if d.language == "zh":
            words["zh"].update(w for w in jieba.lcut(text) if _HAN_WORD.match(w))
        else:
            words["en"].update(re.findall(r"[a-z]+", text.lower()))
    return {k: sorted(v) for k, v in words.items()}  # sorted: set order must not move the seed


def synthetic_docs(n: int, vocab: dict[str, list[str]], seed: int = 1234) -> list[KbDoc]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        lang = "zh" if i % 2 else "en"
        sep, q_end, a_end = ("", "？", "。") if lang == "zh" else (" ", "?", ".")

        def words(k: int) -> str:
            return sep.join(rng.choices(vocab[lang], k=k))

        phrasings = [words(rng.randint(4, 9)) + q_end for _ in range(4)]  # question + 3 alternates
        docs.append(KbDoc(f"syn-{i:06d}", lang, phrasings[0], words(rng.randint(15, 40)) + a_end, tuple(phrasings[1:])))
    return docs


async def scale_point(n: int, like: list[Encoder], calibration: Calibration, approximate_above: int,
                      vocab: dict[str, list[str]], texts: list[str], n_queries: int) -> dict:
    fakes = [FakeEncoder(e) for e in like]
    search = HybridSearch(fakes, calibration, approximate_above=approximate_above)
    docs = synthetic_docs(n, vocab)
    t = time.perf_counter()
    await search.rebuild(docs)
    build = time.perf_counter() - t
    rss_built = rss_mb()
    # Private state, read only to report which faiss index the size threshold picked.
    faiss_kinds = sorted({type(d._index).__name__ for ix in search._indexes.values()
                          for d in (*ix.phrasings.values(), *ix.answers.values())})
    max_vectors = max(d.size for ix in search._indexes.values() for d in ix.phrasings.values())
    for text in texts[:10]:
        await search.search(text, mode="hybrid")
    times = []
    for i in range(n_queries):
        t = time.perf_counter()
        await search.search(texts[i % len(texts)], mode="hybrid")
        times.append(time.perf_counter() - t)
    del search, docs
    gc.collect()
    return {"entries": n, "build_s": round(build, 2), "fake_encoding_s": round(sum(f.seconds for f in fakes), 2),
            "query": ms(times), "faiss": faiss_kinds, "max_phrasing_vectors_per_language": max_vectors,
            "rss_after_build_mb": round(rss_built)}


# -- the report -------------------------------------------------------------------------------
def report(r: dict) -> str:
    c, lat, tp = r["config"], r["latency"], r["throughput"]
    b, u, ceiling = tp["batched"], tp["unbatched"], tp["ceiling"]
    lines = [
        f"Retrieval benchmark ({c['run']} run)  cpus={c['cpus']}  OMP_NUM_THREADS={c['omp']}  "
        f"torch threads={c['torch_threads']}  faiss {c['faiss']}",
        f"Demo FAQ: {c['faq_entries']} entries; queries: {c['queries']} dev.jsonl texts ({c['zh']} zh, {c['en']} en), shuffled",
        f"Encoders: {', '.join(f'{n} {sorted(v)}' for n, v in c['encoders'].items())}; thresholds {c['thresholds']}",
        "",
        f"1. Single decision latency: RetrievalResponder.decide, one at a time, N={lat['all']['n']} after {c['warmup']} warm-up",
    ]
    lines += [f"   {k:4} n={v['n']:<4} p50 {v['p50_ms']:7.2f} ms   p99 {v['p99_ms']:7.2f} ms" for k, v in lat.items()]
    passes = lambda v: ", ".join(f"{n} {p}" for n, p in v["forward_passes_per_round"].items())  # noqa: E731
    spread = lambda v: f"median {v['median']:6.1f}  (min {v['min']}, max {v['max']})"  # noqa: E731
    lines += [
        "",
        f"2. Throughput: {CONCURRENCY} concurrent decide() (asyncio.gather), {tp['rounds']} rounds; each round runs"
        " parts 2 and 3 on the same texts, in rotating order",
        f"   micro-batched (normal path)  q/s {spread(b)}  forward passes/round: {passes(b)}",
        f"   one forward pass per query   q/s {spread(u)}  forward passes/round: {passes(u)}",
        f"   ratio batched/unbatched:     {tp['ratio_batched_unbatched']:.2f}x  (median of per-round ratios)",
        f"   batched / encoder ceiling:   {tp['ratio_batched_ceiling']:.2f}   (median of per-round ratios, ceiling = pair below)",
        "",
        f"3. Bare encoders, encode_queries on batches of {CONCURRENCY} texts, interleaved with part 2 (the limit)",
    ]
    lines += [f"   {n:8} texts/s   {spread(v)}   (texts in {'+'.join(v['languages'])})"
              for n, v in ceiling.items() if n != "pair"]
    lines += [
        f"   pair     queries/s {spread(ceiling['pair'])}   as the hybrid uses them: the round's {CONCURRENCY} mixed"
        " queries, each encoder on those in its languages, in parallel threads",
        "",
        "4. Index build and query at scale -- FAKE encoders (hash-seeded random unit vectors, dim 384,",
        "   named e5/minilm with the real languages): measures faiss + BM25 + fusion, NOT model inference.",
        f"   Synthetic zh/en entries (question + 3 alternates + answer, demo-FAQ vocabulary, seed 1234);"
        f" HNSW above {c['approximate_above']} phrasing vectors per language.",
        "   entries   build s  (fake enc s)  query p50 ms  p99 ms  phrasing vecs/lang  faiss index          RSS after build",
    ]
    lines += [f"   {s['entries']:>7,}  {s['build_s']:8.2f}  ({s['fake_encoding_s']:8.2f})  {s['query']['p50_ms']:12.2f}"
              f"  {s['query']['p99_ms']:6.2f}  {s['max_phrasing_vectors_per_language']:>18,}  {'+'.join(s['faiss']):20}"
              f" {s['rss_after_build_mb']:>6} MB" for s in r["scale"]]
    lines += [
        f"   (query: search(text, mode='hybrid') over dev texts, N={r['scale'][0]['query']['n']} per size after 10 warm-up;"
        " random vectors are a worst case for HNSW build time)",
        "",
        f"5. Memory: RSS at end {r['memory']['rss_mb']:.0f} MB, peak RSS {r['memory']['peak_rss_mb']:.0f} MB",
        f"Wall time: {r['wall_s']:.0f} s",
    ]
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    quick = args.quick
    n_single, warmup, rounds = (60, 10, 4) if quick else (400, 20, 12)
    sizes, n_scale_queries = ([1_000, 10_000], 100) if quick else ([1_000, 10_000, 100_000], 200)

    settings = Settings()
    log("loading encoders")
    encoders = load_encoders(settings)
    calibration = Calibration.load()  # the shipped zh/en models
    search = HybridSearch(encoders, calibration, approximate_above=settings.gateway_kb_approximate_above)
    docs = faq_docs()
    await search.rebuild(docs)
    thresholds = bot_thresholds(settings, search)
    texts = dev_texts()

    log(f"1. single-decision latency, N={n_single}")
    latency = await single_latency(RetrievalResponder(search, thresholds, memo_size=0), texts, n_single, warmup)
    log(f"2+3. throughput and encoder ceiling, {rounds} rounds")
    tp = await throughput(search, thresholds, texts, rounds)

    vocab = vocabulary(docs)
    scale = []
    for n in sizes:
        log(f"4. scale: {n:,} synthetic entries")
        scale.append(await scale_point(n, encoders, calibration, settings.gateway_kb_approximate_above,
                                       vocab, texts, n_scale_queries))

    import torch  # already loaded by sentence-transformers

    return {
        "config": {"run": "quick" if quick else "full", "cpus": os.cpu_count(), "omp": os.environ["OMP_NUM_THREADS"],
                   "torch_threads": torch.get_num_threads(), "faiss": faiss.__version__, "faq_entries": len(docs),
                   "queries": len(texts), "zh": sum(detect_language(t) == "zh" for t in texts),
                   "en": sum(detect_language(t) == "en" for t in texts),
                   "encoders": {e.name: sorted(e.languages) for e in encoders},
                   "thresholds": {k: round(getattr(thresholds, k), 3) for k in ("answer", "clarify", "option")},
                   "warmup": warmup, "approximate_above": settings.gateway_kb_approximate_above,
                   "vocabulary": {k: len(v) for k, v in vocab.items()}},
        "latency": latency, "throughput": tp, "scale": scale,
        "memory": {"rss_mb": round(rss_mb(), 1), "peak_rss_mb": round(peak_rss_mb(), 1)},
        "wall_s": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples; scale at 1k and 10k only")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the report")
    args = parser.parse_args()
    results = asyncio.run(main(args))
    print(json.dumps(results, indent=1, ensure_ascii=False) if args.json else report(results))
