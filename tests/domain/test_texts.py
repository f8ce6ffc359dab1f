"""The catalogue of texts (``domain.texts``): complete in every language, the same placeholders
in every language, and every message ID the code uses defined (and every defined one used)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from domain import texts
from domain.base import Language
from domain.texts import CATALOGUE, N_, email_texts, text
from tests.conftest import ROOT

PACKAGES = ("app", "auth", "domain", "resolvers", "schema", "fixtures")
#: The modules that hold the catalogue itself (their keys are definitions, not uses).
CATALOGUE_MODULES = {Path(part.__file__).resolve() for part in texts.PARTS}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("message_id", sorted(CATALOGUE))
def test_every_message_is_in_finnish_swedish_and_english(message_id: str) -> None:
    templates = CATALOGUE[message_id]
    assert set(templates) == set(Language), message_id
    assert all(isinstance(t, str) and t.strip() for t in templates.values()), message_id


@pytest.mark.parametrize("message_id", sorted(CATALOGUE))
def test_placeholders_are_named_and_the_same_in_every_language(message_id: str) -> None:
    found = {language: _placeholders(template) for language, template in CATALOGUE[message_id].items()}
    assert len(set(map(frozenset, found.values()))) == 1, found
    names = found[Language.FI]
    assert all(name.isidentifier() for name in names), names  # named, never positional ({} or {0})


def test_every_catalogue_module_has_its_own_ids() -> None:
    assert sum(len(part.TEXTS) for part in texts.PARTS) == len(CATALOGUE)


def test_text_formats_in_the_language_asked_and_falls_back_to_finnish(monkeypatch) -> None:
    assert text("input.too_long", Language.SV, max=5) == "Värdet får ha högst 5 tecken."
    assert text("input.too_long", Language.EN, max=5) == "The value can have at most 5 characters."
    monkeypatch.setitem(CATALOGUE, "test.only_finnish", {Language.FI: "Vain {what}"})
    assert text("test.only_finnish", Language.EN, what="suomeksi") == "Vain suomeksi"
    with pytest.raises(KeyError):
        text("test.no_such_message", Language.FI)
    assert N_("input.required") == "input.required"


def test_an_email_is_its_subject_and_its_signed_body() -> None:
    subject, body = email_texts("username_changed", Language.EN, old="a", new="b")
    assert subject == "Your username was changed"
    assert body.startswith("Hello,\n\nyour username in our Online service was changed: a → b.")
    assert body.endswith("\n\nKind regards\nEnergia Oy customer service\n")


# -- message IDs in the code ------------------------------------------------------------


def _sources() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path not in CATALOGUE_MODULES
    ]


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


#: A function that takes a message ID: ``(parameter, its position, the IDs a value of it names)``.
Taker = tuple[str, int, tuple[str, ...]]
#: ``email_texts`` takes the name of an email: its subject and its body.
EMAIL = ("name", ("email.{}.subject", "email.{}.body"))


def _takers(trees: dict[Path, ast.Module]) -> dict[Path, dict[str, Taker]]:
    """In each module, the functions it defines or imports that take a message ID (a parameter
    ``message_id``; ``email_texts``), with the parameter's position (``self`` not counted)."""
    defined: dict[str, dict[str, Taker]] = {}
    for path, tree in trees.items():
        defined[_module(path)] = found = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [
                    a.arg for a in node.args.posonlyargs + node.args.args if a.arg not in {"self", "cls"}
                ]
                parameter, ids = EMAIL if node.name == "email_texts" else ("message_id", ("{}",))
                if parameter in names:
                    found[node.name] = (parameter, names.index(parameter), ids)
    assert {"text", "N_", "email_texts"} <= set(defined["domain.texts"]), defined["domain.texts"]
    visible: dict[Path, dict[str, Taker]] = {}
    for path, tree in trees.items():
        visible[path] = dict(defined[_module(path)])
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in defined:
                for alias in node.names:
                    if alias.name in defined[node.module]:
                        visible[path][alias.asname or alias.name] = defined[node.module][alias.name]
    return visible


def _literals(node: ast.expr) -> list[ast.Constant]:
    """The string literals an argument can evaluate to (``"a" if x else "b"``, ``m.get(k, "c")``)."""
    inside_fstrings = {id(n) for j in ast.walk(node) if isinstance(j, ast.JoinedStr) for n in ast.walk(j)}
    return [
        n
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in inside_fstrings
    ]


def _uses() -> tuple[dict[str, list[str]], list[str]]:
    """Every literal message ID in the code, with where; and literals equal to an ID that are
    nowhere a message ID is expected (the test cannot see them as uses: mark them with ``N_``)."""
    trees = {path: ast.parse(path.read_text(), str(path)) for path in _sources()}
    visible = _takers(trees)
    uses: dict[str, list[str]] = {}
    seen: set[int] = set()
    for path, tree in trees.items():
        takers = visible[path]
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            if isinstance(func, ast.Name) and func.id in takers:
                parameter, position, ids = takers[func.id]
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in {"self", "cls"}
                and func.attr in takers
            ):  # a method of the module (``self._refusal``)
                parameter, position, ids = takers[func.attr]
            else:
                continue
            argument = call.args[position] if len(call.args) > position else None
            argument = next((k.value for k in call.keywords if k.arg == parameter), argument)
            for literal in _literals(argument) if argument is not None else []:
                seen.add(id(literal))
                where = f"{path.relative_to(ROOT)}:{literal.lineno}"
                for pattern in ids:
                    uses.setdefault(pattern.format(literal.value), []).append(where)
    hidden = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}"
        for path, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in CATALOGUE and id(node) not in seen
    ]
    return uses, hidden


def test_every_message_id_in_the_code_is_in_the_catalogue() -> None:
    uses, _ = _uses()
    unknown = {message_id: where for message_id, where in uses.items() if message_id not in CATALOGUE}
    assert unknown == {}


def test_every_message_id_of_the_catalogue_is_used() -> None:
    uses, _ = _uses()
    assert sorted(set(CATALOGUE) - set(uses)) == []


def test_message_ids_are_written_where_a_message_id_is_expected() -> None:
    """A literal ID elsewhere (say, in a table of codes) is marked with ``N_``, so it is found."""
    _, hidden = _uses()
    assert hidden == []
