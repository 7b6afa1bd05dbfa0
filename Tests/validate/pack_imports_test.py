"""Pack code runs on XSOAR, where only the platform's modules exist: it must not import this repository's
Tests/ or tools/ (the local runtime is found on the path, exactly as the platform's is)."""

import ast
from pathlib import Path

PACKS = Path(__file__).resolve().parents[2] / "Packs"
FORBIDDEN_ROOTS = {"Tests", "tools", "conftest"}


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_pack_code_imports_nothing_from_the_repository_harness():
    offenders = {}
    for path in PACKS.rglob("*.py"):
        if path.name.endswith("_test.py"):
            continue
        bad = imported_roots(path.read_text()) & FORBIDDEN_ROOTS
        if bad:
            offenders[str(path.relative_to(PACKS))] = sorted(bad)
    assert offenders == {}


def test_the_checker_catches_a_forbidden_import():
    assert imported_roots("from Tests.runtime import demistomock\nimport tools.xsoar_local") == {"Tests", "tools"}
