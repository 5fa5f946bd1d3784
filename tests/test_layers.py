"""Migrations are frozen text: none of them imports the app.

A migration that imports, say, the trigger SQL of `storage/rollups.py` changes whenever that module does, so
editing the app would silently rewrite a revision already applied to a database. Each revision is parsed (not
imported) and every import in it, at any depth, is checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MIGRATIONS = sorted((Path(__file__).resolve().parent.parent / "migrations" / "versions").glob("*.py"))
APP_PACKAGES = frozenset({"bot", "conversations", "scheduled", "storage"})


def app_imports(source: str) -> list[str]:
    """Return the app modules that `source` imports, with `import`, `from … import` or `import_module("…")`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = [name] if (name := _module_imported_by_call(node)) else []
        found += [name for name in names if name.split(".")[0] in APP_PACKAGES]
    return found


def _module_imported_by_call(node: ast.AST) -> str | None:
    """Return "m" for a call `import_module("m")` or `__import__("m")`, else None."""
    if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
        return None
    called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
    module = node.args[0].value
    return module if called in {"import_module", "__import__"} and isinstance(module, str) else None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("import sqlalchemy as sa\nfrom alembic import op\n", [], id="libraries-only"),
        pytest.param("import storage.rollups\n", ["storage.rollups"], id="import-module"),
        pytest.param("from storage import rollups\n", ["storage"], id="from-package"),
        pytest.param("def upgrade():\n    from bot.app import App\n", ["bot.app"], id="inside-a-function"),
        pytest.param("import importlib\nimportlib.import_module('scheduled.jobs')\n", ["scheduled.jobs"],
                     id="import-module-call"),
        pytest.param("from storageutils import x\nimport botocore\n", [], id="same-prefix-other-package"),
        pytest.param("from . import helpers\n", [], id="relative"),
    ],
)
def test_app_imports_finds_every_form(source: str, expected: list[str]) -> None:
    assert app_imports(source) == expected


def test_there_are_migrations_to_check() -> None:
    assert MIGRATIONS, "no migration found under migrations/versions/"


@pytest.mark.parametrize("migration", MIGRATIONS, ids=[path.name for path in MIGRATIONS])
def test_a_migration_imports_nothing_of_the_app(migration: Path) -> None:
    imported = app_imports(migration.read_text(encoding="utf-8"))
    assert not imported, (
        f"migrations/versions/{migration.name} imports {', '.join(imported)}: a migration is frozen text; copy "
        "what it needs into the revision instead of importing it from the app"
    )
