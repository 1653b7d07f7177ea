"""``palermo assess`` on the shipped examples, and clear errors (exit 2) on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.indicators.instruments import load_instrument

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "answers").glob("*.json"))
EXPECTED = {
    "adult-labour-presumed.json": "presumed_victim",
    "adult-possible-zh.json": "possible_victim",
    "adult-insufficient.json": "indicators_insufficient",
    "child-referral.json": "presumed_victim",
    "first-line-offer.json": "offer_interview",
}
runner = CliRunner()


def test_every_example_answer_file_is_covered() -> None:
    assert {p.name for p in EXAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_assess_works_on_each_example_file(path: Path) -> None:
    instrument = json.loads(path.read_text(encoding="utf-8"))["instrument"]
    text = runner.invoke(app, ["assess", str(path), "--instrument", instrument])
    assert text.exit_code == 0, text.output
    as_json = runner.invoke(app, ["assess", str(path), "--instrument", instrument, "--json"])
    assert as_json.exit_code == 0, as_json.output
    result = json.loads(as_json.output)
    assert result.get("outcome", result.get("decision")) == EXPECTED[path.name]
    assert result["instrument"]["id"] == instrument
    assert result["instrument"]["version"] == load_instrument(instrument).version
    assert result["catalogue"]["stamp"].startswith("1.1.0+")


def test_the_child_example_is_referred_to_child_protection_and_its_language_is_stored() -> None:
    result = runner.invoke(
        app,
        [
            "assess",
            str(REPO / "examples/answers/child-referral.json"),
            "--instrument",
            "second-line-child",
            "--json",
        ],
    )
    data = json.loads(result.output)
    assert data["child_protection_referral"] is True
    assert data["instrument"]["language"] == "en"
    zh = runner.invoke(
        app,
        [
            "assess",
            str(REPO / "examples/answers/adult-possible-zh.json"),
            "--instrument",
            "second-line-adult",
            "--json",
        ],
    )
    assert json.loads(zh.output)["instrument"]["language"] == "zh"


def test_text_output_shows_both_languages_and_unverified_items() -> None:
    result = runner.invoke(
        app,
        [
            "assess",
            str(REPO / "examples/answers/adult-labour-presumed.json"),
            "--instrument",
            "second-line-adult",
        ],
    )
    assert "presumed victim: refer to protection" in result.output
    assert "推定受害人" in result.output
    assert "(unverified)" in result.output
    assert "未经核实" in result.output


def _write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(content, encoding="utf-8")
    return path


GOOD = {"consent": {"consented": True}, "answers": {"debt_owes": True}}


@pytest.mark.parametrize(
    ("content", "instrument", "message"),
    [
        (json.dumps(GOOD), "third-line", "unknown instrument"),
        (
            json.dumps({"consent": {"consented": True}, "answers": {"debt_owned": True}}),
            "second-line-adult",
            "answers.debt_owned: unknown question id",
        ),
        (
            json.dumps({"consent": {"consented": True}, "answers": {"debt_owes": "often"}}),
            "second-line-adult",
            "must be true or false",
        ),
        (
            json.dumps({"consent": {"consented": True}, "answers": {"docs_who_holds": ["self"]}}),
            "second-line-adult",
            "must be one of self",
        ),
        (
            json.dumps(
                {"consent": {"consented": True}, "answers": {"work_conditions": ["overtime"]}}
            ),
            "second-line-adult",
            "unknown option",
        ),
        ('{"answers": {"debt_owes": tru', "second-line-adult", "not valid JSON"),
        (
            json.dumps({"answers": {"debt_owes": True}}),
            "second-line-adult",
            "no interview is assessed without consent",
        ),
        (
            json.dumps(GOOD | {"instrument": "second-line-child"}),
            "second-line-adult",
            "another instrument",
        ),
    ],
)
def test_bad_input_gets_a_clear_error_and_exit_status_2(
    tmp_path: Path, content: str, instrument: str, message: str
) -> None:
    result = runner.invoke(
        app, ["assess", str(_write(tmp_path, content)), "--instrument", instrument]
    )
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_a_missing_answer_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["assess", str(tmp_path / "nope.json"), "--instrument", "first-line"]
    )
    assert result.exit_code == 2
    assert "answer file not found" in result.output


def test_indicators_list_marks_unverified_entries() -> None:
    result = runner.invoke(app, ["indicators", "list", "--set", "ADS"])
    assert result.exit_code == 0
    assert "ADS-CR-02" in result.output
    assert "unverified" in result.output
