"""Every help text of the ``palermo`` command reads in English and in Simplified Chinese.

The form is 'English text. 中文文本。'; the Chinese belongs in the first paragraph, because
that paragraph is all a command list (``palermo --help``, ``palermo web --help``) shows.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from palermo.cli.main import app

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")


def commands(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """Every command and group under ``command``, named as a person would type it."""
    yield " ".join(path), command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from commands(sub, (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = dict(commands(ROOT, ("palermo",)))


def first_paragraph(text: str) -> str:
    return inspect.cleandoc(text).split("\n\n")[0]


def is_bilingual(text: str) -> bool:
    return bool(CJK.search(text)) and bool(LATIN.search(text))


def test_the_walk_reaches_every_command_including_the_web_commands() -> None:
    for expected in (
        "palermo screen",
        "palermo records check",
        "palermo watchlist import",
        "palermo audit verify",
        "palermo keys rotate",
        "palermo web create-user",
    ):
        assert expected in COMMANDS
    assert len(COMMANDS) > 25


def test_the_bilingual_check_refuses_english_only_and_chinese_only_text() -> None:
    assert is_bilingual("Create an agency. 创建机构。")
    assert not is_bilingual("Create an agency.")
    assert not is_bilingual("创建机构。")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_is_described_in_english_and_chinese(name: str) -> None:
    help_text = COMMANDS[name].help or ""
    assert is_bilingual(help_text), f"{name}: {help_text!r}"
    assert is_bilingual(first_paragraph(help_text)), f"{name}: Chinese only after the listing"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_option_and_argument_is_described_in_english_and_chinese(name: str) -> None:
    undescribed = [
        parameter.name
        for parameter in COMMANDS[name].params
        if parameter.name != "help" and not is_bilingual(getattr(parameter, "help", None) or "")
    ]
    assert undescribed == [], name


def test_the_help_screens_show_both_languages() -> None:
    runner = CliRunner()
    for arguments in (["--help"], ["web", "--help"], ["keys", "rotate", "--help"]):
        result = runner.invoke(app, arguments)
        assert result.exit_code == 0, result.output
        assert CJK.search(result.output), arguments


def test_reading_the_help_does_not_load_django() -> None:
    """The web commands are registered without importing Django, so ``--help`` stays fast."""
    code = (
        "import sys\n"
        "import typer\n"
        "from palermo.cli.main import app\n"
        "typer.main.get_command(app)\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"
