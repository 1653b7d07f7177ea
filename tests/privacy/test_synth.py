"""Differentially private synthetic microdata (pac-synth, the Synthetic Data Showcase engine):
the records keep the relations between columns at a generous ε,
every release is charged to the privacy ledger and refused past the budget, and the utility
figures measure what they claim."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.privacy.ledger import Ledger
from palermo.privacy.synth import dp_synthesise, utility

runner = CliRunner()


def _related(n: int = 3000, seed: int = 3) -> pa.Table:
    """Exploitation type follows gender closely; age is unrelated."""
    rng = random.Random(seed)
    gender = [rng.choice(["Female", "Male"]) for _ in range(n)]
    sexual = [(g == "Female") == (rng.random() < 0.9) for g in gender]
    age = [rng.choice(["18--20", "21--23", "24--26", None]) for _ in range(n)]
    return pa.table({"gender": gender, "isSexualExploit": sexual, "ageBroad": age})


COLUMNS = ["gender", "isSexualExploit", "ageBroad"]


def test_synthetic_records_keep_the_relation_between_columns_at_a_generous_epsilon() -> None:
    # pac-synth has no seed; the margins below are several times the spread seen in 20 runs
    source = _related()
    made = dp_synthesise(source, COLUMNS, epsilon=8.0)
    assert abs(made.table.num_rows - 3000) < 300
    report = utility(source, made.table, COLUMNS)
    assert report.one_way["gender"] < 0.05
    assert report.two_way_mean is not None
    assert report.baseline_two_way_mean is not None
    # the independent baseline loses the gender-exploitation relation; the synthesis keeps it
    assert report.two_way_mean < report.baseline_two_way_mean
    pairs = list(zip(made.table["gender"].to_pylist(), made.table["isSexualExploit"].to_pylist(),
                     strict=True))  # fmt: skip
    women = [s for g, s in pairs if g == "Female" and s in ("yes", "no")]
    assert women.count("yes") / len(women) > 0.75  # 90% in the source


def test_the_release_records_epsilon_delta_and_the_engine_s_parameters() -> None:
    made = dp_synthesise(_related(500), COLUMNS, epsilon=2.0, delta=1e-5, reporting_length=2)
    metadata = made.metadata()
    assert metadata["epsilon"] == 2.0
    assert metadata["delta"] == 1e-5
    assert metadata["parameters"]["reporting_length"] == 2
    assert metadata["parameters"]["epsilon"] == 2.0
    assert metadata["library"].startswith("pac-synth ")
    assert set(made.table.column_names) == set(COLUMNS)


def test_the_utility_measure_is_zero_for_a_copy_and_one_for_disjoint_values() -> None:
    source = pa.table({"a": ["x", "y", "y"], "b": ["p", "q", None]})
    copy = pa.table({"a": ["y", "x", "y"], "b": ["q", "p", None]})
    same = utility(source, copy, ["a", "b"])
    assert same.one_way == {"a": 0.0, "b": 0.0}
    assert same.two_way_mean == 0.0
    assert same.new_combinations == 0.0
    other = utility(source, pa.table({"a": ["z"] * 3, "b": ["r"] * 3}), ["a", "b"])
    assert other.one_way == {"a": 1.0, "b": 1.0}
    assert other.new_combinations == 1.0


def test_bad_columns_or_a_non_positive_epsilon_are_refused_naming_them() -> None:
    source = _related(100)
    with pytest.raises(InputError, match="columns"):
        dp_synthesise(source, ["gender", "nosuch"], epsilon=1.0)
    with pytest.raises(InputError, match="epsilon"):
        dp_synthesise(source, COLUMNS, epsilon=0.0)
    with pytest.raises(InputError, match="delta"):
        dp_synthesise(source, COLUMNS, epsilon=1.0, delta=0.0)


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "ctdc.csv"
    rng = random.Random(5)
    lines = [("yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit,"
             "CountryOfExploitation")]  # fmt: skip
    for _ in range(3000):
        lines.append(
            f"{rng.choice([2015, 2016])},{rng.choice(['Female', 'Male'])},"
            f"{rng.choice(['18--20', '30--38'])},{rng.choice(['UA', 'PH', ''])},"
            f"{rng.choice(['1.0', '0.0', ''])},{rng.choice(['1.0', '0.0'])},US"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_command_charges_the_ledger_prints_utility_and_refuses_past_the_budget(
    tmp_path: Path,
) -> None:
    source = _csv(tmp_path)
    ledger = tmp_path / "ledger"
    args = ["stats", "release-synth", str(source), "--columns", "gender,ageBroad,citizenship",
            "--ledger", str(ledger), "--budget", "1.0"]  # fmt: skip
    first = runner.invoke(app, [*args, "--epsilon", "0.7", "--out", str(tmp_path / "one"),
                                "--utility-report", str(tmp_path / "utility.json")])  # fmt: skip
    assert first.exit_code == 0, first.output
    said = " ".join(first.output.split())
    assert "2-way, mean" in said
    assert "0.7 of 1 spent" in said
    release = json.loads((tmp_path / "one" / "release.json").read_text("utf-8"))
    assert release["epsilon"] == 0.7
    assert release["ledger_entry"]["delta"] == 1e-6
    assert "synthetic.csv" in {p.name for p in (tmp_path / "one").iterdir()}
    assert json.loads((tmp_path / "utility.json").read_text("utf-8"))["source_rows"] == 3000
    second = runner.invoke(app, [*args, "--epsilon", "0.5", "--out", str(tmp_path / "two")])
    assert second.exit_code == 2
    assert "budget" in second.output
    assert not (tmp_path / "two").exists()
    book = Ledger(ledger, next(iter(ledger.glob("*.jsonl"))).stem)
    assert [e.epsilon for e in book.entries()] == [0.7]
    assert book.verify() == []
