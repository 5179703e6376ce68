"""An automated accessibility check for the browser tests: axe-core (tests/e2e/vendor/axe.min.js,
vendored, see the README there) run inside the page as it stands.

How it gets in: the staff pages send `Content-Security-Policy: script-src 'self'`, so
page.add_script_tag(content=...) adds an inline <script> that the browser refuses to run (and
reports as a CSP violation). page.evaluate() instead runs the source through the DevTools
protocol (Runtime.evaluate), which a page's CSP does not govern, so axe loads into the real page
with its real policy in force; nothing about the page under test is relaxed, unlike a context made
with bypass_csp=True. axe itself needs no eval, so it then runs under the page's policy."""
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")
# The rules of WCAG 2.x A and AA plus axe's best practices (landmarks, headings, ...).
RUN_OPTIONS = {"resultTypes": ["violations"]}

_source = None


def _axe_source() -> str:
    global _source
    if _source is None:
        _source = AXE.read_text(encoding="utf-8")
    return _source


async def violations(page, impacts=SERIOUS) -> list[dict]:
    """axe's violations on the page now, of the given impacts: [{id, impact, help, helpUrl, nodes:
    [{target, html, summary}]}]. Open shadow roots (the chat widget) are checked too; a target
    inside one is a list of selectors, host first."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(_axe_source())
    found = await page.evaluate("""async (options) => {
      const result = await axe.run(document, options);
      return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({target: n.target, html: n.html.slice(0, 200),
                                    summary: n.failureSummary || ""})),
      }));
    }""", RUN_OPTIONS)
    return [v for v in found if v["impact"] in impacts]


async def serious_violations(page) -> list[dict]:
    """The violations of impact "serious" or "critical"; see violations()."""
    return await violations(page, SERIOUS)


def describe(found: list[dict]) -> str:
    """A failure message that says what to fix and where."""
    lines = []
    for v in found:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            target = " >> ".join(t if isinstance(t, str) else " >>> ".join(t) for t in node["target"])
            lines.append(f"    at {target}: {node['html']}")
            for line in node["summary"].splitlines():
                if line.strip():
                    lines.append(f"        {line.strip()}")
    return "\n".join(lines)


async def assert_accessible(page, where: str) -> None:
    found = await serious_violations(page)
    assert not found, f"axe-core found serious accessibility violations on {where}:\n{describe(found)}"
