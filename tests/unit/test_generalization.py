"""The cross-KB evaluation and the fitting behind it, on hand-made signals (no models needed)."""
import numpy as np
import pytest

from bot.generalization import Fitted, figures, leave_one_kb_out, summary, table, thresholds_from
from bot.policy import Decision, Thresholds
from knowledge_base import calibrate
from knowledge_base.documents import KbDoc
from knowledge_base.evaluation import EvalQuery
from knowledge_base.fusion import Calibration
from knowledge_base.search import Candidate
from knowledge_base.suite import Observed, SuiteKb


def line(expect, entry=None, category=None, severity=None, kb="a"):
    return Observed(kb, EvalQuery("text", expect, "en", entry, category, severity), "en", [], {}, {})


def cand(entry_id):
    return Candidate(entry_id, "q", "a", 0.5, {})


def test_figures_count_each_outcome_against_its_own_kind_of_line():
    from bot.intents import Complaint

    lines = [line("answer", "x"), line("answer", "x"), line("answer", "x"), line("answer", "x"),
             line("out_of_scope"), line("out_of_scope"), line("human"), line("complaint", None, "product", "major")]
    made = [
        Decision("answer", "", "en", [cand("x"), cand("y")], entry=cand("x")),            # right
        Decision("answer", "", "en", [cand("y"), cand("x")], entry=cand("y")),            # wrong
        Decision("clarify", "", "en", [cand("y"), cand("x")], options=[cand("y"), cand("x")]),  # clarified right
        Decision("handoff", "", "en", [cand("z")], code="complaint"),                     # sent to a person
        Decision("answer", "", "en", [cand("y")], entry=cand("y")),                       # out of scope answered
        Decision("clarify", "", "en", [cand("y")], options=[cand("y")]),                  # only asked
        Decision("handoff", "", "en", [], code="human_request"),
        Decision("handoff", "", "en", [], code="complaint", complaint=Complaint("product", "ordinary", ())),
    ]
    f = figures(lines, made)
    assert f["answered_right"] == 0.25 and f["answered_wrong"] == 0.25
    assert f["answered_or_clarified_right"] == 0.5
    assert f["hit@1"] == 0.25 and f["hit@3"] == 0.75
    assert f["in_scope_sent_to_person"] == 0.25
    assert f["out_of_scope_answered"] == 0.5
    assert f["person_requests_handed_off"] == 1.0
    assert (f["complaints_recognised"], f["complaint_category_right"], f["complaint_severity_right"]) == (1.0, 1.0, 0.0)


def test_the_worst_kb_is_the_lowest_where_higher_is_better_and_the_highest_where_not():
    per_kb = {"a": _full(0.9, 0.01), "b": _full(0.7, 0.05)}
    s = summary(per_kb)
    assert s["mean"]["answered_right"] == pytest.approx(0.8) and s["worst"]["answered_right"] == 0.7
    assert s["worst"]["answered_wrong"] == 0.05
    # The table prints every knowledge base, then the mean and the worst.
    assert table({"per_kb": per_kb, **s}).splitlines()[0].split()[1:] == ["a", "b", "mean", "worst"]


def _full(right, wrong):
    from bot.generalization import FIGURES

    values = dict.fromkeys(FIGURES, 0.5)
    values.update(answered_right=right, answered_wrong=wrong)
    return values


def test_each_kb_is_scored_by_a_model_fitted_without_it():
    kbs = [SuiteKb(name, [], []) for name in ("a", "b", "c")]
    observed = {k.name: [line("answer", "x", kb=k.name)] for k in kbs}
    trained_on = []

    def fitter(train):
        trained_on.append(sorted({o.kb for o in train}))
        return Fitted(Calibration(), Thresholds())

    report = leave_one_kb_out(kbs, observed, fitter)
    assert trained_on == [["b", "c"], ["a", "c"], ["a", "b"]]
    assert list(report["per_kb"]) == ["a", "b", "c"] and "mean" in report and "worst" in report


# -- fitting ----------------------------------------------------------------------------------

def synthetic_samples(group, rng, n_in=60, n_out=15, entries=8):
    """`good` points at the right entry with noise; `noise` is noise. Out-of-scope lines have
    no right entry, so their best `good` is no higher than the rest."""
    ids = [f"{group}-{i}" for i in range(entries)]
    samples = []
    for k in range(n_in + n_out):
        right = k % entries if k < n_in else None
        good = rng.normal(0.3, 0.1, entries)
        if right is not None:
            good[right] += rng.uniform(0.1, 0.6)
        signals = {"e5.q": good.astype(np.float32), "use.q": rng.normal(0.3, 0.1, entries).astype(np.float32),
                   "bm25": rng.uniform(0, 1, entries).astype(np.float32)}
        samples.append(calibrate.Sample(signals, ids, ids[right] if right is not None else None, group))
    return samples


def test_the_ranker_learns_which_signal_to_trust():
    rng = np.random.default_rng(7)
    samples = [s for g in "abc" for s in synthetic_samples(g, rng)]
    model = calibrate.fit_language("hybrid", samples)
    weights = dict(zip(model.features, model.weights))
    assert weights["e5.q"] > 5 * max(abs(weights["use.q"]), abs(weights["bm25"]))
    assert model.agreement == ["e5.q", "use.q", "bm25"]


def test_thresholds_with_several_kbs_come_from_out_of_fold_confidences_and_keep_the_budgets():
    rng = np.random.default_rng(11)
    samples = [s for g in "abcd" for s in synthetic_samples(g, rng)]
    oof = calibrate.out_of_fold_tops("hybrid", samples)
    assert len(oof) == len(samples)
    t = calibrate.choose_thresholds(oof)
    in_scope = [x for x in oof if x[2]]
    out = [x for x in oof if not x[2]]
    assert sum(1 for s, ok, _, _ in in_scope if s >= t["answer"] and not ok) <= calibrate.WRONG_BUDGET * len(in_scope)
    assert sum(1 for s, *_ in out if s >= t["answer"]) <= calibrate.OUT_OF_SCOPE_BUDGET * len(out)
    assert 0 <= t["clarify"] <= t["answer"] and t["option"] == 0.0
    # Fewer than three knowledge bases: nothing to hold out, so no out-of-fold confidences.
    assert calibrate.out_of_fold_tops("hybrid", [s for s in samples if s.group in "ab"]) == []


def test_calibration_carries_thresholds_per_language_to_the_bot():
    rng = np.random.default_rng(3)
    rows = {"en": [s for g in "abc" for s in synthetic_samples(g, rng)],
            "zh": [s for g in "abc" for s in synthetic_samples(g, rng)]}
    calibration = calibrate.fit(rows, modes=("hybrid",))
    thresholds = thresholds_from(Calibration.from_json(calibration.to_json()))
    assert set(thresholds.languages) == {"en", "zh"}
    assert thresholds.for_language("zh").answer == calibration.thresholds["hybrid"]["languages"]["zh"]["answer"]


def test_a_suite_needs_a_faq_and_lines_that_name_its_entries(tmp_path):
    from knowledge_base.suite import SuiteError, load_suite

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "faq.yaml").write_text(
            f"- id: fee-{name}\n  language: en\n  question: How much is shipping?\n  answer: Eight yuan.\n")
        (tmp_path / name / "queries.jsonl").write_text(
            f'{{"text": "postage?", "language": "en", "expect": "answer", "entry": "fee-{name}"}}\n')
    kbs = load_suite(tmp_path)
    assert [k.name for k in kbs] == ["one", "two"] and isinstance(kbs[0].docs[0], KbDoc)
    (tmp_path / "two" / "queries.jsonl").write_text(
        '{"text": "postage?", "language": "en", "expect": "answer", "entry": "no-such-entry"}\n')
    with pytest.raises(SuiteError, match="no-such-entry"):
        load_suite(tmp_path)
