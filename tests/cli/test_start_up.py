"""``palermo <command>`` imports only the modules of that command, and that is all it needs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from palermo.cli.main import COMMAND_MODULES, COMMAND_OWNERS, app, modules_for


def _module_of(callback: object) -> str:
    return str(getattr(callback, "__module__", "")).removeprefix("palermo.cli.")


def test_every_command_is_owned_by_the_modules_that_register_it() -> None:
    registered: dict[str, set[str]] = {}
    for command in app.registered_commands:
        name = command.name or getattr(command.callback, "__name__", "")
        registered.setdefault(name, set()).add(_module_of(command.callback))
    for group in app.registered_groups:
        assert group.name
        assert group.typer_instance
        registered.setdefault(group.name, set()).update(
            _module_of(c.callback) for c in group.typer_instance.registered_commands
        )
    assert {name: set(mods) for name, mods in COMMAND_OWNERS.items()} == registered
    assert set().union(*registered.values()) == set(COMMAND_MODULES)


@pytest.mark.parametrize("first", ["--help", "", "no-such-command"])
def test_an_unknown_first_word_loads_every_command(first: str) -> None:
    assert modules_for([first] if first else []) == COMMAND_MODULES


def test_palermo_screen_starts_without_the_watchlists_edifact_or_the_generator() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['palermo', 'screen', '--help']\n"
        "from palermo.cli import main\n"
        "try:\n"
        "    main.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pypinyin', 'pydifact', 'django', 'rapidfuzz'}), "
        "sorted(m for m in sys.modules if m.startswith('palermo.synth.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[] []"


def test_a_command_alone_in_its_module_still_runs_by_its_name(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "sys.argv = ['palermo', 'serve', '--help']\n"
        "from palermo.cli import main\n"
        "main.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout
    assert "--port" in result.stdout
