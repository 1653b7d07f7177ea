"""Machine-readable zones (ICAO Doc 9303) into traveller records.

Formats: TD1 (identity cards, 3 lines of 30), TD2 (2 of 36), TD3 (passports, 2 of 44) and
machine-readable visas MRV-A (2 of 44) and MRV-B (2 of 36). Every check digit and the composite
check digit are verified; every failure is named with the digit found and the digit computed.

What is accepted from pasted or scanned text, and why it is safe:

* surrounding whitespace, blank lines, and spaces inside a line (the MRZ alphabet has no space);
* lower case (the MRZ alphabet is upper case only);
* ``«`` for ``<`` (a frequent OCR reading of the filler; it never means anything else);
* the whole zone on one line when its length is exactly 90, 88 or 72 characters;
* in positions that may only hold digits (dates and check digits), the letters ``O Q D`` read
  as ``0``, ``I L`` as ``1``, ``Z`` as ``2``, ``S`` as ``5``, ``G`` as ``6`` and ``B`` as ``8``.
  A letter is never valid there, and the check digits then confirm or refute the reading. Each
  such correction is reported as a note. Nothing else is corrected: a digit in a name or a
  wrong state code is an error, because no check digit would catch a wrong guess.

Two-digit years: a date of birth is the latest date not after today (``74`` → 1974, ``05`` →
2005); an expiry date is the one date that lies within 50 years before or after today.

ICAO state codes are alpha-3; the record holds ISO 3166-1 alpha-2 (see ``icao_country``).
The plain document number stays in the parsed ``Mrz`` object only; the record gets its keyed
hash (``palermo.records.hashing``).

>>> m = parse_mrz('''P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<
...                  L898902C36UTO7408122F1204159ZE184226B<<<<<10''', today=dt.date(2026, 3, 1))
>>> m.format.value, m.surname, m.given_names, m.date_of_birth, m.expiry_date
('TD3', 'ERIKSSON', 'ANNA MARIA', datetime.date(1974, 8, 12), datetime.date(2012, 4, 15))
>>> m.issuing_state is None and m.notes[0].en.startswith("issuing state 'UTO' is Utopia")
True
>>> check_digit("L898902C3")
'6'
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pycountry

from palermo.errors import InputError, Location, Place, Problem
from palermo.records.hashing import document_hash


@dataclass(frozen=True, slots=True)
class Note:
    """Something a person should know about a parsed document, in English and Chinese."""

    en: str
    zh: str

    def __str__(self) -> str:
        return f"{self.en} / {self.zh}"


# --------------------------------------------------------------------------- check digits

_WEIGHTS = (7, 3, 1)


def _char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"character {char!r} is not in the MRZ alphabet")


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit of ``data`` (weights 7, 3, 1; A=10 … Z=35; ``<`` = 0)."""
    total = sum(_char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data))
    return str(total % 10)


# --------------------------------------------------------------------------- state codes


@dataclass(frozen=True, slots=True)
class CountryCode:
    """An ICAO 9303 state code resolved to ISO 3166-1 alpha-2, or to None with the reason."""

    icao: str
    alpha_2: str | None
    note: Note | None = None


# Codes of ICAO Doc 9303 Part 3 that are not ISO 3166-1 alpha-3, and what the record holds.
_ICAO_TO_ALPHA_2: dict[str, str] = {"D": "DE"}
_BRITISH = {
    "GBD": ("British Overseas Territories Citizen", "英国海外领土公民"),
    "GBN": ("British National (Overseas)", "英国国民（海外）"),
    "GBO": ("British Overseas Citizen", "英国海外公民"),
    "GBP": ("British Protected Person", "英国受保护人士"),
    "GBS": ("British Subject", "英国臣民"),
}
_NO_COUNTRY: dict[str, tuple[str, str]] = {
    "UTO": (
        "Utopia, the fictitious state of the ICAO 9303 specimen documents",
        "乌托邦，即ICAO 9303样本证件中的虚构国家",
    ),
    "EUE": ("the European Union", "欧洲联盟"),
    "UNO": ("the United Nations", "联合国"),
    "UNA": ("a specialised agency of the United Nations", "联合国专门机构"),
    "UNK": (
        "Kosovo under UN Security Council resolution 1244",
        "联合国安理会第1244号决议下的科索沃",
    ),
    "RKS": ("Kosovo", "科索沃"),
    "XBA": ("the African Development Bank", "非洲开发银行"),
    "XIM": ("the African Export-Import Bank", "非洲进出口银行"),
    "XCC": ("the Caribbean Community", "加勒比共同体"),
    "XCE": ("the Council of Europe", "欧洲委员会"),
    "XCO": ("the Common Market for Eastern and Southern Africa", "东部和南部非洲共同市场"),
    "XEC": ("the Economic Community of West African States", "西非国家经济共同体"),
    "XPO": ("Interpol", "国际刑警组织"),
    "XES": ("the Organisation of Eastern Caribbean States", "东加勒比国家组织"),
    "XMP": ("the Parliamentary Assembly of the Mediterranean", "地中海议会大会"),
    "XOM": ("the Sovereign Military Order of Malta", "马耳他主权军事教团"),
    "XDC": ("the Southern African Development Community", "南部非洲发展共同体"),
    "XXA": ("a stateless person (1954 Convention)", "无国籍人（1954年公约）"),
    "XXB": ("a refugee (1951 Convention)", "难民（1951年公约）"),
    "XXC": ("a refugee (other than the 1951 Convention)", "难民（1951年公约以外）"),
    "XXX": ("a person of unspecified nationality", "国籍未说明者"),
}


def icao_country(code: str, *, role_en: str = "state", role_zh: str = "国家") -> CountryCode:
    """Resolve an ICAO 9303 state code (``D<<``, ``CHN``, ``GBD``, ``XXA``…) to alpha-2.

    * ISO 3166-1 alpha-3 codes map to their alpha-2 code; ``D`` (Germany) maps to ``DE``.
    * British nationality statuses (``GBD``, ``GBN``, ``GBO``, ``GBP``, ``GBS``) map to ``GB``
      with a note naming the status.
    * Organisations (``UNO``, ``EUE``, ``XPO``…), stateless persons and refugees (``XXA``,
      ``XXB``, ``XXC``), unspecified nationality (``XXX``), Kosovo (``UNK``, ``RKS``) and the
      specimen state Utopia (``UTO``) have no alpha-2 code: alpha_2 is None and the note says
      why. Screening then sees a missing value, never a guess.
    * Anything else raises ``ValueError``.

    >>> icao_country("D<<").alpha_2, icao_country("VNM").alpha_2, icao_country("XXA").alpha_2
    ('DE', 'VN', None)
    """
    code = code.replace("<", "").upper()
    if code in _ICAO_TO_ALPHA_2:
        return CountryCode(code, _ICAO_TO_ALPHA_2[code])
    if code in _BRITISH:
        en, zh = _BRITISH[code]
        return CountryCode(
            code,
            "GB",
            Note(
                f"{role_en} '{code}' ({en}) recorded as GB",
                f"{role_zh}“{code}”（{zh}）记录为GB",
            ),
        )
    if code in _NO_COUNTRY:
        en, zh = _NO_COUNTRY[code]
        return CountryCode(
            code,
            None,
            Note(
                f"{role_en} '{code}' is {en}, which has no ISO 3166 country code: left empty",
                f"{role_zh}“{code}”为{zh}，无ISO 3166国家代码：留空",
            ),
        )
    if len(code) == 3 and code.isalpha():
        country = pycountry.countries.get(alpha_3=code)
        if country is not None:
            return CountryCode(code, str(country.alpha_2))
    raise ValueError(code)


# --------------------------------------------------------------------------- layouts


class MrzFormat(StrEnum):
    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRVA = "MRV-A"
    MRVB = "MRV-B"


FORMAT_NAMES: dict[MrzFormat, tuple[str, str]] = {
    MrzFormat.TD1: ("TD1 (identity card, 3 lines of 30)", "TD1（身份证，3行×30字符）"),
    MrzFormat.TD2: ("TD2 (official travel document, 2 lines of 36)", "TD2（旅行证件，2行×36字符）"),
    MrzFormat.TD3: ("TD3 (passport, 2 lines of 44)", "TD3（护照，2行×44字符）"),
    MrzFormat.MRVA: ("MRV-A (visa, 2 lines of 44)", "MRV-A（签证，2行×44字符）"),
    MrzFormat.MRVB: ("MRV-B (visa, 2 lines of 36)", "MRV-B（签证，2行×36字符）"),
}

_SHAPES = {MrzFormat.TD1: (3, 30), MrzFormat.TD2: (2, 36), MrzFormat.TD3: (2, 44)}
_SHAPES[MrzFormat.MRVA] = _SHAPES[MrzFormat.TD3]
_SHAPES[MrzFormat.MRVB] = _SHAPES[MrzFormat.TD2]


@dataclass(frozen=True, slots=True)
class _Span:
    """One field: line (0-based), start and end (exclusive) positions."""

    line: int
    start: int
    end: int

    def of(self, lines: list[str]) -> str:
        return lines[self.line][self.start : self.end]


@dataclass(frozen=True, slots=True)
class _Layout:
    code: _Span
    state: _Span
    name: _Span
    number: _Span
    number_cd: _Span
    nationality: _Span
    birth: _Span
    birth_cd: _Span
    sex: _Span
    expiry: _Span
    expiry_cd: _Span
    optional: tuple[_Span, ...]
    optional_cd: _Span | None = None  # TD3 personal number check digit
    composite: _Span | None = None
    composite_over: tuple[_Span, ...] = ()


def _two_line(width: int, *, composite: bool, optional_cd: bool) -> _Layout:
    last = width - 1
    opt_end = last if composite else width
    if optional_cd:
        opt_end = last - 1
    return _Layout(
        code=_Span(0, 0, 2),
        state=_Span(0, 2, 5),
        name=_Span(0, 5, width),
        number=_Span(1, 0, 9),
        number_cd=_Span(1, 9, 10),
        nationality=_Span(1, 10, 13),
        birth=_Span(1, 13, 19),
        birth_cd=_Span(1, 19, 20),
        sex=_Span(1, 20, 21),
        expiry=_Span(1, 21, 27),
        expiry_cd=_Span(1, 27, 28),
        optional=(_Span(1, 28, opt_end),),
        optional_cd=_Span(1, last - 1, last) if optional_cd else None,
        composite=_Span(1, last, width) if composite else None,
        composite_over=(_Span(1, 0, 10), _Span(1, 13, 20), _Span(1, 21, last)) if composite else (),
    )


_LAYOUTS: dict[MrzFormat, _Layout] = {
    MrzFormat.TD1: _Layout(
        code=_Span(0, 0, 2),
        state=_Span(0, 2, 5),
        number=_Span(0, 5, 14),
        number_cd=_Span(0, 14, 15),
        optional=(_Span(0, 15, 30), _Span(1, 18, 29)),
        birth=_Span(1, 0, 6),
        birth_cd=_Span(1, 6, 7),
        sex=_Span(1, 7, 8),
        expiry=_Span(1, 8, 14),
        expiry_cd=_Span(1, 14, 15),
        nationality=_Span(1, 15, 18),
        composite=_Span(1, 29, 30),
        composite_over=(_Span(0, 5, 30), _Span(1, 0, 7), _Span(1, 8, 15), _Span(1, 18, 29)),
        name=_Span(2, 0, 30),
    ),
    MrzFormat.TD2: _two_line(36, composite=True, optional_cd=False),
    MrzFormat.TD3: _two_line(44, composite=True, optional_cd=True),
    MrzFormat.MRVA: _two_line(44, composite=False, optional_cd=False),
    MrzFormat.MRVB: _two_line(36, composite=False, optional_cd=False),
}

# Only in fields that may hold nothing but digits (dates, check digits).
_DIGIT_FOR_LETTER = {
    "O": "0",
    "Q": "0",
    "D": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
}
_ALPHABET = re.compile(r"[A-Z0-9<]")


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True)
class Mrz:
    """A verified machine-readable zone. ``document_number`` is plain: never store this object."""

    format: MrzFormat
    lines: tuple[str, ...]
    document_code: str
    document_type: str
    issuing_state_code: str
    issuing_state: str | None
    document_number: str
    surname: str
    given_names: str
    nationality_code: str
    nationality: str | None
    date_of_birth: dt.date | None
    sex: str | None
    expiry_date: dt.date | None
    optional_data: str
    notes: tuple[Note, ...] = field(default=())

    @property
    def document_number_hash(self) -> str:
        return document_hash(self.document_number)

    def record_fields(self) -> dict[str, Any]:
        """The traveller-record fields this document gives (no plain document number)."""
        return {
            "document_type": self.document_type,
            "document_issuing_state": self.issuing_state,
            "document_expiry_date": self.expiry_date,
            "document_number_hash": self.document_number_hash,
            "surname": self.surname or None,
            "given_names": self.given_names or None,
            "nationality": self.nationality,
            "sex": self.sex,
            "date_of_birth": self.date_of_birth,
        }

    def to_record(self, **event: Any) -> dict[str, Any]:
        """A canonical traveller record: the document's fields plus the event's
        (``record_id``, ``event_kind``, ``port``, ``event_date``…)."""
        if "document_number" in event:
            raise ValueError("a traveller record never holds the plain document number")
        return {**self.record_fields(), **event}


# --------------------------------------------------------------------------- parsing


def _document_type(code: str) -> str:
    first = code[0]
    if first == "P":
        return "passport"
    if first == "V":
        return "visa"
    if code == "AC":  # crew member certificate
        return "travel_document"
    if first in "IAC":
        return "id_card"
    return "other"


def _normalise(text: str) -> tuple[list[str], list[Problem]]:
    cleaned = text.replace("«", "<").upper()
    lines = [re.sub(r"[ \t\r\f\v]+", "", line) for line in cleaned.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) == 1:
        single = lines[0]
        for count, width in ((3, 30), (2, 44), (2, 36)):
            if len(single) == count * width:
                lines = [single[i * width : (i + 1) * width] for i in range(count)]
                break
    problems = []
    for n, line in enumerate(lines, start=1):
        for pos, char in enumerate(line, start=1):
            if not _ALPHABET.fullmatch(char):
                problems.append(
                    Problem(
                        at=Location("MRZ", (Place("line", n), Place("position", pos))),
                        value=char,
                        rule="character not allowed in a machine-readable zone (A-Z, 0-9, <)",
                        rule_zh="机读区不允许的字符（仅限A-Z、0-9、<）",
                    )
                )
    return lines, problems


def _shape_problem(lines: list[str]) -> tuple[MrzFormat | None, list[Problem]]:
    """The format of a well-shaped zone, or the problems naming what is off (truncated lines,
    a missing line) judged against the format whose width is nearest the longest line."""
    if not lines:
        return None, [Problem(where="MRZ", rule="no text to read", rule_zh="没有可读取的文本")]
    lengths = [len(line) for line in lines]
    visa = lines[0].startswith("V")
    by_width = {
        30: MrzFormat.TD1,
        36: MrzFormat.MRVB if visa else MrzFormat.TD2,
        44: MrzFormat.MRVA if visa else MrzFormat.TD3,
    }
    longest = max(lengths)
    width = min(by_width, key=lambda w: (abs(w - longest), -w))
    fmt = by_width[width]
    count = _SHAPES[fmt][0]
    if lengths == [width] * count:
        return fmt, []
    if abs(width - longest) > 4 or len(lines) > 3:
        shown = ", ".join(str(n) for n in lengths)
        return None, [
            Problem(
                where="MRZ",
                rule=f"not a machine-readable zone: {len(lines)} line(s) of {shown} characters; "
                "expected 3 lines of 30 (TD1), 2 of 36 (TD2, MRV-B) or 2 of 44 (TD3, MRV-A)",
                rule_zh=f"不是机读区：{len(lines)}行，长度{shown}；应为3行×30（TD1）、"
                "2行×36（TD2、MRV-B）或2行×44（TD3、MRV-A）",
            )
        ]
    en, zh = FORMAT_NAMES[fmt]
    problems = []
    if len(lines) != count:
        problems.append(
            Problem(
                where="MRZ",
                rule=f"a {en} zone has {count} lines, {len(lines)} given"
                + (" (a line is missing?)" if len(lines) < count else ""),
                rule_zh=f"{zh}机读区应有{count}行，实际{len(lines)}行"
                + ("（是否缺行？）" if len(lines) < count else ""),
            )
        )
    for n, length in enumerate(lengths, start=1):
        if length != width:
            short = length < width
            problems.append(
                Problem(
                    at=Location.line("MRZ", n),
                    rule=f"line has {length} characters, a {en} line has {width}"
                    + (" (truncated?)" if short else ""),
                    rule_zh=f"该行有{length}个字符，{zh}每行应为{width}个"
                    + ("（是否被截断？）" if short else ""),
                )
            )
    return None, problems


_FIELD_NAMES: dict[str, tuple[str, str]] = {
    "number": ("document number", "证件号码"),
    "birth": ("date of birth", "出生日期"),
    "expiry": ("expiry date", "有效期至"),
    "optional": ("personal number", "个人号码"),
    "composite": ("composite", "综合"),
}


def _where(span: _Span) -> Location:
    end = None if span.end - span.start == 1 else span.end
    return Location("MRZ", (Place("line", span.line + 1), Place("position", span.start + 1, end)))


def _digits_only(lines: list[str], span: _Span, notes: list[Note]) -> None:
    """Read letters as the digits OCR confuses them with, in a digits-only field."""
    row = list(lines[span.line])
    for pos in range(span.start, span.end):
        char = row[pos]
        if char in _DIGIT_FOR_LETTER:
            row[pos] = _DIGIT_FOR_LETTER[char]
            notes.append(
                Note(
                    f"line {span.line + 1} position {pos + 1}: read '{char}' as "
                    f"'{row[pos]}' (only digits are allowed there)",
                    f"第{span.line + 1}行第{pos + 1}位：将“{char}”读作“{row[pos]}”"
                    "（该处只允许数字）",
                )
            )
    lines[span.line] = "".join(row)


def _verify(
    lines: list[str], key: str, data: str, digit_span: _Span, problems: list[Problem]
) -> None:
    given = digit_span.of(lines)
    computed = check_digit(data)
    en, zh = _FIELD_NAMES[key]
    if given == computed:
        return
    if key == "optional" and given == "<" and set(data) == {"<"}:
        return  # an empty personal number may carry a filler as its check digit
    problems.append(
        Problem(
            at=_where(digit_span),
            rule=f"{en} check digit is {given}, computed {computed}",
            rule_zh=f"{zh}校验位为{given}，计算结果为{computed}",
        )
    )


def _date(
    raw: str,
    span: _Span,
    key: str,
    *,
    today: dt.date,
    problems: list[Problem],
    notes: list[Note],
) -> dt.date | None:
    en, zh = _FIELD_NAMES[key]
    if "<" in raw:
        notes.append(Note(f"{en} not given in the MRZ", f"机读区未提供{zh}"))
        return None
    if not raw.isdigit():
        problems.append(
            Problem(
                at=_where(span),
                value=raw,
                rule=f"{en} must be six digits YYMMDD",
                rule_zh=f"{zh}必须为六位数字YYMMDD",
            )
        )
        return None
    yy, month, day = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    try:
        dt.date(2000, month, day)  # a leap year: 29 February is checked per century below
    except ValueError:
        problems.append(
            Problem(
                at=_where(span),
                value=raw,
                rule=f"{en} is not a valid date",
                rule_zh=f"{zh}不是有效日期",
            )
        )
        return None
    century = (today.year // 100) * 100
    if key == "birth":
        years = [century + yy, century - 100 + yy]
    else:
        years = [century - 100 + yy, century + yy, century + 100 + yy]
    for year in years:
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if key == "birth" and date <= today:
            return date
        if key == "expiry" and _within_years(date, today, 50):
            return date
    problems.append(
        Problem(
            at=_where(span),
            value=raw,
            rule=f"{en} cannot be placed in a century"
            + (" (in the future?)" if key == "birth" else ""),
            rule_zh=f"{zh}无法确定世纪" + ("（是否晚于今天？）" if key == "birth" else ""),
        )
    )
    return None


def _within_years(date: dt.date, today: dt.date, years: int) -> bool:
    low = today.replace(year=today.year - years, day=min(today.day, 28))
    high = today.replace(year=today.year + years, day=min(today.day, 28))
    return low <= date < high


def _name(raw: str, span: _Span, problems: list[Problem], notes: list[Note]) -> tuple[str, str]:
    if any(c.isdigit() for c in raw):
        problems.append(
            Problem(
                at=_where(span),
                value=raw.rstrip("<"),
                rule="a name may not contain digits (re-scan the document)",
                rule_zh="姓名不能包含数字（请重新扫描证件）",
            )
        )
    if not raw.endswith("<"):
        notes.append(
            Note(
                "the name fills the whole name field and may be truncated",
                "姓名占满整个姓名栏，可能被截断",
            )
        )
    primary, _, secondary = raw.partition("<<")

    def words(part: str) -> str:
        return " ".join(w for w in part.split("<") if w)

    return words(primary), words(secondary)


def _long_number(lines: list[str], layout: _Layout) -> tuple[str, str, _Span]:
    """Document number and the data its check digit covers, for numbers longer than 9.

    ICAO 9303: when the number has more than nine characters, the check digit position holds
    ``<`` and the number continues in the optional data, followed by its check digit.
    """
    number = layout.number.of(lines)
    if layout.number_cd.of(lines) != "<":
        return number.rstrip("<"), number, layout.number_cd
    overflow_span = layout.optional[0]
    overflow = overflow_span.of(lines).split("<", 1)[0]
    if len(overflow) < 2:
        return number.rstrip("<"), number, layout.number_cd
    rest, digit_pos = overflow[:-1], overflow_span.start + len(overflow) - 1
    full = number + rest
    return full, full, _Span(overflow_span.line, digit_pos, digit_pos + 1)


def parse_mrz(text: str, *, today: dt.date | None = None) -> Mrz:
    """Parse and verify a machine-readable zone; raise ``InputError`` naming every failure."""
    today = today or dt.datetime.now(dt.UTC).date()
    lines, problems = _normalise(text)
    if problems:
        raise InputError(problems)
    fmt, problems = _shape_problem(lines)
    if fmt is None:
        raise InputError(problems)
    layout = _LAYOUTS[fmt]
    notes: list[Note] = []
    digit_spans: list[_Span | None] = [layout.number_cd, layout.birth, layout.birth_cd]
    digit_spans += [layout.expiry, layout.expiry_cd, layout.optional_cd, layout.composite]
    for span in digit_spans:
        if span is not None:
            _digits_only(lines, span, notes)
    code = _document_code(lines, layout, problems)
    number, number_data, number_cd = _long_number(lines, layout)
    _verify_check_digits(lines, layout, (number_data, number_cd), problems)
    issuing = _state(lines, layout.state, "issuing state", "签发国", problems=problems, notes=notes)
    nationality = _state(
        lines, layout.nationality, "nationality", "国籍", problems=problems, notes=notes
    )
    sex = _sex(lines, layout, problems)
    birth, expiry = _birth_and_expiry(lines, layout, today=today, problems=problems, notes=notes)
    surname, given = _name(layout.name.of(lines), layout.name, problems, notes)
    if problems:
        raise InputError(problems)
    if expiry is not None and expiry < today:
        notes.append(
            Note(
                f"the document expired on {expiry.isoformat()}", f"证件已于{expiry.isoformat()}过期"
            )
        )
    assert issuing is not None  # no problem was found above
    assert nationality is not None
    optional = "".join(span.of(lines) for span in layout.optional).strip("<")
    return Mrz(
        format=fmt,
        lines=tuple(lines),
        document_code=code.rstrip("<"),
        document_type=_document_type(code),
        issuing_state_code=issuing.icao,
        issuing_state=issuing.alpha_2,
        document_number=number,
        surname=surname,
        given_names=given,
        nationality_code=nationality.icao,
        nationality=nationality.alpha_2,
        date_of_birth=birth,
        sex=sex,
        expiry_date=expiry,
        optional_data=optional,
        notes=tuple(notes),
    )


def _document_code(lines: list[str], layout: _Layout, problems: list[Problem]) -> str:
    """The document code as written (``P<``, ``ID``, ``V<``...): it starts with a letter."""
    code = layout.code.of(lines)
    if not code[0].isalpha():
        problems.append(
            Problem(
                at=_where(layout.code),
                value=code,
                rule="document code must start with a letter",
                rule_zh="证件类型代码须以字母开头",
            )
        )
    return code


def _verify_check_digits(
    lines: list[str], layout: _Layout, number: tuple[str, _Span], problems: list[Problem]
) -> None:
    """Every check digit of the layout: number (``number``: its data and digit), birth,
    expiry, and the optional-data and composite digits where the format has them."""
    number_data, number_cd = number
    _verify(lines, "number", number_data, number_cd, problems)
    _verify(lines, "birth", layout.birth.of(lines), layout.birth_cd, problems)
    _verify(lines, "expiry", layout.expiry.of(lines), layout.expiry_cd, problems)
    if layout.optional_cd is not None:
        _verify(lines, "optional", layout.optional[0].of(lines), layout.optional_cd, problems)
    if layout.composite is not None:
        data = "".join(span.of(lines) for span in layout.composite_over)
        _verify(lines, "composite", data, layout.composite, problems)


def _state(
    lines: list[str],
    span: _Span,
    en: str,
    zh: str,
    *,
    problems: list[Problem],
    notes: list[Note],
) -> CountryCode | None:
    """An ICAO state code (issuing state or nationality) resolved to a country, noting codes
    that are not ISO countries; ``None`` with a problem when it is no ICAO code."""
    raw = span.of(lines)
    try:
        resolved = icao_country(raw, role_en=en, role_zh=zh)
    except ValueError:
        problems.append(
            Problem(
                at=_where(span),
                value=raw,
                rule=f"{en} is not an ICAO 9303 state code",
                rule_zh=f"{zh}不是ICAO 9303国家代码",
            )
        )
        return None
    if resolved.note is not None and resolved.note not in notes:
        notes.append(resolved.note)
    return resolved


def _sex(lines: list[str], layout: _Layout, problems: list[Problem]) -> str | None:
    """F, M or X (``<``, unspecified, reads as X)."""
    sex_raw = layout.sex.of(lines)
    if sex_raw not in ("F", "M", "X", "<"):
        problems.append(
            Problem(
                at=_where(layout.sex),
                value=sex_raw,
                rule="sex must be F, M, X or <",
                rule_zh="性别须为F、M、X或<",
            )
        )
    return {"F": "F", "M": "M", "X": "X", "<": "X"}.get(sex_raw)


def _birth_and_expiry(
    lines: list[str],
    layout: _Layout,
    *,
    today: dt.date,
    problems: list[Problem],
    notes: list[Note],
) -> tuple[dt.date | None, dt.date | None]:
    """The dates of birth and expiry (two-digit years placed by ``_date``), expiry after birth."""
    birth = _date(
        layout.birth.of(lines), layout.birth, "birth", today=today, problems=problems, notes=notes
    )
    expiry = _date(
        layout.expiry.of(lines),
        layout.expiry,
        "expiry",
        today=today,
        problems=problems,
        notes=notes,
    )
    if birth is not None and expiry is not None and expiry < birth:
        problems.append(
            Problem(
                at=_where(layout.expiry),
                value=layout.expiry.of(lines),
                rule="expiry date lies before the date of birth",
                rule_zh="有效期早于出生日期",
            )
        )
    return birth, expiry


def mrz_record(text: str, *, today: dt.date | None = None, **event: Any) -> dict[str, Any]:
    """Parse an MRZ straight into a traveller record (event fields given by the caller)."""
    return parse_mrz(text, today=today).to_record(**event)
