"""The root Typer application and the one place domain errors become exit status 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from palermo.errors import PalermoError

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="palermo",
    help=(
        "Palermo: early identification and protection of victims of human trafficking. "
        "Palermo：人口贩运受害人的早期识别与保护。"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print ``message`` to standard error and return the exit (status 2) to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a ``PalermoError`` (bad input) into a clear message and exit status 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PalermoError as exc:
            raise fail(str(exc)) from None

    return wrapper


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
