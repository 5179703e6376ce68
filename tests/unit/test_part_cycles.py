"""No cycle among the parts (shared/ARCHITECTURE.md), found by reading every first-party
import with `ast`. The import linter checks each forbidden arrow; this checks what no list
of arrows can: that following the allowed ones never leads back where it started."""
import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gateway", "bot", "knowledge_base", "handoff")
PROCESS = {"app", "bootstrap", "config", "__main__", "cli", "cli_kb", "cli_guard", "cli_customer", "kb_wiring"}
PARTS = {"web": "Web", "channels": "Channels", "conversations": "Conversations", "bus": "Conversations",
         "storage": "Storage"}


def part_of(module: str) -> str | None:
    """The part a module belongs to; a shared helper (clock, texts, logs…) is a part of its own."""
    names = module.split(".")
    if names[0] in ("bot", "knowledge_base", "handoff"):
        return {"bot": "Bot", "knowledge_base": "KB", "handoff": "Handoff"}[names[0]]
    if names[0] != "gateway":
        return None
    if len(names) == 1 or names[1] in PROCESS:
        return "Process"
    return PARTS.get(names[1], "gateway." + ".".join(names[1:3]))


def imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from gateway import texts` imports the module gateway.texts, not the package.
            for alias in node.names:
                candidate = ROOT.joinpath(*node.module.split("."), alias.name)
                is_module = candidate.with_suffix(".py").exists() or candidate.is_dir()
                found.add(f"{node.module}.{alias.name}" if is_module else node.module)
    return found


def part_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            source = part_of(module)
            for name in imported(path):
                target = part_of(name)
                if target is not None and target != source:
                    graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {n for targets in graph.values() for n in targets}):
        if node not in index:
            visit(node)
    return found


def test_no_cycle_among_the_parts():
    graph = part_graph()
    assert {"Web", "Channels", "Conversations", "Storage", "Bot", "KB", "Handoff"} <= set(graph), graph
    assert cycles(graph) == []


def test_the_scan_finds_a_cycle_when_there_is_one():
    assert cycles({"Storage": {"Handoff"}, "Handoff": {"Conversations", "Storage"}}) == [["Handoff", "Storage"]]
    assert cycles({"A": {"B"}, "B": {"C"}}) == []
