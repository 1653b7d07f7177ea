"""Reading watchlists from YAML, CSV and JSON Lines, and keeping them in a watchlist directory.

A YAML file holds the list's description under ``list:`` and its entries under ``entries:``;
CSV and JSON Lines files hold entries only, and the description comes from the caller (the
``palermo watchlist import`` options). Every broken value is reported at once, naming file,
row, field, value and rule; nothing is stored unless the whole list is valid.

Entry fields: ``id``, ``kind`` (person, organisation, contact), ``names`` (a list; in CSV names
separated by ``|``), or ``name``, or ``surname`` + ``given_names`` and ``name_native``;
``date_of_birth``, ``nationality`` (ISO 3166 alpha-2), ``document_number`` (hashed on reading,
never stored) or ``document_number_hash``; ``registration_numbers``, ``phones``, ``emails``
(lists, or ``|``-separated in CSV; the singular names are accepted too); ``note``.

In the directory each list is one Parquet file, ``<list id>.parquet``, with its description in
the file's metadata; it is written to a temporary file and renamed, so a reader never sees a
half-written list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from palermo.errors import InputError, Location, Place, Problem
from palermo.lib import yamlsafe
from palermo.lib.files import atomic_path
from palermo.records.hashing import document_hash
from palermo.records.schema import COUNTRY_CODES
from palermo.screening.watchlists.model import (
    DEFAULT_THRESHOLD,
    FORMAT_VERSION,
    LIST_ID,
    MAX_PHONE_DIGITS,
    MIN_PHONE_DIGITS,
    Entry,
    EntryKind,
    ListInfo,
    Watchlist,
    normalise_email,
    normalise_phone,
    normalise_registration,
)

MAX_PROBLEMS = 50


def local_today() -> dt.date:
    """Today's date where Palermo runs (lists expire at the end of their expiry day)."""
    return dt.datetime.now(dt.UTC).astimezone().date()


INFO_FIELDS = ("id", "title", "owner", "purpose", "legal_basis", "expires", "threshold")
REQUIRED_INFO = ("id", "owner", "purpose", "legal_basis", "expires")
ENTRY_FIELDS = frozenset(
    {
        "id",
        "kind",
        "name",
        "names",
        "surname",
        "given_names",
        "name_native",
        "date_of_birth",
        "nationality",
        "document_number",
        "document_number_hash",
        "registration_number",
        "registration_numbers",
        "phone",
        "phones",
        "email",
        "emails",
        "note",
    }
)
LIST_FIELDS = ("names", "registration_numbers", "phones", "emails")
SINGULAR = {
    "name": "names",
    "registration_number": "registration_numbers",
    "phone": "phones",
    "email": "emails",
}
ENTRIES_SCHEMA = pa.schema(
    [
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("names", pa.list_(pa.string())),
        pa.field("date_of_birth", pa.date32()),
        pa.field("nationality", pa.string()),
        pa.field("document_hash", pa.string()),
        pa.field("registration_numbers", pa.list_(pa.string())),
        pa.field("phones", pa.list_(pa.string())),
        pa.field("emails", pa.list_(pa.string())),
        pa.field("note", pa.string()),
    ]
)
META_KEY = b"palermo.watchlist"


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0

    def add(
        self,
        where: Location,
        rule: str,
        rule_zh: str,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(
                Problem(at=where, rule=rule, rule_zh=rule_zh, field=field, value=value)
            )

    def raise_if_any(self) -> None:
        if self.total:
            raise InputError(self.items, total=self.total)


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def parse_info(
    raw: Mapping[str, Any], *, where: Location, today: dt.date | None = None
) -> ListInfo:
    """Validate a list's description; raise ``InputError`` naming every missing or bad field."""
    problems = _Problems()
    unknown = sorted(set(raw) - set(INFO_FIELDS))
    for name in unknown:
        problems.add(
            where,
            f"unknown list field (known: {', '.join(INFO_FIELDS)})",
            f"未知的名单字段（已知字段：{'、'.join(INFO_FIELDS)}）",
            name,
        )
    for name in REQUIRED_INFO:
        if raw.get(name) in (None, ""):
            problems.add(
                where,
                "required: every list names its owner, purpose, legal basis and expiry date",
                "必填：每份名单都要写明所有者、用途、法律依据和到期日期",
                name,
            )
    list_id = str(raw.get("id") or "")
    if list_id and not LIST_ID.match(list_id):
        problems.add(
            where,
            "must be 1-64 lower-case letters, digits, '-' or '_'",
            "必须是 1 到 64 个小写字母、数字、'-' 或 '_'",
            "id",
            list_id,
        )
    expires: dt.date | None = None
    if raw.get("expires") not in (None, ""):
        try:
            expires = _parse_date(raw["expires"])
        except ValueError:
            problems.add(
                where,
                "must be a date YYYY-MM-DD",
                "必须是 YYYY-MM-DD 格式的日期",
                "expires",
                raw["expires"],
            )
        else:
            if today is not None and expires < today:
                problems.add(
                    where,
                    "the list has already expired; renew its legal basis first",
                    "名单已过期；请先更新其法律依据",
                    "expires",
                    str(expires),
                )
    threshold = DEFAULT_THRESHOLD
    if raw.get("threshold") not in (None, ""):
        try:
            threshold = int(str(raw["threshold"]))
        except ValueError:
            threshold = -1
        if not 0 <= threshold <= 100:
            problems.add(
                where,
                "must be a whole number from 0 to 100",
                "必须是 0 到 100 之间的整数",
                "threshold",
                raw["threshold"],
            )
    problems.raise_if_any()
    assert expires is not None
    return ListInfo(
        list_id=list_id,
        title=str(raw.get("title") or list_id),
        owner=str(raw["owner"]),
        purpose=str(raw["purpose"]),
        legal_basis=str(raw["legal_basis"]),
        expires=expires,
        threshold=threshold,
    )


def _as_list(value: Any, *, split_bars: bool) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    parts = text.split("|") if split_bars else [text]
    return [p.strip() for p in parts if p.strip()]


def parse_entry(
    row: Mapping[str, Any],
    *,
    where: Location,
    problems: _Problems,
    split_bars: bool,
    today: dt.date,
) -> Entry | None:
    """One entry from a mapping; problems are collected, ``None`` when the entry is broken."""
    before = problems.total
    for name in sorted(set(row) - ENTRY_FIELDS):
        problems.add(
            where,
            "unknown entry field (see 'palermo watchlist import --help')",
            "未知的条目字段（见 'palermo watchlist import --help'）",
            name,
        )
    entry_id = str(row.get("id") or "").strip()
    if not entry_id:
        problems.add(where, "required: every entry has an id", "必填：每个条目都要有编号", "id")
    kind = _entry_kind(row, where, problems)
    values = _listed_values(row, split_bars=split_bars)
    born = _birth_date(row, where, problems, today=today)
    nationality = str(row.get("nationality") or "").strip().upper() or None
    if nationality is not None and nationality not in COUNTRY_CODES:
        problems.add(
            where,
            "must be an ISO 3166 alpha-2 country code",
            "必须是 ISO 3166 两字母国家代码",
            "nationality",
            nationality,
        )
    doc_hash = _document_hash(row, where, problems)
    phones = _phones(values["phones"], where, problems)
    emails = _emails(values["emails"], where, problems)
    registrations = [normalise_registration(r) for r in values["registration_numbers"]]
    if any(not r for r in registrations):
        problems.add(
            where,
            "a registration number needs letters or digits",
            "登记号须包含字母或数字",
            "registration_numbers",
        )
    names = list(dict.fromkeys(values["names"]))
    _check_identifies(
        kind,
        where,
        problems,
        identifiers=(names, doc_hash, phones, emails, registrations),
        personal=(born, doc_hash, nationality),
    )
    if problems.total > before:
        return None
    return Entry(
        entry_id=entry_id,
        kind=kind,
        names=tuple(names),
        date_of_birth=born,
        nationality=nationality,
        document_hash=doc_hash,
        registration_numbers=tuple(dict.fromkeys(registrations)),
        phones=tuple(dict.fromkeys(phones)),
        emails=tuple(dict.fromkeys(emails)),
        note=str(row.get("note") or "").strip() or None,
    )


def _entry_kind(row: Mapping[str, Any], where: Location, problems: _Problems) -> EntryKind:
    kind_text = str(row.get("kind") or "person").strip().lower()
    try:
        return EntryKind(kind_text)
    except ValueError:
        problems.add(
            where,
            "must be one of person, organisation, contact",
            "必须是 person、organisation 或 contact",
            "kind",
            kind_text,
        )
        return EntryKind.PERSON


def _listed_values(row: Mapping[str, Any], *, split_bars: bool) -> dict[str, list[str]]:
    """Names, registration numbers, phones and e-mails, from the plural and singular fields;
    a person's surname and given names as one name, the name in its own script as another."""
    values: dict[str, list[str]] = {name: [] for name in LIST_FIELDS}
    for name in (*LIST_FIELDS, *SINGULAR):
        target = SINGULAR.get(name, name)
        values[target].extend(_as_list(row.get(name), split_bars=split_bars))
    surname = str(row.get("surname") or "").strip()
    given = str(row.get("given_names") or "").strip()
    if surname or given:
        values["names"].append(f"{surname} {given}".strip())
    native = str(row.get("name_native") or "").strip()
    if native:
        values["names"].append(native)
    return values


def _birth_date(
    row: Mapping[str, Any], where: Location, problems: _Problems, *, today: dt.date
) -> dt.date | None:
    if row.get("date_of_birth") in (None, ""):
        return None
    try:
        born = _parse_date(row["date_of_birth"])
    except ValueError:
        problems.add(
            where,
            "must be a date YYYY-MM-DD",
            "必须是 YYYY-MM-DD 格式的日期",
            "date_of_birth",
            row["date_of_birth"],
        )
        return None
    if born > today:
        problems.add(where, "must not be in the future", "不能晚于今天", "date_of_birth", str(born))
    return born


def _document_hash(row: Mapping[str, Any], where: Location, problems: _Problems) -> str | None:
    """The keyed hash of the document number: computed from a plain number (never kept), or
    given as 32 hexadecimal digits; not both."""
    plain = str(row.get("document_number") or "").strip()
    hashed = str(row.get("document_number_hash") or "").strip()
    if plain and hashed:
        problems.add(
            where,
            "give either document_number or document_number_hash, not both",
            "document_number 与 document_number_hash 只能给出其一",
            "document_number",
        )
    doc_hash = document_hash(plain) if plain else (hashed.lower() or None)
    if doc_hash is not None and (
        len(doc_hash) != 32 or any(c not in "0123456789abcdef" for c in doc_hash)
    ):
        problems.add(
            where,
            "must be a 32-digit hexadecimal keyed hash",
            "必须是 32 位十六进制的带密钥哈希值",
            "document_number_hash",
            hashed,
        )
    return doc_hash


def _phones(raw: list[str], where: Location, problems: _Problems) -> list[str]:
    phones: list[str] = []
    for phone in raw:
        digits = normalise_phone(phone)
        if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            problems.add(
                where,
                "a phone number has 6 to 15 digits",
                "电话号码应有 6 到 15 位数字",
                "phones",
                phone,
            )
        phones.append(digits)
    return phones


def _emails(raw: list[str], where: Location, problems: _Problems) -> list[str]:
    emails: list[str] = []
    for email in raw:
        norm = normalise_email(email)
        local, _, domain = norm.partition("@")
        if not local or "." not in domain or " " in norm:
            problems.add(where, "not an e-mail address", "不是电子邮件地址", "emails", email)
        emails.append(norm)
    return emails


def _check_identifies(
    kind: EntryKind,
    where: Location,
    problems: _Problems,
    *,
    identifiers: tuple[list[str], str | None, list[str], list[str], list[str]],
    personal: tuple[dt.date | None, str | None, str | None],
) -> None:
    """An entry can be matched by what its kind is matched by (``identifiers``: names,
    document hash, phones, e-mails, registrations); ``personal`` details (date of birth,
    document, nationality) belong to persons only."""
    names, doc_hash, phones, emails, registrations = identifiers
    if kind is EntryKind.PERSON and not (names or doc_hash or phones or emails):
        problems.add(
            where,
            "a person needs a name, a document number or a contact point",
            "个人条目需要姓名、证件号码或联系方式",
        )
    if kind is EntryKind.ORGANISATION and not (names or registrations or phones or emails):
        problems.add(
            where,
            "an organisation needs a name, a registration number or a contact",
            "机构条目需要名称、登记号或联系方式",
        )
    if kind is EntryKind.CONTACT and not (phones or emails):
        problems.add(
            where,
            "a contact point needs a phone number or an e-mail address",
            "联系方式条目需要电话号码或电子邮件地址",
        )
    if kind is not EntryKind.PERSON and any(personal):
        problems.add(
            where,
            "date of birth, nationality and document belong to person entries",
            "出生日期、国籍和证件只适用于个人条目",
        )


def _entries(
    rows: Iterable[tuple[Location, Any]], *, split_bars: bool, today: dt.date
) -> tuple[Entry, ...]:
    problems = _Problems()
    entries: list[Entry] = []
    first_seen: dict[str, Location] = {}
    for where, row in rows:
        if not isinstance(row, Mapping):
            problems.add(
                where,
                "each entry must be a mapping of field names to values",
                "每个条目都必须是字段名到取值的映射",
            )
            continue
        raw_id = str(row.get("id") or "").strip()
        if raw_id and raw_id in first_seen:
            problems.add(
                where,
                f"duplicate id (first used at {first_seen[raw_id].text('en')})",
                f"编号重复（首次出现于 {first_seen[raw_id].text('zh')}）",
                "id",
                raw_id,
            )
            continue
        if raw_id:
            first_seen[raw_id] = where
        entry = parse_entry(row, where=where, problems=problems, split_bars=split_bars, today=today)
        if entry is not None:
            entries.append(entry)
    problems.raise_if_any()
    return tuple(entries)


def read_watchlist(
    path: str | Path,
    *,
    info: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Watchlist:
    """Read and validate a watchlist file (YAML, CSV or JSON Lines).

    ``info`` gives or overrides the list's description (id, title, owner, purpose, legal_basis,
    expires, threshold); values that are ``None`` are ignored.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(where=str(path), rule="file not found", rule_zh="找不到文件")])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            [Problem(where=str(path), rule=f"cannot be read: {exc}", rule_zh=f"无法读取：{exc}")]
        ) from None
    return read_watchlist_bytes(data, name=str(path), info=info, today=today)


def read_watchlist_bytes(
    data: bytes,
    *,
    name: str,
    suffix: str | None = None,
    info: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Watchlist:
    """``read_watchlist`` of a file's content held in memory (an upload, never written to disk
    in plain text); ``name`` names the file in problems and, unless ``suffix`` is given, gives
    the type by its suffix."""
    today = today or local_today()
    suffix = (suffix or Path(name).suffix).lower()
    overrides = {k: v for k, v in (info or {}).items() if v is not None}
    readers = {
        ".yaml": _read_yaml_list,
        ".yml": _read_yaml_list,
        ".csv": _read_csv_list,
        ".jsonl": _read_jsonl_list,
    }
    read = readers.get(suffix)
    if read is not None:
        return read(data, name, overrides, today)
    raise InputError(
        [
            Problem(
                where=name,
                rule=f"unknown file type '{suffix}': expected .yaml, .yml, .csv or .jsonl",
                rule_zh=f"未知的文件类型 '{suffix}'：应为 .yaml、.yml、.csv 或 .jsonl",
            )
        ]
    )


def _list_part(path: str) -> Location:
    """A YAML list file's description (its ``list`` mapping)."""
    return Location(path, (Place("list"),))


def _read_yaml_list(
    data: bytes, path: str, overrides: Mapping[str, Any], today: dt.date
) -> Watchlist:
    """A YAML list: its description under ``list`` (``overrides`` win), entries under
    ``entries``."""
    doc = yamlsafe.load(data, path)
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise InputError(
            [
                Problem(
                    where=path,
                    rule="expected a mapping with 'list' and 'entries'",
                    rule_zh="应为含有 'list' 和 'entries' 的映射",
                )
            ]
        )
    raw_info = doc.get("list") or {}
    if not isinstance(raw_info, dict):
        raise InputError(
            [Problem(at=_list_part(path), rule="must be a mapping", rule_zh="必须是映射")]
        )
    list_info = parse_info({**raw_info, **overrides}, where=_list_part(path), today=today)
    rows = [(Location(path, (Place("entry", i),)), row) for i, row in enumerate(doc["entries"], 1)]
    return Watchlist(list_info, _entries(rows, split_bars=False, today=today))


def _read_csv_list(
    data: bytes, path: str, overrides: Mapping[str, Any], today: dt.date
) -> Watchlist:
    """A CSV list: one entry per row (several values in a cell separated by ``|``); the
    description comes from ``overrides``."""
    list_info = parse_info(
        overrides, where=Location(path, (Place("list_description"),)), today=today
    )
    try:
        with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            csv_rows = [(Location.row(path, i), dict(r)) for i, r in enumerate(reader, start=1)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            [
                Problem(
                    where=path,
                    rule=f"not a readable CSV: {exc}",
                    rule_zh=f"不是可读取的 CSV：{exc}",
                )
            ]
        ) from None
    for where, row in csv_rows:
        if None in row:
            raise InputError(
                [
                    Problem(
                        at=where,
                        rule="more cells than header columns",
                        rule_zh="单元格数多于标题列数",
                    )
                ]
            )
    return Watchlist(list_info, _entries(csv_rows, split_bars=True, today=today))


def _read_jsonl_list(
    data: bytes, path: str, overrides: Mapping[str, Any], today: dt.date
) -> Watchlist:
    """A JSON Lines list: one entry per line; the description comes from ``overrides``."""
    list_info = parse_info(
        overrides, where=Location(path, (Place("list_description"),)), today=today
    )
    json_rows: list[tuple[Location, Any]] = []
    problems = _Problems()
    for lineno, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        where = Location.line(path, lineno)
        try:  # each line decoded on its own, so a bad byte is named with its line
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(where, f"not UTF-8 text: {exc}", f"不是 UTF-8 文本：{exc}")
            continue
        if not line.strip():
            continue
        try:
            json_rows.append((where, json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.add(where, f"invalid JSON: {exc}", f"JSON 无效：{exc}")
        except RecursionError:
            problems.add(where, "JSON nested too deeply", "JSON 嵌套层数过多")
    problems.raise_if_any()
    return Watchlist(list_info, _entries(json_rows, split_bars=False, today=today))


# --- the watchlist directory ----------------------------------------------------------------


def _info_json(info: ListInfo) -> bytes:
    return json.dumps(
        {
            "format_version": FORMAT_VERSION,
            "id": info.list_id,
            "title": info.title,
            "owner": info.owner,
            "purpose": info.purpose,
            "legal_basis": info.legal_basis,
            "expires": info.expires.isoformat(),
            "threshold": info.threshold,
        },
        ensure_ascii=False,
    ).encode("utf-8")


def entries_table(entries: Iterable[Entry]) -> pa.Table:
    rows = list(entries)
    return pa.table(
        {
            "entry_id": [e.entry_id for e in rows],
            "kind": [e.kind.value for e in rows],
            "names": [list(e.names) for e in rows],
            "date_of_birth": [e.date_of_birth for e in rows],
            "nationality": [e.nationality for e in rows],
            "document_hash": [e.document_hash for e in rows],
            "registration_numbers": [list(e.registration_numbers) for e in rows],
            "phones": [list(e.phones) for e in rows],
            "emails": [list(e.emails) for e in rows],
            "note": [e.note for e in rows],
        },
        schema=ENTRIES_SCHEMA,
    )


def save_watchlist(watchlist: Watchlist, directory: str | Path) -> Path:
    """Store a list as ``<directory>/<list id>.parquet`` atomically (replacing an older version)."""
    target = Path(directory) / f"{watchlist.info.list_id}.parquet"
    table = entries_table(watchlist.entries).replace_schema_metadata(
        {META_KEY: _info_json(watchlist.info)}
    )
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


def read_stored_info(path: Path) -> ListInfo:
    meta = pq.read_schema(path).metadata or {}
    if META_KEY not in meta:
        raise InputError(
            [
                Problem(
                    where=str(path),
                    rule="not a Palermo watchlist file",
                    rule_zh="不是 Palermo 名单文件",
                )
            ]
        )
    raw = json.loads(meta[META_KEY])
    if raw.get("format_version") != FORMAT_VERSION:
        raise InputError(
            [
                Problem(
                    where=str(path),
                    rule=f"unsupported format version {raw.get('format_version')}",
                    rule_zh=f"不支持的格式版本 {raw.get('format_version')}",
                )
            ]
        )
    raw.pop("format_version")
    return parse_info(raw, where=Location(str(path)))


def load_stored(path: str | Path) -> Watchlist:
    path = Path(path)
    info = read_stored_info(path)
    table = pq.read_table(path, schema=ENTRIES_SCHEMA)
    cols = {name: table.column(name).to_pylist() for name in ENTRIES_SCHEMA.names}
    entries = tuple(
        Entry(
            entry_id=cols["entry_id"][i],
            kind=EntryKind(cols["kind"][i]),
            names=tuple(cols["names"][i] or ()),
            date_of_birth=cols["date_of_birth"][i],
            nationality=cols["nationality"][i],
            document_hash=cols["document_hash"][i],
            registration_numbers=tuple(cols["registration_numbers"][i] or ()),
            phones=tuple(cols["phones"][i] or ()),
            emails=tuple(cols["emails"][i] or ()),
            note=cols["note"][i],
        )
        for i in range(table.num_rows)
    )
    return Watchlist(info, entries)


def stored_lists(directory: str | Path) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(
            [
                Problem(
                    where=str(directory),
                    rule="watchlist directory not found",
                    rule_zh="找不到名单目录",
                )
            ]
        )
    return sorted(p for p in directory.glob("*.parquet") if not p.name.startswith("."))


def load_directory(
    directory: str | Path, *, today: dt.date | None = None, include_expired: bool = False
) -> list[Watchlist]:
    """Every stored list in ``directory``; expired lists are left out unless asked for, because
    their legal basis for matching has lapsed."""
    today = today or local_today()
    out: list[Watchlist] = []
    for path in stored_lists(directory):
        if not include_expired and read_stored_info(path).expired(today):
            continue
        out.append(load_stored(path))
    return out
