"""How well the bot tells order-status questions from the rest, and reads their numbers, on
labelled lines that other hands wrote (`bot/order_data/`): `python -m bot.order_evaluation`.

Three sets, each written by a different hand, none by the one who wrote the lexicons, and none
from the lexicons: `set_a.jsonl` and `set_b.jsonl` are the ones the lexicons were corrected
against (their misses were read); `set_c.jsonl` was written after the last correction and is
only ever scored, never read: its figures are the ones to quote.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.order_words import asks_order_status, order_number

DATA = Path(__file__).with_name("order_data")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(lines: list[dict]) -> dict:
    """Per language: precision and recall of `asks_order_status`, and how often the number of a
    true question with one is read exactly; with the lines it got wrong."""
    out = {}
    for language in sorted({line["language"] for line in lines}):
        tp = fp = fn = numbered = read = 0
        wrong = []
        for line in (x for x in lines if x["language"] == language):
            said = asks_order_status(line["text"])
            if said and line["order_status"]:
                tp += 1
            elif said:
                fp += 1
                wrong.append(("false positive", line["text"]))
            elif line["order_status"]:
                fn += 1
                wrong.append(("missed", line["text"]))
            if line["order_status"] and line.get("order_id"):
                numbered += 1
                got = order_number(line["text"], bare=True)
                if got == line["order_id"]:
                    read += 1
                else:
                    wrong.append((f"number {got!r}, not {line['order_id']!r}", line["text"]))
        out[language] = {"lines": sum(1 for x in lines if x["language"] == language),
                         "precision": tp / (tp + fp) if tp + fp else 1.0,
                         "recall": tp / (tp + fn) if tp + fn else 1.0,
                         "numbers_read": read / numbered if numbered else 1.0, "numbered": numbered,
                         "wrong": wrong}
    return out


def main(argv: list[str]) -> None:
    names = argv or ["set_a.jsonl", "set_b.jsonl", "set_c.jsonl"]
    for name in names:
        path = DATA / name
        if not path.exists():
            print(f"{name}: missing")
            continue
        figures = score(load(path))
        print(f"{name}")
        for language, f in figures.items():
            print(f"  {language}: {f['lines']} lines, precision {f['precision']:.3f}, recall {f['recall']:.3f}, "
                  f"numbers read {f['numbers_read']:.3f} of {f['numbered']}")
        worst = min(min(f["precision"], f["recall"]) for f in figures.values())
        print(f"  worst of precision and recall over the languages: {worst:.3f}")
        if "-v" in sys.argv:
            for language, f in figures.items():
                for kind, text in f["wrong"]:
                    print(f"    [{language}] {kind}: {text}")


if __name__ == "__main__":
    main([a for a in sys.argv[1:] if not a.startswith("-")])
