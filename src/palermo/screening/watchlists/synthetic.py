"""Synthetic watchlists and travellers with known truth, for the recall test and the benchmark.

People are drawn from Chinese names (written in characters, with their pinyin) and from Latin
names of the region's travellers (Vietnamese, Filipino, Indonesian, Thai, others), with dates of
birth between 1950 and 2012. A listed person can be turned into a traveller record whose name
was transformed the way names really change between records: reordered, misspelt, written in
characters instead of pinyin or the reverse, spelled in another romanisation, reduced to an
initial, or missing a middle name.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from palermo.screening.watchlists.model import Entry, EntryKind, ListInfo, Watchlist
from palermo.screening.watchlists.names import SURNAME_ROMANISATIONS, han_to_pinyin

# Common surnames (character, pinyin) with rough weights.
CHINESE_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72),
    ("李", 71),
    ("张", 68),
    ("刘", 54),
    ("陈", 46),
    ("杨", 31),
    ("黄", 24),
    ("赵", 22),
    ("吴", 21),
    ("周", 21),
    ("徐", 17),
    ("孙", 16),
    ("马", 15),
    ("朱", 14),
    ("胡", 14),
    ("郭", 13),
    ("何", 12),
    ("高", 12),
    ("林", 12),
    ("罗", 11),
    ("郑", 11),
    ("梁", 10),
    ("谢", 9),
    ("宋", 8),
    ("唐", 8),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 7),
    ("彭", 6),
    ("曾", 6),
    ("萧", 5),
    ("田", 5),
    ("董", 5),
    ("潘", 5),
    ("袁", 5),
    ("蔡", 5),
    ("蒋", 5),
    ("余", 5),
    ("叶", 4),
    ("杜", 4),
    ("程", 4),
    ("魏", 4),
    ("苏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 3),
    ("卢", 3),
    ("欧阳", 1),
    ("司徒", 1),
)
GIVEN_CHARACTERS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏宇浩凯晨欣怡嘉俊"
    "佳琳雪梅海燕春晓亮斌宏志国庆东峰雷鑫龙婷倩颖晶慧娇彬博诚德福贵荣瑞祥安康乐美丹"
    "丽霞振兴义雯璐思雨萱涵梓子轩豪天翔舒蕾悦瑶薇岚菲琪珊琦珍莉蓉蓓洁聪颖星月云飞"
)
_LATIN_SURNAMES_TEXT = (
    "Nguyen Tran Le Pham Hoang Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly "
    "Santos Reyes Cruz Bautista Ocampo Garcia Mendoza Torres Tomas Andrada Castillo Flores "
    "Villanueva Ramos Aquino Navarro Salazar Mercado Gutierrez Dela-Cruz "
    "Wijaya Susanto Hidayat Saputra Kusuma Pratama Setiawan Nugroho Siregar Halim Gunawan "
    "Suwannarat Srisuk Chaiyaporn Rattanakorn Boonmee Thongchai Saelim Kaewkham "
    "Khan Rahman Hossain Ahmed Islam Sharma Singh Kumar Perera Fernando Silva "
    "Smith Johnson Brown Petrov Ivanova Kowalski Muller Novak Popescu Horvat"
)
LATIN_SURNAMES = tuple(_LATIN_SURNAMES_TEXT.split())
_LATIN_GIVEN_TEXT = (
    "Anh Minh Thi Huong Lan Mai Linh Tuan Hung Duc Thanh Hoa Phuong Quang "
    "Maria Jose Juan Ana Mark Michael Angelica Jasmine Christian Kristine Joshua Princess "
    "Rosalie Jericho Marites Lorna Ramon Rodel Dewi Siti Putri Budi Agus Sri Ayu Rizky Eka "
    "Somchai Somsak Malee Nittaya Kanya Arthit Pranee Wanida Mohammad Abdul Fatima Nusrat "
    "Rohan Priya Anjali Ravi Olga Elena Natalia Anna Peter John James Sarah Emily Daniel"
)
LATIN_GIVEN = tuple(_LATIN_GIVEN_TEXT.split())
NATIONALITIES_CHINESE = ("CN", "CN", "CN", "CN", "HK", "TW", "MY", "SG")
NATIONALITIES_LATIN = ("VN", "PH", "ID", "TH", "BD", "IN", "LK", "RU", "UA", "PL", "RO", "GB")
TRANSFORMS = (
    "exact",
    "reorder",
    "misspell",
    "characters_to_pinyin",
    "pinyin_to_characters",
    "romanisation",
    "initial",
    "missing_middle_name",
)
_SURNAME_CHARS = [s for s, _ in CHINESE_SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in CHINESE_SURNAMES]


@dataclass(frozen=True, slots=True)
class Person:
    chinese: bool
    surname: str  # Latin (pinyin for Chinese names)
    given: tuple[str, ...]  # Latin given names (pinyin given name as one token for Chinese)
    characters: str | None  # the name in Chinese characters
    date_of_birth: dt.date
    nationality: str

    @property
    def latin(self) -> str:
        return " ".join((self.surname.upper(), *self.given))


def _date(rng: random.Random) -> dt.date:
    return dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 22_645))


def random_person(rng: random.Random, *, chinese_share: float = 0.5) -> Person:
    if rng.random() < chinese_share:
        surname = rng.choices(_SURNAME_CHARS, _SURNAME_WEIGHTS)[0]
        given = "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(rng.choice((1, 2, 2, 2))))
        characters = surname + given
        pinyin = han_to_pinyin(characters)
        return Person(
            True,
            pinyin[0].capitalize(),
            (pinyin[1].capitalize(),),
            characters,
            _date(rng),
            rng.choice(NATIONALITIES_CHINESE),
        )
    n_given = rng.choice((1, 1, 2, 2, 3))
    return Person(
        False,
        rng.choice(LATIN_SURNAMES),
        tuple(rng.sample(LATIN_GIVEN, n_given)),
        None,
        _date(rng),
        rng.choice(NATIONALITIES_LATIN),
    )


def person_entry(person: Person, entry_id: str, *, rng: random.Random) -> Entry:
    """A listed person: Chinese names listed in characters, in pinyin, or both."""
    names: tuple[str, ...]
    if person.characters is None:
        names = (person.latin,)
    else:
        names = rng.choice(
            ((person.characters,), (person.latin,), (person.characters, person.latin))
        )
    return Entry(
        entry_id,
        EntryKind.PERSON,
        names,
        date_of_birth=person.date_of_birth,
        nationality=person.nationality,
    )


def synthetic_watchlist(
    n: int, *, seed: int, list_id: str = "synthetic", chinese_share: float = 0.5
) -> tuple[Watchlist, list[Person]]:
    rng = random.Random(seed)
    people = [random_person(rng, chinese_share=chinese_share) for _ in range(n)]
    entries = tuple(person_entry(p, f"E{i:07d}", rng=rng) for i, p in enumerate(people))
    info = ListInfo(
        list_id,
        "Synthetic list",
        "Palermo test suite",
        "measure recall and speed",
        "synthetic data, no real person",
        dt.date(2099, 12, 31),
    )
    return Watchlist(info, entries), people


def _misspell(token: str, rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(len(token))
    op = rng.choice(("substitute", "delete", "insert", "transpose"))
    if op == "substitute":
        return token[:i] + rng.choice(letters.replace(token[i].lower(), "")) + token[i + 1 :]
    if op == "delete" and len(token) > 3:
        return token[:i] + token[i + 1 :]
    if op == "transpose" and i < len(token) - 1:
        return token[:i] + token[i + 1] + token[i] + token[i + 2 :]
    return token[:i] + rng.choice(letters) + token[i:]


def _perturb_date(day: dt.date, rng: random.Random) -> dt.date:
    roll = rng.random()
    if roll < 0.08 and day.day <= 12:
        return day.replace(month=day.day, day=day.month)
    if roll < 0.15:
        try:
            return day.replace(year=day.year + rng.choice((-1, 1)))
        except ValueError:
            return day
    return day


def transformed_record(
    person: Person, transform: str, *, rng: random.Random, record_id: str
) -> dict[str, Any]:
    """A traveller record for ``person`` with its name changed by ``transform``."""
    surname, given = person.surname, list(person.given)
    native: str | None = None
    if transform == "reorder":
        surname, given = " ".join(given), [surname]
    elif transform == "misspell":
        parts = [surname, *given]
        candidates = [i for i, p in enumerate(parts) if len(p) >= 3] or [0]
        i = rng.choice(candidates)
        parts[i] = _misspell(parts[i], rng)
        surname, given = parts[0], parts[1:]
    elif transform == "pinyin_to_characters" and person.characters:
        surname, given, native = "", [], person.characters
    elif transform == "characters_to_pinyin" and person.characters:
        # a passport's spelling: upper case, syllables sometimes hyphenated
        surname = surname.upper()
        given = [g.upper() for g in given]
    elif transform == "romanisation" and person.chinese:
        variants = SURNAME_ROMANISATIONS.get(surname.lower())
        if variants:
            surname = rng.choice(variants).capitalize()
    elif transform == "initial" and len(given) >= 1 and not person.chinese:
        given = [given[0][0], *given[1:]]
    elif transform == "missing_middle_name" and len(given) >= 2:
        given = given[:1]
    return {
        "record_id": record_id,
        "surname": surname or None,
        "given_names": " ".join(given) or None,
        "name_native": native,
        "date_of_birth": _perturb_date(person.date_of_birth, rng),
        "nationality": person.nationality,
    }


def transformed_entry_for(person: Person, transform: str, entry: Entry) -> Entry:
    """The listed form a transform assumes: characters only for pinyin travellers and the
    reverse, so that the traveller and the list really are in different scripts."""
    if transform == "characters_to_pinyin" and person.characters:
        return Entry(
            entry.entry_id, entry.kind, (person.characters,), entry.date_of_birth, entry.nationality
        )
    if transform == "pinyin_to_characters" and person.characters:
        return Entry(
            entry.entry_id, entry.kind, (person.latin,), entry.date_of_birth, entry.nationality
        )
    return entry


def travellers(n: int, *, seed: int, chinese_share: float = 0.5) -> Iterator[dict[str, Any]]:
    """Unrelated travellers: fresh random people."""
    rng = random.Random(seed)
    for i in range(n):
        p = random_person(rng, chinese_share=chinese_share)
        yield {
            "record_id": f"T{i:07d}",
            "surname": p.surname.upper(),
            "given_names": " ".join(p.given),
            "name_native": p.characters if rng.random() < 0.2 else None,
            "date_of_birth": p.date_of_birth,
            "nationality": p.nationality,
        }
