"""The package's folders show the flow: knowledge -> facts -> engine -> report -> outputs, no import goes back up."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kb_engine"

# Each room of the package and its rank in the flow; a module may import only rooms of a lower or equal rank.
RANKS = {
    "errors": 0,
    "io": 1,
    "knowledge": 2,
    "facts": 3,
    "engine": 4,
    "report": 5,
    "diagnosis": 6,
    "schemas": 6,
    "consult": 7,
    "diagrams": 8,
    "fleet": 8,
    "cli": 9,
    "serve": 9,
    "__init__": 10,
    "__main__": 10,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every kb_engine module a file imports, at any depth (function bodies and TYPE_CHECKING blocks too)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("kb_engine"):
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    out.add(candidate if _exists(candidate) else target)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("kb_engine")}
    out.discard(name)
    return out


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = nx.DiGraph()
for _name, _path in MODULES.items():
    GRAPH.add_node(_name)
    for _target in _imports(_path):
        GRAPH.add_edge(_name, _target)


def test_every_module_is_in_a_room_of_the_flow() -> None:
    """A new top-level module or folder must be given its place in the flow (here and in the README's map)."""
    assert sorted({_room(m) for m in MODULES} - set(RANKS)) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_room_above_its_own(module: str) -> None:
    """Knowledge never imports the engine, the engine never the report, the report never the command line."""
    own = RANKS[_room(module)]
    upward = sorted(t for t in GRAPH.successors(module) if RANKS[_room(t)] > own)
    assert upward == [], f"{module} ({_room(module)}) imports rooms further down the flow: {upward}"


def test_the_imports_form_no_circle() -> None:
    """No chain of imports leads back to where it started, even through imports inside functions."""
    assert list(nx.simple_cycles(GRAPH)) == []


def test_the_old_flat_modules_are_gone() -> None:
    """The knowledge base's data lives in knowledge/data; no module is left at the top beside the rooms."""
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "diagnosis.py", "errors.py"]
    assert (PACKAGE / "knowledge" / "data" / "causes.yaml").is_file()
