"""Entry point of the ``palermo`` command: imports the command modules, then runs the app.

Each module in ``COMMAND_MODULES`` registers its commands on ``palermo.cli.app.app`` when
imported. To add commands, write ``palermo/cli/<name>.py``, add its name here and the names of
the commands it registers to ``COMMAND_OWNERS``.

``palermo <command> ...`` imports only the modules that register ``<command>``: every module
together imports the watchlists' Chinese readings (pypinyin), the EDIFACT parser, the synthetic
generator, the indicator catalogue... - about a second of start-up that ``palermo screen`` on a
national day's file does not need. Anything else (``palermo --help``, an unknown word) imports
them all, and so does ``from palermo.cli.main import app`` (tests): ``app`` is every command.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

COMMAND_MODULES = (
    "records",  # palermo records fields|check|mrz
    "screen",  # palermo screen, palermo profiles check|show|backtest
    "mine",  # palermo profiles mine
    "synth",  # palermo synth travellers
    "demo",  # palermo demo
    "assess",  # palermo assess, palermo indicators list|evaluate
    "watchlist",  # palermo watchlist import|check|stats
    "stats",  # palermo stats import-ctdc|ctdc-summary|release-k
    "serve",  # palermo serve
    "training",  # palermo training scenarios|export|import
    "academy",  # palermo academy verify-certificate (Django inside)
    "web",  # palermo audit|keys|web: Django is loaded only when one of them runs
    "exchange",  # palermo exchange export|import|verify|card|generate-keys (Django inside)
)
# each top-level command or group -> the modules that register it (and what is under it);
# tests/cli/test_start_up.py holds this equal to what the modules register
COMMAND_OWNERS: dict[str, tuple[str, ...]] = {
    "records": ("records",),
    "screen": ("screen",),
    "profiles": ("screen", "mine"),
    "synth": ("synth",),
    "demo": ("demo",),
    "assess": ("assess",),
    "indicators": ("assess",),
    "watchlist": ("watchlist",),
    "stats": ("stats",),
    "serve": ("serve",),
    "training": ("training",),
    "audit": ("web",),
    "keys": ("web",),
    "web": ("web",),
    "backup": ("web",),
    "restore": ("web",),
    "exchange": ("exchange",),
    "academy": ("academy",),
}


def modules_for(args: Sequence[str]) -> tuple[str, ...]:
    """The command modules a command line needs: its command's owners, else all of them.

    >>> modules_for(["screen", "travellers.parquet", "--profiles", "p"])
    ('screen',)
    >>> modules_for(["--help"]) == COMMAND_MODULES
    True
    """
    first = args[0] if args else ""
    return COMMAND_OWNERS.get(first, COMMAND_MODULES)


def load(names: Sequence[str] = COMMAND_MODULES) -> typer.Typer:
    """Import the command modules ``names``; the root app with their commands."""
    for name in names:
        importlib.import_module(f"palermo.cli.{name}")
    from palermo.cli.app import app

    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # ``from palermo.cli.main import app``: every command
        return load()
    raise AttributeError(name)


def main() -> None:
    load(modules_for(sys.argv[1:]))()


if __name__ == "__main__":  # pragma: no cover
    main()
