"""Palermo's cases in the CTDC layout and HTCDS fields (palermo.interchange.ctdc_export): what
each case becomes, and that no released combination of any subset of the released columns, in
either file, describes fewer than 11 cases."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.interchange.ctdc import RAW_COLUMNS
from palermo.interchange.ctdc_export import (
    HTCDS_COLUMNS,
    QUASI_IDENTIFIERS,
    CaseFacts,
    age_band,
    ctdc_values,
    export_cases,
)


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _smallest(rows: list[dict[str, str]], columns: tuple[str, ...]) -> int | None:
    smallest = None
    for size in range(1, len(columns) + 1):
        for subset in itertools.combinations(columns, size):
            counts = Counter(tuple(r[c] for c in subset) for r in rows)
            least = min(counts.values(), default=None)
            if least is not None and (smallest is None or least < smallest):
                smallest = least
    return smallest


def test_a_case_becomes_the_ctdc_variables_palermo_knows() -> None:
    facts = CaseFacts(
        opened=dt.date(2026, 5, 2),
        outcome="possible",
        sex="M",
        date_of_birth=dt.date(2009, 5, 3),  # 16 the day before his 17th birthday
        nationality="MM",
        event_kind="exit",
        destination="TH",
        assessed_sets={"CHL": "possible_victim", "CHS": "indicators_insufficient"},
    )
    assert ctdc_values(facts) == {
        "yearOfRegistration": "2026",
        "gender": "Male",
        "ageBroad": "9--17",
        "majorityStatus": "Minor",
        "citizenship": "MM",
        "CountryOfExploitation": "TH",
        "isForcedLabour": "1",
        "isSexualExploit": "0",
    }


def test_an_entry_gives_no_country_of_exploitation_and_no_interview_no_exploitation_type() -> None:
    facts = CaseFacts(opened=dt.date(2026, 1, 1), outcome="presumed", event_kind="entry",
                      destination="CN")  # fmt: skip
    values = ctdc_values(facts)
    assert values["CountryOfExploitation"] is None
    assert values["isForcedLabour"] is None
    assert values["gender"] is None


def test_age_bands_follow_ctdc_s_irregular_bands() -> None:
    assert [age_band(a) for a in (0, 8, 9, 17, 18, 20, 21, 29, 30, 38, 39, 47, 48, 90)] == [
        "0--8", "0--8", "9--17", "9--17", "18--20", "18--20", "21--23", "27--29",
        "30--38", "30--38", "39--47", "39--47", "48+", "48+",
    ]  # fmt: skip


def test_a_child_in_need_of_protection_without_a_finding_is_not_exported() -> None:
    cases = [CaseFacts(dt.date(2026, 1, 1), "presumed", sex="F")] * 11
    cases += [CaseFacts(dt.date(2026, 1, 1), "child_at_risk", sex="F")] * 11
    out = export_cases(cases)
    assert out.not_victim_records == 11
    assert len(_rows(out.ctdc_csv)) == 11


def test_the_ctdc_file_has_the_63_variables_and_minus_99_where_palermo_knows_nothing() -> None:
    out = export_cases([CaseFacts(dt.date(2026, 1, 1), "presumed", sex="F")] * 11)
    rows = _rows(out.ctdc_csv)
    assert tuple(rows[0]) == RAW_COLUMNS
    assert rows[0]["Datasource"] == "Case Management"
    assert rows[0]["isForcedMarriage"] == "-99"
    assert rows[0]["citizenship"] == "-99"
    assert tuple(_rows(out.htcds_csv)[0]) == HTCDS_COLUMNS


facts_strategy = st.builds(
    CaseFacts,
    opened=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    outcome=st.sampled_from(["possible", "presumed", "child_at_risk"]),
    sex=st.sampled_from([None, "F", "M", "X"]),
    date_of_birth=st.one_of(st.none(), st.dates(dt.date(1950, 1, 1), dt.date(2020, 1, 1))),
    nationality=st.sampled_from([None, "CN", "VN", "MM", "TH", "IS"]),
    event_kind=st.sampled_from([None, "entry", "exit", "visa_application"]),
    destination=st.sampled_from([None, "TH", "MY", "AE"]),
    assessed_sets=st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(["ADL", "ADS", "CHL", "CHS"]),
            st.sampled_from(["presumed_victim", "possible_victim", "indicators_insufficient"]),
        ),
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(facts_strategy, max_size=300))
def test_no_released_combination_in_either_file_describes_fewer_than_11_cases(
    cases: list[CaseFacts],
) -> None:
    out = export_cases(cases)
    ctdc = _rows(out.ctdc_csv)
    htcds = _rows(out.htcds_csv)
    assert len(ctdc) == len(htcds) == out.release.suppression.rows_released
    for smallest in (_smallest(ctdc, QUASI_IDENTIFIERS), _smallest(htcds, HTCDS_COLUMNS)):
        assert smallest is None or smallest >= 11
