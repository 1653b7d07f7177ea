from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.records import read_records
from palermo.synth import load_config

runner = CliRunner()


@pytest.mark.parametrize("ext", ["parquet", "csv", "jsonl"])
def test_the_written_population_validates_as_ordinary_traveller_records(
    tmp_path: Path, ext: str
) -> None:
    out = tmp_path / f"people.{ext}"
    result = runner.invoke(
        app, ["synth", "travellers", "--n", "3000", "--seed", "4", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "3,000 travellers" in result.output
    assert "名旅客" in result.output
    assert read_records(out).num_rows == 3000
    truth = pq.read_table(tmp_path / "people.truth.parquet")
    assert truth.num_rows == 3000
    assert truth.column_names == [
        "record_id", "is_case", "exploitation_type", "is_child", "indicator_ids", "lookalike",
    ]  # fmt: skip


def test_truth_goes_where_it_is_asked_and_the_same_seed_writes_the_same_file(
    tmp_path: Path,
) -> None:
    for name in ("a", "b"):
        result = runner.invoke(
            app,
            ["synth", "travellers", "--n", "2000", "--seed", "8",
             "--out", str(tmp_path / f"{name}.parquet"),
             "--truth", str(tmp_path / f"{name}-labels.csv")],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))
    labels = (tmp_path / "a-labels.csv").read_text(encoding="utf-8")
    assert labels == (tmp_path / "b-labels.csv").read_text(encoding="utf-8")
    assert labels.startswith('"record_id","is_case"')


def test_an_unknown_output_type_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "travellers", "--n", "10", "--out", str(tmp_path / "people.xlsx")]
    )
    assert result.exit_code == 2
    assert "unknown file type '.xlsx'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_custom_corridor_file_decides_where_travellers_go(tmp_path: Path) -> None:
    config = tmp_path / "corridors.yaml"
    config.write_text(
        """
version: 1
start_date: 2026-01-01
days: 30
event_mix: {entry: 1, exit: 0, visa_application: 0}
origin_national_share: 1.0
transit_share: 0
transit_hubs: [SG, HK, AE]
corridors:
  - {origin: VN, destination: CN, weight: 1}
cases:
  share: 0.01
  child_share: 0.5
  types:
    forced_marriage:
      weight: 1
      corridors: [{origin: LA, destination: CN, weight: 1}]
""",
        encoding="utf-8",
    )
    out = tmp_path / "people.parquet"
    result = runner.invoke(
        app, ["synth", "travellers", "--n", "2000", "--out", str(out), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    records = read_records(out)
    assert set(records.column("destination").to_pylist()) == {"CN"}
    assert set(records.column("origin").to_pylist()) <= {"VN", "LA"}
    assert set(records.column("event_kind").to_pylist()) == {"entry"}
    truth = pq.read_table(tmp_path / "people.truth.parquet")
    kinds = {k for k in truth.column("exploitation_type").to_pylist() if k is not None}
    assert kinds == {"forced_marriage"}


def test_a_broken_corridor_file_is_refused_with_where_and_why(tmp_path: Path) -> None:
    config = tmp_path / "corridors.yaml"
    config.write_text(
        "version: 1\nstart_date: 2026-01-01\ndays: 30\n"
        "event_mix: {entry: 1, exit: 0, visa_application: 0}\n"
        "origin_national_share: 1\ntransit_share: 0\ntransit_hubs: [SG, HK, AE]\n"
        "corridors: [{origin: XX, destination: CN, weight: 1}]\n"
        "cases: {share: 0.01, child_share: 0.1, types: {labour: {weight: 1, corridors: "
        "[{origin: MM, destination: TH, weight: 1}]}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_config(config)
    assert "corridors.0.origin" in str(caught.value)
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in str(caught.value)
    out = tmp_path / "people.parquet"
    result = runner.invoke(
        app, ["synth", "travellers", "--n", "10", "--out", str(out), "--config", str(config)]
    )
    assert result.exit_code == 2
    assert not out.exists()


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    config = tmp_path / "corridors.yaml"
    config.write_text("version: 1\ncorridors: [\n  {origin: CN\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"corridors.yaml line \d+: malformed YAML"):
        load_config(config)
