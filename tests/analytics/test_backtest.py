"""``palermo profiles backtest``: what a draft would flag, and whom, before it is activated."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.analytics import wilson
from palermo.cli.main import app

runner = CliRunner()

PROFILE = """\
id: {id}
version: 1
title: {{en: Test, zh: 测试}}
rationale: {{en: Because., zh: 因为。}}
owner: tests
valid_from: 2030-01-01
review_by: 2031-12-31
criteria:
{criteria}
"""


def profile_set(root: Path, **profiles: str) -> Path:
    root.mkdir()
    for pid, criteria in profiles.items():
        text = PROFILE.format(id=pid, criteria=textwrap.indent(criteria, "  "))
        (root / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return root


def traveller(i: int, day: int, **fields: object) -> dict[str, object]:
    return {
        "record_id": f"r{i}",
        "event_kind": "exit",
        "port": "Noi Bai",
        "event_date": f"2026-03-{day:02d}",
        **fields,
    }


@pytest.fixture
def population(tmp_path: Path) -> Path:
    """Ten travellers over five days; three fearful one-way travellers, two of them women."""
    people = [
        traveller(0, 1, obs_fearful=True, trip_type="one_way", sex="F", nationality="VN",
                  date_of_birth="2005-06-01"),
        traveller(1, 2, obs_fearful=True, trip_type="one_way", sex="F", nationality="KH",
                  date_of_birth="1990-01-01"),
        traveller(2, 3, obs_fearful=True, trip_type="one_way", sex="M", nationality="VN",
                  date_of_birth="1990-01-01"),
        traveller(3, 4, obs_fearful=True, trip_type="return", sex="F", nationality="VN"),
        *[traveller(i, 5, obs_fearful=False, trip_type="one_way", sex="M", nationality="TH")
          for i in range(4, 10)],
    ]  # fmt: skip
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in people) + "\n", encoding="utf-8")
    return path


def test_the_wilson_interval_is_the_published_one() -> None:
    low, high = wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert wilson(0, 10)[0] == 0.0
    assert round(wilson(0, 10)[1], 4) == 0.2775
    assert wilson(0, 0) == (0.0, 1.0)


def test_a_backtest_gives_share_hits_per_day_overlap_and_rates_by_group(
    tmp_path: Path, population: Path
) -> None:
    draft = profile_set(
        tmp_path / "draft",
        fearful_one_way="all:\n  - obs_fearful\n  - {field: trip_type, eq: one_way}\n",
    )
    active = profile_set(
        tmp_path / "active", women_fearful="all:\n  - obs_fearful\n  - {field: sex, eq: F}\n"
    )
    result = runner.invoke(
        app,
        ["profiles", "backtest", str(draft), "--against", str(population),
         "--active", str(active), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["travellers"] == 10
    assert doc["days"] == 5
    (p,) = doc["profiles"]
    assert p["profile_id"] == "fearful_one_way"
    assert (p["flagged"]["flagged"], p["flagged"]["share"]) == (3, 0.3)
    assert p["hits_per_day"] == pytest.approx(0.6)
    assert p["also_flagged_by_active"] == 2  # the two women
    assert p["overlap_share"] == pytest.approx(2 / 3)
    sex = {r["group"]: r for r in p["by_group"]["sex"]}
    assert (sex["F"]["travellers"], sex["F"]["flagged"]) == (3, 2)
    assert (sex["M"]["travellers"], sex["M"]["flagged"]) == (7, 1)
    assert (sex["F"]["low"], sex["F"]["high"]) == pytest.approx(wilson(2, 3))
    ages = {r["group"]: (r["travellers"], r["flagged"]) for r in p["by_group"]["age_band"]}
    assert ages == {"18-24": (1, 1), "35-49": (2, 2), "not recorded": (7, 0)}
    nationality = {r["group"]: r["flagged"] for r in p["by_group"]["nationality"]}
    assert nationality == {"VN": 2, "KH": 1, "TH": 0}


def test_the_text_report_names_every_profile_in_both_languages(
    tmp_path: Path, population: Path
) -> None:
    draft = profile_set(tmp_path / "draft", little_luggage="all:\n  - obs_little_luggage\n")
    result = runner.invoke(app, ["profiles", "backtest", str(draft), "--against", str(population)])
    assert result.exit_code == 0, result.output
    assert "little_luggage" in result.output
    assert "selection rates by group / 按群体的选中率" in result.output
    assert "10 travellers / 名旅客" in result.output


def test_a_population_file_that_is_missing_or_empty_is_refused_with_exit_status_2(
    tmp_path: Path,
) -> None:
    draft = profile_set(tmp_path / "draft", luggage="all:\n  - obs_little_luggage\n")
    missing = runner.invoke(
        app, ["profiles", "backtest", str(draft), "--against", str(tmp_path / "none.csv")]
    )
    assert missing.exit_code == 2
    assert "file not found" in missing.output
    empty = tmp_path / "empty.csv"
    empty.write_text("record_id,event_kind,port,event_date\n", encoding="utf-8")
    result = runner.invoke(app, ["profiles", "backtest", str(draft), "--against", str(empty)])
    assert result.exit_code == 2
    assert "no records to backtest on" in result.output


def test_a_draft_the_rights_guard_refuses_is_not_backtested(
    tmp_path: Path, population: Path
) -> None:
    draft = profile_set(tmp_path / "draft", vn="{field: nationality, eq: VN}\n")
    result = runner.invoke(app, ["profiles", "backtest", str(draft), "--against", str(population)])
    assert result.exit_code == 2
    assert "rights guard" in result.output
    assert "nationality = VN" in result.output
