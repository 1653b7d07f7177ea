"""``palermo profiles mine``: combinations far more common among identified cases than in the
traffic, checked by the rights guard, written as drafts a person must complete."""

from __future__ import annotations

import datetime as dt
import doctest
import json
import math
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from typer.testing import CliRunner

import palermo.analytics.mining as mining_module
from palermo.analytics.mining import (
    MINED_RATIONALE_MARK,
    Candidate,
    Item,
    check_drafts,
    has_mined_rationale,
    lift_interval,
    mine_candidates,
)
from palermo.cli.main import app
from palermo.errors import InputError
from palermo.profiles.loader import profile_set_from_texts
from palermo.records.schema import FIELDS
from palermo.synth import default_config
from palermo.synth.write import write_population

runner = CliRunner()
DAY, LATER = dt.date(2026, 1, 1), dt.date(2027, 1, 1)


def _planted(cases: int = 60, baseline: int = 3_000) -> tuple[pa.Table, pa.Table]:
    """Cases: half carry fearful + one-way; the baseline: 1% each, independently."""
    c_fearful = [i % 2 == 0 for i in range(cases)]
    c_trip = ["one_way" if i % 2 == 0 else "return" for i in range(cases)]
    b_fearful = [i % 100 == 0 for i in range(baseline)]
    b_trip = ["one_way" if i % 100 == 50 else "return" for i in range(baseline)]
    sex = ["F"] * cases
    return (
        pa.table({"obs_fearful": c_fearful, "trip_type": c_trip, "sex": sex}),
        pa.table({"obs_fearful": b_fearful, "trip_type": b_trip, "sex": ["M"] * baseline}),
    )


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(mining_module).failed == 0


def test_the_lift_interval_contains_the_lift_and_widens_with_fewer_cases() -> None:
    ratio, low, high = lift_interval(30, 60, 30, 3_000)
    assert math.isclose(ratio, 50.0)
    assert low < ratio < high
    _, low_small, high_small = lift_interval(3, 6, 3, 300)
    assert low_small < low
    assert high_small > high
    assert lift_interval(0, 10, 0, 10)[0] == pytest.approx(1.0)


def test_a_planted_combination_is_found_and_beats_its_parts() -> None:
    cases, baseline = _planted()
    found = mine_candidates(cases, baseline, min_cases=10, min_lift=2.0)
    best = found[0]
    assert {(i.field, i.op, i.value) for i in best.items} == {
        ("obs_fearful", "true", None),
        ("trip_type", "eq", "one_way"),
    }
    assert (best.cases, best.baseline) == (30, 0)


def test_protected_attributes_and_their_proxies_never_become_circumstances() -> None:
    cases, baseline = _planted()
    found = mine_candidates(cases, baseline, min_cases=1, min_lift=1.0, top=200)
    fields = {i.field for c in found for i in c.items}
    assert "sex" not in fields
    assert not any(FIELDS[f].protected or FIELDS[f].proxy_of for f in fields)


def test_a_combination_carried_by_too_few_cases_is_not_proposed() -> None:
    cases, baseline = _planted(cases=12)
    assert mine_candidates(cases, baseline, min_cases=7, min_lift=2.0) == []


def test_each_draft_is_a_valid_profile_with_its_evidence_and_the_rationale_left_open() -> None:
    cases, baseline = _planted()
    result = check_drafts(
        mine_candidates(cases, baseline, min_cases=10, min_lift=2.0),
        owner="analysis unit",
        valid_from=DAY,
        review_by=LATER,
    )
    assert result.drafts
    for candidate, text in result.drafts:
        assert has_mined_rationale(text)
        assert f"{candidate.cases} of {candidate.case_total} identified cases" in text
        profile_set_from_texts({"draft.yaml": text})


def test_a_candidate_the_rights_guard_refuses_is_dropped_with_the_reason() -> None:
    protected_only = Candidate((Item("sex", "eq", "F"),), 60, 60, 0, 3_000, 100.0, 50.0, 200.0)
    result = check_drafts([protected_only], owner="unit", valid_from=DAY, review_by=LATER)
    assert result.drafts == ()
    ((_, reason),) = result.refused
    assert "rights guard" in reason


def test_the_command_writes_drafts_from_a_synthetic_population(tmp_path: Path) -> None:
    travellers = tmp_path / "t.parquet"
    write_population(travellers, 40_000, 3, default_config().with_case_share(0.02).realistic())
    out = tmp_path / "drafts"
    result = runner.invoke(
        app,
        ["profiles", "mine", "--baseline", str(travellers),
         "--truth", str(tmp_path / "t.truth.parquet"), "--out", str(out), "--top", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    drafts = sorted(out.glob("mined-*.yaml"))
    assert drafts
    evidence = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    assert len(evidence["drafts"]) == len(drafts)
    assert all(e["lift_low"] >= 5.0 for e in evidence["drafts"])
    assert MINED_RATIONALE_MARK in drafts[0].read_text(encoding="utf-8")


def test_the_command_needs_exactly_one_source_of_cases(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["profiles", "mine", "--baseline", str(tmp_path / "x.parquet"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "exactly one of --cases, --truth and --own-cases" in result.output


# ---------------------------------------------------------------- sources and weights (item 7)

CTDC_SAMPLE = Path("/work/shared/data/ctdc-sample.csv")
CTDC_HEADER = (
    "yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit,"
    "CountryOfExploitation\n"
)


def _ctdc_file(tmp_path: Path) -> Path:
    """30 Vietnamese women exploited in Thailand, 10 Thai men exploited at home."""
    rows = ["2016,Female,18--20,VN,,1.0,TH"] * 30 + ["2017,Male,30--38,TH,1.0,,TH"] * 10
    path = tmp_path / "ctdc.csv"
    path.write_text(CTDC_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _traffic(n: int = 2_000) -> pa.Table:
    """Travellers: 1 in 100 goes to Thailand; half are Vietnamese, half women."""
    return pa.table(
        {
            "destination": ["TH" if i % 100 == 0 else "CN" for i in range(n)],
            "nationality": ["VN" if i % 2 else "CN" for i in range(n)],
            "sex": ["F" if i % 4 < 2 else "M" for i in range(n)],
        }
    )


def test_ctdc_cases_become_records_whose_only_circumstance_is_the_destination(
    tmp_path: Path,
) -> None:
    from palermo.analytics.mining_sources import cases_from_ctdc
    from palermo.interchange.ctdc import read_ctdc

    cases = cases_from_ctdc(read_ctdc(_ctdc_file(tmp_path)))
    assert cases.num_rows == 40
    # exploited in their own country: no border crossed, no destination
    assert cases.column("destination").to_pylist().count("TH") == 30
    assert cases.column("destination").null_count == 10
    assert cases_from_ctdc(read_ctdc(_ctdc_file(tmp_path)), since_year=2017).num_rows == 10


def test_protected_attributes_may_narrow_but_a_candidate_standing_on_them_is_dropped(
    tmp_path: Path,
) -> None:
    from palermo.analytics.mining_sources import CTDC_SOURCE, cases_from_ctdc
    from palermo.interchange.ctdc import read_ctdc

    cases = cases_from_ctdc(read_ctdc(_ctdc_file(tmp_path)))
    found = mine_candidates(cases, _traffic(), min_cases=10, min_lift=1.0, top=50,
                            narrow_by_protected=True)  # fmt: skip
    result = check_drafts(found, owner="unit", valid_from=DAY, review_by=LATER, source=CTDC_SOURCE)
    kept = [{i.field for i in c.items} for c, _ in result.drafts]
    dropped = [{i.field for i in c.items} for c, _ in result.refused]
    assert {"destination"} in kept
    assert all("destination" in fields for fields in kept)
    assert {"sex"} in dropped or {"nationality"} in dropped
    assert all("rights guard" in why for _, why in result.refused)
    assert all("权利保护" in why for why in result.refused_zh)
    # the CTDC terms: every draft built from CTDC data carries the attribution
    for _, text in result.drafts:
        rationale = yaml.safe_load(text)["rationale"]
        assert "Source: Counter-Trafficking Data Collaborative (CTDC)" in rationale["en"]
        assert "来源：反人口贩运数据协作组织（CTDC）" in rationale["zh"]


def test_a_weighted_baseline_counts_each_control_traveller_for_many_and_widens_the_interval() -> (
    None
):
    cases = pa.table({"obs_fearful": [True] * 20 + [False] * 20})
    # 100 stored travellers with a hit (10 fearful), 100 control travellers (1 fearful) who
    # stand for 99 each: about 10 + 99 fearful of 100 + 9,900
    base = pa.table({"obs_fearful": [i < 10 for i in range(100)] + [i < 1 for i in range(100)]})
    weights = [1.0] * 100 + [99.0] * 100
    (weighted,) = mine_candidates(cases, base, min_cases=5, min_lift=1.0,
                                  baseline_weights=weights)  # fmt: skip
    (plain,) = mine_candidates(cases, base, min_cases=5, min_lift=1.0)
    assert weighted.baseline == pytest.approx(109.0)
    assert weighted.baseline_total == pytest.approx(10_000.0)
    assert weighted.baseline_stored == 11
    assert weighted.lift == pytest.approx(0.5 / 0.0109, rel=1e-6)
    assert plain.lift == pytest.approx(0.5 / 0.055, rel=1e-6)
    # 200 stored travellers stand for 10,000: the interval is that of about 200, not 10,000
    assert weighted.lift_high / weighted.lift_low > 3


def test_the_real_ctdc_sample_mines_to_destinations_with_its_attribution(tmp_path: Path) -> None:
    if not CTDC_SAMPLE.is_file():
        pytest.skip("the CTDC sample is not on this machine")
    from palermo.synth import generate

    travellers, _truth = generate(5_000, 7)
    out = tmp_path / "drafts"
    result = runner.invoke(
        app,
        ["profiles", "mine", "--baseline", _parquet(tmp_path, travellers), "--cases",
         str(CTDC_SAMPLE), "--cases-format", "ctdc", "--min-cases", "3", "--min-lift", "2",
         "--narrow-by-protected", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    evidence = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    assert "Counter-Trafficking Data Collaborative" in evidence["source"]
    # a small cell of the sample is never shown: the release's k = 11 is the floor
    assert all(d["cases"] >= 11 for d in evidence["drafts"])
    assert evidence["refused"]
    assert "Source: Counter-Trafficking Data Collaborative (CTDC)" in result.output


def _parquet(tmp_path: Path, table: pa.Table) -> str:
    import pyarrow.parquet as pq

    path = tmp_path / "baseline.parquet"
    pq.write_table(table, path)
    return str(path)


def test_htcds_case_records_name_a_bad_row_and_field_and_exit_with_status_2(
    tmp_path: Path,
) -> None:
    from palermo.synth import generate

    travellers, _truth = generate(500, 7)
    bad = tmp_path / "htcds.csv"
    bad.write_text(
        "vic_TraffickingStatus,prs_Gender,prs_Citizenship,vic_LocationOfExploitation\n"
        "ActualVictimOfTrafficking,Feminine,VN,TH\n"
        "ActualVictimOfTrafficking,Feminine,Viet Nam,TH\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["profiles", "mine", "--baseline", _parquet(tmp_path, travellers), "--cases", str(bad),
         "--cases-format", "htcds", "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "row 2" in result.output
    assert "prs_Citizenship" in result.output
    assert not (tmp_path / "out").exists()


def test_htcds_json_lines_keep_possible_and_actual_victims_only() -> None:
    from palermo.analytics.mining_sources import cases_from_htcds

    lines = [
        {"vic_TraffickingStatus": "ActualVictimOfTrafficking", "prs_Gender": "Masculine",
         "prs_Citizenship": "KH;TH", "vic_AgeWhenTrafficked": 16,
         "vic_LocationOfExploitation": "MY"},
        {"vic_TraffickingStatus": "NotAVictimOfTrafficking", "prs_Gender": "Feminine"},
    ]  # fmt: skip
    data = "\n".join(json.dumps(line) for line in lines).encode()
    (row,) = cases_from_htcds(data, "h.jsonl").to_pylist()
    assert (row["nationality"], row["sex"], row["age_at_travel"], row["is_minor"]) == (
        "KH", "M", 16, True,
    )  # fmt: skip
    assert row["destination"] == "MY"


def test_an_unknown_cases_format_exits_with_status_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["profiles", "mine", "--baseline", str(tmp_path / "b.parquet"), "--cases",
         str(tmp_path / "c.csv"), "--cases-format", "xlsx", "--out", str(tmp_path / "o")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "not records, ctdc or htcds" in result.output


def test_a_draft_valid_and_due_on_the_same_day_is_written_without_yaml_aliases() -> None:
    candidate = Candidate((Item("obs_fearful", "true"),), 12, 12, 0, 60, 50.0, 10.0, 100.0)
    result = check_drafts([candidate], owner="unit", valid_from=DAY, review_by=DAY)
    assert result.refused == ()
    assert "&id" not in result.drafts[0][1]


def test_htcds_cases_are_chosen_by_the_year_of_their_incoming_referral_date() -> None:
    from palermo.analytics.mining_sources import cases_from_htcds

    body = (
        b"vic_TraffickingStatus,prs_Citizenship,vic_LocationOfExploitation,cas_IncomingReferralDate\n"
        b"ActualVictimOfTrafficking,VN,TH,2019-05-01\n"
        b"ActualVictimOfTrafficking,KH,MY,2021-02-03\n"
        b"PossibleVictimOfTrafficking,LA,TH,\n"
    )
    assert len(cases_from_htcds(body, "h.csv").to_pylist()) == 3
    chosen = cases_from_htcds(body, "h.csv", since_year=2020, until_year=2021).to_pylist()
    assert [r["nationality"] for r in chosen] == ["KH"]
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        cases_from_htcds(body.replace(b"2019-05-01", b"May 2019"), "h.csv")


def test_htcds_years_asked_of_undated_cases_are_refused_not_an_empty_result() -> None:
    from palermo.analytics.mining_sources import cases_from_htcds

    body = b"vic_TraffickingStatus,prs_Citizenship\nActualVictimOfTrafficking,VN\n"
    with pytest.raises(InputError) as caught:
        cases_from_htcds(body, "h.csv", since_year=2020)
    assert "cas_IncomingReferralDate" in caught.value.problems[0].text("zh")
    assert "没有个案" in caught.value.problems[0].text("zh")
