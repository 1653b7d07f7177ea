"""k-anonymity as CTDC applies it: no released combination, of any subset of the
quasi-identifiers, describes fewer than k people."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from hashlib import sha256
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.interchange.ctdc import ATTRIBUTION, EXTRACT_COLUMNS
from palermo.privacy.cells import suppress_small_cells
from palermo.privacy.kanon import SUPPRESSED, k_anonymise

runner = CliRunner()
# the project's shared folder lies beside the checkout, or beside the folder of worktrees
SAMPLE = next(
    (
        p / "shared/data/ctdc-sample.csv"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/ctdc-sample.csv").is_file()
    ),
    Path("shared/data/ctdc-sample.csv"),
)


def every_marginal(
    rows: list[dict[str, str | None]], qis: list[str]
) -> Counter[tuple[object, ...]]:
    """Rows per combination, over every non-empty subset of ``qis``, counted from scratch."""
    counts: Counter[tuple[object, ...]] = Counter()
    for size in range(1, len(qis) + 1):
        for subset in itertools.combinations(qis, size):
            for row in rows:
                counts[(subset, *(row[q] for q in subset))] += 1
    return counts


def is_a_suppressed_copy(released: dict[str, str | None], original: dict[str, object]) -> bool:
    return all(v == SUPPRESSED or v == original[q] for q, v in released.items())


@st.composite
def tables(draw: st.DrawFn) -> tuple[pa.Table, list[str]]:
    width = draw(st.integers(1, 4))
    rows = draw(st.integers(0, 80))
    names = [f"q{i}" for i in range(width)]
    columns = {
        name: draw(
            st.lists(
                st.sampled_from([None, "a", "b", "c", "NA", str(i)]), min_size=rows, max_size=rows
            )
        )
        for i, name in enumerate(names)
    }
    qis = draw(st.lists(st.sampled_from(names), min_size=1, max_size=width, unique=True))
    return pa.table(columns, schema=pa.schema([(n, pa.string()) for n in names])), qis


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(2, 15), st.sampled_from(["cells", "records"]))
def test_no_released_table_has_a_combination_under_k(
    drawn: tuple[pa.Table, list[str]], k: int, method: str
) -> None:
    table, qis = drawn
    release = k_anonymise(table, qis, k, method=method, force_reason="property test")  # type: ignore[arg-type]
    released = release.table.to_pylist()
    assert all(count >= k for count in every_marginal(released, qis).values())
    assert release.table.column_names == qis
    s = release.suppression
    assert s.rows_released + s.rows_suppressed == s.rows_in == table.num_rows
    # what is released is true: each row a copy of the next original row, some cells starred
    originals = iter(table.select(qis).to_pylist())
    assert all(any(is_a_suppressed_copy(r, o) for o in originals) for r in released)
    assert s.cells_suppressed == {q: sum(r[q] == SUPPRESSED for r in released) for q in qis}
    if method == "records":
        assert sum(s.cells_suppressed.values()) == 0


def test_a_combination_of_k_or_more_is_released_unchanged() -> None:
    table = pa.table({"sex": ["F"] * 11 + ["M"] * 3, "age": ["9--17"] * 11 + ["48+"] * 3})
    release = k_anonymise(table, ["sex", "age"])
    assert release.table.to_pylist() == [{"sex": "F", "age": "9--17"}] * 11
    assert release.suppression.rows_suppressed == 3
    assert release.smallest_group == 11
    assert release.marginals_checked == 3


def test_k_below_11_is_refused_unless_forced_with_a_reason() -> None:
    table = pa.table({"sex": ["F"] * 20})
    with pytest.raises(InputError, match="k below 11"):
        k_anonymise(table, ["sex"], k=5)
    with pytest.raises(InputError, match="k below 11"):
        k_anonymise(table, ["sex"], k=5, force_reason="  ")
    with pytest.raises(InputError, match="at least 2"):
        k_anonymise(table, ["sex"], k=1, force_reason="anything")
    assert k_anonymise(table, ["sex"], k=5, force_reason="pilot").forced_reason == "pilot"


def test_unknown_or_repeated_quasi_identifiers_are_refused_by_name() -> None:
    table = pa.table({"sex": ["F"], "age": ["48+"]})
    with pytest.raises(InputError, match="no such column\\(s\\): nationality"):
        k_anonymise(table, ["sex", "nationality"])
    with pytest.raises(InputError, match="named twice"):
        k_anonymise(table, ["sex", "sex"])
    with pytest.raises(InputError, match="for a suppressed cell"):
        k_anonymise(pa.table({"sex": ["*"]}), ["sex"])


@pytest.mark.skipif(not SAMPLE.exists(), reason="the CTDC sample is not here")
def test_release_k_writes_the_csv_and_its_metadata_with_the_attribution(tmp_path: Path) -> None:
    out = tmp_path / "release"
    args = ["stats", "release-k", str(SAMPLE), "--qi", "gender,ageBroad,citizenship", "--out"]
    result = runner.invoke(app, [*args, str(out)])
    assert result.exit_code == 0, result.output
    data = (out / "release.csv").read_bytes()
    meta = json.loads((out / "release.json").read_text())
    assert meta["attribution"] == meta["source"]["attribution"] == ATTRIBUTION
    assert meta["k"] == 11
    assert meta["quasi_identifiers"] == ["gender", "ageBroad", "citizenship"]
    assert meta["csv"]["sha256"] == sha256(data).hexdigest()
    assert meta["source"]["sha256"] == sha256(SAMPLE.read_bytes()).hexdigest()
    suppression = meta["suppression"]
    assert suppression["rows_in"] == 3000
    assert suppression["rows_released"] == data.count(b"\n") - 1
    assert meta["checked"] == {
        "marginals": 7,
        "smallest_combination": meta["checked"]["smallest_combination"],
    }
    assert meta["checked"]["smallest_combination"] >= 11
    rows = data.decode().splitlines()[1:]
    assert all(c >= 11 for c in Counter(rows).values())


def test_release_k_refuses_a_small_k_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(",".join(EXTRACT_COLUMNS) + "\n" + "2016,Male,,,,,\n" * 12)
    out = tmp_path / "release"
    result = runner.invoke(app, ["stats", "release-k", str(path), "--qi", "gender", "--k", "5",
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 2
    assert "--force-reason" in result.output
    assert not out.exists()
    forced = runner.invoke(app, ["stats", "release-k", str(path), "--qi", "gender", "--k", "5",
                                 "--force-reason", "pilot", "--out", str(out)])  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "release.json").read_text())["k_below_default_reason"] == "pilot"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=12), st.integers(2, 15))
def test_no_withheld_count_can_be_recovered_from_the_total(counts: list[int], k: int) -> None:
    withheld = suppress_small_cells(counts, k)
    assert all(c >= k or c == 0 for c, hide in zip(counts, withheld, strict=True) if not hide)
    assert sum(withheld) != 1 or sum(c > 0 for c in counts) == 1  # never a lone withheld cell


@pytest.mark.skipif(not SAMPLE.exists(), reason="the CTDC sample is not here")
def test_the_summary_with_min_count_publishes_no_count_under_it() -> None:
    result = runner.invoke(
        app, ["stats", "ctdc-summary", str(SAMPLE), "--json", "--min-count", "11"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    counts = [i["count"] for key in ("by_year", "by_citizenship", "by_gender", "by_age_band",
              "by_country_of_exploitation") for i in summary[key]]  # fmt: skip
    assert all(c is None or c == 0 or c >= 11 for c in counts)
    assert summary["small_cells"]["withheld"] == counts.count(None) > 0
    assert summary["by_gender"] == [
        {"value": "Female", "count": 2132},
        {"value": "Male", "count": 868},
    ]
    assert summary["attribution"] == ATTRIBUTION
