"""The project's own rules: imports resolve here, layers hold, ruff is clean."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("name", ["app", "schema", "resolvers", "auth", "domain", "fixtures"])
def test_top_level_packages_are_the_projects_own(name: str) -> None:
    module = importlib.import_module(name)
    assert Path(module.__file__).resolve().parent == ROOT / name


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_layer_contracts_hold() -> None:
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _imports_of(path: Path, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports, at module level or inside functions; imports
    under ``if TYPE_CHECKING:`` do not count (``strawberry.lazy`` references are strings)."""
    import ast

    tree = ast.parse(path.read_text())
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.update(n for n in names if n in modules)
    return found


def test_no_import_circles() -> None:
    """No module of the project reaches itself through imports (issue 14)."""
    files = {}
    for package in ("app", "schema", "resolvers", "auth", "domain", "fixtures"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            files[name] = path
    graph = {name: _imports_of(path, set(files)) - {name} for name, path in files.items()}
    # A module that imports a package imports its __init__, which may import the package's
    # modules: follow those edges too, as Python does.
    circles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    circles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert circles == [], circles[:5]


def _language_dicts(path: Path) -> list[int]:
    """Lines of dict literals keyed by languages (``{Language.SV: ...}``, or ``{SV: ...}`` with
    ``SV = Language.SV``): texts in several languages, which belong to ``domain.texts``."""
    import ast

    tree = ast.parse(path.read_text())

    def is_language(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Language"
        )

    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=False)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                aliases.update(t.id for t, v in pairs if isinstance(t, ast.Name) and is_language(v))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(is_language(key) or (isinstance(key, ast.Name) and key.id in aliases) for key in node.keys)
    ]


def test_texts_in_several_languages_live_in_domain_texts() -> None:
    """Texts shown to people are message IDs of ``domain.texts`` (issue 14): no module outside
    it writes its own ``{Language.FI: ..., Language.SV: ..., Language.EN: ...}``."""
    catalogue = ROOT / "domain" / "texts"
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("app", "schema", "resolvers", "auth", "domain", "fixtures")
        for path in sorted((ROOT / package).rglob("*.py"))
        if catalogue not in path.parents
        for line in _language_dicts(path)
    ]
    assert found == []
    # The rule sees what it looks for: the catalogue's own modules are such dicts.
    assert _language_dicts(catalogue / "accounts.py") and _language_dicts(catalogue / "limits.py")
