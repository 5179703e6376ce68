"""The demo shop page and the embeddable widget script, served from package files."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).with_name("static")


def widget_bundle() -> str:
    """The Socket.IO client and the widget as one script, so one tag embeds it.

    The client's UMD wrapper sees a local `module` and stays out of the host page's
    globals, where a page's own copy of `io` may live.
    """
    client = (STATIC / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")
    widget = (STATIC / "widget.js").read_text(encoding="utf-8")
    return (
        "(function () {\nvar module = { exports: {} }, exports = module.exports;\n"
        f"{client}\n;var io = module.exports;\n{widget}\n}})();\n"
    )


def add_routes(app: web.Application) -> None:
    bundle = widget_bundle()
    shop = (STATIC / "shop.html").read_text(encoding="utf-8")

    async def widget_js(request: web.Request) -> web.Response:
        return web.Response(
            text=bundle,
            content_type="application/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=shop, content_type="text/html")

    app.router.add_get("/", index)
    app.router.add_get("/widget.js", widget_js)
