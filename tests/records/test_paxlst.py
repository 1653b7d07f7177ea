from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.records import ARROW_SCHEMA, read_records
from palermo.records.hashing import document_hash
from palermo.records.paxlst import airports, parse_paxlst
from palermo.records.readers import read_paxlst
from palermo.records.schema import COUNTRY_CODES

DATA = Path(__file__).parent / "data"
TODAY = dt.date(2026, 3, 1)


def _manifest(name: str, country: str = "CN"):  # type: ignore[no-untyped-def]
    path = DATA / name
    return parse_paxlst(
        path.read_text(encoding="utf-8"), reporting_country=country, source=name, today=TODAY
    )


def _rows(name: str, country: str = "CN") -> dict[str, dict[str, object]]:
    table = read_paxlst(DATA / name, reporting_country=country, today=TODAY)
    return {str(r["surname"]): r for r in table.to_pylist()}


def test_an_inbound_manifest_becomes_one_entry_record_per_passenger() -> None:
    rows = _rows("paxlst_inbound_group.edi")
    assert sorted(rows) == ["NGUYEN", "TRAN", "WANG"]
    lan = rows["NGUYEN"]
    assert lan["event_kind"] == "entry"
    assert lan["port"] == "CAN"
    assert lan["event_date"] == dt.date(2026, 3, 1)
    assert (lan["given_names"], lan["sex"], lan["nationality"]) == ("THI LAN", "F", "VN")
    assert lan["date_of_birth"] == dt.date(2006, 2, 14)
    assert lan["document_type"] == "passport"
    assert lan["document_issuing_state"] == "VN"
    assert lan["document_expiry_date"] == dt.date(2030, 6, 12)
    assert lan["document_number_hash"] == document_hash("C1234567")
    assert (lan["origin"], lan["transit"], lan["destination"]) == ("VN", ["TH"], "CN")


def test_the_plain_document_number_is_never_kept() -> None:
    table = read_paxlst(DATA / "paxlst_inbound_group.edi", reporting_country="CN", today=TODAY)
    assert table.schema == ARROW_SCHEMA
    assert "C1234567" not in str(table.to_pylist())


def test_passengers_sharing_a_reservation_form_a_group_of_computed_size() -> None:
    rows = _rows("paxlst_inbound_group.edi")
    assert rows["NGUYEN"]["group_booking_ref"] == "QX7T2M"
    assert rows["TRAN"]["group_booking_ref"] == "QX7T2M"
    assert rows["NGUYEN"]["group_size"] == 2
    assert rows["WANG"]["group_booking_ref"] is None  # a booking of one is no group
    assert rows["WANG"]["group_size"] == 1


def test_an_outbound_flight_is_an_exit_and_crew_is_not_read_as_passengers() -> None:
    manifest = _manifest("paxlst_outbound_crew.edi")
    assert manifest.accepted[0].crew_skipped == 1
    rows = _rows("paxlst_outbound_crew.edi")
    assert "ZHAO" not in rows
    li = rows["LI"]
    assert (li["event_kind"], li["port"], li["event_date"]) == ("exit", "PVG", dt.date(2026, 3, 6))
    assert (li["origin"], li["transit"], li["destination"]) == ("CN", ["TH"], "AE")
    assert li["group_size"] == 3
    assert li["contact_phone"] == "86 138 0013 8000"
    assert li["contact_email"] == "recruit@example.org"
    # the passport, not the visa that follows it, is the travel document
    assert li["document_number_hash"] == document_hash("E11112222")
    assert li["document_issue_date"] == dt.date(2024, 1, 10)
    assert li["date_of_birth"] == dt.date(2008, 3, 17)


def test_the_same_manifest_is_an_entry_for_the_country_it_arrives_in() -> None:
    rows = _rows("paxlst_outbound_crew.edi", country="TH")
    assert {r["event_kind"] for r in rows.values()} == {"entry"}
    assert {r["port"] for r in rows.values()} == {"BKK"}


def test_a_flight_that_does_not_touch_the_reporting_country_is_refused() -> None:
    with pytest.raises(InputError, match="neither enters nor leaves the reporting country VN"):
        read_paxlst(DATA / "paxlst_inbound_group.edi", reporting_country="VN", today=TODAY)


def test_a_malformed_segment_is_named_by_position_tag_and_element() -> None:
    with pytest.raises(InputError) as info:
        read_paxlst(DATA / "paxlst_malformed_segment.edi", reporting_country="CN", today=TODAY)
    message = str(info.value)
    assert (
        "segment 7 (DTM) element 1 component 2: value '26031A1030': flight date and time "
        "must be written YYMMDDHHMM" in message
    )
    assert "segment 16 (XYZ): 'XYZ' is not a PAXLST segment" in message


def test_every_bad_passenger_is_reported_and_none_of_their_message_is_kept() -> None:
    manifest = _manifest("paxlst_bad_passengers.edi")
    assert [m.reference for m in manifest.accepted] == ["P1"]
    assert [m.reference for m in manifest.rejected] == ["P2"]
    problems = [str(p) for p in manifest.rejected[0].problems]
    assert any("passenger 1 (KHAMSING NOY): value 'Q': sex must be" in p for p in problems)
    assert any(
        "passenger 1 (KHAMSING NOY): value '040230': date of birth is not" in p for p in problems
    )
    assert any("passenger 2 (INTHAVONG SOUK): value 'ZZQ': unknown airport" in p for p in problems)
    assert any("passenger 2 (INTHAVONG SOUK): value 'ZZZ': nationality" in p for p in problems)
    assert any(
        "passenger 2 (INTHAVONG SOUK): passenger has no travel document" in p for p in problems
    )
    assert not any("VONGSA" in p for p in problems)  # the good passenger is not blamed
    assert [r["surname"] for r in manifest.records] == ["SUKSAWAT"]  # nothing of P2


def test_reading_a_file_with_a_rejected_message_loads_nothing() -> None:
    with pytest.raises(InputError) as info:
        read_records(DATA / "paxlst_bad_passengers.edi", reporting_country="CN")
    assert info.value.total == 5


def test_a_truncated_interchange_is_a_syntax_error_naming_the_last_good_segment() -> None:
    text = (DATA / "paxlst_inbound_group.edi").read_text()
    cut = text[: text.index("NAD+FL+++WANG") + 10]
    with pytest.raises(InputError, match=r"segment 32 after segment 31 \(LOC\): malformed EDIFACT"):
        parse_paxlst(cut, reporting_country="CN", today=TODAY)


def test_a_segment_count_that_disagrees_with_unt_is_named() -> None:
    text = (DATA / "paxlst_inbound_group.edi").read_text()
    text = text.replace("CNT+42:3'\n", "")
    manifest = parse_paxlst(text, reporting_country="CN", today=TODAY)
    assert (
        "segment 42 (UNT) element 1: value '41': UNT counts 41 segments, the message has 40"
        in str(manifest.problems[0])
    )


def test_read_records_accepts_paxlst_by_extension_and_by_sniffing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALERMO_REPORTING_COUNTRY", "CN")
    by_extension = read_records(DATA / "paxlst_inbound_group.edi")
    sniffed = tmp_path / "api-message.txt"
    sniffed.write_bytes((DATA / "paxlst_inbound_group.edi").read_bytes())
    assert read_records(sniffed).equals(by_extension)
    assert by_extension.num_rows == 3


def test_without_a_reporting_country_the_reader_says_how_to_set_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PALERMO_REPORTING_COUNTRY", raising=False)
    with pytest.raises(InputError, match="set PALERMO_REPORTING_COUNTRY"):
        read_records(DATA / "paxlst_inbound_group.edi")


def test_records_check_reads_a_manifest_and_exits_2_on_a_bad_one() -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app,
        ["records", "check", str(DATA / "paxlst_outbound_crew.edi"), "--reporting-country", "CN"],
    )
    assert ok.exit_code == 0, ok.output
    assert "4 valid record(s)" in " ".join(ok.output.split())
    bad = runner.invoke(
        app,
        ["records", "check", str(DATA / "paxlst_bad_passengers.edi"), "--reporting-country", "CN"],
    )
    assert bad.exit_code == 2
    # the terminal wraps lines at 80 columns: a long checkout path can split the phrase
    assert "unknown airport" in " ".join(bad.output.split())


def test_the_airport_table_covers_the_region_with_valid_countries() -> None:
    table = airports()
    assert all(country in COUNTRY_CODES for country, _ in table.values())
    for code, country in [
        ("PVG", "CN"),
        ("SGN", "VN"),
        ("RGN", "MM"),
        ("VTE", "LA"),
        ("DXB", "AE"),
    ]:
        assert table[code][0] == country


# ---- malformed input found by fuzzing (tests/fuzz/test_fuzz_paxlst.py): each was a crash


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("LOC+125+BKK'", "LOC'", "no departure airport (LOC+125)"),  # an empty segment
        ("LOC+125+BKK'", "loc+125+BKK'", "'loc' is not a PAXLST segment"),  # a lower-case tag
        ("ATT+2++F'", "A+2++F'", "'A' is not a PAXLST segment"),  # a one-letter tag
        ("UNB+UNOA:4+CZAIR:ZZ+CNAPIS:ZZ+260301:0815+CZ0301001++PAXLST'", "UNB'", "segment 2"),
        ("CNT+42:3'", "CNT+42:99999999999999999999'", "passenger count must be a number"),
    ],
)
def test_a_malformed_segment_is_a_named_problem_never_a_crash(
    old: str, new: str, named: str
) -> None:
    text = (DATA / "paxlst_inbound_group.edi").read_text(encoding="utf-8").replace(old, new, 1)
    try:
        manifest = parse_paxlst(text, reporting_country="CN", today=TODAY)
    except InputError as exc:
        problems = exc.problems
    else:
        problems = manifest.problems
    assert any(named in p.text("en") for p in problems), [p.text("en") for p in problems]


def test_a_passenger_count_that_disagrees_with_the_passengers_is_named() -> None:
    text = (DATA / "paxlst_inbound_group.edi").read_text(encoding="utf-8")
    manifest = parse_paxlst(text.replace("CNT+42:3'", "CNT+42:5'"), reporting_country="CN",
                            today=TODAY)  # fmt: skip
    assert [p.text("en") for p in manifest.problems] == [
        (
            "PAXLST segment 42 (CNT) element 1 component 2: "
            "CNT+42 declares 5 passenger(s), the message has 3"
        )
    ]
