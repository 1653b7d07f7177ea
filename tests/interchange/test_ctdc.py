"""Reading the CTDC Global Dataset as published and passed around, and its statistics."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.interchange.ctdc import (
    ATTRIBUTION,
    EXTRACT_COLUMNS,
    RAW_COLUMNS,
    TERMS_PREFIX,
    layout_of,
    read_ctdc,
    read_ctdc_text,
)
from palermo.interchange.ctdc_stats import summarise
from palermo.records.limits import Limits

# the project's shared folder lies beside the checkout, or beside the folder of worktrees
SAMPLE = next(
    (
        p / "shared/data/ctdc-sample.csv"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/ctdc-sample.csv").is_file()
    ),
    Path("shared/data/ctdc-sample.csv"),
)
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="the CTDC sample is not here")
TERMS = f"{TERMS_PREFIX}: https://www.ctdatacollaborative.org/terms-use"
runner = CliRunner()


def raw_row(**values: str) -> list[str]:
    """A raw-release row: -99 everywhere but the given variables."""
    row = dict.fromkeys(RAW_COLUMNS, "-99") | values
    return [row[c] for c in RAW_COLUMNS]


def raw_text(rows: list[list[str]], *, terms: bool) -> str:
    lines = [([TERMS] if terms else []) + list(RAW_COLUMNS)]
    lines += [([""] if terms else []) + r for r in rows]
    return "".join(",".join(f'"{c}"' if "," in c else c for c in line) + "\n" for line in lines)


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_ctdc_text(text, "x.csv")
    return [str(p) for p in caught.value.problems]


@needs_sample
def test_the_sample_imports_all_3000_rows_as_the_extract_layout() -> None:
    table = read_ctdc(SAMPLE)
    assert table.num_rows == 3000
    assert layout_of(table) == "extract-7"
    assert table.column_names == list(EXTRACT_COLUMNS)


@needs_sample
def test_the_summary_reproduces_the_samples_own_counts_column_by_column() -> None:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    summary = summarise(read_ctdc(SAMPLE))

    def counted(key: str) -> dict[object, int]:
        return {item["value"]: item["count"] for item in summary[key]}

    def expected(column: str, missing: frozenset[str] = frozenset({""})) -> Counter[object]:
        return Counter(None if r[column] in missing else r[column] for r in rows)

    assert summary["rows"] == len(rows) == 3000
    assert counted("by_year") == Counter(int(r["yearOfRegistration"]) for r in rows)
    assert counted("by_gender") == expected("gender") == {"Female": 2132, "Male": 868}
    assert counted("by_age_band") == expected("ageBroad")
    assert counted("by_citizenship") == expected("citizenship", frozenset({"", "0"}))
    unknown_place = frozenset({"", "0"})
    assert counted("by_country_of_exploitation") == expected("CountryOfExploitation", unknown_place)
    assert min(counted("by_year")) == 2002
    assert max(counted("by_year")) == 2018
    for flag in ("isForcedLabour", "isSexualExploit"):
        cells = Counter(r[flag] for r in rows)
        got = summary["exploitation_types"][flag]
        assert (got["yes"], got["no"], got["missing"]) == (cells["1.0"], cells["0.0"], cells[""])
    assert [b["value"] for b in summary["by_age_band"]][:3] == ["0--8", "9--17", "18--20"]
    assert "means_of_control" not in summary  # the extract has none


@needs_sample
def test_the_samples_shares_lie_within_sampling_error_of_the_releases_figures() -> None:
    # data-standards.md §3.1 gives the full release's shares; a 3,000-row random sample of it
    # must lie within 3 standard errors of them (the exact figures need the full release)
    summary = summarise(read_ctdc(SAMPLE))
    flags = summary["exploitation_types"]
    for share, release in (
        (summary["percent_female"], 72.8),
        (flags["isSexualExploit"]["percent_of_all_rows"], 32.9),
        (flags["isForcedLabour"]["percent_of_all_rows"], 20.0),
    ):
        standard_error = 100 * (release / 100 * (1 - release / 100) / 3000) ** 0.5
        assert abs(share - release) < 3 * standard_error


def test_the_raw_release_is_read_with_and_without_its_terms_of_use_column() -> None:
    rows = [
        raw_row(
            yearOfRegistration="2002",
            Datasource="Case Management",
            gender="Female",
            ageBroad="18--20",
            majorityStatus="Adult",
            citizenship="CO",
            isSexualExploit="1",
            isForcedLabour="0",
            meansOfControlThreats="1",
            meansOfControlConcatenated="Threats",
            CountryOfExploitation="NA",
        ),
        raw_row(yearOfRegistration="2019", Datasource="Hotline", gender="Male"),
    ]
    for terms in (True, False):
        table = read_ctdc_text(raw_text(rows, terms=terms))
        assert layout_of(table) == ("raw-63-with-terms" if terms else "raw-63")
        assert table.num_columns == 63
        first, second = table.to_pylist()
        assert first["CountryOfExploitation"] == "NA"  # Namibia, never missing
        assert first["isSexualExploit"] is True
        assert first["isForcedLabour"] is False
        assert second["ageBroad"] is None
        assert second["isSexualExploit"] is None
        summary = summarise(table)
        threats = summary["means_of_control"]["meansOfControlThreats"]
        assert (threats["yes"], threats["no"], threats["missing"]) == (1, 0, 1)
        assert summary["exploitation_types"]["isSexualExploit"]["percent_of_recorded"] == 100.0


def test_names_cut_to_32_characters_by_older_copies_are_recognised() -> None:
    header = [c[:32] for c in RAW_COLUMNS]
    text = ",".join(header) + "\n" + ",".join(raw_row(yearOfRegistration="2010")) + "\n"
    assert read_ctdc_text(text).num_rows == 1


def test_an_unknown_header_is_refused_naming_the_columns() -> None:
    text = (
        "year,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit,Country\n2002,Male,,,,,\n"
    )
    (problem,) = problems(text)
    assert "x.csv header" in problem
    assert "unknown column(s): year, Country" in problem
    assert "missing column(s): yearOfRegistration, CountryOfExploitation" in problem
    assert "不是 CTDC" in problem


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("yearOfRegistration", "1850", "year of registration from 2000"),
        ("gender", "X", "must be one of Female, Male"),
        ("ageBroad", "5-9", "must be one of 0--8"),
        ("citizenship", "QQ", "ISO 3166-1 alpha-2"),
        ("isSexualExploit", "2.0", "1 (yes), 0 (no) or missing"),
    ],
)
def test_an_impossible_value_is_refused_naming_row_and_column(
    column: str, value: str, rule: str
) -> None:
    good = dict(
        zip(EXTRACT_COLUMNS, ["2016", "Female", "9--17", "NA", "0.0", "1.0", "TH"], strict=True)
    )
    bad = good | {column: value}
    text = "\n".join(",".join(r) for r in (EXTRACT_COLUMNS, good.values(), bad.values())) + "\n"
    (problem,) = problems(text)
    assert problem.startswith(f"x.csv row 2: field '{column}' value '{value}'")
    assert rule in problem
    assert " / " in problem  # and in Chinese


def test_every_problem_is_named_not_only_the_first() -> None:
    text = ",".join(EXTRACT_COLUMNS) + "\n1850,X,5-9,,,,\n2016,Female,,,,,\n2017,Male,,\n"
    found = problems(text)
    assert len(found) == 4
    assert found[-1].startswith("x.csv row 3: has 4 fields, the header 7")


def test_a_file_with_more_rows_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(",".join(EXTRACT_COLUMNS) + "\n" + "2016,Male,,,,,\n" * 3)
    with pytest.raises(InputError, match="more than 2 rows"):
        read_ctdc(path, Limits(max_rows=2))
    assert read_ctdc(path, Limits(max_rows=3)).num_rows == 3


@needs_sample
def test_import_ctdc_writes_the_analysis_table_and_the_summary_prints_json(tmp_path: Path) -> None:
    out = tmp_path / "analysis.parquet"
    result = runner.invoke(app, ["stats", "import-ctdc", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert ATTRIBUTION in result.output
    assert pq.read_table(out).num_rows == 3000
    result = runner.invoke(app, ["stats", "ctdc-summary", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["attribution"] == ATTRIBUTION
    assert summary["rows"] == 3000
    table = runner.invoke(app, ["stats", "ctdc-summary", str(SAMPLE)])
    assert table.exit_code == 0
    assert "Counter-Trafficking Data Collaborative" in table.output


def test_a_file_with_any_problem_writes_nothing_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(",".join(EXTRACT_COLUMNS) + "\n2016,Male,,,,,\n1850,Male,,,,,\n")
    out = tmp_path / "analysis.parquet"
    result = runner.invoke(app, ["stats", "import-ctdc", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "row 2" in result.output
    assert "yearOfRegistration" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.spark
# py4j leaves its sockets to the garbage collector after the session stops
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_gives_the_same_statistics_as_duckdb_from_the_same_ibis_expressions() -> None:
    from palermo.screening import local_spark_session

    rows = [
        raw_row(yearOfRegistration="2016", gender="Female", ageBroad="9--17", citizenship="NA",
                isSexualExploit="1", meansOfControlThreats="0"),
        raw_row(yearOfRegistration="2017", gender="Male", isForcedLabour="1"),
        raw_row(yearOfRegistration="2017", gender="Female", CountryOfExploitation="TH"),
    ]  # fmt: skip
    table = read_ctdc_text(raw_text(rows, terms=True))
    session = local_spark_session(cores=1)
    session.sparkContext.setLogLevel("ERROR")
    try:
        on_spark = summarise(table, spark=session)
        assert on_spark == summarise(table)
        assert on_spark["by_year"] == [{"value": 2016, "count": 1}, {"value": 2017, "count": 2}]
    finally:
        session.stop()
