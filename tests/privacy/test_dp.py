"""Differentially private counts (OpenDP), the privacy ledger and signed release bundles."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.interchange.ctdc import EXTRACT_COLUMNS
from palermo.privacy.bundle import (
    generate_keys,
    load_private_key,
    load_public_key,
    sign_bundle,
    verify_bundle,
)
from palermo.privacy.dp import MISSING, dp_histogram, error_bound
from palermo.privacy.ledger import Ledger

runner = CliRunner()
GENDER = {"gender": ["Female", "Male", MISSING]}


def _table(seed: int = 7) -> tuple[pa.Table, dict[str, int]]:
    rng = random.Random(seed)
    values = [rng.choice(["Female", "Male", None, "Unknown"]) for _ in range(500)]
    truth = {
        "Female": values.count("Female"),
        "Male": values.count("Male"),
        MISSING: values.count(None),
    }
    return pa.table({"gender": values}), truth


def test_dp_counts_stay_within_their_stated_bound_at_the_stated_rate() -> None:
    # OpenDP draws from a cryptographically secure sampler and has no seed: the data are fixed
    # (seed 7) and 300 releases of 3 counts give 900 errors. With the bound holding at >= 95%,
    # observing under 92% has probability below 1e-4 (binomial), so the test fails only if
    # the bound is wrong.
    table, truth = _table()
    within = total = 0
    for _ in range(300):
        histogram = dp_histogram(table, ["gender"], GENDER, epsilon=0.5)
        for cell in histogram.cells:
            total += 1
            within += abs(cell.count - truth[cell.key[0]]) <= cell.error_bound
    assert within / total >= 0.92
    assert within / total < 0.999  # the noise is there: not every count is exact


def test_values_outside_the_declared_categories_are_counted_together_not_named() -> None:
    table, _ = _table()
    histogram = dp_histogram(table, ["gender"], GENDER, epsilon=1.0)
    assert [c.key for c in histogram.cells] == [("Female",), ("Male",), (MISSING,)]
    assert histogram.other.key == ("(other)",)  # "Unknown" was not declared
    assert all(c.count >= 0 for c in (*histogram.cells, histogram.other))


def test_the_error_bound_shrinks_as_epsilon_grows_and_is_recorded() -> None:
    assert error_bound(0.1) > error_bound(1.0) > error_bound(5.0)
    table, _ = _table()
    metadata = dp_histogram(table, ["gender"], GENDER, epsilon=0.5).metadata()
    assert metadata["epsilon"] == 0.5
    assert metadata["delta"] == 0.0
    assert metadata["error_bound_95"] == pytest.approx(error_bound(0.5))
    assert "OpenDP" in metadata["mechanism"]


def test_an_impossible_epsilon_or_an_undeclared_column_is_refused() -> None:
    table, _ = _table()
    with pytest.raises(InputError, match="epsilon"):
        dp_histogram(table, ["gender"], GENDER, epsilon=0)
    with pytest.raises(InputError, match="no categories declared"):
        dp_histogram(table.append_column("age", pa.array([1] * 500)), ["age"], GENDER, epsilon=1.0)


def test_the_ledger_refuses_the_release_that_would_pass_the_budget(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, "a" * 64)
    ledger.record(epsilon=0.4, delta=0, budget=1.0, release={"columns": ["gender"]})
    ledger.record(epsilon=0.4, delta=0, budget=1.0, release={"columns": ["ageBroad"]})
    with pytest.raises(InputError, match=r"0\.8 of 1 spent, 0\.2 left"):
        ledger.record(epsilon=0.3, delta=0, budget=1.0, release={"columns": ["citizenship"]})
    assert len(ledger.entries()) == 2
    assert ledger.entries()[-1].data["cumulative_epsilon"] == pytest.approx(0.8)
    ledger.record(epsilon=0.2, delta=0, budget=1.0, release={"columns": ["year"]})
    assert ledger.spent() == pytest.approx(1.0)


def test_a_ledger_changed_afterwards_refuses_every_release(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, "b" * 64)
    ledger.record(epsilon=0.5, delta=0, budget=1.0, release={})
    ledger.record(epsilon=0.4, delta=0, budget=1.0, release={})
    lines = ledger.path.read_text().splitlines()
    ledger.path.write_text(lines[1] + "\n")  # the first release erased to free budget
    assert ledger.verify()
    with pytest.raises(InputError, match="altered"):
        ledger.check(0.1, 1.0)


def test_a_signed_bundle_verifies_and_every_change_is_named(tmp_path: Path) -> None:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub"
    generate_keys(private, public)
    assert private.stat().st_mode & 0o777 == 0o600
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "release.csv").write_text("gender,count\nFemale,12\n")
    (bundle / "release.json").write_text("{}")
    sign_bundle(bundle, load_private_key(private))
    manifest = verify_bundle(bundle, load_public_key(public))
    assert [f["name"] for f in manifest["files"]] == ["release.csv", "release.json"]
    (bundle / "release.csv").write_text("gender,count\nFemale,13\n")
    (bundle / "extra.txt").write_text("added")
    (bundle / "release.json").unlink()
    with pytest.raises(InputError) as caught:
        verify_bundle(bundle, load_public_key(public))
    texts = sorted(p.text("en") for p in caught.value.problems)
    assert any("extra.txt" in t and "not in the manifest" in t for t in texts)
    assert any("release.csv" in t and "changed since it was signed" in t for t in texts)
    assert any("release.json" in t and "missing" in t for t in texts)


def test_a_bundle_signed_by_another_key_or_with_an_edited_manifest_is_refused(
    tmp_path: Path,
) -> None:
    generate_keys(tmp_path / "a.pem", tmp_path / "a.pub")
    generate_keys(tmp_path / "b.pem", tmp_path / "b.pub")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "release.csv").write_text("x\n")
    sign_bundle(bundle, load_private_key(tmp_path / "a.pem"))
    with pytest.raises(InputError, match="signature does not match"):
        verify_bundle(bundle, load_public_key(tmp_path / "b.pub"))
    manifest = (bundle / "manifest.json").read_text().replace('"version": 1', '"version": 2')
    (bundle / "manifest.json").write_text(manifest)
    with pytest.raises(InputError, match="signature does not match"):
        verify_bundle(bundle, load_public_key(tmp_path / "a.pub"))


def _ctdc_extract(path: Path, rows: int = 300) -> Path:
    """A CTDC file in the 7-column extract layout (the shared sample's), made up."""
    rng = random.Random(11)
    lines = [",".join(EXTRACT_COLUMNS)]
    for _ in range(rows):
        lines.append(",".join([
            str(rng.randint(2010, 2018)), rng.choice(["Female", "Male", ""]),
            rng.choice(["9--17", "18--20", "30--38", ""]), rng.choice(["UA", "PH", "NA", "0"]),
            rng.choice(["0.0", "1.0", ""]), rng.choice(["0.0", "1.0", ""]),
            rng.choice(["US", "RU", ""]),
        ]))  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_release_dp_writes_a_signed_bundle_and_stops_at_the_budget(tmp_path: Path) -> None:
    sample = _ctdc_extract(tmp_path / "ctdc.csv")
    keys = [str(tmp_path / "k.pem"), str(tmp_path / "k.pub")]
    assert (
        runner.invoke(app, ["stats", "keygen", "--private", keys[0], "--public", keys[1]]).exit_code
        == 0
    )
    common = [
        "stats",
        "release-dp",
        str(sample),
        "--ledger",
        str(tmp_path / "ledger"),
        "--budget",
        "1.0",
    ]
    first = runner.invoke(
        app,
        [
            *common,
            "--by",
            "gender,ageBroad",
            "--epsilon",
            "0.6",
            "--out",
            str(tmp_path / "r1"),
            "--sign-key",
            keys[0],
        ],
    )
    assert first.exit_code == 0, first.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r1" / "release.csv").read_text())))
    assert len(rows) == 5 * 10 + 1  # 4 genders + missing, 9 bands + missing, and (other)
    metadata = json.loads((tmp_path / "r1" / "release.json").read_text())
    assert metadata["ledger_entry"]["cumulative_epsilon"] == 0.6
    verified = runner.invoke(
        app, ["stats", "verify-release", str(tmp_path / "r1"), "--public-key", keys[1]]
    )
    assert verified.exit_code == 0, verified.output
    second = runner.invoke(
        app, [*common, "--by", "gender", "--epsilon", "0.5", "--out", str(tmp_path / "r2")]
    )
    assert second.exit_code == 2
    assert "privacy budget would be passed" in second.output
    assert not (tmp_path / "r2").exists()
    (tmp_path / "r1" / "release.csv").write_text("Female,0--8,9999,6.4\n")
    tampered = runner.invoke(
        app, ["stats", "verify-release", str(tmp_path / "r1"), "--public-key", keys[1]]
    )
    assert tampered.exit_code == 2
    assert "changed since it was signed" in tampered.output
