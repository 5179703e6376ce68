"""`cs-gateway guard …`: the reply guard's model, fitted and scored on labelled agent replies."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gateway.config import Settings
from handoff.guard_model import SHIPPED
from handoff.guard_training import DATA, LabelledReply, fit_guard, read_set, score


def add_commands(commands) -> None:
    guard = commands.add_parser("guard", help="the reply guard's model")
    sub = guard.add_subparsers(dest="guard_command", required=True)
    p = sub.add_parser("eval", help="score each labelled set by a model fitted on the others: per language, recall on "
                                    "forbidden replies and warnings on polite ones")
    p.add_argument("sets", type=Path, nargs="*", help=f"JSON Lines of {{text, language, label}}; default: {DATA}/*")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_eval)
    p = sub.add_parser("fit", help="fit on every labelled set")
    p.add_argument("sets", type=Path, nargs="*")
    p.add_argument("--output", type=Path, default=SHIPPED)
    p.set_defaults(run=_fit)


def _sets(paths: list[Path]) -> dict[str, list[dict]]:
    paths = paths or sorted(DATA.glob("*.jsonl"))
    return {p.stem: read_set(p) for p in paths}


def _with_vectors(settings: Settings, sets: dict[str, list[dict]]) -> dict[str, list[LabelledReply]]:
    from knowledge_base.encoders import E5Encoder, UseEncoder

    encoders = [E5Encoder(), UseEncoder()]
    out = {}
    for name, rows in sets.items():
        texts = [r["text"] for r in rows]
        encoded = {e.name: e.encode_queries(texts) for e in encoders}
        out[name] = [LabelledReply(r["text"], r["language"], r["label"], {n: v[i] for n, v in encoded.items()})
                     for i, r in enumerate(rows)]
    return out


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    sets = _with_vectors(settings, _sets(args.sets))
    if len(sets) < 2:
        print("guard eval: needs two sets written apart, to fit on one and score on the other", file=sys.stderr)
        return 2
    report = {}
    for held_out in sets:
        model = fit_guard([r for name, rows in sets.items() if name != held_out for r in rows])
        report[held_out] = {"thresholds": model.thresholds, "languages": score(model, sets[held_out])}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'scored on':16}{'language':>9}{'forbidden warned':>18}{'polite warned':>15}"
          f"{'lexicon alone':>15}{'(polite)':>10}")
    for held_out, found in report.items():
        for language, f in found["languages"].items():
            print(f"{held_out:16}{language:>9}{f['forbidden_warned']:>18.3f}{f['polite_warned']:>15.3f}"
                  f"{f['lexicon_alone_forbidden_warned']:>15.3f}{f['lexicon_alone_polite_warned']:>10.3f}")
    return 0


def _fit(settings: Settings, args: argparse.Namespace) -> int:
    sets = _with_vectors(settings, _sets(args.sets))
    model = fit_guard([r for rows in sets.values() for r in rows])
    args.output.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.output}: warn at P(forbidden) >= {json.dumps(model.thresholds)}")
    return 0
