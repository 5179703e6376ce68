"""The words of a context package in the reader's language: why the bot handed off or
answered, and the one-paragraph summary. Written from the bot's codes and details, never from
the stored English prose, which stays as it is as the record; a code this catalogue does not
know (an older bot's) shows that prose instead."""
from __future__ import annotations

from gateway.conversations.model import Sender
from gateway.texts import ui

# The bot's hand-off codes as its stored details carry them (bot/policy.py writes them):
# read as data, since the records keep them whichever bot wrote them.
COMPLAINT, LOW_CONFIDENCE = "complaint", "low_confidence"
_PLAIN = {"human_request", "not_helpful", "unhelpful", "order_unknown", "order_late", "order_lookup_failed",
          "order_unverified"}  # the code says it all
# The steps of an order lookup (bot/order_responder.py), which the decision names.
_ORDER_STEPS = {"order_ask_number", "order_ask_phone", "order_status"}


def reason_text(language: str, attempt: dict) -> str | None:
    """One bot decision's reason (an attempt: decision, code, results, score, category…)."""
    code, results = attempt.get("code"), attempt.get("results") or []
    if attempt.get("decision") == "handoff":
        if code in _PLAIN:
            return ui.code(language, "console.reason.", code)
        if code == COMPLAINT and attempt.get("category"):
            return _complaint(language, attempt)
        if code == LOW_CONFIDENCE:
            if not results:
                return ui.text(language, "console.reason.nothing_matched")
            return ui.text(language, "console.reason.low_confidence", best=_score(results[0]["score"]))
        return attempt.get("reason")
    if attempt.get("decision") == "answer":
        if attempt.get("entry_id") is None:
            return ui.text(language, "console.reason.helped")
        return ui.text(language, "console.reason.answer", score=_score(attempt.get("score")))
    if attempt.get("decision") in _ORDER_STEPS:
        return ui.code(language, "console.reason.", attempt["decision"])
    if attempt.get("decision") == "clarify" and results:
        return ui.text(language, "console.reason.clarify", best=_score(results[0]["score"]))
    return attempt.get("reason")


def handoff_reason_text(language: str, handoff: dict, attempts: list[dict]) -> str | None:
    """The hand-off's reason, from the bot turn that made it (the newest hand-off attempt with
    the same recorded reason); the recorded prose when that turn is gone."""
    made_it = [a for a in attempts if a.get("decision") == "handoff" and a.get("reason") == handoff.get("reason")]
    return reason_text(language, made_it[-1]) if made_it else handoff.get("reason")


def summary(language: str, row: dict, attempts: list[dict], transcript: list[dict]) -> str:
    handoff = row.get("handoff") or {}
    parts = [handoff.get("reason_text") or handoff.get("reason") or ui.code(language, "console.status.", row["status"])]
    customer_lines = [m["text"] or "[" + ui.text(language, "console.list_separator").join(
        ui.code(language, "console.attachment.", a["kind"]) for a in m.get("attachments", [])) + "]"
        for m in transcript if m["sender"] == Sender.CUSTOMER]
    if customer_lines:  # quoted as the customer wrote it
        parts.append(ui.text(language, "console.summary.messages", count=len(customer_lines),
                             last=customer_lines[-1][:120]))
    answered = [a for a in attempts if a.get("decision") == "answer" and a.get("entry_id")]
    if answered:
        entries = ui.text(language, "console.list_separator").join(
            f"{a['entry_id']} ({_score(a['score'])})" for a in answered)
        parts.append(ui.text(language, "console.summary.answered", entries=entries))
    # How close the bot came matters when it gave up for low confidence, not when the
    # customer simply asked for a person.
    if attempts and attempts[-1].get("results") and attempts[-1].get("code") == LOW_CONFIDENCE:
        best = attempts[-1]["results"][0]
        parts.append(ui.text(language, "console.summary.matched", entry=best["id"], score=_score(best["score"])))
    return ui.text(language, "console.summary.separator").join(parts)


def _complaint(language: str, attempt: dict) -> str:
    fields = {"category": ui.code(language, "complaint.category.", attempt["category"]),
              "severity": ui.code(language, "complaint.severity.", attempt.get("severity") or "ordinary")}
    reasons = attempt.get("severity_reasons") or []
    if not reasons:
        return ui.text(language, "console.reason.complaint", **fields)
    # The severity reasons are the bot's words ("media or regulator"); keys spell them with "_".
    words = [ui.code(language, "console.severity_reason.", r.replace(" ", "_")) for r in reasons]
    words = [w.replace("_", " ") for w in words]
    return ui.text(language, "console.reason.complaint_because", reasons=ui.text(language, "console.list_separator")
                   .join(words), **fields)


def _score(value) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else "?"
