"""The real entry points: `cs-gateway db upgrade` and `cs-gateway serve`, as an operator runs them."""
import asyncio
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.chat_client import ChatClient

CLI = str(Path(sys.executable).with_name("cs-gateway"))


def clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "TELEGRAM_"))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_db_upgrade_creates_the_default_database(tmp_path):
    done = subprocess.run([CLI, "db", "upgrade"], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "newest schema" in done.stdout
    assert (tmp_path / "data" / "gateway.db").exists()


def test_python_dash_m_gateway_shows_the_commands():
    done = subprocess.run([sys.executable, "-m", "gateway", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "serve" in done.stdout and "db" in done.stdout


async def test_serve_migrates_serves_chat_and_logs_json_with_conversation_ids(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = await asyncio.create_subprocess_exec(
        CLI, "serve", "--port", str(port), cwd=tmp_path, env=clean_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):  # up to 60 s; chat is served before the models and index are loaded
                try:
                    async with http.get(url + "/readyz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the server did not become ready")
        assert (tmp_path / "data" / "secret.key").exists()  # generated once when unset

        client = await ChatClient().connect(url)
        assert (await client.send("can I speak to a human please", "cli-1"))["status"] == "stored"
        # The bot answers once it has read the demo FAQ into its index, a first start's work.
        await client.wait_for("message", lambda m: m["sender"] == "bot", timeout=90)
        conversation_id = client.session["conversation_id"]
        await client.close()
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
    records = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    assert records, stderr.decode()[-2000:]
    stored = [r for r in records if r["message"] == "customer messages stored"]
    assert stored and stored[0]["conversation_id"] == conversation_id
    assert stored[0]["conversations"] == [conversation_id] and stored[0]["messages"]
    assert any(r["message"] == "handed off" and r["conversation_id"] == conversation_id for r in records)
