"""Entry point of the ``palermo`` command: imports every command module, then runs the app.

Each module in ``COMMAND_MODULES`` registers its commands on ``palermo.cli.app.app`` when
imported. To add commands, write ``palermo/cli/<name>.py`` and add its name here.
"""

from __future__ import annotations

import importlib

from palermo.cli.app import app

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

for _name in COMMAND_MODULES:
    importlib.import_module(f"palermo.cli.{_name}")


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
