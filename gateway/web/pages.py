"""The demo shop page, the embeddable widget script and the staff pages, served from package files."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from gateway.texts import ui
from handoff.staff import Role
from gateway.web.auth import KB_WRITERS, SUPERVISORS, principal_of

STATIC = Path(__file__).with_name("static")
# Staff pages show what customers typed: nothing but their own files may run or load there.
CONSOLE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
STAFF_HEADERS = {"Cache-Control": "no-cache", "Content-Security-Policy": CONSOLE_POLICY,
                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
# Each staff page: who may open it. Someone logged in with another role gets a 403 page;
# someone not logged in gets the page, whose login form is all it shows until they are.
STAFF_PAGES = {
    "kb": KB_WRITERS,
    "reports": SUPERVISORS,
    "quality": SUPERVISORS,
    "audit": SUPERVISORS,
    "hours": SUPERVISORS,  # admins edit; supervisors read
    "canned": SUPERVISORS,
    "webhooks": (Role.ADMIN,),
}
VENDOR_TYPES = {".js": "application/javascript", ".css": "text/css"}
# The demo shop styles itself inline, as a shop's page may; scripts still come only from here.
SHOP_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def with_words(name: str, *prefixes: str) -> str:
    """A page script behind `t()` and the catalogues (gateway/texts), one file per page, so
    the words come from one place per language and no page needs an inline script."""
    words = (STATIC / "i18n.js").read_text(encoding="utf-8").replace("/*CATALOGUES*/{}", ui.catalogues_json(*prefixes))
    return f"{words}\n{(STATIC / name).read_text(encoding='utf-8')}"


def widget_bundle() -> str:
    """The Socket.IO client and the widget script as one file, so a shop adds one tag.

    The client's UMD wrapper sees a local `module` and stays out of the host page's
    globals, where the shop's own copy of `io` may live. Both languages' widget words only:
    a shop's visitors may read either.
    """
    client = (STATIC / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")
    return (
        "(function () {\nvar module = { exports: {} }, exports = module.exports;\n"
        f"{client}\n;var io = module.exports;\n{with_words('widget.js', 'widget.')}\n}})();\n"
    )


def _static(text: str, content_type: str):
    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type=content_type, headers=STAFF_HEADERS)

    return serve


def _staff_page(name: str, roles: tuple[Role, ...]):
    html = (STATIC / f"{name}.html").read_text(encoding="utf-8")

    async def serve(request: web.Request) -> web.Response:
        principal = await principal_of(request)
        if principal is not None and principal.role not in roles:
            return web.Response(status=403, content_type="text/html", headers=STAFF_HEADERS,
                                text=_not_allowed(principal.language, principal.role))
        return web.Response(text=html, content_type="text/html", headers=STAFF_HEADERS)

    return serve


def _not_allowed(language: str, role: str) -> str:
    # Only catalogue words and a role name from our own enum: nothing here needs escaping.
    title, text = ui.text(language, "staff.not_allowed.title"), ui.text(language, "staff.not_allowed", role=role)
    back = ui.text(language, "staff.not_allowed.back")
    return (f"<!doctype html><html lang=\"{language}\"><title>{title}</title>"
            f"<p>{text} <a href=\"/console\">{back}</a></p>")


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
        return web.Response(text=shop, content_type="text/html", headers={"Content-Security-Policy": SHOP_POLICY})

    app.router.add_get("/", index)
    app.router.add_get("/widget.js", widget_js)
    # The console opens for anyone: its login form turns away the roles it does not serve.
    app.router.add_get("/console", _static((STATIC / "console.html").read_text(encoding="utf-8"), "text/html"))
    _add_assets(app, "console")
    app.router.add_get("/staff.css", _static((STATIC / "staff.css").read_text(encoding="utf-8"), "text/css"))
    app.router.add_get("/staff.js", _static(with_words("staff.js"), "application/javascript"))
    for name, roles in STAFF_PAGES.items():
        if not (STATIC / f"{name}.html").exists():
            continue
        app.router.add_get(f"/{name}", _staff_page(name, roles))
        _add_assets(app, name)
    for asset in sorted((STATIC / "vendor").iterdir()):
        if asset.suffix in VENDOR_TYPES:
            app.router.add_get(f"/vendor/{asset.name}",
                               _static(asset.read_text(encoding="utf-8"), VENDOR_TYPES[asset.suffix]))


def _add_assets(app: web.Application, page: str) -> None:
    """A page's own script and style, and its parts (`kb_review.js`, `console_lists.js`):
    plain files in the order its HTML loads them, no build step."""
    for suffix, content_type in VENDOR_TYPES.items():
        for asset in sorted({*STATIC.glob(f"{page}{suffix}"), *STATIC.glob(f"{page}_*{suffix}")}):
            app.router.add_get(f"/{asset.name}", _static(asset.read_text(encoding="utf-8"), content_type))
