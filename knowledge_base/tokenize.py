"""Words for BM25. Chinese gets jieba words plus character bigrams: customers' wording
rarely matches an FAQ's word for word, and bigrams still overlap where words differ."""
from __future__ import annotations

import logging
import re

import jieba
import Stemmer

jieba.setLogLevel(logging.WARNING)

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_EN_STOP = frozenset(
    "a an the is are am was were be been do does did i me my we our you your it its to of in on for "
    "at by with and or if can could would will shall should may might please hi hello there this that "
    "what how when where which who there's i'm it's".split()
)
_ZH_STOP = frozenset("的 了 吗 呢 吧 啊 呀 我 你 们 是 在 有 和 就 都 也 请问 请 一下 亲 么 嘛 哦 哈".split())


_stemmer = Stemmer.Stemmer("english")  # Snowball: "returns", "returned", "returning" meet


def tokens(text: str) -> list[str]:
    text = text.lower()
    out: list[str] = []
    out.extend(_stemmer.stemWords([w for w in _LATIN.findall(text) if w not in _EN_STOP]))
    for run in _HAN.findall(text):
        out.extend(w for w in jieba.lcut_for_search(run) if w not in _ZH_STOP)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out
