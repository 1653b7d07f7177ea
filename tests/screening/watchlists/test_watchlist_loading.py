from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from watchlist_helpers import TODAY

from palermo.errors import InputError
from palermo.records.hashing import document_hash
from palermo.screening.watchlists import (
    EntryKind,
    load_directory,
    load_stored,
    read_watchlist,
    save_watchlist,
)

INFO = {
    "id": "missing-children",
    "owner": "National police",
    "purpose": "find children reported missing",
    "legal_basis": "Child Protection Act (test)",
    "expires": "2027-01-31",
}


def test_a_yaml_list_is_read_with_its_description_and_entries(list_yaml: Path) -> None:
    watchlist = read_watchlist(list_yaml, today=TODAY)
    assert watchlist.info.list_id == "trafficking-suspects"
    assert watchlist.info.owner == "Anti-trafficking office"
    assert watchlist.info.expires == dt.date(2027, 12, 31)
    assert watchlist.info.threshold == 85
    kinds = [e.kind for e in watchlist.entries]
    assert kinds == [EntryKind.PERSON, EntryKind.PERSON, EntryKind.ORGANISATION, EntryKind.CONTACT]
    assert watchlist.entries[1].names == ("Santos Maria Luisa",)
    assert watchlist.entries[1].phones == ("639175550101",)


def test_document_numbers_are_kept_only_as_their_keyed_hash(
    list_yaml: Path, tmp_path: Path
) -> None:
    watchlist = read_watchlist(list_yaml, today=TODAY)
    assert watchlist.entries[0].document_hash == document_hash("E1234567")
    stored = save_watchlist(watchlist, tmp_path / "lists")
    assert b"E1234567" not in stored.read_bytes()


def test_a_csv_list_takes_its_description_from_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "children.csv"
    path.write_text(
        "id,names,date_of_birth,nationality\n"
        "C1,李小红|LI Xiaohong,2012-05-01,CN\n"
        "C2,Nguyen Thi Mai,2011-02-03,VN\n",
        encoding="utf-8",
    )
    watchlist = read_watchlist(path, info=INFO, today=TODAY)
    assert watchlist.info.list_id == "missing-children"
    assert watchlist.entries[0].names == ("李小红", "LI Xiaohong")
    assert watchlist.entries[1].date_of_birth == dt.date(2011, 2, 3)


def test_every_broken_value_is_named_with_file_row_and_field(tmp_path: Path) -> None:
    path = tmp_path / "children.csv"
    path.write_text(
        "id,names,date_of_birth,nationality,phones\n"
        "C1,Li Xiaohong,2012-13-01,CN,\n"
        ",Nguyen Thi Mai,2011-02-03,XX,12\n"
        "C1,Somchai,,TH,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_watchlist(path, info=INFO, today=TODAY)
    text = str(err.value)
    assert f"{path} row 1: field 'date_of_birth' value '2012-13-01'" in text
    assert f"{path} row 2: field 'id'" in text
    assert f"{path} row 2: field 'nationality' value 'XX'" in text
    assert f"{path} row 2: field 'phones' value '12'" in text
    assert f"{path} row 3: field 'id' value 'C1': duplicate id (first used at {path} row 1)" in text


def test_a_list_without_owner_purpose_legal_basis_or_expiry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "A", "names": ["Maria Santos"]}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_watchlist(path, info={"id": "x"}, today=TODAY)
    fields = {p.field for p in err.value.problems}
    assert {"owner", "purpose", "legal_basis", "expires"} <= fields


def test_an_already_expired_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": "A", "names": ["Maria Santos"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match="already expired"):
        read_watchlist(path, info={**INFO, "expires": "2026-05-31"}, today=TODAY)


def test_unknown_fields_and_kinds_are_reported_not_ignored(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"id": "A", "names": ["Maria Santos"], "birthday": "2000-01-01"}\n'
        '{"id": "B", "kind": "vehicle", "names": ["ABC 123"]}\n'
        "not json\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_watchlist(path, info=INFO, today=TODAY)
    assert f"{path} line 3" in str(err.value)
    path.write_text(path.read_text(encoding="utf-8").replace("not json\n", ""), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_watchlist(path, info=INFO, today=TODAY)
    text = str(err.value)
    assert "field 'birthday'" in text
    assert "field 'kind' value 'vehicle'" in text


def test_a_json_lines_list_with_bytes_that_are_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(
        b'{"id": "A", "names": ["Maria Santos"]}\n{"id": "B", "names": ["\xff\xfe"]}\n'
        + b"[" * 100_000
        + b"\n"
    )
    with pytest.raises(InputError) as err:
        read_watchlist(path, info=INFO, today=TODAY)
    by_line = {p.where: p.rule for p in err.value.problems}
    assert "not UTF-8 text" in by_line[f"{path} line 2"]
    assert "nested too deeply" in by_line[f"{path} line 3"]


def test_a_json_lines_list_may_begin_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "A", "names": ["Maria Santos"]}\r\n')
    assert [e.entry_id for e in read_watchlist(path, info=INFO, today=TODAY).entries] == ["A"]


def test_a_stored_list_reads_back_the_same(list_yaml: Path, tmp_path: Path) -> None:
    watchlist = read_watchlist(list_yaml, today=TODAY)
    path = save_watchlist(watchlist, tmp_path / "lists")
    assert path.name == "trafficking-suspects.parquet"
    assert load_stored(path) == watchlist
    assert load_directory(tmp_path / "lists", today=TODAY) == [watchlist]


def test_storing_a_list_that_cannot_be_written_leaves_the_old_version(
    list_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watchlist = read_watchlist(list_yaml, today=TODAY)
    path = save_watchlist(watchlist, tmp_path / "lists")
    before = path.read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        save_watchlist(watchlist, tmp_path / "lists")
    assert path.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "lists").iterdir()) == [path.name]
