from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrz.base.functions import hash_string
from mrz.checker.mrva import MRVACodeChecker
from mrz.checker.td3 import TD3CodeChecker
from mrz.generator.td3 import TD3CodeGenerator
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.errors import InputError
from palermo.records.hashing import document_hash
from palermo.records.mrz import MrzFormat, check_digit, icao_country, mrz_record, parse_mrz

TODAY = dt.date(2026, 3, 1)

# ICAO Doc 9303 specimen zones (Part 4 TD3, Part 5 TD1, Part 7 MRV-A and MRV-B)
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)
MRVA = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
MRVB = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"


def _replace(text: str, line: int, pos: int, char: str) -> str:
    """Replace the character at 1-based line and position."""
    lines = text.split("\n")
    row = lines[line - 1]
    lines[line - 1] = row[: pos - 1] + char + row[pos:]
    return "\n".join(lines)


def _errors(text: str) -> str:
    with pytest.raises(InputError) as info:
        parse_mrz(text, today=TODAY)
    return str(info.value)


def test_the_icao_passport_specimen_is_read_field_by_field() -> None:
    mrz = parse_mrz(TD3, today=TODAY)
    assert mrz.format == MrzFormat.TD3
    assert mrz.document_type == "passport"
    assert mrz.document_number == "L898902C3"
    assert (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert mrz.date_of_birth == dt.date(1974, 8, 12)
    assert mrz.expiry_date == dt.date(2012, 4, 15)
    assert mrz.sex == "F"
    assert mrz.optional_data == "ZE184226B"
    assert mrz.issuing_state_code == "UTO"
    assert mrz.issuing_state is None
    assert any("Utopia" in note.en and "乌托邦" in note.zh for note in mrz.notes)
    assert any("expired on 2012-04-15" in note.en for note in mrz.notes)


def test_the_icao_identity_card_specimen_is_read() -> None:
    mrz = parse_mrz(TD1, today=TODAY)
    assert mrz.format == MrzFormat.TD1
    assert mrz.document_type == "id_card"
    assert mrz.document_number == "D23145890"
    assert (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert mrz.date_of_birth == dt.date(1974, 8, 12)
    assert mrz.expiry_date == dt.date(2012, 4, 15)


@pytest.mark.parametrize(("text", "fmt"), [(MRVA, MrzFormat.MRVA), (MRVB, MrzFormat.MRVB)])
def test_the_icao_visa_specimens_are_read(text: str, fmt: MrzFormat) -> None:
    mrz = parse_mrz(text, today=TODAY)
    assert mrz.format == fmt
    assert mrz.document_type == "visa"
    assert mrz.document_number == "L8988901C"
    assert mrz.date_of_birth == dt.date(1940, 9, 7)
    assert mrz.expiry_date == dt.date(1996, 12, 10)
    assert mrz.nationality_code == "XXX"
    assert mrz.nationality is None
    assert any("unspecified nationality" in note.en for note in mrz.notes)


def test_the_record_holds_the_keyed_hash_and_never_the_plain_number() -> None:
    record = mrz_record(
        TD3, today=TODAY, record_id="b-1", event_kind="entry", port="PVG", event_date=TODAY
    )
    assert record["document_number_hash"] == document_hash("L898902C3")
    assert "L898902C3" not in str(record)
    assert record["surname"] == "ERIKSSON"
    assert record["given_names"] == "ANNA MARIA"
    assert record["date_of_birth"] == dt.date(1974, 8, 12)
    assert record["document_expiry_date"] == dt.date(2012, 4, 15)
    assert record["port"] == "PVG"
    with pytest.raises(ValueError, match="plain document number"):
        parse_mrz(TD3, today=TODAY).to_record(document_number="L898902C3")


@pytest.mark.parametrize(
    ("line", "pos", "digit", "message"),
    [
        (2, 10, "3", "line 2 position 10: document number check digit is 3, computed 6"),
        (2, 20, "5", "line 2 position 20: date of birth check digit is 5, computed 2"),
        (2, 28, "1", "line 2 position 28: expiry date check digit is 1, computed 9"),
        (2, 43, "4", "line 2 position 43: personal number check digit is 4, computed 1"),
        (2, 44, "9", "line 2 position 44: composite check digit is 9, computed 0"),
    ],
)
def test_each_corrupted_passport_check_digit_is_named_with_both_digits(
    line: int, pos: int, digit: str, message: str
) -> None:
    errors = _errors(_replace(TD3, line, pos, digit))
    assert message in errors
    assert "校验位为" in errors


def test_a_corrupted_field_fails_its_own_digit_and_the_composite() -> None:
    # birth date 740812 misread as 740813: its digit and the composite both fail, nothing else
    errors = _errors(_replace(TD3, 2, 19, "3")).splitlines()
    assert len(errors) == 2
    assert "date of birth check digit is 2, computed 3" in errors[0]
    assert "composite check digit is 0" in errors[1]


def test_corrupted_identity_card_check_digits_are_named() -> None:
    errors = _errors(_replace(_replace(TD1, 1, 15, "1"), 2, 30, "2"))
    assert "line 1 position 15: document number check digit is 1, computed 7" in errors
    assert "line 2 position 30: composite check digit is 2" in errors


def test_a_corrupted_visa_expiry_is_named() -> None:
    assert "expiry date check digit is 0, computed 9" in _errors(_replace(MRVB, 2, 28, "0"))


def test_a_truncated_passport_line_is_named() -> None:
    errors = _errors(TD3[:-1])
    assert "MRZ line 2: line has 43 characters, a TD3 (passport" in errors
    assert "(truncated?)" in errors


def test_an_identity_card_missing_its_third_line_is_named() -> None:
    errors = _errors(TD1.rsplit("\n", 1)[0])
    assert "a TD1 (identity card, 3 lines of 30) zone has 3 lines, 2 given" in errors


def test_text_that_is_no_zone_at_all_is_refused() -> None:
    assert "not a machine-readable zone" in _errors("hello world")
    assert "no text to read" in _errors("  \n ")


def test_pasted_text_with_spaces_lower_case_and_ocr_guillemets_is_read() -> None:
    pasted = "\n  " + TD3.lower().replace("<<<<", "«<«<").replace("ERIKSSON".lower(), "eriks son")
    mrz = parse_mrz(pasted + "\n\n", today=TODAY)
    assert mrz.surname == "ERIKSSON"
    assert mrz.notes == parse_mrz(TD3, today=TODAY).notes


def test_a_zone_pasted_on_one_line_is_split_by_its_length() -> None:
    assert parse_mrz(TD3.replace("\n", ""), today=TODAY).format == MrzFormat.TD3
    assert parse_mrz(TD1.replace("\n", " "), today=TODAY).format == MrzFormat.TD1


def test_letters_read_in_digit_only_positions_are_corrected_and_reported() -> None:
    scanned = _replace(_replace(TD3, 2, 16, "O"), 2, 44, "O")  # 74O812 and composite 'O'
    mrz = parse_mrz(scanned, today=TODAY)
    assert mrz.date_of_birth == dt.date(1974, 8, 12)
    corrections = [n.en for n in mrz.notes if "read 'O' as '0'" in n.en]
    assert corrections == [
        "line 2 position 16: read 'O' as '0' (only digits are allowed there)",
        "line 2 position 44: read 'O' as '0' (only digits are allowed there)",
    ]


def test_a_digit_in_a_name_is_refused_rather_than_guessed() -> None:
    assert "a name may not contain digits" in _errors(_replace(TD3, 1, 6, "3"))


def test_a_character_outside_the_mrz_alphabet_is_named_by_position() -> None:
    assert "MRZ line 1 position 7: value '@'" in _errors(_replace(TD3, 1, 7, "@"))


def test_an_impossible_date_is_named() -> None:
    generated = str(
        TD3CodeGenerator(
            "P", "CHN", "WANG", "XIAOMING", "E12345678", "CHN", "900101", "M", "300101", force=True
        )
    )
    text = _replace(_replace(generated, 2, 16, "1"), 2, 17, "3")  # month 13
    assert "date of birth is not a valid date" in _errors(text)


@pytest.mark.parametrize(
    ("yymmdd", "birth", "expiry"),
    [
        ("050101", dt.date(2005, 1, 1), dt.date(2005, 1, 1)),
        ("260302", dt.date(1926, 3, 2), dt.date(2026, 3, 2)),
        ("300101", dt.date(1930, 1, 1), dt.date(2030, 1, 1)),
        ("700101", dt.date(1970, 1, 1), dt.date(2070, 1, 1)),
        ("990101", dt.date(1999, 1, 1), dt.date(1999, 1, 1)),
    ],
)
def test_two_digit_years_are_resolved_to_the_sensible_century(
    yymmdd: str, birth: dt.date, expiry: dt.date
) -> None:
    def passport(born: str, expires: str) -> str:
        return str(
            TD3CodeGenerator(
                "P", "CHN", "WANG", "XIAOMING", "E12345678", "CHN", born, "M", expires, force=True
            )
        )

    assert parse_mrz(passport(yymmdd, "350101"), today=TODAY).date_of_birth == birth
    assert parse_mrz(passport("500101", yymmdd), today=TODAY).expiry_date == expiry


def test_icao_state_codes_become_iso_alpha_2_or_empty_with_the_reason() -> None:
    assert icao_country("D<<").alpha_2 == "DE"
    assert icao_country("CHN").alpha_2 == "CN"
    british = icao_country("GBN")
    assert british.alpha_2 == "GB"
    assert british.note is not None
    assert "British National (Overseas)" in british.note.en
    stateless = icao_country("XXA", role_en="nationality", role_zh="国籍")
    assert stateless.alpha_2 is None
    assert stateless.note is not None
    assert "stateless person" in stateless.note.en
    assert "无国籍人" in stateless.note.zh
    assert icao_country("UNO").alpha_2 is None
    with pytest.raises(ValueError, match="QQQ"):
        icao_country("QQQ")


def test_an_unknown_state_code_is_named() -> None:
    assert "issuing state is not an ICAO 9303 state code" in _errors(TD3.replace("P<UTO", "P<QQQ"))


def test_a_german_passport_with_d_filler_code_reads_as_de() -> None:
    generated = str(
        TD3CodeGenerator(
            "P", "D", "MUSTERMANN", "ERIKA", "C01X00T47", "D", "640812", "F", "310101", force=True
        )
    )
    mrz = parse_mrz(generated, today=TODAY)
    assert (mrz.issuing_state, mrz.nationality) == ("DE", "DE")


def test_an_identity_card_number_longer_than_nine_characters_is_read_whole() -> None:
    # ICAO 9303 Part 5: nine characters, '<' in place of the check digit, the rest of the number
    # and its check digit at the start of the optional data (the specimen number D23145890734)
    line1 = "I<UTOD23145890<7349<<<<<<<<<<<"
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    text = "\n".join([line1, line2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"])
    assert parse_mrz(text, today=TODAY).document_number == "D23145890734"
    assert "document number check digit is 8, computed 9" in _errors(_replace(text, 1, 19, "8"))


def test_a_single_name_without_secondary_identifier_is_all_surname() -> None:
    generated = str(
        TD3CodeGenerator(
            "P", "IDN", "SUKARNI", "", "B1234567", "IDN", "900101", "F", "300101", force=True
        )
    )
    mrz = parse_mrz(generated, today=TODAY)
    assert (mrz.surname, mrz.given_names) == ("SUKARNI", "")
    assert mrz.record_fields()["given_names"] is None


# -- cross-checks against the independent `mrz` library -------------------------------------

_MRZ_TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", max_size=20)


@given(_MRZ_TEXT)
@settings(max_examples=200)
def test_our_check_digit_agrees_with_the_mrz_library(data: str) -> None:
    assert check_digit(data) == hash_string(data)


_NAMES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12)
_DATES = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2025, 12, 31))
_EXPIRY = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2070, 12, 31))


@given(
    surname=_NAMES,
    given_name=_NAMES,
    number=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=5, max_size=9),
    born=_DATES,
    expires=_EXPIRY,
    sex=st.sampled_from("FM"),
    state=st.sampled_from(["CHN", "VNM", "THA", "PHL", "MMR", "KHM", "LAO", "IDN", "D"]),
    corrupt=st.integers(min_value=-1, max_value=43),
)
@settings(max_examples=150, deadline=None)
def test_parser_and_mrz_library_agree_on_valid_and_corrupted_passports(
    surname: str,
    given_name: str,
    number: str,
    born: dt.date,
    expires: dt.date,
    sex: str,
    state: str,
    corrupt: int,
) -> None:
    text = str(
        TD3CodeGenerator(
            "P",
            state,
            surname,
            given_name,
            number,
            state,
            born.strftime("%y%m%d"),
            sex,
            expires.strftime("%y%m%d"),
            force=True,
        )
    )
    check_positions = [9, 19, 27, 42, 43]
    if corrupt >= 0:
        pos = check_positions[corrupt % len(check_positions)]
        lines = text.split("\n")
        old = lines[1][pos]
        new = str((int(old) + 1) % 10) if old.isdigit() else "1"
        lines[1] = lines[1][:pos] + new + lines[1][pos + 1 :]
        text = "\n".join(lines)
    library_ok = bool(TD3CodeChecker(text))
    try:
        mrz = parse_mrz(text, today=TODAY)
    except InputError:
        ours_ok = False
    else:
        ours_ok = True
        assert mrz.surname == surname
        assert mrz.date_of_birth == born
        assert mrz.expiry_date == expires
    assert ours_ok == library_ok


def test_the_visa_specimen_passes_the_mrz_library_checker_too() -> None:
    assert bool(MRVACodeChecker(MRVA))


# -- the command ------------------------------------------------------------------------------


def test_the_mrz_command_prints_the_fields_in_both_languages_from_standard_input() -> None:
    result = CliRunner().invoke(app, ["records", "mrz", "-"], input=TD3 + "\n")
    assert result.exit_code == 0, result.output
    assert "ERIKSSON" in result.output
    assert "出生日期" in result.output
    assert "1974-08-12" in result.output
    assert "L898902C3" not in result.output


def test_the_mrz_command_gives_json_and_exit_status_2_on_a_bad_check_digit() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["records", "mrz", *TD1.split("\n"), "--json"])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["format"] == "TD1"
    assert parsed["record"]["date_of_birth"] == "1974-08-12"
    assert parsed["record"]["document_number_hash"] == document_hash("D23145890")
    assert "document_number" not in parsed
    bad = runner.invoke(app, ["records", "mrz", _replace(TD3, 2, 10, "3")])
    assert bad.exit_code == 2
    assert "document number check digit is 3, computed 6" in bad.output
