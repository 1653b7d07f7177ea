"""Profile, named-list and watchlist fuzzing: the shipped YAML with mutated lines (dropped,
doubled, re-indented, cut, odd values, aliases) and watchlist CSV rows with mutated cells give
a result or problems with their place, never another exception."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from mutations import FUZZ, WORK_DIR, mutated_lines, odd_value, read_or_refused

from palermo.profiles.loader import check_texts
from palermo.screening.watchlists.loading import read_watchlist

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "src" / "palermo" / "profiles" / "examples"
PROFILES = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.yaml"))}
LISTS = {p.name: p.read_text(encoding="utf-8") for p in sorted((EXAMPLES / "lists").glob("*.yaml"))}
WATCHLIST = """\
list:
  id: trafficking-suspects
  title: Recruiters under investigation
  owner: Anti-trafficking office
  purpose: identify recruiters and victims travelling with them
  legal_basis: Anti-Trafficking Act s. 12 (test)
  expires: 2027-12-31
  threshold: 85
entries:
  - id: P1
    kind: person
    names: ["张伟", "ZHANG Wei"]
    date_of_birth: 1990-03-07
    nationality: CN
    document_number: E1234567
  - id: O1
    kind: organisation
    names: ["Golden Star Manpower Sdn. Bhd."]
    registration_numbers: ["MY-123456-X"]
  - id: C1
    kind: contact
    phones: ["+855 12 345 678"]
    emails: ["jobs.abroad@example.com"]
"""
CSV_HEADER = ["id", "kind", "surname", "given_names", "date_of_birth", "nationality", "phones"]
CSV_ROW = ["P9", "person", "SANTOS", "Maria", "1985-11-20", "PH", "+63 917 555 0101"]
ALIASES = ["x: &a [1, 2]", "y: *a", "<<: *a", "z: &b {k: v}"]


@st.composite
def mutated_profile_set(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, str]]:
    name = draw(st.sampled_from(sorted(PROFILES)))
    text = draw(mutated_lines(PROFILES[name]))
    if draw(st.integers(0, 4)) == 0:
        text += "\n".join(draw(st.lists(st.sampled_from(ALIASES), max_size=3))) + "\n"
    lists = dict(LISTS)
    if draw(st.booleans()):
        list_name = draw(st.sampled_from(sorted(LISTS)))
        lists[list_name] = draw(mutated_lines(LISTS[list_name]))
    return {name: text}, lists


@FUZZ
@given(mutated_profile_set())
def test_a_mutated_profile_or_list_is_checked_with_every_problem_placed(
    case: tuple[dict[str, str], dict[str, str]],
) -> None:
    profiles, lists = case
    result = read_or_refused(lambda: check_texts(profiles, lists))
    if result is not None:
        profile_set, problems = result  # type: ignore[misc]
        assert profile_set is not None or problems
        assert all(p.where for p in problems)


@FUZZ
@given(mutated_lines(WATCHLIST))
def test_a_mutated_watchlist_yaml_is_read_or_refused(text: str) -> None:
    path = WORK_DIR / "list.yaml"
    path.write_text(text, encoding="utf-8")
    read_or_refused(lambda: read_watchlist(path))


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(CSV_ROW) - 1), odd_value), max_size=6), st.data())
def test_a_watchlist_csv_with_mutated_cells_is_read_or_refused(
    changes: list[tuple[int, str]], data: st.DataObject
) -> None:
    rows = [list(CSV_ROW) for _ in range(3)]
    for column, value in changes:
        rows[data.draw(st.integers(0, 2))][column] = value
    out = io.StringIO()
    csv.writer(out).writerows([CSV_HEADER, *rows])
    path = WORK_DIR / "list.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    info = {"id": "fuzz", "owner": "Unit A", "purpose": "testing", "legal_basis": "test"}
    read_or_refused(lambda: read_watchlist(path, info=info))
