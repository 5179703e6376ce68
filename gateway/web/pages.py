"""The demo shop page, the embeddable widget script and the agent console, served from package files."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).with_name("static")
# The console shows what customers typed: nothing but its own files may run or load there.
CONSOLE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def _bundle(name: str) -> str:
    """The Socket.IO client and one page script as one file, so one tag loads both.

    The client's UMD wrapper sees a local `module` and stays out of the host page's
    globals, where a page's own copy of `io` may live.
    """
    client = (STATIC / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")
    script = (STATIC / name).read_text(encoding="utf-8")
    return (
        "(function () {\nvar module = { exports: {} }, exports = module.exports;\n"
        f"{client}\n;var io = module.exports;\n{script}\n}})();\n"
    )


def widget_bundle() -> str:
    return _bundle("widget.js")


def console_bundle() -> str:
    return _bundle("console.js")


def add_routes(app: web.Application) -> None:
    bundle = widget_bundle()
    shop = (STATIC / "shop.html").read_text(encoding="utf-8")
    console_js = console_bundle()
    console_html = (STATIC / "console.html").read_text(encoding="utf-8")
    console_css = (STATIC / "console.css").read_text(encoding="utf-8")

    async def widget_js(request: web.Request) -> web.Response:
        return web.Response(
            text=bundle,
            content_type="application/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=shop, content_type="text/html")

    def console_file(text: str, content_type: str):
        async def serve(request: web.Request) -> web.Response:
            return web.Response(text=text, content_type=content_type, headers={
                "Cache-Control": "no-cache", "Content-Security-Policy": CONSOLE_POLICY,
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})

        return serve

    app.router.add_get("/", index)
    app.router.add_get("/widget.js", widget_js)
    app.router.add_get("/console", console_file(console_html, "text/html"))
    app.router.add_get("/console.js", console_file(console_js, "application/javascript"))
    app.router.add_get("/console.css", console_file(console_css, "text/css"))
