"""Channel adapters only translate: no module under bot/telegram/ or bot/zalo/ imports `storage` (reachability,
menus and everything else that touches the database happen once, in `bot.dispatch` and `bot.menus`).

The files are parsed, not imported, and every import at any depth is checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
ADAPTERS = sorted(path for package in ("telegram", "zalo") for path in (BOT / package).rglob("*.py"))


def storage_imports(source: str) -> list[str]:
    """Return the `storage` modules that `source` imports with `import` or `from … import`, at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return [name for name in found if name.split(".")[0] == "storage"]


@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("from storage.reachability import set_reachable\n", ["storage.reachability"], id="from-module"),
    pytest.param("import storage.db as db\n", ["storage.db"], id="import-as"),
    pytest.param("def f():\n    from storage import chat_roles\n", ["storage"], id="inside-a-function"),
    pytest.param("from bot.channel import Event\nimport storageutils\n", [], id="others"),
])
def test_storage_imports_are_found(source: str, expected: list[str]) -> None:
    assert storage_imports(source) == expected


def test_there_are_adapters_to_check() -> None:
    assert {path.parent.name for path in ADAPTERS} == {"telegram", "zalo"}


@pytest.mark.parametrize("path", ADAPTERS, ids=lambda path: str(path.relative_to(BOT)))
def test_an_adapter_imports_nothing_from_storage(path: Path) -> None:
    assert storage_imports(path.read_text(encoding="utf-8")) == []
