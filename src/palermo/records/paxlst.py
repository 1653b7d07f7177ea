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
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from pydifact.exceptions import EDISyntaxError, ValidationError
from pydifact.parser import Parser
from pydifact.segments import SegmentFactory

from palermo.errors import InputError, Location, Place, Problem
from palermo.lib import yamlsafe
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
    data = yamlsafe.parse(text)
    table = {str(code): (str(v[0]), str(v[1])) for code, v in data["airports"].items()}
    wrong = [code for code, (country, _) in table.items() if country not in COUNTRY_CODES]
    if wrong:  # pragma: no cover - guarded by a test of the packaged table
        raise ValueError(f"airports with unknown country codes: {wrong}")
    return table


# --------------------------------------------------------------------------- parsing


class _RawSegment(NamedTuple):
    tag: str
    elements: tuple[Any, ...]


class _PlainFactory(SegmentFactory):
    """pydifact's tokenizer without its segment checks: a segment comes back as its tag and
    elements as written, and this module checks PAXLST itself, naming the segment, element
    and passenger (pydifact's own checks raise on a lower-case or short tag, which is a
    problem to report, not a crash)."""

    @staticmethod
    def create_segment(name: str, *elements: Any, **_options: Any) -> Any:
        return _RawSegment(str(name), elements)


def _elements(raw: Any) -> list[Any]:
    """Elements as ``_Seg`` reads them: text, or a list of text components."""
    out: list[Any] = []
    for element in raw:
        if isinstance(element, list):
            out.append([str(c) if c is not None else "" for c in element])
        else:
            out.append("" if element is None else str(element))
    return out


@dataclass(slots=True)
class _Envelope:
    """The interchange around the messages, while it is read."""

    messages: list[list[_Seg]] = field(default_factory=list)
    unb: _Seg | None = None
    unz: _Seg | None = None
    problems: list[Problem] = field(default_factory=list)


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


@dataclass(slots=True)
class _Message:
    """One message while it is read: the flight, the passengers so far, the problems."""

    unh: _Seg
    ref: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    flight: str = ""
    departure: str = ""
    arrival: str = ""
    departed: dt.date | None = None
    arrived: dt.date | None = None
    passengers: list[_Passenger] = field(default_factory=list)
    crew: int = 0
    declared_count: tuple[_Seg, int] | None = None
    who: _Passenger | None = None
    doc: _Document | None = None
    in_crew: bool = False
    event_kind: str = ""
    port: str = ""
    event_date: dt.date | None = None


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
        at = Location(self.source, (Place("segment", seg.pos, tag=seg.tag),))
        if element is not None:
            at = at.then(Place("element", element))
            if component:
                at = at.then(Place("component", component))
        if passenger is not None:
            name = f"{passenger.surname} {passenger.given_names}".strip()
            at = at.then(Place("passenger", passenger.index, tag=name))
        return Problem(at=at, value=value, rule=rule_en, rule_zh=rule_zh)

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
                        at=Location(self.source, (Place("segment", 1),)),
                        rule="an EDIFACT interchange starts with UNA or UNB",
                        rule_zh="EDIFACT交换须以UNA或UNB开头",
                    )
                ]
            )
        envelope = self.envelope(segments)
        if envelope.problems or envelope.unb is None:
            raise InputError(envelope.problems)
        reference = envelope.unb.get(5) or self.source
        parsed = [self.message(m) for m in envelope.messages]
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
        """The interchange's segments; any syntax error names where reading stopped."""
        out: list[_Seg] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pydifact warns of empty segments: checked here
                parsed = Parser(factory=_PlainFactory()).parse(text)
                for pos, seg in enumerate(parsed, start=1):
                    out.append(_Seg(pos, seg.tag, _elements(seg.elements)))
        except (EDISyntaxError, ValidationError, ValueError, IndexError, TypeError) as exc:
            # pydifact's own checks (and its failures on a malformed UNA or UNB) all mean the
            # text is not well-formed EDIFACT from this segment on
            at = Location(self.source, (Place("segment", len(out) + 1),))
            if out:
                at = at.then(Place("after_segment", out[-1].pos, tag=out[-1].tag))
            detail = str(exc).removeprefix("EDIFACT Syntax Error: ") or type(exc).__name__
            raise InputError(
                [
                    Problem(
                        at=at,
                        rule=f"malformed EDIFACT: {detail}",
                        rule_zh=f"EDIFACT格式错误：{detail}",
                    )
                ]
            ) from None
        return out

    def envelope(self, segments: list[_Seg]) -> _Envelope:
        """Messages (UNH … UNT) and the interchange's header and trailer, with every problem
        of the envelope."""
        env = _Envelope()
        current: list[_Seg] | None = None
        for seg in segments:
            if seg.tag == "UNH":
                if current is not None:
                    env.problems.append(
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
                    env.messages.append(current)
                    current = None
            else:
                self.outside_message(seg, env)
        if current is not None:
            env.problems.append(
                self.at(
                    segments[-1],
                    None,
                    "the last message has no UNT (truncated?)",
                    "最后一个报文缺少UNT（是否被截断？）",
                )
            )
        env.problems.extend(self.header_and_trailer(segments, env))
        return env

    def outside_message(self, seg: _Seg, env: _Envelope) -> None:
        if seg.tag == "UNB":
            env.unb = seg
        elif seg.tag == "UNZ":
            env.unz = seg
        elif seg.tag not in INTERCHANGE_SEGMENTS:
            env.problems.append(
                self.at(
                    seg,
                    None,
                    "segment outside a message (UNH … UNT)",
                    "报文（UNH … UNT）之外的数据段",
                )
            )

    def header_and_trailer(self, segments: list[_Seg], env: _Envelope) -> list[Problem]:
        problems: list[Problem] = []
        if env.unb is None:
            problems.append(
                self.at(segments[0], None, "the interchange has no UNB header", "交换缺少UNB头")
            )
        if env.unz is None:
            problems.append(
                self.at(
                    segments[-1],
                    None,
                    "the interchange has no UNZ trailer (truncated?)",
                    "交换缺少UNZ尾（是否被截断？）",
                )
            )
        elif env.unz.get(1) != str(len(env.messages)):
            count = env.unz.get(1)
            problems.append(
                self.at(
                    env.unz,
                    1,
                    f"UNZ counts {count} message(s), the interchange has {len(env.messages)}",
                    f"UNZ记录{count}个报文，实际有{len(env.messages)}个",
                    value=count,
                )
            )
        return problems

    # -- one message -------------------------------------------------------------------------

    def message(self, segs: list[_Seg]) -> _Pending | RejectedMessage:
        unh, unt = segs[0], segs[-1]
        state = _Message(unh=unh, ref=unh.get(1))
        state.problems.extend(self.message_header(unh, unt, len(segs)))
        for seg in segs[1:-1]:
            self.message_segment(seg, state)
        self.flight_complete(state)
        self.direction(state)
        self.passenger_count(state)
        for who in state.passengers:
            self.check_passenger(who, state.event_date)
            state.problems.extend(who.problems)
        if state.problems or state.event_date is None:
            return RejectedMessage(state.ref, tuple(state.problems))
        return _Pending(
            reader=self,
            reference=state.ref,
            flight=state.flight,
            departure=state.departure,
            arrival=state.arrival,
            event_kind=state.event_kind,
            port=state.port,
            event_date=state.event_date,
            passengers=state.passengers,
            crew=state.crew,
            notes=state.notes,
        )

    def message_header(self, unh: _Seg, unt: _Seg, size: int) -> list[Problem]:
        ref = unh.get(1)
        problems: list[Problem] = []
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
        if unt.get(1) != str(size):
            problems.append(
                self.at(
                    unt,
                    1,
                    f"UNT counts {unt.get(1)} segments, the message has {size}",
                    f"UNT记录{unt.get(1)}个数据段，报文实际有{size}个",
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
        return problems

    def message_segment(self, seg: _Seg, state: _Message) -> None:
        """One segment between UNH and UNT: a name starts a passenger (or crew member);
        the rest belongs to the flight or to the current passenger."""
        if seg.tag not in PAXLST_SEGMENTS:
            state.problems.append(
                self.at(
                    seg,
                    None,
                    f"'{seg.tag}' is not a PAXLST segment",
                    f"“{seg.tag}”不是PAXLST数据段",
                )
            )
        elif seg.tag == "NAD":
            self.name_segment(seg, state)
        elif state.in_crew:
            return
        elif seg.tag == "CNT":
            state.who = None  # the passengers end; the count belongs to the message
            self.count_segment(seg, state)
        elif state.who is None:
            self.flight_segment(seg, state)
        else:
            self.passenger_segment(seg, state.who, state.doc, state.notes)
            if seg.tag == "DOC":
                state.doc = state.who.documents[-1] if state.who.documents else None

    def name_segment(self, seg: _Seg, state: _Message) -> None:
        qualifier = seg.get(1)
        state.doc = None
        state.who = None
        state.in_crew = qualifier in CREW_QUALIFIERS
        if state.in_crew:
            state.crew += 1
        if qualifier != "FL":
            return
        names = seg.components(4)
        who = _Passenger(
            seg=seg,
            index=len(state.passengers) + 1,
            surname=" ".join(names[:1]).strip(),
            given_names=" ".join(n for n in names[1:] if n).strip(),
        )
        state.passengers.append(who)
        state.who = who
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

    def flight_segment(self, seg: _Seg, state: _Message) -> None:
        if seg.tag == "TDT":
            if state.flight:
                state.problems.append(
                    self.at(
                        seg,
                        None,
                        "a second TDT: one flight per message",
                        "第二个TDT：每个报文只能有一个航班",
                    )
                )
            state.flight = seg.get(2).strip()
            if not state.flight:
                state.problems.append(self.at(seg, 2, "flight number is missing", "缺少航班号"))
        elif seg.tag == "LOC" and seg.get(1) == "125":
            state.departure = self.airport(seg, state.problems)
        elif seg.tag == "LOC" and seg.get(1) == "87":
            state.arrival = self.airport(seg, state.problems)
        elif seg.tag == "DTM" and seg.get(1, 1) == "189":
            state.departed = self.date(seg, "flight", state.problems)
        elif seg.tag == "DTM" and seg.get(1, 1) == "232":
            state.arrived = self.date(seg, "flight", state.problems)

    def count_segment(self, seg: _Seg, state: _Message) -> None:
        if seg.get(1, 1) != "42":
            return
        count = seg.get(1, 2)
        if count.isascii() and count.isdigit() and len(count) <= 6:
            state.declared_count = (seg, int(count))
        else:
            state.problems.append(
                self.at(
                    seg,
                    1,
                    "passenger count must be a number",
                    "旅客人数须为数字",
                    component=2,
                    value=count,
                )
            )

    def flight_complete(self, state: _Message) -> None:
        for name, value, seg_tag in (
            ("flight (TDT)", state.flight, "TDT"),
            ("departure airport (LOC+125)", state.departure, "LOC+125"),
            ("arrival airport (LOC+87)", state.arrival, "LOC+87"),
        ):
            if not value:
                state.problems.append(
                    self.at(state.unh, None, f"the message has no {name}", f"报文缺少{seg_tag}")
                )

    def direction(self, state: _Message) -> None:
        """Entry or exit, port and day, from where the flight goes relative to the reporting
        country."""
        table = airports()
        if state.departure not in table or state.arrival not in table:
            return  # already reported as unknown or missing
        dep_country, arr_country = table[state.departure][0], table[state.arrival][0]
        here = self.reporting_country
        if arr_country == here and dep_country != here:
            state.event_kind, state.port, state.event_date = "entry", state.arrival, state.arrived
        elif dep_country == here and arr_country != here:
            state.event_kind, state.port, state.event_date = "exit", state.departure, state.departed
        else:
            flight = f"{state.departure}→{state.arrival}"
            state.problems.append(
                self.at(
                    state.unh,
                    None,
                    f"flight {flight} neither enters nor leaves the reporting country {here}",
                    f"航班{flight}既不入境也不出境报告国{here}",
                )
            )
            return
        if state.event_date is None:
            qualifier = (
                "DTM+232 (arrival)" if state.event_kind == "entry" else "DTM+189 (departure)"
            )
            state.problems.append(
                self.at(state.unh, None, f"the message has no {qualifier}", f"报文缺少{qualifier}")
            )

    def passenger_count(self, state: _Message) -> None:
        """CNT+42 against the passengers read, when the message is its flight's only one."""
        transfer = state.unh.components(4)
        only_message = not transfer or transfer[:2] == ["01", "F"]
        if state.declared_count is None or not only_message:
            return
        seg, declared = state.declared_count
        if declared != len(state.passengers):
            state.problems.append(
                self.at(
                    seg,
                    1,
                    f"CNT+42 declares {declared} passenger(s), the message has "
                    f"{len(state.passengers)}",
                    f"CNT+42申报{declared}名旅客，报文实际有{len(state.passengers)}名",
                    component=2,
                )
            )

    # -- one passenger -----------------------------------------------------------------------

    def passenger_segment(
        self, seg: _Seg, who: _Passenger, doc: _Document | None, notes: list[Note]
    ) -> None:
        if seg.tag == "ATT" and seg.get(1) == "2":
            self.sex(seg, who)
        elif seg.tag == "DTM":
            self.passenger_date(seg, who, doc)
        elif seg.tag == "LOC":
            self.passenger_place(seg, who, doc, notes)
        elif seg.tag == "NAT" and seg.get(1) == "2":
            who.nationality = self.country(
                seg, 2, who.problems, notes, who, role=("nationality", "国籍")
            )
        elif seg.tag == "RFF" and seg.get(1, 1) == "AVF":
            who.booking_ref = seg.get(1, 2).strip() or None
        elif seg.tag == "COM":
            self.contact(seg, who)
        elif seg.tag == "DOC":
            self.document(seg, who)

    def sex(self, seg: _Seg, who: _Passenger) -> None:
        code = seg.get(3, 1).strip().upper()
        if code not in SEXES:
            who.problems.append(
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

    def passenger_date(self, seg: _Seg, who: _Passenger, doc: _Document | None) -> None:
        qualifier = seg.get(1, 1)
        if qualifier == "329":
            who.birth_seg = seg
        elif qualifier == "36" and doc is not None:
            doc.expiry = self.date(seg, "expiry", who.problems, who)
        elif qualifier == "182" and doc is not None:
            doc.issued = self.date(seg, "issue", who.problems, who)

    def passenger_place(
        self, seg: _Seg, who: _Passenger, doc: _Document | None, notes: list[Note]
    ) -> None:
        qualifier = seg.get(1)
        if qualifier == "91" and doc is not None:
            doc.issuing_state = self.country(
                seg, 2, who.problems, notes, who, role=("issuing state", "签发国")
            )
        elif qualifier == "178":
            who.embark = self.airport(seg, who.problems, who)
        elif qualifier == "179":
            who.disembark = self.airport(seg, who.problems, who)
        elif qualifier == "22":
            who.final = self.airport(seg, who.problems, who)

    def contact(self, seg: _Seg, who: _Passenger) -> None:
        for element in range(1, len(seg.elements) + 1):
            number, kind = seg.get(element, 1).strip(), seg.get(element, 2).strip().upper()
            if kind == "TE" and number:
                who.phone = who.phone or number
            elif kind == "EM" and number:
                who.email = who.email or number

    def document(self, seg: _Seg, who: _Passenger) -> None:
        code = seg.get(1, 1).strip().upper()
        number = seg.get(2).strip()
        if code not in DOCUMENT_TYPES:
            who.problems.append(
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
            who.problems.append(
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
