"""Batch screening and `palermo screen`: hits explained, bad input refused, none half-written."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.profiles import EXAMPLES_DIR, load_profile_set
from palermo.profiles.ast import AllOf, Comparison
from palermo.profiles.compile_ibis import compile_ibis
from palermo.profiles.profile_set import ProfileSet
from palermo.records import table_from_dicts, validate_table
from palermo.screening import HIT_SCHEMA, screen_table
from palermo.screening.batch import SQL_PLANS, screening_columns

ON = dt.date(2026, 6, 1)
BASE = {"port": "PEK", "event_date": "2026-05-20"}
ROWS: list[dict[str, Any]] = [
    {"record_id": "r1", "event_kind": "exit", "obs_document_held_by_other": True,
     "obs_companion_answers": True, "ticket_paid_by": "employer"},
    {"record_id": "r2", "event_kind": "entry", "sponsor_name": "Easy Visa Work Abroad"},
    {"record_id": "r3", "event_kind": "entry"},
    {"record_id": "r4", "event_kind": "visa_application", "obs_document_held_by_other": True,
     "obs_companion_answers": True},
]  # fmt: skip


def records() -> pa.Table:
    return validate_table(table_from_dicts([{**BASE, **row} for row in ROWS]))


def test_each_hit_names_record_profile_version_weight_and_reasons_in_both_languages() -> None:
    hits = screen_table(records(), load_profile_set(EXAMPLES_DIR), on=ON)
    assert hits.schema == HIT_SCHEMA
    rows = hits.to_pylist()
    assert [(h["record_id"], h["rule_id"]) for h in rows] == [
        ("r1", "documents-held-and-companion-answers"),
        ("r1", "documents-held-third-party-paid"),
        ("r2", "agency-of-concern"),
    ]
    first = rows[0]
    assert first["source"] == "profile"
    assert first["rule_version"] == "1"
    assert first["weight"] == 4.0
    assert first["matched_en"] == [
        "Documents held by someone else",
        "A companion answers for the traveller",
    ]
    assert first["matched_zh"] == ["证件由他人保管", "同行人代为回答"]


def test_a_profile_does_not_fire_on_event_kinds_it_does_not_apply_to() -> None:
    hits = screen_table(records(), load_profile_set(EXAMPLES_DIR), on=ON)
    assert "r4" not in hits.column("record_id").to_pylist()  # entry/exit profile, visa record


def test_a_profile_past_its_review_date_stops_firing() -> None:
    later = dt.date(2028, 1, 1)
    assert screen_table(records(), load_profile_set(EXAMPLES_DIR), on=later).num_rows == 0


def test_small_batches_give_the_same_hits_and_report_progress() -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    seen: list[int] = []
    batched = screen_table(records(), profile_set, on=ON, batch_rows=1, progress=seen.append)
    assert batched.equals(screen_table(records(), profile_set, on=ON))
    assert seen == [1, 2, 3, 4]


def test_a_table_with_only_the_columns_the_profiles_use_gives_the_same_hits() -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    columns = screening_columns(profile_set, ON)
    assert "record_id" in columns
    assert "surname" not in columns  # identifying fields are never used by a profile
    narrow = records().select(list(columns))
    assert screen_table(narrow, profile_set, on=ON).equals(
        screen_table(records(), profile_set, on=ON)
    )


def test_a_table_without_a_column_the_profiles_use_is_refused_naming_it() -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    with pytest.raises(InputError, match="obs_companion_answers"):
        screen_table(records().drop_columns(["obs_companion_answers"]), profile_set, on=ON)


def test_a_profile_set_is_compiled_once_and_reused_by_later_batches_and_calls() -> None:
    profile_set = load_profile_set(EXAMPLES_DIR)
    SQL_PLANS.clear()
    first = screen_table(records(), profile_set, on=ON, batch_rows=1)
    assert SQL_PLANS.compilations == 1  # four batches, one compilation
    again = screen_table(records(), profile_set, on=ON, batch_rows=2)
    assert SQL_PLANS.compilations == 1
    assert again.equals(first)
    screen_table(records(), profile_set, on=dt.date(2026, 7, 1))  # the same profiles in force
    assert SQL_PLANS.compilations == 1
    fewer = ProfileSet.of(profile_set.profiles[:3], profile_set.lists.values())
    screen_table(records(), fewer, on=ON)
    assert SQL_PLANS.compilations == 2  # another set is compiled for itself


def test_a_comparison_shared_by_many_profiles_is_evaluated_once() -> None:
    import ibis

    shared = Comparison("obs_fearful", "eq", True)
    criteria = [AllOf((shared, Comparison("group_size", "ge", n))) for n in range(1, 6)]
    table = ibis.table({"record_id": "string", "obs_fearful": "boolean", "group_size": "int64"})
    plan = compile_ibis(table, criteria)
    assert len(plan.comparisons) == 6
    assert ibis.to_sql(plan.expr, dialect="duckdb").count('"obs_fearful" = TRUE') == 1


# ---------------------------------------------------------------- the command line

runner = CliRunner()


@pytest.fixture
def input_file(tmp_path: Path) -> Path:
    path = tmp_path / "travellers.parquet"
    pq.write_table(records(), path)
    return path


def test_screen_writes_one_row_per_hit_and_prints_a_summary(input_file: Path) -> None:
    out = input_file.parent / "hits.parquet"
    result = runner.invoke(app, ["screen", str(input_file), "--profiles", str(EXAMPLES_DIR),
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows == 3
    assert "records / 记录: 4" in result.output
    assert "hits / 命中: 3" in result.output


def bad_profiles(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "profiles"
    shutil.copytree(EXAMPLES_DIR, folder)
    (folder / "zz-bad.yaml").write_text(text, encoding="utf-8")
    return folder


GOOD_HEADER = (
    (EXAMPLES_DIR / "visible-injuries.yaml")
    .read_text(encoding="utf-8")
    .split("criteria:")[0]
    .replace("id: visible-injuries", "id: bad")
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [unclosed\n", "malformed YAML"),
        (GOOD_HEADER + "criteria:\n  all:\n    - {field: shoe_size, gt: 40}\n", "unknown field"),
        (GOOD_HEADER + "criteria:\n  all:\n    - {field: nationality, eq: VN}\n", "rights guard"),
    ],
    ids=["malformed-yaml", "unknown-field", "demographics-only"],
)
def test_bad_profiles_exit_2_with_a_clear_message_and_no_output(
    input_file: Path, text: str, message: str
) -> None:
    folder = bad_profiles(input_file.parent, text)
    out = input_file.parent / "hits.parquet"
    result = runner.invoke(app, ["screen", str(input_file), "--profiles", str(folder),
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2
    assert message in result.output
    assert "zz-bad.yaml" in result.output
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".hits")] == []


def test_broken_input_rows_exit_2_naming_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "travellers.csv"
    path.write_text(
        "record_id,event_kind,port,event_date,sex\nr1,entry,PEK,2026-05-01,Q\n", encoding="utf-8"
    )
    out = tmp_path / "hits.parquet"
    result = runner.invoke(app, ["screen", str(path), "--profiles", str(EXAMPLES_DIR),
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2
    assert "row 1" in result.output
    assert "sex" in result.output
    assert not out.exists()


@pytest.mark.parametrize("missing", ["input", "profiles"])
def test_missing_files_exit_2_and_write_nothing(input_file: Path, missing: str) -> None:
    nowhere = input_file.parent / "nowhere"
    args = [
        "screen",
        str(nowhere / "x.csv") if missing == "input" else str(input_file),
        "--profiles",
        str(nowhere) if missing == "profiles" else str(EXAMPLES_DIR),
        "--out",
        str(input_file.parent / "hits.parquet"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "not found" in result.output
    assert not (input_file.parent / "hits.parquet").exists()


def test_profiles_check_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    folder = bad_profiles(
        tmp_path, GOOD_HEADER + "criteria:\n  all:\n    - {field: shoe_size, gt: 40}\n"
    )
    result = runner.invoke(app, ["profiles", "check", str(folder)])
    assert result.exit_code == 2
    assert "zz-bad.yaml line" in result.output
    assert "shoe_size" in result.output
    ok = runner.invoke(app, ["profiles", "check", str(EXAMPLES_DIR)])
    assert ok.exit_code == 0
    assert "no problems" in ok.output


PAXLST_SAMPLE = (
    Path(__file__).resolve().parents[1] / "records" / "data" / "paxlst_inbound_group.edi"
)


def test_screen_reads_a_paxlst_manifest_directly(tmp_path: Path) -> None:
    out = tmp_path / "hits.parquet"
    result = runner.invoke(app, ["screen", str(PAXLST_SAMPLE), "--profiles", str(EXAMPLES_DIR),
                                 "--out", str(out), "--reporting-country", "CN"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "records / 记录: 3" in result.output  # the three passengers of the manifest
    assert pq.read_table(out).schema.names == HIT_SCHEMA.names


def test_screen_of_a_paxlst_manifest_without_a_reporting_country_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PALERMO_REPORTING_COUNTRY", raising=False)
    out = tmp_path / "hits.parquet"
    result = runner.invoke(app, ["screen", str(PAXLST_SAMPLE), "--profiles", str(EXAMPLES_DIR),
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2
    assert "PALERMO_REPORTING_COUNTRY" in result.output
    assert not out.exists()
