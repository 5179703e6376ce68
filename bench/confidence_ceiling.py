"""How far a better threshold could take the bot on a shop it never saw: for each shop of the
suite, its lines scored by the confidence model fitted on the other shops, then the one
threshold that answers the most of them right while in-scope answers stay within 3 % wrong
and out-of-scope answers within 5 %, chosen *with hindsight on that shop's own lines*. No real
threshold can do better with these confidences; the shipped one, chosen on the other shops,
is printed beside it.

    .venv/bin/python bench/confidence_ceiling.py

Takes about four minutes on two cores (the retrievers read every line once).
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import asyncio  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.generalization import rows_by_language  # noqa: E402
from gateway.config import Settings  # noqa: E402
from knowledge_base import calibrate  # noqa: E402
from gateway.kb_wiring import load_encoders  # noqa: E402
from knowledge_base.suite import load_suite, observe  # noqa: E402

SUITE = ROOT / "knowledge_base" / "eval_kbs"
WRONG, OUT_OF_SCOPE = 0.03, 0.05  # the budgets, per shop


def rates(tops, threshold: float) -> tuple[float, float, float]:
    in_scope = [t for t in tops if t[2]]
    oos = [t for t in tops if not t[2]]
    right = sum(1 for s, ok, *_ in in_scope if s >= threshold and ok) / len(in_scope)
    wrong = sum(1 for s, ok, *_ in in_scope if s >= threshold and not ok) / len(in_scope)
    out = sum(1 for s, *_ in oos if s >= threshold) / max(len(oos), 1)
    return right, wrong, out


def hindsight(tops) -> float:
    feasible = [rates(tops, t) for t in sorted({t[0] for t in tops}) if
                rates(tops, t)[1] <= WRONG and rates(tops, t)[2] <= OUT_OF_SCOPE]
    return max((r for r, _, _ in feasible), default=0.0)


async def main() -> None:
    kbs = load_suite(SUITE)
    encoders = load_encoders(Settings(_env_file=None))
    rows = {}
    for kb in kbs:
        print(f"reading {kb.name}", file=sys.stderr, flush=True)
        rows[kb.name] = rows_by_language((await observe(kb, encoders))[0])
    print(f"{'shop':14}{'hindsight best':>16}{'other shops':>13}{'wrong':>8}{'out of scope':>14}")
    for kb in kbs:
        train = {}
        for other in kbs:
            if other.name != kb.name:
                for language, samples in rows[other.name].items():
                    train.setdefault(language, []).extend(samples)
        tops, chosen = [], []
        for language, samples in rows[kb.name].items():
            model = calibrate.fit_language("hybrid", train[language])
            mine = calibrate.top_outcomes(model, samples)
            tops += mine
            # The threshold the bot would use: chosen on the other shops' out-of-fold lines.
            other_tops = calibrate.out_of_fold_tops("hybrid", train[language])
            threshold = calibrate.choose_thresholds(other_tops)["answer"]
            chosen += [(s >= threshold, ok, ins) for s, ok, ins, _ in mine]
        in_scope = [c for c in chosen if c[2]]
        oos = [c for c in chosen if not c[2]]
        right = sum(a and ok for a, ok, _ in in_scope) / len(in_scope)
        wrong = sum(a and not ok for a, ok, _ in in_scope) / len(in_scope)
        out = sum(a for a, _, _ in oos) / max(len(oos), 1)
        print(f"{kb.name:14}{hindsight(tops):>16.3f}{right:>13.3f}{wrong:>8.3f}{out:>14.3f}")


if __name__ == "__main__":
    asyncio.run(main())
