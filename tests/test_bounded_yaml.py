"""Every YAML file Palermo reads is bounded: an alias bomb or a 5,000-level nesting is refused
with the line and the reason (exit status 2), never a memory blow-up or a RecursionError."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.indicators.catalogue import load_catalogue
from palermo.lib import yamlsafe
from palermo.profiles.loader import profile_set_from_texts, read_yaml

runner = CliRunner()


def alias_bomb() -> str:
    """The "billion laughs" of the attack (679 bytes there): 9**9 strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


DEEP = "x: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_BLOCK = "- " * 5000 + "x\n"


def test_the_alias_bomb_is_under_a_kilobyte_and_refused_at_its_first_alias() -> None:
    assert len(alias_bomb().encode()) < 1024
    with pytest.raises(InputError) as caught:
        yamlsafe.load(alias_bomb(), "bomb.yaml")
    problem = caught.value.problems[0]
    assert problem.where == "bomb.yaml line 2"
    assert "aliases" in problem.rule
    assert "别名" in problem.rule_zh


@pytest.mark.parametrize("text", [DEEP, DEEP_BLOCK], ids=["flow", "block"])
def test_nesting_5000_deep_is_refused_with_a_reason_not_a_recursion_error(text: str) -> None:
    with pytest.raises(InputError) as caught:
        yamlsafe.load(text, "deep.yaml")
    assert "nested more than 64 levels deep" in str(caught.value)
    assert "嵌套超过 64 层" in str(caught.value)


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = 0
    value = yamlsafe.load("[" * 64 + "]" * 64, "ok.yaml")
    while isinstance(value, list):
        depth += 1
        value = value[0] if value else None
    assert depth == 64


def test_a_document_larger_than_the_bound_is_refused_before_it_is_parsed() -> None:
    text = "x: " + "a" * (yamlsafe.MAX_BYTES + 1)
    with pytest.raises(InputError, match="larger than"):
        yamlsafe.load(text, "big.yaml")


def test_a_value_that_cannot_be_built_names_its_line() -> None:
    with pytest.raises(InputError) as caught:
        yamlsafe.load("ok: 1\nwhen: 2026-13-45\n", "dates.yaml")
    assert caught.value.problems[0].where == "dates.yaml line 2"
    with pytest.raises(InputError, match="line 1"):
        yamlsafe.load("n: " + "9" * 5000, "digits.yaml")


def test_anchors_without_aliases_are_still_read() -> None:
    assert yamlsafe.load("a: &x 1\n", "anchor.yaml") == {"a": 1}


def test_the_profile_loader_keeps_its_line_numbers_and_refuses_the_bomb() -> None:
    doc, problems = read_yaml("id: x\ntitle:\n  en: T\n", "p.yaml")
    assert doc is not None
    assert doc.lines["title"] == 3
    assert not problems
    doc, problems = read_yaml(alias_bomb(), "p.yaml")
    assert doc is None
    assert [p.where for p in problems] == ["p.yaml line 2"]
    doc, problems = read_yaml(DEEP, "p.yaml")
    assert doc is None
    assert "64 levels" in problems[0].rule
    with pytest.raises(InputError, match="aliases"):
        profile_set_from_texts({"bomb.yaml": alias_bomb()})


def test_profiles_check_exits_2_on_the_bomb_and_on_deep_nesting(tmp_path: Path) -> None:
    for name, text in (("bomb.yaml", alias_bomb()), ("deep.yaml", DEEP)):
        folder = tmp_path / name.removesuffix(".yaml")
        folder.mkdir()
        (folder / name).write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["profiles", "check", str(folder)])
        assert result.exit_code == 2, result.output
        assert f"{name} line" in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("text", [alias_bomb(), DEEP], ids=["bomb", "deep"])
def test_watchlist_import_exits_2(tmp_path: Path, text: str) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(
        app, ["watchlist", "import", str(path), "--dir", str(tmp_path / "store")]
    )
    assert result.exit_code == 2, result.output
    assert "list.yaml line" in result.output


@pytest.mark.parametrize("text", [alias_bomb(), DEEP], ids=["bomb", "deep"])
def test_a_corridor_file_is_bounded(tmp_path: Path, text: str) -> None:
    config = tmp_path / "corridors.yaml"
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(
        app,
        ["synth", "travellers", "--n", "10", "--out", str(tmp_path / "o.parquet"),
         "--config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "corridors.yaml line" in result.output


@pytest.mark.parametrize("text", [alias_bomb(), DEEP], ids=["bomb", "deep"])
def test_an_adapted_instrument_is_bounded(tmp_path: Path, text: str) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{}", encoding="utf-8")
    instrument = tmp_path / "mine.yaml"
    instrument.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["assess", str(answers), "--instrument", str(instrument)])
    assert result.exit_code == 2, result.output
    assert "mine.yaml line" in result.output


def test_a_catalogue_file_is_bounded(tmp_path: Path) -> None:
    index = tmp_path / "catalogue.yaml"
    index.write_text(alias_bomb(), encoding="utf-8")
    with pytest.raises(InputError, match=r"catalogue\.yaml line 2"):
        load_catalogue(index)
