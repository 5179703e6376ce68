"""Schemathesis against the live gateway: every operation in /api/openapi.json, called with
generated valid and invalid requests as a logged-in admin, must answer without a server
error, with a documented status code, content type and headers, with a body that fits the
documented schema, and, for a request the document calls invalid, with a refusal."""
from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.conversations.channel_port import InboundMessage
from tests.conftest import make_settings, start_server

PASSWORD = "correct horse battery"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]
# Per operation and mode. Valid requests reach deeper into the handlers, so they get more.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}
# Logging out revokes the bearer token the run is using, and every later call would only
# test the 401 path; the logout route itself is covered by tests/e2e/test_http.py.
UNFUZZABLE = r"^/api/auth/logout"


@dataclass
class Tally:
    cases: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    operations: int = 0


async def login(base: str, username: str) -> str:
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/auth/login", json={"username": username, "password": PASSWORD}) as r:
            assert r.status == 200, await r.text()
            return (await r.json())["token"]


async def real_ids(server) -> dict[str, list[str]]:
    """Ids that exist, so that some cases get past the 404 and into the handlers."""
    agent = await server.gateway.accounts.add_user("agent1", "agent", PASSWORD)
    stored = await server.gateway.intake.receive(InboundMessage(
        channel="web", external_chat_id="fuzz-visitor", external_user_id="fuzz-visitor",
        text="转人工", external_message_id="fuzz-1"))
    async with server.gateway.uow() as uow:
        customer_id = (await uow.chats.conversation(stored.message.conversation_id)).customer_id
    return {"entry_id": ["shipping-fee-zh", "returns-en"],
            "conversation_id": [stored.message.conversation_id],
            "customer_id": [customer_id],
            "user_id": [str(agent.user_id)],
            "table": ["summary", "agents"]}


def fuzz_operation(operation, base: str, token: str, ids: dict[str, list[str]], tally: Tally) -> None:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    names = [p.name for p in operation.path_parameters]
    for mode, count in EXAMPLES.items():
        strategy = operation.as_strategy(generation_mode=mode)
        if names and all(n in ids for n in names):
            known = st.fixed_dictionaries({n: st.sampled_from(ids[n]) for n in names})
            strategy = st.one_of(strategy, known.flatmap(
                lambda params, mode=mode: operation.as_strategy(generation_mode=mode, path_parameters=params)))

        @settings(max_examples=count, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            tally.cases[mode] += 1
            response = case.call(base_url=base, session=session, headers=headers, timeout=60)
            tally.statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collected: one run reports every failing operation
            tally.failures.append(f"{operation.label} ({mode}): {exc}")


def fuzz(base: str, token: str, ids: dict[str, list[str]]) -> Tally:
    schema = schemathesis.openapi.from_url(base + "/api/openapi.json").exclude(path_regex=UNFUZZABLE)
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30, "the document lists the API's operations"
    for operation in operations:
        fuzz_operation(operation, base, token, ids, tally)
    tally.operations = len(operations)
    return tally


@pytest.fixture
async def live(database_url, tmp_path, encoders):
    """The gateway on each backend: some values pass SQLite and fail PostgreSQL's types."""
    server = await start_server(make_settings(database_url, tmp_path), encoders)
    yield server
    await server.stop()


@pytest.mark.timeout(900)
async def test_every_api_operation_survives_generated_requests(live):
    server = live
    await server.gateway.accounts.add_user("admin1", "admin", PASSWORD)
    token = await login(server.url, "admin1")
    ids = await real_ids(server)
    tally = await asyncio.to_thread(fuzz, server.url, token, ids)
    print(f"\nschemathesis: {tally.operations} operations, {sum(tally.cases.values())} cases "
          f"({tally.cases[GenerationMode.POSITIVE]} valid, {tally.cases[GenerationMode.NEGATIVE]} invalid), "
          f"statuses {dict(sorted(tally.statuses.items()))}, {len(tally.failures)} failing")
    assert not tally.failures, "\n\n".join(tally.failures)


# Requests the generator does not make: bodies that are not what a JSON schema describes, and
# values that one backend stores and the other refuses.
EDGES = [
    ("POST", "/api/kb/search", b"[" * 100_000, 400),  # nested past the parser's depth
    ("POST", "/api/kb/search", b'{"text": "hi", "top_k": ' + b"1" * 5000 + b"}", 400),  # past int()'s 4,300 digits
    ("POST", "/api/kb/search", b'{"text": "\xff\xfe"}', 400),  # not UTF-8
    ("POST", "/api/kb/search", b'{"text": "a\\u0000b"}', 422),
    ("POST", "/api/kb/entries", b'{"question": "\\ud800?", "answer": "x"}', 422),  # a lone surrogate
    ("PUT", "/api/kb/entries/shipping-fee-zh", b'{"question": "q?", "answer": "a", "version": 4294967296}', 422),
    ("POST", "/api/kb/unanswered/dismiss", b'{"message_ids": [1, 9223372036854775808]}', 422),
    ("GET", "/api/quality/samples/%C2%B2", b"", 404),  # '²' passes str.isdigit, not int()
    ("PUT", "/api/users/%D9%A3/role", b'{"role": "agent"}', 404),  # Arabic-Indic three
    ("DELETE", "/api/kb/entries/shipping-fee-zh?version=99999999999", b"", 422),
    ("GET", "/api/kb/entries/shipping-fee-zh/diff?from=%C2%B2&to=1", b"", 422),
    ("GET", "/api/audit?limit=%C2%B2", b"", 422),
    ("GET", "/api/complaints?status=open%00", b"", 422),
    ("GET", "/api/conversations/ab%00cd", b"", 422),
]


async def test_requests_outside_any_schema_get_a_json_error(live):
    await live.gateway.accounts.add_user("admin1", "admin", PASSWORD)
    headers = {"Authorization": f"Bearer {await login(live.url, 'admin1')}", "Content-Type": "application/json"}
    answers = []
    async with aiohttp.ClientSession() as http:
        for method, path, body, _ in EDGES:
            async with http.request(method, live.url + path, data=body, headers=headers) as r:
                error = (await r.json())["error"] if r.content_type == "application/json" else {}
                answers.append((method, path, r.status, {"code", "message"} <= set(error)))
    assert answers == [(method, path, status, True) for method, path, _, status in EDGES]
