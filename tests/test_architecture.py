"""The layering rule from DESIGN.md: nothing outside palermo.web imports Django."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "palermo"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_outside_web_imports_django_or_ninja() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if (SRC / "web") in path.parents:
            continue
        for name in _imported_modules(path):
            if name.split(".")[0] in {"django", "ninja"}:
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_the_domain_packages_never_import_the_web_application() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if (SRC / "web") in path.parents or (SRC / "cli") in path.parents:
            continue
        for name in _imported_modules(path):
            if name.startswith("palermo.web"):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_the_checker_notices_a_django_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from django.db import models\n")
    assert "django.db" in _imported_modules(sample)
