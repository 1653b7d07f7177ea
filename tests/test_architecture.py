"""What the import-linter contracts (pyproject.toml, ``make lint``) cannot say.

import-linter sees every import wherever it is written; it cannot tell an import at the top of
a module from one inside a function. The CLI must import ``palermo.web`` only inside the
commands that need it, so that ``palermo --help`` and the domain commands never load Django.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "palermo"


def _module_level_imports(source: str) -> set[str]:
    """Modules imported when the module loads: outside every function body."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Import):
                names.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names.add(child.module)
            visit(child)

    visit(ast.parse(source))
    return names


def test_the_cli_imports_the_web_application_only_inside_functions() -> None:
    offenders = [
        f"{path.relative_to(SRC)} imports {name} when it loads"
        for path in sorted((SRC / "cli").rglob("*.py"))
        for name in sorted(_module_level_imports(path.read_text(encoding="utf-8")))
        if name == "palermo.web" or name.startswith("palermo.web.")
    ]
    assert offenders == []


def test_palermo_help_loads_no_django() -> None:
    code = (
        "import sys\n"
        "from palermo.cli.main import app\n"
        "from typer.testing import CliRunner\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'web' in result.output and 'audit' in result.output, result.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'ninja'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_checker_tells_a_module_level_import_from_one_in_a_function() -> None:
    source = (
        "import palermo.web.lib\n"
        "if True:\n"
        "    from palermo.web.commands import migrate\n"
        "def f():\n"
        "    from palermo.web.audit import chain\n"
        "class C:\n"
        "    def m(self):\n"
        "        import palermo.web.demo\n"
    )
    assert _module_level_imports(source) == {"palermo.web.lib", "palermo.web.commands"}
