"""The root Typer application and the one place domain errors become exit status 2."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from palermo.errors import Language, PalermoError

#: ``--reporting-country``, for the commands that read PAXLST manifests.
ReportingCountry = Annotated[
    str | None,
    typer.Option(
        help="PAXLST: the country receiving the manifest (ISO alpha-2); default "
        "PALERMO_REPORTING_COUNTRY. PAXLST 舱单的接收国（两位字母代码）。"
    ),
]

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


@app.callback()
def _commands() -> None:
    # A root with a callback is always a group of commands: ``palermo serve`` stays ``serve``
    # even when ``palermo.cli.main`` imported only the module that registers it.
    pass


err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print ``message`` to standard error and return the exit (status 2) to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


#: the disk (or the process's file-size limit) has no room for what was being written
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def no_space(exc: BaseException) -> bool:
    """Whether an error says the disk is full (errno, or the text pyarrow passes on)."""
    if isinstance(exc, OSError) and exc.errno in NO_SPACE:
        return True
    text = str(exc)
    return any(s in text for s in ("No space left on device", "File too large", "quota exceeded"))


def cli_language(environ: dict[str, str] | None = None) -> Language | None:
    """The one language the command line writes problems in, or ``None`` for both.

    ``PALERMO_LANGUAGE`` (``en`` or ``zh``) chooses; otherwise the locale, as gettext reads it
    (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``): a Chinese locale gives Chinese; any other
    keeps both languages, so a message is understood whoever reads it.

    >>> cli_language({"PALERMO_LANGUAGE": "zh"}), cli_language({"LANG": "zh_CN.UTF-8"})
    ('zh', 'zh')
    >>> cli_language({"PALERMO_LANGUAGE": "en", "LANG": "zh_CN"}), cli_language({"LANG": "C"})
    ('en', None)
    """
    env = os.environ if environ is None else environ
    chosen = env.get("PALERMO_LANGUAGE", "").strip().lower()
    if chosen:
        return "zh" if chosen.startswith("zh") else "en"
    locale = next((env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), "")
    return "zh" if locale.lower().startswith("zh") else None


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a ``PalermoError`` (bad input) into a clear message and exit status 2; so too a
    full disk (writes are atomic: the file being written is removed, nothing half-written
    stays)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except PalermoError as exc:
            lang = cli_language()
            raise fail(str(exc) if lang is None else exc.text(lang)) from None
        except OSError as exc:
            if not no_space(exc):
                raise
            where = f" ({exc.filename})" if exc.filename else ""
            raise fail(
                f"no space left on the disk{where}: nothing was written; free some space and "
                f"run the command again / 磁盘空间不足{where}：未写入任何内容；请释放空间后重新运行"
            ) from None

    return wrapper


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
