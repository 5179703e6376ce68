"""Replay: a shop's customers ask their questions one after another; after each batch an editor approves
what they proposed (a Helpful click on a right answer, a choice among clarify options), and the
bot knows the new alternates from the next batch on. Prints hit@1 and answered-right per batch.

    .venv/bin/python bench/replay.py [--kb grocery] [--batch 40] [--seed 0] [--plot replay.png]

Honest by construction: the models are fitted on the suite's *other* shops first (as
`cs-gateway kb eval --suite` does), so the replayed shop's lines were never fitted on.
A customer is taken to click Helpful on a right answer and to choose the right entry when it is
offered; both propose their words, and every proposal is approved at the batch's end.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.generalization import fit_all  # noqa: E402
from bot.policy import decide  # noqa: E402
from gateway.config import Settings  # noqa: E402
from knowledge_base.search import HybridSearch  # noqa: E402
from gateway.kb_wiring import load_encoders  # noqa: E402
from knowledge_base.suite import load_suite, matured, observe  # noqa: E402

SUITE = ROOT / "knowledge_base" / "eval_kbs"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def main(args: argparse.Namespace) -> list[dict]:
    kbs = {kb.name: kb for kb in load_suite(SUITE)}
    shop = kbs[args.kb]
    encoders = load_encoders(Settings(_env_file=None))
    train = []
    for kb in kbs.values():
        if kb.name == shop.name:
            continue
        log(f"reading {kb.name} to fit on")
        for variant in (kb, matured(kb)):
            train += (await observe(variant, encoders))[0]
    fitted = fit_all(train)
    log("fitted on the other shops")

    docs = {d.id: d for d in shop.docs}
    # The files list each entry's lines together; customers do not arrive like that.
    lines = [q for q in shop.queries if q.expect == "answer"]
    random.Random(args.seed).shuffle(lines)
    rows = []
    for start in range(0, len(lines), args.batch):
        batch = lines[start:start + args.batch]
        search = HybridSearch(encoders, fitted.calibration)
        await search.rebuild(list(docs.values()))
        hit = right = 0
        proposals: dict[str, list[str]] = {}
        for q in batch:
            result = await search.search(q.text, top_k=5, language=q.language)
            made = decide(q.text, result, fitted.thresholds,
                          intent=fitted.intents.classify(q.text, result.vectors))
            hit += bool(result.candidates) and result.candidates[0].id == q.entry
            answered_right = made.kind == "answer" and made.entry is not None and made.entry.id == q.entry
            right += answered_right
            chose = made.kind == "clarify" and q.entry in [c.id for c in made.options]
            if answered_right or chose:
                proposals.setdefault(q.entry, []).append(q.text)
        for entry_id, words in proposals.items():  # the editor approves them all
            doc = docs[entry_id]
            docs[entry_id] = replace(doc, alternates=doc.alternates + tuple(w for w in words if w not in doc.phrasings))
        rows.append({"batch": len(rows) + 1, "lines": len(batch), "hit@1": round(hit / len(batch), 3),
                     "answered_right": round(right / len(batch), 3),
                     "approved": sum(len(w) for w in proposals.values())})
        log(f"batch {len(rows)}: hit@1 {rows[-1]['hit@1']}, answered right {rows[-1]['answered_right']}, "
            f"{rows[-1]['approved']} alternates approved")
    return rows


def report(kb: str, rows: list[dict], plot: Path | None) -> None:
    print(f"Replay of {kb}: its customer lines in a shuffled order, in batches; models fitted on the other shops.")
    print(f"{'batch':>5} {'lines':>5} {'hit@1':>7} {'answered right':>15} {'approved after':>15}")
    for r in rows:
        print(f"{r['batch']:>5} {r['lines']:>5} {r['hit@1']:>7.3f} {r['answered_right']:>15.3f} {r['approved']:>15}")
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot([r["batch"] for r in rows], [r["hit@1"] for r in rows], marker="o", label="hit@1")
        ax.plot([r["batch"] for r in rows], [r["answered_right"] for r in rows], marker="s", label="answered right")
        ax.set_xticks([r["batch"] for r in rows])
        ax.set_xlabel("batch (proposals approved after each)")
        ax.set_ylim(0, 1)
        ax.set_title(f"{kb}: learning from approved proposals")
        ax.legend()
        fig.tight_layout()
        fig.savefig(plot)
        print(f"plot: {plot}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default="grocery", help="the suite shop to replay")
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0, help="the order customers arrive in")
    parser.add_argument("--plot", type=Path, help="a PNG of the figures per batch (needs matplotlib)")
    args = parser.parse_args()
    report(args.kb, asyncio.run(main(args)), args.plot)
