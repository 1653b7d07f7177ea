from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "lists"


def test_import_stores_the_list_and_stats_shows_it(list_yaml: Path, store: Path) -> None:
    result = runner.invoke(app, ["watchlist", "import", str(list_yaml), "--dir", str(store)])
    assert result.exit_code == 0, result.output
    assert "trafficking-suspects" in result.output
    assert "已保存" in result.output
    assert (store / "trafficking-suspects.parquet").is_file()
    stats = runner.invoke(app, ["watchlist", "stats", "--dir", str(store)])
    assert stats.exit_code == 0, stats.output
    assert "Anti-traf" in stats.output
    assert "2027-12-31" in stats.output


def test_a_broken_list_exits_with_status_2_and_stores_nothing(tmp_path: Path, store: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,names,date_of_birth\nA,Maria Santos,1990-02-30\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "watchlist",
            "import",
            str(path),
            "--dir",
            str(store),
            "--id",
            "bad",
            "--owner",
            "X",
            "--purpose",
            "Y",
            "--legal-basis",
            "Z",
            "--expires",
            "2099-01-01",
        ],
    )
    assert result.exit_code == 2
    assert "row 1" in result.output
    assert "date_of_birth" in result.output
    assert not store.exists() or not list(store.iterdir())


def test_check_one_name_shows_score_and_reasons_in_both_languages(
    list_yaml: Path, store: Path
) -> None:
    runner.invoke(app, ["watchlist", "import", str(list_yaml), "--dir", str(store)])
    result = runner.invoke(
        app,
        [
            "watchlist",
            "check",
            "--name",
            "CHEUNG Wei",
            "--dob",
            "1990-03-07",
            "--dir",
            str(store),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    [match] = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert match["entry_id"] == "P1"
    assert match["score"] == 100
    assert "romanisation" in match["reason_en"]
    assert "拼音" in match["reason_zh"]


def test_check_a_records_file(list_yaml: Path, store: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["watchlist", "import", str(list_yaml), "--dir", str(store)])
    records = tmp_path / "records.csv"
    records.write_text(
        "record_id,event_kind,port,event_date,surname,given_names,date_of_birth,contact_phone\n"
        "R1,exit,PVG,2026-05-01,ZHANG,WEI,1990-03-07,\n"
        "R2,exit,PVG,2026-05-01,NGUYEN,MINH,1990-03-07,\n"
        "R3,exit,PVG,2026-05-01,SMITH,JOHN,1980-01-01,+855 12 345 678\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["watchlist", "check", str(records), "--dir", str(store), "--json"])
    assert result.exit_code == 0, result.output
    found = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [(m["record_id"], m["entry_id"]) for m in found] == [("R1", "P1"), ("R3", "C1")]


def test_check_needs_a_file_or_a_name(store: Path) -> None:
    store.mkdir()
    result = runner.invoke(app, ["watchlist", "check", "--dir", str(store)])
    assert result.exit_code == 2
    assert "--name" in result.output
