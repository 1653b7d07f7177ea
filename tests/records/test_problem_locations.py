"""Where a problem is, as data, said in English and in Chinese (pages and the command line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError, Location, Place, Problem
from palermo.records import read_records
from palermo.records.mrz import parse_mrz
from palermo.screening.watchlists.loading import read_watchlist_bytes

HEADER = "record_id,event_kind,port,event_date,nationality,sex,date_of_birth"
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def _bad_csv(tmp_path: Path) -> Path:
    rows = [f"r{i},entry,PVG,2026-03-01,CN,F,2001-05-02" for i in range(1, 11)]
    rows.append("r11,entry,PVG,2026-03-01,CN,Q,2001-05-02")
    path = tmp_path / "people.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_csv_problem_carries_its_row_as_data_and_says_it_in_both_languages(
    tmp_path: Path,
) -> None:
    path = _bad_csv(tmp_path)
    with pytest.raises(InputError) as caught:
        read_records(path)
    found = caught.value.problems[0]
    assert found.at == Location.row(str(path), 11)
    assert found.at is not None
    assert found.at.number("row") == 11
    assert found.text("en").startswith(f"{path} row 11: field 'sex'")
    assert found.text("zh").startswith(f"{path} 第 11 行：字段 'sex'")


def test_the_command_line_writes_chinese_when_asked_and_both_languages_otherwise(
    tmp_path: Path,
) -> None:
    path = str(_bad_csv(tmp_path))
    chinese = CliRunner().invoke(
        app, ["records", "check", path], env={"PALERMO_LANGUAGE": "zh", "COLUMNS": "300"}
    )
    assert chinese.exit_code == 2
    assert "第 11 行：字段 'sex'" in chinese.output
    assert "row 11" not in chinese.output
    by_locale = CliRunner().invoke(
        app, ["records", "check", path], env={"LANG": "zh_CN.UTF-8", "COLUMNS": "300"}
    )
    assert "第 11 行" in by_locale.output
    both = CliRunner().invoke(
        app,
        ["records", "check", path],
        env={"PALERMO_LANGUAGE": None, "LANG": "C.UTF-8", "LC_ALL": None, "COLUMNS": "300"},
    )
    assert "row 11: field 'sex'" in both.output
    assert "必须是" in both.output or "/" in both.output


def test_an_mrz_problem_names_line_and_position_in_chinese() -> None:
    broken = TD3.replace("L898902C36", "L898902C37")
    with pytest.raises(InputError) as caught:
        parse_mrz(broken)
    problems = caught.value.problems
    where = [p for p in problems if p.at is not None and p.at.number("line") == 2]
    assert where, problems
    assert "MRZ line 2 position" in where[0].text("en")
    assert "MRZ 第 2 行第" in where[0].text("zh")


def test_a_watchlist_row_is_named_in_chinese() -> None:
    data = b"id,name\ne1,\n"
    with pytest.raises(InputError) as caught:
        read_watchlist_bytes(
            data,
            name="list.csv",
            info={
                "id": "w1",
                "owner": "A",
                "purpose": "p",
                "legal_basis": "l",
                "expires": "2099-01-01",
            },
        )
    texts = [p.text("zh") for p in caught.value.problems]
    assert any(t.startswith("list.csv 第 1 行") for t in texts), texts


def test_paxlst_places_read_as_one_sentence_in_each_language() -> None:
    at = Location("m.edi", (Place("segment", 7, tag="DTM"), Place("element", 1)))
    at = at.then(Place("passenger", 2, tag="INTHAVONG SOUK"))
    assert at.text("en") == "m.edi segment 7 (DTM) element 1, passenger 2 (INTHAVONG SOUK)"
    assert at.text("zh") == "m.edi 第 7 段（DTM）第 1 个数据元，第 2 名旅客（INTHAVONG SOUK）"


def test_a_problem_needs_a_place() -> None:
    with pytest.raises(ValueError, match="where or at"):
        Problem(rule="r", rule_zh="规")
