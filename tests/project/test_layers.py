"""The package follows the data flow: each layer imports only from the layers before it, and
govgap modules are imported at the top of a module (the command line may import lazily, to start
quickly). An AST scan of lib/govgap, so the rule holds for code not yet written."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lib" / "govgap"

# The data flow, first to last. The modules at the package root (errors, paths, redact, processes,
# __init__, and the data folder of fact tables) are the foundation every layer may use; cli is last.
LAYERS = ["reference", "io", "contract", "sources", "estimate", "compare", "pipeline", "render", "publish", "cli"]
FOUNDATION = {"govgap", "govgap.errors", "govgap.paths", "govgap.processes", "govgap.redact", "govgap.data"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """-1 for the foundation, else the position of the module's layer in LAYERS."""
    if module in FOUNDATION:
        return -1
    return LAYERS.index(module.split(".")[1])


def govgap_imports(path: Path):
    """(line, imported module, at top level) for every import of a govgap module in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = me.split(".")[: len(me.split(".")) - node.level + (path.name == "__init__.py")]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] if node.module else [f"{module}.{a.name}" for a in node.names]
        for target in targets:
            if target == "govgap" or target.startswith("govgap."):
                yield node.lineno, _owning_module(target), id(node) in top_level


def _owning_module(target: str) -> str:
    """'govgap.sources.dossiers.read_export' -> 'govgap.sources.dossiers' (the file that exists)."""
    parts = target.split(".")
    while len(parts) > 1:
        candidate = PACKAGE.parent.joinpath(*parts)
        if candidate.with_suffix(".py").is_file() or (candidate / "__init__.py").is_file():
            return ".".join(parts)
        parts.pop()
    return "govgap"


def import_violations(package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        me = module_name(path)
        mine = layer_of(me)
        for line, target, top in govgap_imports(path):
            where = f"{path.relative_to(package.parent)}:{line}"
            if not top and me != "govgap.cli":
                problems.append(f"{where}: imports {target} inside a function")
            theirs = layer_of(target)
            if theirs > mine:
                problems.append(f"{where}: {me} imports {target}, a later layer")
    return problems


def test_every_module_belongs_to_a_layer():
    for path in PACKAGE.rglob("*.py"):
        module = module_name(path)
        assert module in FOUNDATION or module.split(".")[1] in LAYERS, module


def test_imports_run_one_way_only():
    assert import_violations() == []


def test_the_scan_catches_an_upward_and_a_function_level_import(tmp_path):
    fake = tmp_path / "govgap"
    (fake / "reference").mkdir(parents=True)
    (fake / "render").mkdir()
    for folder in (fake, fake / "reference", fake / "render"):
        (folder / "__init__.py").write_text("")
    (fake / "render" / "charts.py").write_text("X = 1\n")
    (fake / "reference" / "facts.py").write_text(
        "from govgap.render.charts import X\n\n\ndef f():\n    from govgap.reference import facts\n"
    )
    global PACKAGE
    real, PACKAGE = PACKAGE, fake
    try:
        problems = import_violations(fake)
    finally:
        PACKAGE = real
    assert any("imports govgap.render.charts, a later layer" in p for p in problems)
    assert any("inside a function" in p for p in problems)


@pytest.mark.parametrize("module,layer", [("govgap.paths", -1), ("govgap.reference.provinces", 0), ("govgap.cli", 9)])
def test_layer_positions(module, layer):
    assert layer_of(module) == layer


def import_cycles(package: Path = PACKAGE) -> list[list[str]]:
    """Cycles in the graph of top-level imports between govgap modules (within a layer too)."""
    graph = {}
    for path in package.rglob("*.py"):
        graph[module_name(path)] = {t for _, t, top in govgap_imports(path) if top and t != module_name(path)}
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_cycles():
    assert import_cycles() == []
