"""The fastest `/chat` server this machine can run: the baseline for bench/load.py.

    .venv/bin/python bench/echo_server.py --port P

Bare aiohttp + python-socketio, no database, no bot: it speaks just enough of the gateway's
web-chat protocol for the same clients to run against it unchanged. Per customer message it
does what the gateway does on the wire (an ack, the customer's message echoed to the room, a
`message` from sender "bot") and nothing else, so the gateway/echo ratios isolate the cost of
storing, the bot turn and delivery from the cost of Socket.IO itself.
"""
from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import socketio
from aiohttp import web

NAMESPACE = "/chat"


def build() -> web.Application:
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)
    pending: set[asyncio.Task] = set()

    async def readyz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    app.router.add_get("/readyz", readyz)

    @sio.on("connect", namespace=NAMESPACE)
    async def connect(sid, environ, auth=None):
        # Like the gateway, the session goes out once the socket counts as connected.
        async def welcome():
            for _ in range(500):
                if sio.manager.is_connected(sid, NAMESPACE):
                    break
                await asyncio.sleep(0.01)
            await sio.emit("session", {"visitor_token": uuid.uuid4().hex, "conversation_id": sid},
                           to=sid, namespace=NAMESPACE)
        keep(asyncio.create_task(welcome()))

    @sio.on("message", namespace=NAMESPACE)
    async def message(sid, data=None, *_):
        text = data.get("text", "") if isinstance(data, dict) else ""
        mid = uuid.uuid4().hex
        now = time.time()

        async def reply():
            await sio.emit("message", {"id": mid, "conversation_id": sid, "sender": "customer", "text": text,
                                       "created_at": now, "client_msg_id": data.get("client_msg_id")},
                           to=sid, namespace=NAMESPACE)
            await sio.emit("message", {"id": uuid.uuid4().hex, "conversation_id": sid, "sender": "bot",
                                       "text": text, "created_at": time.time()}, to=sid, namespace=NAMESPACE)
        # After the ack, as in the gateway, where the reply comes from the outbox worker.
        keep(asyncio.create_task(reply()))
        return {"id": mid, "status": "stored"}

    def keep(task: asyncio.Task) -> None:
        pending.add(task)  # a bare create_task result can be garbage-collected mid-flight
        task.add_done_callback(pending.discard)

    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    ns = parser.parse_args()
    import uvloop

    # The loop the gateway serves on (gateway/cli.py), so the ratio compares servers, not loops.
    web.run_app(build(), host=ns.host, port=ns.port, print=None, access_log=None, loop=uvloop.new_event_loop())
