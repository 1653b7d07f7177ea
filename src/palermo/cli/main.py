"""Entry point of the ``palermo`` command: imports every command module, then runs the app."""

from __future__ import annotations

import palermo.cli.assess  # registers assess and indicators
import palermo.cli.screen  # noqa: F401  (registers screen and profiles)
from palermo.cli import records  # noqa: F401  (registers its commands)
from palermo.cli import synth  # noqa: F401
from palermo.cli import demo  # noqa: F401
from palermo.cli.app import app


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
