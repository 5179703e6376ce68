"""Putting the knowledge base together for a process: encoders, search, the service, the
demo entries on first start, the persisted index, and the bot's thresholds from the
calibration. Part of the composition root: it reads settings and hands plain values on."""
from __future__ import annotations

from pathlib import Path

import knowledge_base
from bot.policy import Thresholds
from gateway.clock import Clock
from gateway.config import Settings
from gateway.storage.unit_of_work import UnitOfWorkFactory
from knowledge_base.encoder_process import EncoderProcess
from knowledge_base.encoders import E5Encoder, Encoder, SentenceTransformerEncoder, UseEncoder
from bot.evaluation import thresholds_for
from knowledge_base.fusion import Calibration
from knowledge_base.importers import read_file
from knowledge_base.search import HybridSearch
from knowledge_base.service import KnowledgeBase

DEMO_FAQ = Path(knowledge_base.__file__).with_name("demo") / "faq.yaml"


def load_encoders(settings: Settings) -> list[Encoder]:
    languages = frozenset(l.strip() for l in settings.gateway_embedding_languages.split(",") if l.strip())
    return [E5Encoder(), UseEncoder(), SentenceTransformerEncoder(settings.gateway_embedding_model, languages)]


def serving_encoders(settings: Settings) -> list[Encoder]:
    """The encoders a serving gateway reads questions with: in a niced process of their own
    unless GATEWAY_ENCODER_PROCESS is off (knowledge_base/encoder_process.py says why)."""
    encoders = load_encoders(settings)
    return EncoderProcess(encoders).proxies if settings.gateway_encoder_process else encoders


def calibration_path(settings: Settings) -> Path:
    return settings.gateway_data_dir / "kb-calibration.json"


def intent_model_path(settings: Settings) -> Path:
    """Where `cs-gateway kb calibrate` writes a shop's own intent model; absent = the shipped one."""
    return settings.gateway_data_dir / "intent-model.json"


def build_knowledge_base(settings: Settings, uow: UnitOfWorkFactory, clock: Clock,
                         encoders: list[Encoder] | None = None) -> KnowledgeBase:
    search = HybridSearch(encoders if encoders is not None else serving_encoders(settings),
                          Calibration.load(calibration_path(settings)),
                          approximate_above=settings.gateway_kb_approximate_above)
    return KnowledgeBase(uow, search, clock, snapshot_path=settings.gateway_data_dir / "kb-index" / "snapshot.pkl")


def bot_thresholds(settings: Settings, search: HybridSearch) -> Thresholds:
    calibrated = thresholds_for(search, "hybrid")
    overridden = settings.gateway_bot_answer_threshold or settings.gateway_bot_clarify_threshold
    return Thresholds(
        answer=settings.gateway_bot_answer_threshold or calibrated.answer,
        clarify=settings.gateway_bot_clarify_threshold or calibrated.clarify,
        option=calibrated.option,
        # A threshold set by the operator holds in every language.
        languages={} if overridden else calibrated.languages,
    )


async def start_knowledge_base(kb: KnowledgeBase) -> None:
    """First start: the demo FAQ, published. Every start: the index, from disk when current,
    and the models read into memory."""
    await kb.start(read_file(DEMO_FAQ))
