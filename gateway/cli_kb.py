"""`cs-gateway kb …`: the knowledge base from the command line."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from gateway.clock import utcnow
from gateway.config import Settings
from gateway.storage import migrate
from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.unit_of_work import UnitOfWork
from knowledge_base.entry import EntryStatus
from bot.evaluation import evaluate
from bot.generalization import fit_all, intent_figures, labelled_lines, leave_one_kb_out, rows_by_language, table
from bot.intent_model import IntentModel
from bot.intent_training import TEST_SETS, fit_intents, read_lines, with_vectors
from knowledge_base.evaluation import EvalFileError, load_queries
from knowledge_base.exporters import EXPORT_FORMATS, export_entries
from knowledge_base.importers import KbImportError, read_file
from knowledge_base.search import MODES
from gateway.kb_wiring import (bot_thresholds, build_knowledge_base, calibration_path, intent_model_path,
                                  load_encoders, start_knowledge_base)
from knowledge_base.suite import MATURED, SuiteError, load_suite, matured, observe, observe_lines

EVAL_ROWS = ("hit@1", "mrr@5", "answered_correctly", "answered_wrongly", "out_of_scope_wrong_answer_rate",
             "human_request_recall", "complaint_recall", "complaint_category_accuracy",
             "complaint_severity_accuracy", "in_scope_misrouted_to_person")


@asynccontextmanager
async def knowledge_base(settings: Settings, *, with_index: bool = True):
    await asyncio.to_thread(migrate.upgrade, settings.gateway_database_url)  # alembic runs its own loop
    engine = create_engine(settings.gateway_database_url)
    sessions = create_session_factory(engine)
    # In this process: a one-shot command gains nothing from a niced encoder process.
    kb = build_knowledge_base(settings, lambda: UnitOfWork(sessions), utcnow,
                              encoders=load_encoders(settings) if with_index else [])
    try:
        if with_index:
            await start_knowledge_base(kb)
        yield kb
    finally:
        await engine.dispose()


def add_commands(commands) -> None:
    kb = commands.add_parser("kb", help="the knowledge base")
    sub = kb.add_subparsers(dest="kb_command", required=True)
    p = sub.add_parser("import", help="JSON, JSON Lines, YAML, CSV or Markdown; all or nothing")
    p.add_argument("file", type=Path)
    p.add_argument("--publish", action="store_true", help="publish every imported entry")
    p.add_argument("--author", default="cli")
    p.set_defaults(run=_import)
    p = sub.add_parser("export", help="the published entries to stdout")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="json")
    p.set_defaults(run=_export)
    p = sub.add_parser("ask", help="the bot's decision for one message")
    p.add_argument("text")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_ask)
    p = sub.add_parser("eval", help="retrieval and bot quality on a labelled JSON Lines file, or on a suite "
                                    "of knowledge bases, each scored by models fitted on the others")
    p.add_argument("queries", type=Path, nargs="?", help="labelled lines against the live knowledge base")
    p.add_argument("--suite", type=Path, help="a folder with one folder per knowledge base (faq.yaml + "
                                              "queries.jsonl): leave-one-KB-out figures, the mean and the worst")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_eval)
    p = sub.add_parser("calibrate", help="fit fusion, confidence, thresholds (and, with --suite, the intent "
                                         "model) on labelled lines")
    p.add_argument("queries", type=Path, nargs="?", help="labelled lines against the live knowledge base")
    p.add_argument("--suite", type=Path, help="fit on every knowledge base of this suite too (and the live "
                                              "knowledge base's lines, if given, as one more shop)")
    p.add_argument("--output", type=Path, help="default: <data dir>/kb-calibration.json")
    p.add_argument("--intent-output", type=Path, help="with --suite; default: <data dir>/intent-model.json")
    p.set_defaults(run=_calibrate)


def _import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        entries = read_file(args.file)
    except KbImportError as exc:
        print(f"{args.file}: nothing imported:\n{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.file}: {exc.strerror}", file=sys.stderr)
        return 1

    async def run():
        from tqdm import tqdm

        async with knowledge_base(settings) as kb:
            with tqdm(total=len(entries), unit="entry", disable=len(entries) < 200 or not sys.stderr.isatty(),
                      file=sys.stderr) as bar:
                return await kb.import_entries(entries, author=args.author, publish=args.publish,
                                               progress=bar.update)

    report = asyncio.run(run())
    print(f"imported {args.file}: {report.created} new, {report.updated} updated, {report.unchanged} unchanged")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    async def run():
        async with knowledge_base(settings, with_index=False) as kb:
            return await kb.list(status=EntryStatus.PUBLISHED, limit=10**7)

    sys.stdout.write(export_entries(asyncio.run(run()), args.format))
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.retrieval_responder import RetrievalResponder

    async def run():
        async with knowledge_base(settings) as kb:
            bot = RetrievalResponder(kb.search, bot_thresholds(settings, kb.search),
                                     IntentModel.load(intent_model_path(settings)))
            return await bot.decide(args.text)

    decision = asyncio.run(run())
    summary = decision.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    if decision.kind == "answer" and decision.entry:
        print(f"answer: {decision.entry.id} (score {decision.entry.score:.2f})\n{decision.entry.answer}")
    elif decision.kind == "clarify":
        print(f"clarify: {decision.reason}")
        for option in decision.options:
            print(f"  - {option.id} ({option.score:.2f}): {option.question}")
    else:
        print(f"hand-off: {decision.reason}")
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    if (args.queries is None) == (args.suite is None):
        print("kb eval: give a queries file or --suite DIR (one of them)", file=sys.stderr)
        return 2
    if args.suite is not None:
        return _eval_suite(settings, args)
    try:
        queries = load_queries(args.queries)
    except (EvalFileError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1

    async def run():
        async with knowledge_base(settings) as kb:
            intents = IntentModel.load(intent_model_path(settings))
            return [await evaluate(kb.search, queries, mode, intents) for mode in MODES]

    results = asyncio.run(run())
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    counts = results[0]["counts"]
    print(f"{args.queries}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(f"{'metric':34}" + "".join(f"{r['mode']:>10}" for r in results))
    for row in EVAL_ROWS:
        cells = "".join(f"{'-' if r[row] is None else format(r[row], '.3f'):>10}" for r in results)
        print(f"{row:34}{cells}")
    return 0


def _load_suite(folder: Path):
    try:
        return load_suite(folder)
    except (SuiteError, EvalFileError, KbImportError, OSError) as exc:
        print(f"{folder}: {exc}", file=sys.stderr)
        return None


async def _observe_suite(kbs, encoders) -> tuple[dict, dict]:
    """Every KB as imported and matured (some customer lines approved as alternates): its
    lines, and its entries' own phrasings for the self-check."""
    observed, phrasings = {}, {}
    for kb in kbs:
        print(f"reading {kb.name}: {len(kb.docs)} entries, {len(kb.queries)} lines", file=sys.stderr)
        for variant in (kb, matured(kb)):
            observed[variant.name], phrasings[variant.name] = await observe(variant, encoders)
    return observed, phrasings


async def _general_lines(encoders) -> dict[str, list]:
    """The intent model's test sets of no shop in particular, with their vectors."""
    out = {}
    for path in TEST_SETS:
        rows = read_lines(path)
        texts = [r["text"] for r in rows]
        encoded = {e.name: await asyncio.to_thread(e.encode_queries, texts) for e in encoders} if rows else {}
        if rows:
            out[path.name] = with_vectors(rows, [{n: v[i] for n, v in encoded.items()} for i in range(len(rows))])
    return out


def _eval_suite(settings: Settings, args: argparse.Namespace) -> int:
    kbs = _load_suite(args.suite)
    if kbs is None:
        return 1
    encoders = load_encoders(settings)

    async def run():
        return await _observe_suite(kbs, encoders), await _general_lines(encoders)

    (observed, phrasings), general = asyncio.run(run())
    report = leave_one_kb_out([*kbs, *map(matured, kbs)], observed, fit_all, phrasings)
    everything = fit_all([o for lines in observed.values() for o in lines])
    report["general_lines"] = {name: intent_figures(everything.intents, lines) for name, lines in general.items()}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    lines = ", ".join(f"{kb.name} {len(kb.queries)}" for kb in kbs)
    print(f"{args.suite}: each knowledge base scored by models fitted on the others ({lines} lines);\n"
          f"'{MATURED}': the same shop with two customer lines per entry approved as alternates, scored on the rest")
    print(table(report))
    for name, found in report["general_lines"].items():
        print(f"\nThe intent model fitted on the whole suite, on {len(general[name])} lines written for no shop in "
              f"particular ({name}):")
        for figure, value in found.items():
            print(f"{figure:30}{'-' if value is None else format(value, '.3f'):>12}")
    return 0


def _calibrate(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge_base.calibrate import calibrate, fit

    if args.queries is None and args.suite is None:
        print("kb calibrate: give a queries file, --suite DIR, or both", file=sys.stderr)
        return 2
    try:
        queries = load_queries(args.queries) if args.queries is not None else []
    except (EvalFileError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    kbs = _load_suite(args.suite) if args.suite is not None else []
    if kbs is None:
        return 1

    async def run():
        if not kbs:
            async with knowledge_base(settings) as kb:
                return await calibrate(kb.search, queries), None
        encoders = load_encoders(settings)
        observed_by_kb, _ = await _observe_suite(kbs, encoders)
        observed = [o for lines in observed_by_kb.values() for o in lines]
        if queries:
            async with knowledge_base(settings) as kb:
                observed += await observe_lines("this-shop", queries, kb.search)
        return fit(rows_by_language(observed)), fit_intents(labelled_lines(observed))

    calibration, intents = asyncio.run(run())
    output = args.output or calibration_path(settings)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(calibration.to_json() + "\n", encoding="utf-8")
    print(f"wrote {output}: thresholds {json.dumps(calibration.thresholds['hybrid'])}")
    if intents is not None:
        intent_output = args.intent_output or intent_model_path(settings)
        intent_output.write_text(intents.to_json() + "\n", encoding="utf-8")
        print(f"wrote {intent_output}: thresholds {json.dumps(intents.thresholds)}")
    return 0
