"""Health, readiness and the pages, over real HTTP."""
import aiohttp
from aiohttp import web

from gateway.bootstrap import build
from gateway.storage.database import create_engine
from gateway.storage.migrate import head_revisions
from tests.conftest import make_settings, start_server


async def get(url: str):
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            body = await response.text()
            return response.status, response.headers, body


async def test_healthz_and_readyz_when_all_is_well(server):
    assert (await get(server.url + "/healthz"))[0] == 200
    status, _, body = await get(server.url + "/readyz")
    assert status == 200 and '"migrations": "ok"' in body


async def test_readyz_says_not_ready_before_migrations(sqlite_url, tmp_path, encoders):
    live = await start_server(make_settings(sqlite_url, tmp_path), encoders)
    try:
        engine = create_engine(sqlite_url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM alembic_version")
        await engine.dispose()
        status, _, body = await get(live.url + "/readyz")
        assert status == 503 and f"head is {sorted(head_revisions())}" in body
    finally:
        await live.stop()


async def test_readyz_says_not_ready_when_the_database_is_unreachable(tmp_path, encoders):
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    gateway = build(make_settings(url, tmp_path), encoders=encoders)
    runner = web.AppRunner(gateway.app)
    gateway.app.on_startup.clear()  # nothing to seed on a database that is not there
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        status, _, body = await get(f"http://{host}:{port}/readyz")
        assert status == 503 and "unreachable" in body
    finally:
        await runner.cleanup()


async def test_the_shop_page_embeds_the_widget_with_one_script_tag(server):
    status, headers, body = await get(server.url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert body.count("<script") == 1 and '<script src="/widget.js" async></script>' in body
    assert 'name="viewport"' in body


async def test_the_widget_bundles_the_socket_io_client(server):
    status, headers, body = await get(server.url + "/widget.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert "Socket.IO v4" in body and "attachShadow" in body
