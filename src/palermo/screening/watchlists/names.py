"""Names across scripts: normalisation, Chinese to Hanyu Pinyin, romanisation variants, scoring.

A name as written ("ZHANG Wei", "Cheung Wai", "张伟", "J. Smith") becomes one or more
``NameForm``: a tuple of canonical lower-case ASCII tokens. Chinese characters are read as
Hanyu Pinyin (the surname with its surname reading, the given name as one token); common
Wade-Giles, Cantonese, Hokkien and Teochew spellings of Chinese surnames are mapped to their
pinyin (a spelling that stands for several surnames, like Wong for Wang and Huang, gives one form
per reading). Two names are then compared token by token, in any order, tolerating spelling
differences, initials and missing middle names, and the comparison can explain itself.

>>> [f.tokens for f in name_forms("Chow Wai")]
[('chow', 'wai'), ('zhou', 'wai'), ('zou', 'wai')]
>>> [f.tokens for f in name_forms("张晓明")]
[('zhang', 'xiaoming')]
>>> round(name_score(name_forms("ZHANG Xiao-Ming")[0], name_forms("张晓明")[0]))
100
>>> round(name_score(name_forms("Wei Zhang")[0], name_forms("Zhang Wei")[0]))
100
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

# --- Chinese surnames -----------------------------------------------------------------------

#: Two-character surnames: the first two characters of a name that start with one of these are
#: the surname.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "司徒",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "夏侯",
        "令狐",
        "宇文",
        "端木",
        "轩辕",
        "澹台",
        "万俟",
        "西门",
        "南宫",
        "闻人",
        "申屠",
        "独孤",
        "百里",
        "呼延",
        "东郭",
        "钟离",
        "太史",
    ]
)

#: Characters whose reading as a surname differs from their most common reading.
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng",
    "单": "shan",
    "区": "ou",
    "仇": "qiu",
    "解": "xie",
    "朴": "piao",
    "查": "zha",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "盖": "ge",
    "种": "chong",
    "秘": "bi",
    "召": "shao",
    "员": "yun",
    "翟": "zhai",
    "宁": "ning",
    "重": "chong",
    "都": "du",
    "薄": "bo",
    "沈": "shen",
    "尉迟": "yuchi",
    "万俟": "moqi",
    "长孙": "zhangsun",
    "单于": "chanyu",
}

#: Common surnames in Hanyu Pinyin and their other frequent spellings in passports and
#: domestic records: Wade-Giles (Taiwan, older documents), Cantonese (Hong Kong, Macao,
#: diaspora), Hokkien and Teochew (Singapore, Malaysia, the Philippines), Vietnamese.
SURNAME_ROMANISATIONS: dict[str, tuple[str, ...]] = {
    "wang": ("wong", "ong", "vong", "heng"),
    "li": ("lee", "lei", "ly", "lie", "lai"),
    "zhang": ("chang", "cheung", "cheong", "chong", "teo", "tiong", "tsang"),
    "liu": ("lau", "lao", "lew", "liew", "low", "lowe"),
    "chen": ("chan", "tan", "chin", "chun", "tang"),
    "yang": ("yeung", "yeo", "yong", "ieong", "young", "yeong"),
    "huang": ("wong", "hwang", "ng", "oei", "ooi", "wee", "huynh", "vong"),
    "zhao": ("chao", "chiu", "chew", "chio", "teo", "chiew"),
    "wu": ("ng", "goh", "woo", "ngo", "eng", "ung"),
    "zhou": ("chou", "chow", "chau", "jau", "chew", "chiu"),
    "xu": ("hsu", "tsui", "hui", "koh", "khor", "chui", "shu"),
    "sun": ("suen", "soon", "suan", "sng"),
    "ma": ("mah", "mar", "beh"),
    "zhu": ("chu", "chue", "choo", "chee"),
    "hu": ("wu", "woo", "foo", "oh", "ho"),
    "guo": ("kuo", "kwok", "kok", "quek", "kwek"),
    "he": ("ho", "hoh", "hor", "ha"),
    "gao": ("kao", "ko", "kou", "koh", "go"),
    "lin": ("lam", "lim", "lum", "ling"),
    "luo": ("lo", "law", "loh", "lor", "lok"),
    "zheng": ("cheng", "cheang", "tay", "teh", "chiang"),
    "liang": ("leung", "liong", "leong", "neo"),
    "xie": ("hsieh", "tse", "chia", "sia", "tse"),
    "song": ("sung", "soong"),
    "tang": ("tong", "tung", "thng"),
    "han": ("hon", "hahn", "hang"),
    "feng": ("fung", "fong", "foong", "pang"),
    "deng": ("teng", "tang", "tan"),
    "cao": ("tsao", "cho", "tso", "chou"),
    "peng": ("pang", "phang", "pheng"),
    "zeng": ("tseng", "tsang", "chang", "chan"),
    "xiao": ("hsiao", "siu", "siew", "seow", "shaw"),
    "tian": ("tien", "tin", "thian"),
    "dong": ("tung", "tong"),
    "pan": ("poon", "phua", "pun", "phan"),
    "yuan": ("yuen", "woon", "guan"),
    "cai": ("tsai", "choi", "choy", "chua", "toy", "chai"),
    "jiang": ("chiang", "cheung", "kong", "kang", "keung"),
    "yu": ("yue", "yee", "ee", "u", "ue", "yiu", "jee"),
    "du": ("tu", "to", "toh", "doo"),
    "ye": ("yeh", "yip", "yap", "ip", "iap"),
    "cheng": ("ching", "tcheng"),
    "wei": ("ngai", "gwee", "ngui"),
    "su": ("soo", "so", "sou", "soh"),
    "lu": ("lui", "lo", "lou", "loo", "luk", "lyu", "lv", "lui", "lok"),
    "ding": ("ting", "teng"),
    "ren": ("jen", "yam", "yum", "jin"),
    "shen": ("shum", "sim", "sum", "sham"),
    "yao": ("yiu", "iao"),
    "fan": ("faan", "phan", "huan"),
    "fang": ("fong", "hong", "png"),
    "shi": ("shih", "shek", "sze", "see", "si"),
    "tan": ("tam", "tham", "tang"),
    "liao": ("liu", "leow", "liew", "liau", "leo"),
    "zou": ("tsou", "chau", "chow", "chew"),
    "xiong": ("hsiung", "hung", "heng"),
    "jin": ("chin", "kam", "kim", "gim"),
    "kong": ("kung", "hung", "khong"),
    "bai": ("pai", "pak", "peh"),
    "cui": ("tsui", "tsuei", "choi", "chui"),
    "kang": ("hong", "khang"),
    "mao": ("mo", "mau", "mou"),
    "qiu": ("chiu", "yau", "khoo", "hiew", "chew", "khew"),
    "qin": ("chin", "chun", "tsin"),
    "gu": ("ku", "koo", "kor"),
    "hou": ("hau", "how"),
    "shao": ("siu", "sio"),
    "meng": ("mang", "beng"),
    "long": ("lung", "loong"),
    "wan": ("man", "maan", "buan"),
    "duan": ("tuan", "tuen", "tuen"),
    "lei": ("lui", "loi", "lai"),
    "qian": ("chien", "chin", "tsin"),
    "yin": ("wan", "yoon", "yun", "eng"),
    "yi": ("yick", "yik", "ik"),
    "qiao": ("chiao", "kiu"),
    "lai": ("lye", "nai", "lay"),
    "gong": ("kung", "kong"),
    "wen": ("man", "mun", "boon", "woon"),
    "ou": ("au", "ao", "ow", "aw"),
    "ouyang": ("auyeung", "auyang", "owyang", "aoyang"),
    "situ": ("szeto", "seto", "sitou"),
    "mai": ("mak", "mack", "meh"),
    "mo": ("mok", "mock", "boh"),
    "rong": ("yung", "jung"),
    "weng": ("yung", "ong", "ung"),
    "yan": ("yim", "gan", "ngan", "yen", "gun"),
    "ge": ("kot", "ko", "kat"),
    "zhan": ("chim", "chan", "jim", "chiam"),
    "guan": ("kwan", "kuan", "quan", "koon"),
    "shu": ("shue", "sue"),
    "xue": ("hsueh", "sit", "sih", "seet"),
    "lian": ("lim", "lien"),
    "chu": ("chor", "chuk"),
    "shan": ("sin", "sien"),
    "zhai": ("chai", "jak"),
    "jia": ("chia", "kah"),
}


def _invert(table: dict[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for pinyin, spellings in table.items():
        index.setdefault(pinyin, set()).add(pinyin)
        for spelling in spellings:
            index.setdefault(spelling, set()).add(pinyin)
    # A pinyin surname that is also another surname's variant stays itself as well
    # (``tang`` is the pinyin Tang and the Cantonese spelling of Deng).
    for pinyin in table:
        index[pinyin].add(pinyin)
    return {spelling: frozenset(readings) for spelling, readings in index.items()}


#: spelling -> the pinyin surnames it can stand for
SPELLING_TO_PINYIN: dict[str, frozenset[str]] = _invert(SURNAME_ROMANISATIONS)


def _words(text: str) -> list[str]:
    return text.split()


#: Titles dropped from names; particles kept for comparison but never used alone for lookup.
TITLES: frozenset[str] = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam"})
PARTICLES: frozenset[str] = frozenset(
    _words(
        """bin binti binte bte al el de da das dos del della van von der den ter ten y e abu ibn
    bint"""
    )
)

MAX_FORMS = 8
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_APOSTROPHES = re.compile(r"['’`ʻʼ‘]")
_JOINERS = re.compile(r"(?<=[a-z])[-‐‑](?=[a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def has_han(text: str) -> bool:
    """True when ``text`` contains Chinese characters.

    >>> has_han("王芳"), has_han("Wang Fang")
    (True, False)
    """
    return _HAN.search(text) is not None


def fold_latin(text: str) -> str:
    """Lower-case ASCII: diacritics removed (Nguyễn -> nguyen, Müller -> muller), ü -> u.

    >>> fold_latin("Nguyễn Thị Lǚ")
    'nguyen thi lu'
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("ß", "ss").replace("ø", "o").replace("Ø", "o").replace("ł", "l").lower()


@lru_cache(maxsize=1_000_000)
def latin_tokens(text: str) -> tuple[str, ...]:
    """Tokens of a name in Latin script: apostrophes dropped, hyphenated parts joined.

    >>> latin_tokens("Dr. Ch'en Hsiao-ming")
    ('chen', 'hsiaoming')
    """
    folded = _APOSTROPHES.sub("", fold_latin(text))
    folded = _JOINERS.sub("", folded)
    return tuple(t for t in _NON_ALNUM.split(folded) if t and t not in TITLES)


@lru_cache(maxsize=1_000_000)
def han_to_pinyin(text: str) -> tuple[str, ...]:
    """A Chinese name as pinyin tokens: surname (with its surname reading), then given name.

    >>> han_to_pinyin("欧阳娜娜"), han_to_pinyin("曾志伟"), han_to_pinyin("吕 布")
    (('ouyang', 'nana'), ('zeng', 'zhiwei'), ('lu', 'bu'))
    """
    chars = "".join(_HAN_RUN.findall(text))
    if not chars:
        return ()
    size = 2 if chars[:2] in COMPOUND_SURNAMES else 1
    surname, given = chars[:size], chars[size:]
    reading = SURNAME_READINGS.get(surname) or "".join(lazy_pinyin(surname, v_to_u=True))
    tokens = [fold_latin(reading)]
    if given:
        tokens.append(fold_latin("".join(lazy_pinyin(given, v_to_u=True))))
    return tuple(tokens)


@lru_cache(maxsize=100_000)
def spelling_readings(token: str) -> tuple[str, ...]:
    """The token as written, then the pinyin surnames it is a common spelling of.

    >>> spelling_readings("wong"), spelling_readings("smith"), spelling_readings("tang")
    (('wong', 'huang', 'wang'), ('smith',), ('tang', 'chen', 'deng', 'tan'))
    """
    readings = SPELLING_TO_PINYIN.get(token, frozenset())
    return (token, *sorted(readings - {token}))


@dataclass(frozen=True, slots=True)
class NameForm:
    """One reading of a written name: canonical tokens, and how each was obtained."""

    written: str
    tokens: tuple[str, ...]
    #: the token as written (after folding) for each canonical token
    spelled: tuple[str, ...]
    from_han: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@lru_cache(maxsize=1_000_000)
def name_forms(written: str) -> tuple[NameForm, ...]:
    """Every reading of a name (several when a surname spelling is ambiguous), at most 8.

    >>> [f.text for f in name_forms("Wong Ka Ming")]
    ['wong ka ming', 'huang ka ming', 'wang ka ming']
    """
    if has_han(written):
        spelled = han_to_pinyin(written)
        rest = latin_tokens(_HAN_RUN.sub(" ", written))
        spelled = spelled + rest
        from_han = True
    else:
        spelled = latin_tokens(written)
        from_han = False
    if not spelled:
        return ()
    # Read from characters, the first token is known to be the surname and only it can be
    # another surname's spelling; in Latin script any token may be the surname.
    choices = [
        spelling_readings(t) if (i == 0 or not from_han) else (t,) for i, t in enumerate(spelled)
    ]
    forms: list[NameForm] = []
    for combo in product(*choices):
        forms.append(NameForm(written, tuple(combo), spelled, from_han))
        if len(forms) >= MAX_FORMS:
            break
    return tuple(forms)


def person_name_forms(*names: str | None) -> tuple[NameForm, ...]:
    """The forms of several written names of one person, without duplicates."""
    seen: set[tuple[str, ...]] = set()
    out: list[NameForm] = []
    for name in names:
        if not name:
            continue
        for form in name_forms(name):
            if form.tokens not in seen:
                seen.add(form.tokens)
                out.append(form)
    return tuple(out)


def block_tokens(forms: tuple[NameForm, ...]) -> frozenset[str]:
    """Tokens used to find candidates: every canonical token of two letters or more that is not
    a particle, plus the names written together without the first or without the last token
    (so that "xiao ming" finds "xiaoming" whichever side the surname is on).

    >>> sorted(block_tokens(name_forms("ZHANG Xiao Ming")))
    ['ming', 'xiao', 'xiaoming', 'zhang', 'zhangxiao']
    """
    keys: set[str] = set()
    for form in forms:
        for token in form.tokens:
            if len(token) >= 2 and token not in PARTICLES:
                keys.add(token)
        if len(form.tokens) >= 3:
            keys.add("".join(form.tokens[1:]))
            keys.add("".join(form.tokens[:-1]))
    return frozenset(keys)


@lru_cache(maxsize=1_000_000)
def part_tokens(text: str) -> frozenset[str]:
    """Lookup tokens of one part of a traveller's name (the surname field, the given-names field
    or the name in native script): its tokens, and all of them written together.

    >>> sorted(part_tokens("Xiao Ming")), sorted(part_tokens("张晓明"))
    (['ming', 'xiao', 'xiaoming'], ['xiaoming', 'zhang', 'zhangxiaoming'])
    """
    forms = name_forms(text)
    keys = {t for f in forms for t in f.tokens if len(t) >= 2 and t not in PARTICLES}
    keys.update("".join(f.tokens) for f in forms if len(f.tokens) >= 2)
    return frozenset(keys)


# --- comparison -----------------------------------------------------------------------------

INITIAL_SIMILARITY = 85.0
MISSING_TOKEN_PENALTY = 5.0
SINGLE_TOKEN_CAP = 60.0
#: Two names paired with each other that are this different (not initials) are different
#: names, not spellings: the whole name then scores at most ``DIFFERENT_NAME_CAP``.
DIFFERENT_NAME_BELOW = 60.0
DIFFERENT_NAME_CAP = 75.0
DISTINCT_SURNAMES_FACTOR = 0.5
PINYIN_SURNAMES: frozenset[str] = frozenset(SURNAME_ROMANISATIONS)


@lru_cache(maxsize=1_000_000)
def token_similarity(a: str, b: str) -> float:
    """0-100: equal tokens 100, an initial against a name starting with it 85, else Indel
    similarity - halved between two different pinyin surnames (Zhang and Wang are not a typo).

    >>> token_similarity("j", "john"), token_similarity("zhang", "zhnag")
    (85.0, 80.0)
    >>> round(token_similarity("zhang", "wang"))
    33
    """
    if a == b:
        return 100.0
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SIMILARITY if a[0] == b[0] else 0.0
    similarity = float(fuzz.ratio(a, b))
    if a in PINYIN_SURNAMES and b in PINYIN_SURNAMES:
        similarity *= DISTINCT_SURNAMES_FACTOR
    return similarity


@dataclass(frozen=True, slots=True)
class Alignment:
    score: float
    a: tuple[str, ...]  # the tokens compared (adjacent tokens may have been written together)
    b: tuple[str, ...]
    pairs: tuple[tuple[int, int, float], ...]  # (index in a, index in b, similarity)
    missing_a: tuple[int, ...]  # tokens of a with no partner
    missing_b: tuple[int, ...]
    joined: bool  # adjacent tokens were written together to compare
    reordered: bool


def _greedy(a: tuple[str, ...], b: tuple[str, ...]) -> list[tuple[int, int, float]]:
    """Pairs of tokens, most similar first, each token used once (ties: earlier tokens first)."""
    if not a or not b:
        return []
    if len(a) == 1 or len(b) == 1:
        best = max(
            ((token_similarity(x, y), -i, -j) for i, x in enumerate(a) for j, y in enumerate(b))
        )
        return [(-best[1], -best[2], best[0])]
    cells = sorted(
        (-token_similarity(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for neg, i, j in cells:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append((i, j, -neg))
    pairs.sort()
    return pairs


def _different(x: str, y: str, similarity: float) -> bool:
    return similarity < DIFFERENT_NAME_BELOW and len(x) > 1 and len(y) > 1


def _plain(a: tuple[str, ...], b: tuple[str, ...], *, joined: bool) -> Alignment:
    pairs = _greedy(a, b)
    weight = 0.0
    total = 0.0
    for i, j, sim in pairs:
        w = float(max(len(a[i]), len(b[j])))
        weight += w
        total += sim * w
    score = total / weight if weight else 0.0
    if any(_different(a[i], b[j], sim) for i, j, sim in pairs):
        score = min(score, DIFFERENT_NAME_CAP)
    paired_a = {p[0] for p in pairs}
    paired_b = {p[1] for p in pairs}
    missing_a = tuple(i for i in range(len(a)) if i not in paired_a)
    missing_b = tuple(j for j in range(len(b)) if j not in paired_b)
    if min(len(a), len(b)) == 1 and max(len(a), len(b)) >= 2:
        score = min(score, SINGLE_TOKEN_CAP)
    else:
        score -= MISSING_TOKEN_PENALTY * (len(missing_a) + len(missing_b))
    reordered = len(a) == len(b) and any(i != j for i, j, _ in pairs)
    return Alignment(max(score, 0.0), a, b, tuple(pairs), missing_a, missing_b, joined, reordered)


def _merges(tokens: tuple[str, ...], size: int) -> set[tuple[str, ...]]:
    """Every way of writing adjacent tokens together until ``size`` tokens are left."""
    if len(tokens) <= size:
        return {tokens}
    out: set[tuple[str, ...]] = set()
    for i in range(len(tokens) - 1):
        merged = (*tokens[:i], tokens[i] + tokens[i + 1], *tokens[i + 2 :])
        out |= _merges(merged, size)
    return out


MAX_MERGED = 2


def _merged_sides(
    a: tuple[str, ...], b: tuple[str, ...]
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The (a, b) token tuples compared after writing adjacent tokens of the longer together."""
    if not a or not b or len(a) == len(b) or abs(len(a) - len(b)) > MAX_MERGED:
        return []
    if len(a) > len(b):
        return [(m, b) for m in sorted(_merges(a, len(b)))]
    return [(a, m) for m in sorted(_merges(b, len(a)))]


def align(a: tuple[str, ...], b: tuple[str, ...]) -> Alignment:
    """Compare two token tuples in any order, with the details ``explain_names`` reports."""
    best = _plain(a, b, joined=False)
    # Given names split differently: "zhang xiao ming" against "zhang xiaoming".
    for ma, mb in _merged_sides(a, b):
        cand = _plain(ma, mb, joined=True)
        if cand.score > best.score:
            best = cand
    return best


def _plain_score(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """``_plain(a, b).score`` without the details (the hot path of matching)."""
    total = 0.0
    weight = 0
    different = False
    for i, j, sim in _greedy(a, b):
        w = max(len(a[i]), len(b[j]))
        weight += w
        total += sim * w
        different = different or _different(a[i], b[j], sim)
    score = total / weight if weight else 0.0
    if different:
        score = min(score, DIFFERENT_NAME_CAP)
    shorter, longer = sorted((len(a), len(b)))
    if shorter == 1 and longer >= 2:
        score = min(score, SINGLE_TOKEN_CAP)
    else:
        score -= MISSING_TOKEN_PENALTY * (longer - shorter)
    return max(score, 0.0)


@lru_cache(maxsize=1_000_000)
def align_score(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """``align(a, b).score``, computed faster and remembered."""
    best = _plain_score(a, b)
    if best < 100.0:
        for ma, mb in _merged_sides(a, b):
            best = max(best, _plain_score(ma, mb))
    return best


def name_score(a: NameForm, b: NameForm) -> float:
    """0-100 similarity of two name forms.

    Tokens are paired in any order (best pairs first); each pair's similarity is weighted by its
    length; every token without a partner (a missing middle name) costs 5 points; one name
    against a longer name is capped at 60. Adjacent tokens are also tried written together,
    which catches given names split differently ("Xiao Ming" and "Xiaoming").

    >>> jo = name_forms("John Michael Smith")[0]
    >>> round(name_score(jo, name_forms("SMITH, John")[0]))
    95
    >>> round(name_score(jo, name_forms("J Smith")[0]))
    90
    """
    return align_score(a.tokens, b.tokens)


def best_forms(
    a_forms: tuple[NameForm, ...], b_forms: tuple[NameForm, ...]
) -> tuple[float, NameForm | None, NameForm | None]:
    """The best-scoring pair of forms (first in order on ties)."""
    best = -1.0
    best_a: NameForm | None = None
    best_b: NameForm | None = None
    for fa in a_forms:
        for fb in b_forms:
            score = align_score(fa.tokens, fb.tokens)
            if score > best:
                best, best_a, best_b = score, fa, fb
                if best >= 100.0:
                    return (best, best_a, best_b)
    return (max(best, 0.0), best_a, best_b)


def explain_names(a: NameForm, b: NameForm) -> tuple[list[str], list[str]]:
    """Why two name forms match, in English and Chinese (one phrase per observation)."""
    al = align(a.tokens, b.tokens)
    en: list[str] = []
    zh: list[str] = []
    score = round(al.score)
    en.append(f"name '{a.written}' compared with listed name '{b.written}': {score}/100")
    zh.append(f"姓名“{a.written}”与名单姓名“{b.written}”比对：{score}/100")
    for form in (a, b):
        if form.from_han:
            en.append(f"'{form.written}' read in Hanyu Pinyin as '{form.text}'")
            zh.append(f"“{form.written}”按汉语拼音读作“{form.text}”")
        for spelled, canonical in zip(form.spelled, form.tokens, strict=True):
            if spelled != canonical:
                en.append(f"'{spelled}' is a common romanisation of the surname {canonical}")
                zh.append(f"“{spelled}”是姓氏 {canonical} 的常见拼写")
    if al.joined:
        en.append("the names match when parts are written together")
        zh.append("部分姓名连写后相符")
    if al.reordered:
        en.append("the names are in a different order")
        zh.append("姓名顺序不同")
    for i, j, sim in al.pairs:
        x, y = al.a[i], al.b[j]
        if x == y:
            continue
        if len(x) == 1 or len(y) == 1:
            short, full = (x, y) if len(x) == 1 else (y, x)
            en.append(f"initial '{short}' stands for '{full}'")
            zh.append(f"首字母“{short}”对应“{full}”")
        else:
            en.append(f"spelling differs: '{x}' and '{y}' ({round(sim)}/100)")
            zh.append(f"拼写不同：“{x}”与“{y}”（{round(sim)}/100）")
    for tokens, missing in ((al.a, al.missing_a), (al.b, al.missing_b)):
        for i in missing:
            en.append(f"'{tokens[i]}' has no counterpart (a missing middle name?)")
            zh.append(f"“{tokens[i]}”无对应部分（可能缺少中间名）")
    return en, zh


# --- organisations --------------------------------------------------------------------------

#: Legal forms and generic words left out when organisation names are compared, so that
#: "Golden Star Manpower Sdn. Bhd." and "GOLDEN STAR" compare equal.
ORGANISATION_WORDS: frozenset[str] = frozenset(
    [
        "ltd",
        "limited",
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "nv",
        "pte",
        "pty",
        "sdn",
        "bhd",
        "berhad",
        "tbk",
        "pt",
        "cv",
        "jsc",
        "ojsc",
        "llp",
        "lp",
        "the",
        "and",
        "of",
        "group",
        "holdings",
        "holding",
        "international",
        "intl",
        "services",
        "service",
        "agency",
        "agencies",
        "enterprise",
        "enterprises",
        "trading",
        "manpower",
        "recruitment",
        "employment",
        "travel",
        "tours",
        "global",
        "consultancy",
        "consultants",
    ]
)
_HAN_ORGANISATION_WORDS = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|公司|集团|控股|国际|劳务|中介|人力资源|服务|旅行社)"
)


@lru_cache(maxsize=100_000)
def organisation_forms(written: str) -> tuple[NameForm, ...]:
    """An organisation name without legal forms and generic words (kept when nothing else is).

    >>> [f.text for f in organisation_forms("Golden Star Manpower Sdn. Bhd.")]
    ['golden star']
    >>> [f.text for f in organisation_forms("金星劳务有限公司")]
    ['jinxing']
    """
    if has_han(written):
        core = _HAN_ORGANISATION_WORDS.sub("", written) or written
        chars = "".join(_HAN_RUN.findall(core))
        tokens: tuple[str, ...] = (fold_latin("".join(lazy_pinyin(chars, v_to_u=True))),)
        tokens += latin_tokens(_HAN_RUN.sub(" ", core))
        from_han = True
    else:
        every = latin_tokens(written)
        tokens = tuple(t for t in every if t not in ORGANISATION_WORDS) or every
        from_han = False
    tokens = tuple(t for t in tokens if t)
    if not tokens:
        return ()
    return (NameForm(written, tokens, tokens, from_han),)


def organisation_block_tokens(forms: tuple[NameForm, ...]) -> frozenset[str]:
    """Tokens of three letters or more, and all tokens written together."""
    keys: set[str] = set()
    for form in forms:
        keys.update(t for t in form.tokens if len(t) >= 3)
        keys.add("".join(form.tokens))
    return frozenset(keys)
