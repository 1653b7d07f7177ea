from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from palermo.cli.main import app

runner = CliRunner()


def test_the_demo_finds_embedded_cases_far_more_often_than_chance(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path), "--n", "30000", "--no-web"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Records / 记录: 30,000" in out
    recall = float(re.search(r"召回率: ([\d.]+)%", out).group(1))  # type: ignore[union-attr]
    chance = float(re.search(r"预期召回率: \s*([\d.]+)%", out).group(1))  # type: ignore[union-attr]
    assert recall > 10 * chance
    assert "劳动剥削" in out
    assert "强迫婚姻" in out
    hits = pq.read_table(tmp_path / "hits.parquet")
    assert hits.num_rows > 0
    assert all(reasons for reasons in hits.column("matched_en").to_pylist())
    assert (tmp_path / "travellers.truth.parquet").exists()


def test_the_demo_refuses_a_directory_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "demo"
    blocker.write_text("not a directory", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--dir", str(blocker), "--n", "100", "--no-web"])
    assert result.exit_code == 2
    assert "not a directory" in result.output
    assert blocker.read_text(encoding="utf-8") == "not a directory"
