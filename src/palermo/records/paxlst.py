"""UN/EDIFACT PAXLST (Advance Passenger Information) messages into traveller records.

Segments are read with pydifact; this module walks them as the PAXLST message structure lays
them out (WCO/IATA/ICAO API guidelines, directory D02B and later):

* ``UNA``/``UNB`` … ``UNZ`` the interchange, optionally ``UNG``/``UNE``; ``UNH`` … ``UNT`` one
  message, ``BGM+745`` a passenger list;
* the flight: ``TDT+20+<flight>``, ``LOC+125`` departure airport with ``DTM+189`` departure,
  ``LOC+87`` arrival airport with ``DTM+232`` arrival;
* each passenger: ``NAD+FL+++surname:given:given``, ``ATT+2++F|M|X|U`` sex, ``DTM+329`` birth,
  ``LOC+178`` embarkation, ``LOC+179`` disembarkation, ``LOC+22`` final destination, ``NAT+2``
  nationality, ``RFF+AVF`` reservation (booking) reference, ``COM`` contact, then per document
  ``DOC+<type>+<number>``, ``DTM+36`` expiry, ``DTM+182`` issue, ``LOC+91`` issuing state;
* ``CNT+42`` the number of passengers, checked when the message is the only one of its flight.

Crew (``NAD+FM``, ``DDT``, ``DDU``) is counted, not read: the record describes travellers.

The direction comes from the reporting country (``reporting_country`` or the
``PALERMO_REPORTING_COUNTRY`` setting): a flight arriving there is an ``entry`` at its arrival
airport; one leaving from there is an ``exit`` at its departure airport. Airports become
countries through ``data/airports.yaml``; an airport missing there is an error naming it.

All or nothing: a message with any problem (a malformed segment, a bad passenger) keeps none of
its passengers, and every problem is reported, each naming segment position (counted from the
start of the interchange, so it is the line number when each segment has its own line), tag,
element and, for a passenger, which one. ``Manifest.accepted`` holds the messages without
problems; ``palermo.records.readers.read_paxlst`` raises unless every message was accepted.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory

from palermo.errors import InputError, Problem
from palermo.records.hashing import document_hash
from palermo.records.mrz import Note, icao_country
from palermo.records.schema import COUNTRY_CODES

PAXLST_SEGMENTS = frozenset(
    {"UNH", "BGM", "RFF", "DTM", "NAD", "COM", "TDT", "LOC", "ATT", "MEA", "GEI", "FTX", "NAT"}
    | {"DOC", "EMP", "QTY", "CPI", "CNT", "UNT"}
)
INTERCHANGE_SEGMENTS = frozenset({"UNA", "UNB", "UNG", "UNE", "UNZ"})
CREW_QUALIFIERS = frozenset({"FM", "DDT", "DDU"})
DOCUMENT_TYPES = {
    "P": "passport",
    "PT": "passport",
    "PD": "passport",
    "PS": "passport",
    "PO": "passport",
    "I": "id_card",
    "ID": "id_card",
    "IP": "id_card",
    "AC": "travel_document",
    "C": "travel_document",
    "F": "travel_document",
    "T": "travel_document",
    "V": "visa",
}
SEXES = {"F": "F", "M": "M", "X": "X", "U": None}


# --------------------------------------------------------------------------- airports


@lru_cache(maxsize=1)
def airports() -> dict[str, tuple[str, str]]:
    """IATA airport code → (ISO 3166-1 alpha-2 country, name), from the packaged table."""
    text = resources.files("palermo.records").joinpath("data/airports.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    table = {str(code): (str(v[0]), str(v[1])) for code, v in data["airports"].items()}
    wrong = [code for code, (country, _) in table.items() if country not in COUNTRY_CODES]
    if wrong:  # pragma: no cover - guarded by a test of the packaged table
        raise ValueError(f"airports with unknown country codes: {wrong}")
    return table


# --------------------------------------------------------------------------- parsing


class _PlainFactory(SegmentFactory):
    """pydifact's factory without its XML directory check: this module checks PAXLST itself,
    with messages that name the element, and the directories are not shipped for every
    version (pydifact then warns)."""

    @staticmethod
    def create_segment(
        name: str,
        *elements: Any,
        validate: bool = True,
        version: str = "4",
        directory: str = "",
    ) -> Segment:
        return SegmentFactory.create_segment(
            name, *elements, validate=False, version=version, directory=directory
        )


@dataclass(frozen=True, slots=True)
class _Seg:
    pos: int
    tag: str
    elements: list[Any]

    def get(self, element: int, component: int = 1) -> str:
        """Element and component, 1-based as the EDIFACT directories number them; '' if absent."""
        if element > len(self.elements):
            return ""
        value = self.elements[element - 1]
        if isinstance(value, list):
            return str(value[component - 1]) if component <= len(value) else ""
        return str(value) if component == 1 else ""

    def components(self, element: int) -> list[str]:
        if element > len(self.elements):
            return []
        value = self.elements[element - 1]
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@dataclass(slots=True)
class _Document:
    seg: _Seg
    kind: str
    number: str
    expiry: dt.date | None = None
    issued: dt.date | None = None
    issuing_state: str | None = None


@dataclass(slots=True)
class _Passenger:
    seg: _Seg
    index: int
    surname: str
    given_names: str
    sex: str | None = None
    birth_seg: _Seg | None = None
    born: dt.date | None = None
    nationality: str | None = None
    embark: str | None = None
    disembark: str | None = None
    final: str | None = None
    booking_ref: str | None = None
    phone: str | None = None
    email: str | None = None
    documents: list[_Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PaxlstMessage:
    """One message that was read without a problem; ``records`` are canonical record dicts."""

    reference: str
    flight: str
    departure_airport: str
    arrival_airport: str
    event_kind: str
    records: tuple[dict[str, Any], ...]
    crew_skipped: int = 0
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectedMessage:
    reference: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    """The outcome of reading one interchange: accepted messages and rejected ones."""

    interchange_reference: str
    accepted: tuple[PaxlstMessage, ...]
    rejected: tuple[RejectedMessage, ...]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [r for m in self.accepted for r in m.records]

    @property
    def problems(self) -> list[Problem]:
        return [p for m in self.rejected for p in m.problems]


def reporting_country_from_settings() -> str | None:
    value = os.environ.get("PALERMO_REPORTING_COUNTRY", "").strip().upper()
    return value or None


class _Reader:
    def __init__(self, source: str, reporting_country: str, today: dt.date) -> None:
        self.source = source
        self.reporting_country = reporting_country
        self.today = today

    # -- problems ----------------------------------------------------------------------------

    def at(
        self,
        seg: _Seg,
        element: int | None,
        rule_en: str,
        rule_zh: str,
        *,
        component: int | None = None,
        value: object = None,
        passenger: _Passenger | None = None,
    ) -> Problem:
        where = f"{self.source} segment {seg.pos} ({seg.tag})"
        if element is not None:
            where += f" element {element}" + (f" component {component}" if component else "")
        if passenger is not None:
            name = f"{passenger.surname} {passenger.given_names}".strip()
            where += f", passenger {passenger.index} ({name})"
        return Problem(where=where, value=value, rule=rule_en, rule_zh=rule_zh)

    # -- values ------------------------------------------------------------------------------

    def airport(self, seg: _Seg, problems: list[Problem], who: _Passenger | None = None) -> str:
        code = seg.get(2).strip().upper()
        if code not in airports():
            problems.append(
                self.at(
                    seg,
                    2,
                    "unknown airport: add it to palermo/records/data/airports.yaml",
                    "未知机场：请将其加入palermo/records/data/airports.yaml",
                    value=code,
                    passenger=who,
                )
            )
        return code

    def date(
        self, seg: _Seg, kind: str, problems: list[Problem], who: _Passenger | None = None
    ) -> dt.date | None:
        raw = seg.get(1, 2).strip()
        names = {
            "birth": ("date of birth", "出生日期"),
            "expiry": ("document expiry date", "证件有效期"),
            "issue": ("document issue date", "证件签发日期"),
            "flight": ("flight date and time", "航班日期时间"),
        }
        en, zh = names[kind]
        lengths = (10, 12) if kind == "flight" else (6, 8)
        if not raw.isdigit() or len(raw) not in lengths:
            shape = "YYMMDDHHMM or CCYYMMDDHHMM" if kind == "flight" else "YYMMDD or CCYYMMDD"
            problems.append(
                self.at(
                    seg,
                    1,
                    f"{en} must be written {shape}",
                    f"{zh}须写作{shape.replace(' or ', '或')}",
                    component=2,
                    value=raw,
                    passenger=who,
                )
            )
            return None
        digits = raw[:8] if len(raw) in (8, 12) else raw[:6]
        try:
            if len(digits) == 8:
                return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
            yy, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
            century = (self.today.year // 100) * 100
            if kind == "birth":
                candidate = dt.date(century + yy, month, day)
                if candidate > self.today:
                    candidate = dt.date(century - 100 + yy, month, day)
                return candidate
            # expiry, issue and flight dates: the one within 50 years of today
            candidate = dt.date(century + yy, month, day)
            if candidate.year - self.today.year >= 50:
                candidate = dt.date(century - 100 + yy, month, day)
            elif self.today.year - candidate.year > 50:
                candidate = dt.date(century + 100 + yy, month, day)
            return candidate
        except ValueError:
            problems.append(
                self.at(
                    seg,
                    1,
                    f"{en} is not a valid date",
                    f"{zh}不是有效日期",
                    component=2,
                    value=raw,
                    passenger=who,
                )
            )
            return None

    def country(
        self,
        seg: _Seg,
        element: int,
        problems: list[Problem],
        notes: list[Note],
        who: _Passenger | None,
        *,
        component: int = 1,
        role: tuple[str, str],
    ) -> str | None:
        raw = seg.get(element, component).strip().upper()
        if not raw:
            return None
        if len(raw) == 2 and raw in COUNTRY_CODES:
            return raw
        try:
            resolved = icao_country(raw, role_en=role[0], role_zh=role[1])
        except ValueError:
            problems.append(
                self.at(
                    seg,
                    element,
                    f"{role[0]} is not an ISO 3166 or ICAO 9303 country code",
                    f"{role[1]}不是ISO 3166或ICAO 9303国家代码",
                    value=raw,
                    passenger=who,
                )
            )
            return None
        if resolved.note is not None:
            notes.append(resolved.note)
        return resolved.alpha_2

    # -- structure ---------------------------------------------------------------------------

    def read(self, text: str) -> Manifest:
        segments = self.segments(text)
        if not segments or segments[0].tag not in ("UNA", "UNB"):
            raise InputError(
                [
                    Problem(
                        where=f"{self.source} segment 1",
                        rule="an EDIFACT interchange starts with UNA or UNB",
                        rule_zh="EDIFACT交换须以UNA或UNB开头",
                    )
                ]
            )
        problems: list[Problem] = []
        messages: list[list[_Seg]] = []
        current: list[_Seg] | None = None
        unb: _Seg | None = None
        unz: _Seg | None = None
        for seg in segments:
            if seg.tag == "UNB":
                unb = seg
            elif seg.tag == "UNH":
                if current is not None:
                    problems.append(
                        self.at(
                            seg,
                            None,
                            "UNH before the previous message's UNT",
                            "上一报文未以UNT结束",
                        )
                    )
                current = [seg]
            elif current is not None:
                current.append(seg)
                if seg.tag == "UNT":
                    messages.append(current)
                    current = None
            elif seg.tag == "UNZ":
                unz = seg
            elif seg.tag not in INTERCHANGE_SEGMENTS:
                problems.append(
                    self.at(
                        seg,
                        None,
                        "segment outside a message (UNH … UNT)",
                        "报文（UNH … UNT）之外的数据段",
                    )
                )
        last = segments[-1]
        if current is not None:
            problems.append(
                self.at(
                    last,
                    None,
                    "the last message has no UNT (truncated?)",
                    "最后一个报文缺少UNT（是否被截断？）",
                )
            )
        if unb is None:
            problems.append(
                self.at(segments[0], None, "the interchange has no UNB header", "交换缺少UNB头")
            )
        if unz is None:
            problems.append(
                self.at(
                    last,
                    None,
                    "the interchange has no UNZ trailer (truncated?)",
                    "交换缺少UNZ尾（是否被截断？）",
                )
            )
        elif unz.get(1) != str(len(messages)):
            problems.append(
                self.at(
                    unz,
                    1,
                    f"UNZ counts {unz.get(1)} message(s), the interchange has {len(messages)}",
                    f"UNZ记录{unz.get(1)}个报文，实际有{len(messages)}个",
                    value=unz.get(1),
                )
            )
        if problems:
            raise InputError(problems)
        assert unb is not None
        reference = unb.get(5) or self.source
        parsed = [self.message(m) for m in messages]
        self.group_bookings([p for p in parsed if not isinstance(p, RejectedMessage)])
        accepted: list[PaxlstMessage] = []
        rejected: list[RejectedMessage] = []
        for item in parsed:
            if isinstance(item, RejectedMessage):
                rejected.append(item)
            else:
                accepted.append(item.finish(reference))
        return Manifest(reference, tuple(accepted), tuple(rejected))

    def segments(self, text: str) -> list[_Seg]:
        out: list[_Seg] = []
        try:
            for pos, seg in enumerate(Parser(factory=_PlainFactory()).parse(text), start=1):
                out.append(_Seg(pos, seg.tag, list(seg.elements)))
        except EDISyntaxError as exc:
            after = f" after segment {out[-1].pos} ({out[-1].tag})" if out else ""
            detail = str(exc).removeprefix("EDIFACT Syntax Error: ")
            raise InputError(
                [
                    Problem(
                        where=f"{self.source} segment {len(out) + 1}{after}",
                        rule=f"malformed EDIFACT: {detail}",
                        rule_zh=f"EDIFACT格式错误：{detail}",
                    )
                ]
            ) from None
        return out

    def message(self, segs: list[_Seg]) -> _Pending | RejectedMessage:
        unh, unt = segs[0], segs[-1]
        ref = unh.get(1)
        problems: list[Problem] = []
        notes: list[Note] = []
        if unh.get(2, 1) != "PAXLST":
            problems.append(
                self.at(
                    unh,
                    2,
                    "not a PAXLST message",
                    "不是PAXLST报文",
                    component=1,
                    value=unh.get(2, 1),
                )
            )
        if unt.get(1) != str(len(segs)):
            problems.append(
                self.at(
                    unt,
                    1,
                    f"UNT counts {unt.get(1)} segments, the message has {len(segs)}",
                    f"UNT记录{unt.get(1)}个数据段，报文实际有{len(segs)}个",
                    value=unt.get(1),
                )
            )
        if unt.get(2) != ref:
            problems.append(
                self.at(
                    unt,
                    2,
                    f"UNT names message {unt.get(2)!r}, UNH {ref!r}",
                    "UNT与UNH的报文编号不一致",
                    value=unt.get(2),
                )
            )
        flight = departure = arrival = ""
        departed: dt.date | None = None
        arrived: dt.date | None = None
        passengers: list[_Passenger] = []
        crew = 0
        declared_count: tuple[_Seg, int] | None = None
        who: _Passenger | None = None
        doc: _Document | None = None
        last_loc = ""
        in_crew = False
        for seg in segs[1:-1]:
            if seg.tag not in PAXLST_SEGMENTS:
                problems.append(
                    self.at(
                        seg,
                        None,
                        f"'{seg.tag}' is not a PAXLST segment",
                        f"“{seg.tag}”不是PAXLST数据段",
                    )
                )
                continue
            if seg.tag == "NAD":
                qualifier = seg.get(1)
                doc = None
                if qualifier == "FL":
                    in_crew = False
                    names = seg.components(4)
                    who = _Passenger(
                        seg=seg,
                        index=len(passengers) + 1,
                        surname=" ".join(names[:1]).strip(),
                        given_names=" ".join(n for n in names[1:] if n).strip(),
                    )
                    passengers.append(who)
                    if not who.surname:
                        who.problems.append(
                            self.at(
                                seg,
                                4,
                                "passenger surname is missing",
                                "缺少旅客姓氏",
                                component=1,
                                passenger=who,
                            )
                        )
                elif qualifier in CREW_QUALIFIERS:
                    crew += 1
                    who = None
                    in_crew = True
                else:
                    who = None
                    in_crew = False
                continue
            if in_crew:
                continue
            if who is None:
                if seg.tag == "TDT":
                    if flight:
                        problems.append(
                            self.at(
                                seg,
                                None,
                                "a second TDT: one flight per message",
                                "第二个TDT：每个报文只能有一个航班",
                            )
                        )
                    flight = (seg.get(2) or "").strip()
                    if not flight:
                        problems.append(self.at(seg, 2, "flight number is missing", "缺少航班号"))
                elif seg.tag == "LOC":
                    last_loc = seg.get(1)
                    if last_loc == "125":
                        departure = self.airport(seg, problems)
                    elif last_loc == "87":
                        arrival = self.airport(seg, problems)
                elif seg.tag == "DTM":
                    qualifier = seg.get(1, 1)
                    if qualifier == "189":
                        departed = self.date(seg, "flight", problems)
                    elif qualifier == "232":
                        arrived = self.date(seg, "flight", problems)
                elif seg.tag == "CNT" and seg.get(1, 1) == "42":
                    count = seg.get(1, 2)
                    if count.isdigit():
                        declared_count = (seg, int(count))
                    else:
                        problems.append(
                            self.at(
                                seg,
                                1,
                                "passenger count must be a number",
                                "旅客人数须为数字",
                                component=2,
                                value=count,
                            )
                        )
                continue
            self.passenger_segment(seg, who, doc, notes)
            if seg.tag == "DOC":
                doc = who.documents[-1] if who.documents else None
            elif seg.tag == "CNT":
                who = None
        for name, value, seg_tag in (
            ("flight (TDT)", flight, "TDT"),
            ("departure airport (LOC+125)", departure, "LOC+125"),
            ("arrival airport (LOC+87)", arrival, "LOC+87"),
        ):
            if not value:
                problems.append(
                    self.at(unh, None, f"the message has no {name}", f"报文缺少{seg_tag}")
                )
        event_kind = ""
        port = ""
        event_date: dt.date | None = None
        if departure in airports() and arrival in airports():
            dep_country, arr_country = airports()[departure][0], airports()[arrival][0]
            if arr_country == self.reporting_country and dep_country != self.reporting_country:
                event_kind, port, event_date = "entry", arrival, arrived
            elif dep_country == self.reporting_country and arr_country != self.reporting_country:
                event_kind, port, event_date = "exit", departure, departed
            else:
                problems.append(
                    self.at(
                        unh,
                        None,
                        f"flight {departure}→{arrival} neither enters nor leaves the reporting "
                        f"country {self.reporting_country}",
                        f"航班{departure}→{arrival}既不入境也不出境报告国{self.reporting_country}",
                    )
                )
            if event_kind and event_date is None:
                qualifier = "DTM+232 (arrival)" if event_kind == "entry" else "DTM+189 (departure)"
                problems.append(
                    self.at(unh, None, f"the message has no {qualifier}", f"报文缺少{qualifier}")
                )
        transfer = unh.components(4)
        only_message = not transfer or transfer[:2] == ["01", "F"]
        if declared_count is not None and only_message and declared_count[1] != len(passengers):
            problems.append(
                self.at(
                    declared_count[0],
                    1,
                    f"CNT+42 declares {declared_count[1]} passenger(s), the message has "
                    f"{len(passengers)}",
                    f"CNT+42申报{declared_count[1]}名旅客，报文实际有{len(passengers)}名",
                    component=2,
                )
            )
        for who in passengers:
            self.check_passenger(who, event_date)
            problems.extend(who.problems)
        if problems:
            return RejectedMessage(ref, tuple(problems))
        assert event_date is not None
        return _Pending(
            reader=self,
            reference=ref,
            flight=flight,
            departure=departure,
            arrival=arrival,
            event_kind=event_kind,
            port=port,
            event_date=event_date,
            passengers=passengers,
            crew=crew,
            notes=notes,
        )

    def passenger_segment(
        self, seg: _Seg, who: _Passenger, doc: _Document | None, notes: list[Note]
    ) -> None:
        problems = who.problems
        if seg.tag == "ATT" and seg.get(1) == "2":
            code = seg.get(3, 1).strip().upper()
            if code not in SEXES:
                problems.append(
                    self.at(
                        seg,
                        3,
                        "sex must be F, M, X or U",
                        "性别须为F、M、X或U",
                        value=code,
                        passenger=who,
                    )
                )
            who.sex = SEXES.get(code)
        elif seg.tag == "DTM":
            qualifier = seg.get(1, 1)
            if qualifier == "329":
                who.birth_seg = seg
            elif qualifier in ("36", "182") and doc is not None:
                date = self.date(seg, "expiry" if qualifier == "36" else "issue", problems, who)
                if qualifier == "36":
                    doc.expiry = date
                else:
                    doc.issued = date
        elif seg.tag == "LOC":
            qualifier = seg.get(1)
            if qualifier == "91" and doc is not None:
                doc.issuing_state = self.country(
                    seg, 2, problems, notes, who, role=("issuing state", "签发国")
                )
            elif qualifier in ("178", "179", "22"):
                code = self.airport(seg, problems, who)
                if qualifier == "178":
                    who.embark = code
                elif qualifier == "179":
                    who.disembark = code
                else:
                    who.final = code
        elif seg.tag == "NAT" and seg.get(1) == "2":
            who.nationality = self.country(
                seg, 2, problems, notes, who, role=("nationality", "国籍")
            )
        elif seg.tag == "RFF" and seg.get(1, 1) == "AVF":
            who.booking_ref = seg.get(1, 2).strip() or None
        elif seg.tag == "COM":
            for element in range(1, len(seg.elements) + 1):
                number, kind = seg.get(element, 1).strip(), seg.get(element, 2).strip().upper()
                if kind == "TE" and number:
                    who.phone = who.phone or number
                elif kind == "EM" and number:
                    who.email = who.email or number
        elif seg.tag == "DOC":
            code = seg.get(1, 1).strip().upper()
            number = seg.get(2).strip()
            if code not in DOCUMENT_TYPES:
                problems.append(
                    self.at(
                        seg,
                        1,
                        "unknown document type code (P, I, V, AC, C, F, T…)",
                        "未知证件类型代码（P、I、V、AC、C、F、T…）",
                        component=1,
                        value=code,
                        passenger=who,
                    )
                )
            if not number:
                problems.append(
                    self.at(seg, 2, "document number is missing", "缺少证件号码", passenger=who)
                )
            who.documents.append(_Document(seg, DOCUMENT_TYPES.get(code, "other"), number))

    def check_passenger(self, who: _Passenger, event_date: dt.date | None) -> None:
        if who.birth_seg is not None:
            # a two-digit birth year is the latest one not after the flight
            reader = _Reader(self.source, self.reporting_country, event_date or self.today)
            who.born = reader.date(who.birth_seg, "birth", who.problems, who)
        if not who.documents:
            who.problems.append(
                self.at(
                    who.seg,
                    None,
                    "passenger has no travel document (DOC)",
                    "旅客没有旅行证件（DOC）",
                    passenger=who,
                )
            )

    def group_bookings(self, pending: list[_Pending]) -> None:
        by_flight: dict[tuple[str, dt.date], Counter[str]] = {}
        for item in pending:
            counter = by_flight.setdefault((item.flight, item.event_date), Counter())
            counter.update(p.booking_ref for p in item.passengers if p.booking_ref)
        for item in pending:
            item.group_counts = by_flight[(item.flight, item.event_date)]


@dataclass(slots=True)
class _Pending:
    reader: _Reader
    reference: str
    flight: str
    departure: str
    arrival: str
    event_kind: str
    port: str
    event_date: dt.date
    passengers: list[_Passenger]
    crew: int
    notes: list[Note]
    group_counts: Counter[str] = field(default_factory=Counter)

    def finish(self, interchange: str) -> PaxlstMessage:
        table = airports()
        records = []
        for who in self.passengers:
            travel = next((d for d in who.documents if d.kind != "visa"), who.documents[0])
            start = who.embark or self.departure
            chain = [start, self.departure, self.arrival, who.disembark or self.arrival]
            chain.append(who.final or chain[-1])
            countries: list[str] = []
            for code in chain:
                country = table[code][0]
                if not countries or countries[-1] != country:
                    countries.append(country)
            size = self.group_counts.get(who.booking_ref, 0) if who.booking_ref else 0
            records.append(
                {
                    "record_id": f"paxlst:{interchange}:{self.reference}:{who.index}",
                    "event_kind": self.event_kind,
                    "port": self.port,
                    "event_date": self.event_date,
                    "document_type": travel.kind,
                    "document_issuing_state": travel.issuing_state,
                    "document_issue_date": travel.issued,
                    "document_expiry_date": travel.expiry,
                    "document_number_hash": document_hash(travel.number),
                    "surname": who.surname,
                    "given_names": who.given_names or None,
                    "nationality": who.nationality,
                    "sex": who.sex,
                    "date_of_birth": who.born,
                    "origin": countries[0],
                    "destination": countries[-1],
                    "transit": countries[1:-1],
                    "group_booking_ref": who.booking_ref if size >= 2 else None,
                    "group_size": size or None,
                    "contact_phone": who.phone,
                    "contact_email": who.email,
                }
            )
        return PaxlstMessage(
            reference=self.reference,
            flight=self.flight,
            departure_airport=self.departure,
            arrival_airport=self.arrival,
            event_kind=self.event_kind,
            records=tuple(records),
            crew_skipped=self.crew,
            notes=tuple(dict.fromkeys(self.notes)),
        )


# --------------------------------------------------------------------------- entry points


def _reporting(reporting_country: str | None, source: str) -> str:
    country = (reporting_country or reporting_country_from_settings() or "").upper()
    if country not in COUNTRY_CODES:
        raise InputError(
            [
                Problem(
                    where=source,
                    value=country or None,
                    rule="reading PAXLST needs the reporting country (ISO alpha-2): set "
                    "PALERMO_REPORTING_COUNTRY or pass --reporting-country",
                    rule_zh="读取PAXLST需要报告国（ISO二字母代码）：请设置PALERMO_REPORTING_COUNTRY"
                    "或使用--reporting-country",
                )
            ]
        )
    return country


def parse_paxlst(
    text: str,
    *,
    reporting_country: str | None = None,
    source: str = "PAXLST",
    today: dt.date | None = None,
) -> Manifest:
    """Read one interchange; return accepted and rejected messages (never half a message).

    Raises ``InputError`` when the interchange itself is unreadable (syntax, envelope)."""
    country = _reporting(reporting_country, source)
    today = today or dt.datetime.now(dt.UTC).date()
    return _Reader(source, country, today).read(text.lstrip("\ufeff").strip())


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # UNOC (ISO 8859-1) interchanges


def looks_like_edifact(path: Path) -> bool:
    """True when the file starts (after a byte-order mark and whitespace) with UNA or UNB."""
    with path.open("rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:3] in (b"UNA", b"UNB")
