"""Problems carry their rule in English and Simplified Chinese; each reader gets their language."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from palermo.errors import InputError, Problem, language

SRC = Path(__file__).resolve().parents[1] / "src" / "palermo"

SEX = Problem(
    where="people.csv row 3",
    field="sex",
    value="Q",
    rule="must be one of F, M, X",
    rule_zh="必须是以下之一：F、M、X",
)


def test_the_command_line_shows_both_languages_in_one_line() -> None:
    assert str(SEX) == (
        "people.csv row 3: field 'sex' value 'Q': must be one of F, M, X / 必须是以下之一：F、M、X"
    )


def test_a_page_in_chinese_shows_only_the_chinese_rule() -> None:
    text = SEX.text("zh-hans")
    assert text == "people.csv row 3：字段 'sex'，值 'Q'：必须是以下之一：F、M、X"
    assert "must be" not in text


def test_a_page_in_english_shows_only_the_english_rule() -> None:
    assert SEX.text("en") == "people.csv row 3: field 'sex' value 'Q': must be one of F, M, X"


def test_a_place_with_words_of_its_own_is_named_in_chinese_too() -> None:
    problem = Problem(where="records table", where_zh="记录表", rule="empty", rule_zh="为空")
    assert problem.text("zh") == "记录表：为空"
    assert problem.text("en") == "records table: empty"
    assert str(problem) == "records table: empty / 为空"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("en", "en"), ("en-gb", "en"), ("zh-hans", "zh"), ("zh_Hans", "zh"), ("zh-cn", "zh")],
)
def test_any_chinese_language_tag_reads_chinese(tag: str, expected: str) -> None:
    assert language(tag) == expected


def test_an_error_lists_its_problems_and_how_many_more_in_the_readers_language() -> None:
    err = InputError([SEX, SEX], total=5)
    assert err.render(lang="zh").splitlines()[-1] == "……另有 3 个问题"
    assert err.render(lang="en").splitlines()[-1] == "... and 3 more problem(s)"
    assert str(err).splitlines()[-1] == "... and 3 more problem(s) / ……另有 3 个问题"
    assert err.text("zh").splitlines()[0] == SEX.text("zh")


def test_a_problem_without_a_chinese_rule_cannot_be_made() -> None:
    with pytest.raises(TypeError, match="rule_zh"):
        Problem(where="x", rule="English only")  # type: ignore[call-arg]


def problems_without_chinese(source: str) -> list[int]:
    """Lines of ``Problem(...)`` calls that give no ``rule_zh`` (``**kwargs`` can't be checked)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name != "Problem":
            continue
        keywords = {k.arg for k in node.keywords}
        if "rule_zh" not in keywords and None not in keywords:
            found.append(node.lineno)
    return found


def test_the_scan_finds_a_problem_without_chinese() -> None:
    source = 'a = Problem(where="x", rule="y")\nb = Problem(where="x", rule="y", rule_zh="是")\n'
    assert problems_without_chinese(source) == [1]


def test_every_problem_made_in_the_source_gives_its_rule_in_chinese() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        for line in problems_without_chinese(path.read_text(encoding="utf-8"))
    ]
    assert found == []
