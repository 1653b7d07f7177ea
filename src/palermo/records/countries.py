"""Countries by name in English and Simplified Chinese, for people who pick one.

The record keeps ISO 3166-1 alpha-2 codes; a person reads and types names. Names come from
pycountry (the ISO 3166 data and its Debian iso-codes translations), so nothing is typed by
hand here. ``country_code`` accepts a code (alpha-2 or alpha-3), an official, common or
short name in either language, case and spacing ignored; it never guesses from a prefix, so
"Myanmar" is MM and "Myan" is nothing.

>>> country_code("Myanmar"), country_code("缅甸"), country_code("mm"), country_code("MMR")
('MM', 'MM', 'MM', 'MM')
>>> country_code("Myan") is None, country_code("Yangon") is None
(True, True)
>>> country_label("TH", "zh"), country_label("TH", "en")
('泰国 · Thailand (TH)', 'Thailand · 泰国 (TH)')
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache

import pycountry


@cache
def _zh() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except OSError:  # an install without the translations: English names only
        return gettext.NullTranslations()


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@cache
def country_names() -> dict[str, tuple[str, str]]:
    """Every alpha-2 code with its (English, Chinese) name, the common name when there is one
    ("Taiwan", "North Korea": the names officers use)."""
    out: dict[str, tuple[str, str]] = {}
    zh = _zh()
    for country in pycountry.countries:
        official = country.name
        common = getattr(country, "common_name", None) or official
        out[country.alpha_2] = (common, zh.gettext(official))
    return out


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    zh = _zh()
    for country in pycountry.countries:
        names = [country.alpha_2, country.alpha_3, country.name]
        for attr in ("common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.append(value)
        names += [zh.gettext(n) for n in names[2:]]
        for name in names:
            index.setdefault(_key(name), country.alpha_2)
    return index


def country_code(text: str) -> str | None:
    """The alpha-2 code ``text`` names exactly (code or name, either language), else None."""
    key = _key(text)
    if not key:
        return None
    # "Myanmar · 缅甸 (MM)", as the list shows it, names MM too
    if key.endswith(")") and "(" in key:
        inner = key[key.rindex("(") + 1 : -1].strip()
        if len(inner) == 2 and inner.upper() in country_names():
            return inner.upper()
    return _index().get(key)


def country_label(code: str, lang: str = "en") -> str:
    """'Thailand · 泰国 (TH)': the page's language first, the code after."""
    names = country_names().get(code.upper())
    if names is None:
        return code
    en, zh = names
    first, second = (zh, en) if lang.startswith("zh") else (en, zh)
    return f"{first} · {second} ({code.upper()})"


def country_name(code: str, lang: str = "en") -> str:
    """The country's name in one language ('泰国'), the code itself when unknown."""
    names = country_names().get(code.upper())
    if names is None:
        return code
    return names[1] if lang.startswith("zh") else names[0]
