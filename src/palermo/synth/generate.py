"""Synthetic traveller populations with embedded, labelled trafficking cases.

Everything is vectorised (numpy and pyarrow): travellers are drawn as booking parties (one
person, a family, a tour or work group) that share corridor, dates, ticket payer and group
reference; then each person gets sex, age, name, document and officer observations. A small
share of parties are trafficking cases (labour, sexual exploitation, forced marriage; adults or
children) whose observable signals follow ``palermo.synth.signals``. Ground truth goes to a
separate table so that the records validate as ordinary input.

Output is deterministic for (n, seed, config, hash key): rows are generated in fixed-size
batches, each with its own random stream derived from the seed.

>>> records, truth = generate(2_000, seed=7, key=b"doc")
>>> records.num_rows, truth.num_rows
(2000, 2000)
>>> records.schema.equals(ARROW_SCHEMA)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from palermo.records.hashing import hash_key
from palermo.records.schema import (
    ARROW_SCHEMA,
    DOCUMENT_TYPES,
    EVENT_KINDS,
    JOB_SECTORS,
    PAYERS,
    PURPOSES,
    SPONSOR_KINDS,
    TRIP_TYPES,
    VISA_TYPES,
)
from palermo.synth import pools, signals
from palermo.synth.config import (
    EXPLOITATION_TYPES,
    LOOKALIKE_KINDS,
    Realism,
    SynthConfig,
    default_config,
)
from palermo.synth.fasthash import hmac_hex32

BATCH_ROWS = 500_000
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

TRUTH_SCHEMA = pa.schema(
    [
        pa.field("record_id", pa.string()),
        pa.field("is_case", pa.bool_()),
        pa.field("exploitation_type", pa.string()),
        pa.field("is_child", pa.bool_()),
        pa.field("indicator_ids", pa.list_(pa.string())),
        # not a case, but drawn to look like one (realistic setting only; see signals.LOOKALIKES)
        pa.field("lookalike", pa.string()),
    ]
)

_EPOCH = dt.date(1970, 1, 1)
_P = {name: i for i, name in enumerate(PURPOSES)}
_V = {name: i for i, name in enumerate(VISA_TYPES)}
_PAY = {name: i for i, name in enumerate(PAYERS)}
_SP = {name: i for i, name in enumerate(SPONSOR_KINDS)}
_JOB = {name: i for i, name in enumerate(JOB_SECTORS)}
_EV = {name: i for i, name in enumerate(EVENT_KINDS)}


def _row(mapping: dict[str, int], probs: dict[str, float]) -> list[float]:
    row = [0.0] * len(mapping)
    for name, p in probs.items():
        row[mapping[name]] = p
    return row


# Ordinary travellers: declared purpose, then who pays and who sponsors, by purpose.
ORDINARY_PURPOSE = _row(
    _P,
    {
        "tourism": 0.55,
        "business": 0.14,
        "work": 0.08,
        "study": 0.05,
        "family_visit": 0.10,
        "marriage": 0.005,
        "transit": 0.03,
        "other": 0.045,
    },
)
GROUP_PURPOSE = _row(_P, {"tourism": 0.8, "work": 0.15, "study": 0.05})
PAYER_BY_PURPOSE = np.array(
    [
        # self, family, employer, recruitment_agency, unknown_third_party, unknown
        [0.80, 0.15, 0.005, 0.002, 0.003, 0.04],  # tourism
        [0.25, 0.0, 0.72, 0.0, 0.005, 0.025],  # business
        [0.30, 0.05, 0.50, 0.12, 0.005, 0.025],  # work
        [0.25, 0.70, 0.0, 0.01, 0.005, 0.035],  # study
        [0.75, 0.20, 0.0, 0.0, 0.01, 0.04],  # family_visit
        [0.55, 0.40, 0.0, 0.0, 0.01, 0.04],  # marriage
        [0.80, 0.10, 0.05, 0.0, 0.005, 0.045],  # transit
        [0.70, 0.15, 0.05, 0.01, 0.01, 0.08],  # other
    ]
)
SPONSOR_BY_PURPOSE = np.array(
    [
        # none, employer, recruitment_agency, family, individual, institution
        [0.97, 0.0, 0.0, 0.02, 0.01, 0.0],
        [0.30, 0.70, 0.0, 0.0, 0.0, 0.0],
        [0.05, 0.70, 0.25, 0.0, 0.0, 0.0],
        [0.20, 0.0, 0.05, 0.15, 0.0, 0.60],
        [0.30, 0.0, 0.0, 0.60, 0.10, 0.0],
        [0.20, 0.0, 0.0, 0.50, 0.30, 0.0],
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.80, 0.10, 0.0, 0.05, 0.05, 0.0],
    ]
)
WORK_SECTORS = _row(
    _JOB,
    {
        "domestic_work": 0.12,
        "construction": 0.2,
        "agriculture": 0.12,
        "fishing": 0.06,
        "manufacturing": 0.25,
        "entertainment": 0.02,
        "hospitality": 0.1,
        "care": 0.08,
        "other": 0.05,
    },
)
ORDINARY_ONE_WAY = 0.08
ORDINARY_ONE_WAY_SETTLING = 0.45  # work, study, marriage
ORDINARY_LAST_MINUTE = 0.03
# chance that an ordinary worker or spouse holds a tourist or visa-free entry (a real mismatch
# that happens without any exploitation)
ORDINARY_VISA_MISMATCH = 0.03

# Cases, per exploitation type (labour, sexual, forced_marriage).
CASE_PURPOSE = {
    "labour": _row(_P, {"tourism": 0.35, "business": 0.1, "work": 0.5, "other": 0.05}),
    "sexual": _row(_P, {"tourism": 0.55, "work": 0.2, "family_visit": 0.15, "other": 0.1}),
    "forced_marriage": _row(_P, {"tourism": 0.3, "family_visit": 0.35, "marriage": 0.35}),
}
CASE_PAYER = {
    "labour": [0.15, 0.05, 0.15, 0.40, 0.20, 0.05],
    "sexual": [0.20, 0.05, 0.05, 0.25, 0.40, 0.05],
    "forced_marriage": [0.20, 0.30, 0.0, 0.10, 0.35, 0.05],
}
CASE_SPONSOR = {
    "labour": [0.15, 0.30, 0.55, 0.0, 0.0, 0.0],
    "sexual": [0.40, 0.10, 0.30, 0.0, 0.20, 0.0],
    "forced_marriage": [0.20, 0.0, 0.30, 0.20, 0.30, 0.0],
}
CASE_SECTORS = {
    "labour": _row(
        _JOB,
        {
            "domestic_work": 0.15,
            "construction": 0.2,
            "agriculture": 0.15,
            "fishing": 0.15,
            "manufacturing": 0.15,
            "other": 0.2,
        },
    ),
    "sexual": _row(_JOB, {"entertainment": 0.6, "hospitality": 0.4}),
}
CASE_JOB_OFFER = {"labour": 0.85, "sexual": 0.5}  # a job sector is on file
CASE_VISA_MISMATCH = 0.5  # work or marriage purpose, yet a tourist or visa-free entry
CASE_ONE_WAY = {"labour": 0.7, "sexual": 0.55, "forced_marriage": 0.8}
CASE_LAST_MINUTE = 0.4
CASE_GROUP_REF = {"labour": 0.8, "sexual": 0.5, "forced_marriage": 0.0}
CASE_TRANSIT = 0.3
CASE_NEW_DOCUMENT = 0.35  # passport issued within 60 days of travel
CASE_LOW_CASH = 0.55
CASE_FEMALE = {"labour": 0.4, "sexual": 0.9, "forced_marriage": 1.0}
CASE_CONCERN_AGENCY = 0.5  # an agency from pools.AGENCIES_OF_CONCERN rather than a listed one
CASE_PARTY_SIZE = {"labour": (0.4, 2, 12), "sexual": (0.6, 2, 4), "forced_marriage": (1.0, 1, 1)}

# Travel mode. A journey between two neighbours with no transit hub goes overland with this
# chance (through a crossing on that border, pools.LAND_CROSSINGS); every other journey flies and
# enters and leaves through an airport. Cases on the Mekong corridors cross overland more often.
ORDINARY_OVERLAND = 0.4
CASE_OVERLAND = 0.6
# Contact e-mail: nearly every visa application gives one; API/PNR data carry one for a share of
# bookings. When an employer, an agency or another third party bought the ticket, the address
# is the booker's, shared by the whole party (a recruiter's address on many bookings).
EMAIL_VISA_APPLICATION = 0.9
EMAIL_BOOKING = 0.4
EMAIL_GLOBAL_PROVIDER = 0.45  # a personal address at an international provider, not a national one


def _cum(probs: npt.ArrayLike) -> npt.NDArray[np.float64]:
    p = np.asarray(probs, dtype=np.float64)
    c = np.cumsum(p, axis=-1)
    return c / c[..., -1:]


def _choose(rng: np.random.Generator, n: int, probs: npt.ArrayLike) -> Ints:
    """Draw ``n`` category codes with the given probabilities."""
    u = rng.random(n, dtype=np.float32)
    return np.searchsorted(_cum(probs), u, side="right").astype(np.int64)


def _choose_by(rng: np.random.Generator, groups: Ints, matrix: npt.ArrayLike) -> Ints:
    """For each row, a category drawn from ``matrix[group]``."""
    cum = _cum(matrix)[groups]
    u = rng.random(len(groups), dtype=np.float32)[:, None]
    codes: Ints = np.minimum((u >= cum).sum(axis=1), cum.shape[1] - 1).astype(np.int64)
    return codes


def _rare(rng: np.random.Generator, n: int, p: float) -> Bools:
    """Bernoulli(p) flags for small ``p`` without drawing a number per row."""
    out = np.zeros(n, dtype=np.bool_)
    if n and p > 0:
        out[rng.integers(0, n, rng.binomial(n, p))] = True
    return out


def _flip(rng: np.random.Generator, p: npt.ArrayLike, n: int) -> Bools:
    return rng.random(n, dtype=np.float32) < np.asarray(p, dtype=np.float32)


@dataclass(frozen=True)
class _Tables:
    """Lookup arrays derived once from a config."""

    countries: tuple[str, ...]
    country_arr: pa.Array
    route_origin: Ints
    route_dest: Ints
    route_visa_free: Bools
    ordinary_routes: Ints
    ordinary_route_p: npt.NDArray[np.float64]
    case_routes: dict[str, tuple[Ints, npt.NDArray[np.float64]]]
    hubs: Ints
    surnames: pa.Array
    surname_off: Ints
    surname_len: Ints
    given: pa.Array
    given_off: Ints  # [country, 0=F/1=M]
    given_len: Ints
    native: pa.Array  # combined Chinese full names, last entry null
    cn: int
    airports: pa.Array
    air_off: Ints
    air_len: Ints
    crossings: pa.Array
    land_off: Ints  # [country, neighbour]
    land_len: Ints  # 0 where the two share no crossing
    route_land: Bools  # origin and destination share a land border
    mail_national: pa.Array  # per country
    mailbox: pa.Array  # every given/surname pair of a country, three ways ("wei.wang", ...)
    mailbox_off: Ints
    posts: pa.Array  # one consular post per route
    calling: Ints

    @staticmethod
    def build(cfg: SynthConfig) -> _Tables:
        codes: set[str] = set(cfg.transit_hubs) | set(pools.AIRPORTS) | set(pools.LATIN_NAMES)
        codes.update(c for pair in pools.LAND_CROSSINGS for c in pair)
        routes: list[tuple[str, str, bool]] = []
        for c in cfg.corridors:
            routes.append((c.origin, c.destination, c.visa_free))
        case_routes_raw: dict[str, tuple[list[int], list[float]]] = {}
        for name, ctype in cfg.cases.types.items():
            idx, weights = [], []
            for c in ctype.corridors:
                idx.append(len(routes))
                weights.append(c.weight)
                visa_free = any(
                    o.origin == c.origin and o.destination == c.destination and o.visa_free
                    for o in cfg.corridors
                )
                routes.append((c.origin, c.destination, visa_free or c.visa_free))
            case_routes_raw[name] = (idx, weights)
        for o, d, _ in routes:
            codes.update((o, d))
        countries = tuple(sorted(codes))
        index = {c: i for i, c in enumerate(countries)}

        sur: list[str] = []
        giv: list[str] = []
        sur_off, sur_len = np.zeros(len(countries), np.int64), np.zeros(len(countries), np.int64)
        giv_off = np.zeros((len(countries), 2), np.int64)
        giv_len = np.zeros((len(countries), 2), np.int64)
        for i, code in enumerate(countries):
            pool = pools.LATIN_NAMES.get(code, pools.OTHER_NAMES)
            sur_off[i], sur_len[i] = len(sur), len(pool.surnames)
            sur.extend(pool.surnames)
            for s, names in enumerate((pool.given_f, pool.given_m)):
                giv_off[i, s], giv_len[i, s] = len(giv), len(names)
                giv.extend(names)
        native = [
            s + g for _, s in pools.CN_SURNAMES for _, g in pools.CN_GIVEN_F + pools.CN_GIVEN_M
        ]
        airports: list[str] = []
        air_off, air_len = np.zeros(len(countries), np.int64), np.zeros(len(countries), np.int64)
        for i, code in enumerate(countries):
            names = pools.AIRPORTS.get(code, ("INTL",))
            air_off[i], air_len[i] = len(airports), len(names)
            airports.extend(f"{code}-{p}" for p in names)
        crossings: list[str] = []
        land_off = np.zeros((len(countries), len(countries)), np.int64)
        land_len = np.zeros((len(countries), len(countries)), np.int64)
        for (code, neighbour), names in sorted(pools.LAND_CROSSINGS.items()):
            i, j = index[code], index[neighbour]
            land_off[i, j], land_len[i, j] = len(crossings), len(names)
            crossings.extend(f"{code}-{p}" for p in names)
        posts = [f"{d}-POST-{o}" for o, d, _ in routes]
        # personal mailbox names, indexed by (country, surname, given name, separator)
        mailboxes: list[str] = []
        mailbox_off = np.zeros(len(countries), np.int64)
        for i in range(len(countries)):
            mailbox_off[i] = len(mailboxes)
            given_names = giv[giv_off[i, 0] : giv_off[i, 0] + giv_len[i].sum()]
            for surname in sur[sur_off[i] : sur_off[i] + sur_len[i]]:
                for given in given_names:
                    g, f = given.lower().replace(" ", ""), surname.lower().replace(" ", "")
                    mailboxes.extend(g + sep + f for sep in _MAIL_SEPARATORS)
        calling = np.array([_CALLING.get(c, 1) for c in countries], np.int64)
        ordinary_n = len(cfg.corridors)
        return _Tables(
            countries=countries,
            country_arr=pa.array(countries, pa.string()),
            route_origin=np.array([index[o] for o, _, _ in routes], np.int64),
            route_dest=np.array([index[d] for _, d, _ in routes], np.int64),
            route_visa_free=np.array([v for _, _, v in routes], np.bool_),
            ordinary_routes=np.arange(ordinary_n, dtype=np.int64),
            ordinary_route_p=np.array([c.weight for c in cfg.corridors], np.float64),
            case_routes={
                k: (np.array(i, np.int64), np.array(w, np.float64))
                for k, (i, w) in case_routes_raw.items()
            },
            hubs=np.array([index[h] for h in cfg.transit_hubs], np.int64),
            surnames=pa.array(sur, pa.string()),
            surname_off=sur_off,
            surname_len=sur_len,
            given=pa.array(giv, pa.string()),
            given_off=giv_off,
            given_len=giv_len,
            native=pa.array([*native, None], pa.string()),
            cn=index["CN"],
            airports=pa.array(airports, pa.string()),
            air_off=air_off,
            air_len=air_len,
            crossings=pa.array(crossings, pa.string()),
            land_off=land_off,
            land_len=land_len,
            route_land=np.array(
                [
                    land_len[index[o], index[d]] > 0 and land_len[index[d], index[o]] > 0
                    for o, d, _ in routes
                ],
                np.bool_,
            ),
            mail_national=pa.array([f"mail.{c.lower()}.example" for c in countries], pa.string()),
            mailbox=pa.array(mailboxes, pa.string()),
            mailbox_off=mailbox_off,
            posts=pa.array(posts, pa.string()),
            calling=calling,
        )


_MAIL_SEPARATORS = (".", "_", "")
_CALLING = {
    "CN": 86, "TH": 66, "MY": 60, "SG": 65, "VN": 84, "KH": 855, "MM": 95, "LA": 856, "PH": 63,
    "ID": 62, "JP": 81, "KR": 82, "AE": 971, "NP": 977, "HK": 852, "QA": 974,
}  # fmt: skip


@lru_cache(maxsize=4)
def _tables_for(config_json: str) -> _Tables:
    return _Tables.build(SynthConfig.model_validate_json(config_json))


def _tables(cfg: SynthConfig) -> _Tables:
    return _tables_for(cfg.model_dump_json())


def _strings(pool: list[str]) -> pa.Array:
    return pa.array(pool, pa.string())


_PURPOSE_ARR = _strings(list(PURPOSES))
_VISA_ARR = _strings(list(VISA_TYPES))
_PAYER_ARR = _strings(list(PAYERS))
_SPONSOR_ARR = _strings(list(SPONSOR_KINDS))
_JOB_ARR = _strings(list(JOB_SECTORS))
_EVENT_ARR = _strings(list(EVENT_KINDS))
_TRIP_ARR = _strings(list(TRIP_TYPES))
_DOC_ARR = _strings(list(DOCUMENT_TYPES))
_SEX_ARR = _strings(["F", "M", "X"])
_TYPE_ARR = pa.array([*EXPLOITATION_TYPES, None], pa.string())
_LOOKALIKE_ARR = pa.array([*LOOKALIKE_KINDS, None], pa.string())
_SPONSOR_NAMES = pa.array(
    [*pools.EMPLOYERS, *pools.AGENCIES, *pools.INSTITUTIONS, *pools.AGENCIES_OF_CONCERN, None],
    pa.string(),
)
_EMP0 = 0
_AGE0 = len(pools.EMPLOYERS)
_INS0 = _AGE0 + len(pools.AGENCIES)
_CON0 = _INS0 + len(pools.INSTITUTIONS)
_NO_NAME = _CON0 + len(pools.AGENCIES_OF_CONCERN)

# every id a truth row may carry, in a fixed order
_DELPHI_IDS = sorted({ind.id for inds in signals.DELPHI.values() for ind in inds})
_BRD_IDS = [
    "BRD-01", "BRD-02", "BRD-03", "BRD-04", "BRD-05", "BRD-06", "BRD-07", "BRD-08", "BRD-09",
    "BRD-10", "BRD-11", "BRD-13",
]  # fmt: skip
_ALL_IDS = _DELPHI_IDS + _BRD_IDS
_ID_INDEX = {ident: i for i, ident in enumerate(_ALL_IDS)}
_ID_ARR = pa.array(_ALL_IDS, pa.string())
_TAGS = sorted({ind.tag for inds in signals.DELPHI.values() for ind in inds if ind.tag})


def _mean_party_size(kind: str) -> float:
    single, lo, hi = CASE_PARTY_SIZE[kind]
    return single + (1 - single) * (lo + hi) / 2


def _party_sizes(rng: np.random.Generator, total: int, draw: Ints) -> Ints:
    """Cut the candidate sizes ``draw`` so that they add up to exactly ``total``."""
    if total == 0:
        return np.zeros(0, np.int64)
    ends = np.cumsum(draw)
    k = int(np.searchsorted(ends, total)) + 1
    sizes = draw[:k].copy()
    sizes[-1] -= int(ends[k - 1]) - total
    return sizes


@dataclass(frozen=True)
class _Parties:
    """One booking party per element: who travels together, where, when, why and who pays.

    Ordinary parties are drawn first; case parties (``ptype >= 0``, an index into
    ``EXPLOITATION_TYPES``) then overwrite what their type changes. ``cp`` are the case parties
    and ``ctyp`` their types.
    """

    sizes: Ints
    ptype: Ints
    cp: Ints
    ctyp: Ints
    route: Ints
    origin: Ints
    dest: Ints
    nationality: Ints
    event: Ints
    event_day: Ints
    lead: Ints
    booking_missing: Bools
    purpose: Ints
    visa: Ints
    payer: Ints
    sponsor: Ints
    sector: Ints
    one_way: Bools
    sponsor_name: Ints
    has_registration: Bools
    registration_no: Ints
    group_ref: Bools
    transit_n: Ints
    overland: Bools
    hub1: Ints
    hub2: Ints


@dataclass(frozen=True)
class _Travellers:
    """One traveller (record) per element, drawn within their party.

    ``ci`` are the rows of case travellers and ``c_type`` their exploitation types; ``delphi``
    holds, per case row, the indicator ids its truth row lists (``_ALL_IDS`` order).
    """

    row_party: Ints
    is_case: Bools
    ci: Ints
    c_type: Ints
    r_size: Ints
    r_nat: Ints
    r_event: Ints
    r_eday: Ints
    sex: Ints
    dob: Ints
    minor: Bools
    sur_idx: Ints
    giv_idx: Ints
    native_idx: Ints
    doc_type: Ints
    issued: Ints
    expires: Ints
    doc_hash: pa.Array
    cash: npt.NDArray[np.float64]
    cash_missing: Bools
    obs: dict[str, Bools]
    delphi: Bools


def _batch(
    cfg: SynthConfig, t: _Tables, rng: np.random.Generator, *, start: int, rows: int, key: bytes
) -> tuple[pa.Table, pa.Table]:
    """``rows`` records and their truth; every draw comes from ``rng`` in a fixed order, so the
    steps below must keep their order for a seed to give the same population."""
    parties = _draw_parties(cfg, t, rng, rows)
    lookalike = _lookalike_parties(cfg, t, rng, parties)
    people = _draw_travellers(cfg, t, rng, parties, start=start, rows=rows, key=key)
    r_lookalike = lookalike[people.row_party]
    _lookalike_travellers(cfg, rng, people, r_lookalike)
    record_id = _prefixed("T", start + np.arange(rows, dtype=np.int64), 9)
    records = _records_table(t, rng, parties, people, record_id, start=start)
    return records, _truth_table(people, record_id, rows, r_lookalike)


# ---------------------------------------------------------------- parties


def _draw_parties(cfg: SynthConfig, t: _Tables, rng: np.random.Generator, rows: int) -> _Parties:
    sizes, ptype = _party_sizes_and_types(cfg, rng, rows)
    n_party = len(sizes)
    cp = np.nonzero(ptype >= 0)[0]  # case parties
    ctyp = ptype[cp]
    route, origin, dest, visa_free, nationality = _routes(cfg, t, rng, n_party, cp=cp, ctyp=ctyp)
    event, event_day, lead, booking_missing = _travel_dates(cfg, rng, n_party, cp)
    purpose = _purposes(rng, sizes, cp, ctyp)
    case_mismatch = CASE_VISA_MISMATCH if cfg.realism is None else cfg.realism.case_visa_mismatch
    visa, settling = _visas(
        rng,
        purpose,
        visa_free,
        nationality=nationality,
        dest=dest,
        cp=cp,
        case_mismatch=case_mismatch,
    )
    payer, sponsor, sector, one_way = _payers_and_sponsors(rng, purpose, settling, cp, ctyp)
    sponsor_name, has_registration, registration_no = _sponsor_names(rng, sponsor, cp)
    group_ref = _group_refs(rng, sizes, cp, ctyp)
    transit_n, overland = _transit_and_overland(cfg, t, rng, route, cp)
    hub1 = _pick_hub(rng, t.hubs, origin, dest, None)
    hub2 = _pick_hub(rng, t.hubs, origin, dest, hub1)
    return _Parties(
        sizes=sizes,
        ptype=ptype,
        cp=cp,
        ctyp=ctyp,
        route=route,
        origin=origin,
        dest=dest,
        nationality=nationality,
        event=event,
        event_day=event_day,
        lead=lead,
        booking_missing=booking_missing,
        purpose=purpose,
        visa=visa,
        payer=payer,
        sponsor=sponsor,
        sector=sector,
        one_way=one_way,
        sponsor_name=sponsor_name,
        has_registration=has_registration,
        registration_no=registration_no,
        group_ref=group_ref,
        transit_n=transit_n,
        overland=overland,
        hub1=hub1,
        hub2=hub2,
    )


def _party_sizes_and_types(
    cfg: SynthConfig, rng: np.random.Generator, rows: int
) -> tuple[Ints, Ints]:
    """Party sizes adding up to ``rows`` and each party's case type (-1: ordinary), shuffled."""
    n_case = int(rng.binomial(rows, cfg.cases.share)) if cfg.cases.share > 0 else 0
    n_case = min(n_case, rows)
    type_names = [name for name in EXPLOITATION_TYPES if name in cfg.cases.types]
    # the configured weights are shares of case travellers; parties of a type differ in size
    type_weights = [cfg.cases.types[name].weight / _mean_party_size(name) for name in type_names]
    # case parties
    cand_types = np.array([EXPLOITATION_TYPES.index(type_names[i]) for i in range(len(type_names))])
    ctype_draw = cand_types[_choose(rng, max(n_case, 1), type_weights)]
    csize_draw = np.ones(len(ctype_draw), np.int64)
    for code, name in enumerate(EXPLOITATION_TYPES):
        single, lo, hi = CASE_PARTY_SIZE[name]
        sel = (ctype_draw == code) & ~_flip(rng, single, len(ctype_draw))
        csize_draw[sel] = rng.integers(lo, hi + 1, int(sel.sum()))
    case_sizes = _party_sizes(rng, n_case, csize_draw)
    case_types = ctype_draw[: len(case_sizes)]
    # ordinary parties: 80% alone, 14% families of 2-5, 6% groups of 6-35
    n_ord = rows - n_case
    kind = _choose(rng, max(n_ord, 1), [0.80, 0.14, 0.06])
    osize_draw = np.where(
        kind == 0,
        1,
        np.where(kind == 1, rng.integers(2, 6, len(kind)), rng.integers(6, 36, len(kind))),
    ).astype(np.int64)
    ord_sizes = _party_sizes(rng, n_ord, osize_draw)
    sizes = np.concatenate([ord_sizes, case_sizes])
    ptype = np.concatenate([np.full(len(ord_sizes), -1, np.int64), case_types])
    order = rng.permutation(len(sizes))
    return sizes[order], ptype[order]


def _routes(
    cfg: SynthConfig, t: _Tables, rng: np.random.Generator, n_party: int, *, cp: Ints, ctyp: Ints
) -> tuple[Ints, Ints, Ints, Bools, Ints]:
    """Each party's corridor (cases on their type's routes), origin, destination, whether the
    corridor is visa-free, and nationality (mostly of the origin)."""
    route = t.ordinary_routes[_choose(rng, n_party, t.ordinary_route_p)]
    for code, name in enumerate(EXPLOITATION_TYPES):
        sel = cp[ctyp == code]
        if len(sel) and name in t.case_routes:
            idx, w = t.case_routes[name]
            route[sel] = idx[_choose(rng, len(sel), w)]
    origin, dest = t.route_origin[route], t.route_dest[route]
    visa_free = t.route_visa_free[route]
    home_national = _flip(rng, 1 - cfg.origin_national_share, n_party)
    home_national[cp] = _flip(rng, 0.03, len(cp))
    nationality = np.where(home_national, dest, origin)
    return route, origin, dest, visa_free, nationality


def _travel_dates(
    cfg: SynthConfig, rng: np.random.Generator, n_party: int, cp: Ints
) -> tuple[Ints, Ints, Ints, Bools]:
    """Event kind and day, days from booking to travel (cases book later), and whether the
    booking date is missing (most visa applications)."""
    mix = cfg.event_mix
    event = _choose(rng, n_party, [mix.entry, mix.exit, mix.visa_application])
    start_day = (cfg.start_date - _EPOCH).days
    event_day = start_day + rng.integers(0, cfg.days, n_party)
    lead = np.minimum(rng.lognormal(np.log(30.0), 1.0, n_party), 330).astype(np.int64)
    last_minute = _flip(rng, ORDINARY_LAST_MINUTE, n_party)
    last_minute[cp] = _flip(rng, CASE_LAST_MINUTE, len(cp))
    lead[cp] = np.minimum(rng.lognormal(np.log(12.0), 0.8, len(cp)), 120).astype(np.int64)
    lead = np.where(last_minute, rng.integers(0, 4, n_party), lead)
    booking_missing = (event == _EV["visa_application"]) & _flip(rng, 0.6, n_party)
    return event, event_day, lead, booking_missing


def _purposes(rng: np.random.Generator, sizes: Ints, cp: Ints, ctyp: Ints) -> Ints:
    """The declared purpose: groups mostly tourism, cases by their type."""
    n_party = len(sizes)
    purpose = np.where(
        sizes >= 6,
        _choose(rng, n_party, GROUP_PURPOSE),
        _choose(rng, n_party, ORDINARY_PURPOSE),
    )
    for code, name in enumerate(EXPLOITATION_TYPES):
        sel = cp[ctyp == code]
        purpose[sel] = _choose(rng, len(sel), CASE_PURPOSE[name])
    return purpose


def _visas(
    rng: np.random.Generator,
    purpose: Ints,
    visa_free: Bools,
    *,
    nationality: Ints,
    dest: Ints,
    cp: Ints,
    case_mismatch: float = CASE_VISA_MISMATCH,
) -> tuple[Ints, Bools]:
    """The visa an honest traveller with this purpose would hold on this corridor, except for
    those settling (work, marriage) on a tourist visa or none; and which purposes settle."""
    n_party = len(purpose)
    vf_or_tourist = np.where(visa_free, _V["visa_free"], _V["tourist"])
    u = rng.random(n_party, dtype=np.float32)
    visa = np.select(
        [
            purpose == _P["tourism"],
            purpose == _P["business"],
            purpose == _P["work"],
            purpose == _P["study"],
            purpose == _P["family_visit"],
            purpose == _P["marriage"],
            purpose == _P["transit"],
        ],
        [
            vf_or_tourist,
            np.where(visa_free & (u < 0.7), _V["visa_free"], _V["business"]),
            _V["work"],
            _V["student"],
            np.where(visa_free, _V["visa_free"], np.where(u < 0.6, _V["family"], _V["tourist"])),
            _V["marriage"],
            np.where(u < 0.5, _V["transit"], _V["visa_free"]),
        ],
        np.where(u < 0.5, _V["other"], _V["tourist"]),
    )
    settling = np.isin(purpose, [_P["work"], _P["marriage"]])
    mismatch = settling & _flip(rng, ORDINARY_VISA_MISMATCH, n_party)
    case_settling = settling[cp]
    mismatch[cp] = case_settling & _flip(rng, case_mismatch, len(cp))
    visa = np.where(mismatch, vf_or_tourist, visa)
    visa = np.where(nationality == dest, _V["none"], visa)
    return visa, settling


def _payers_and_sponsors(
    rng: np.random.Generator, purpose: Ints, settling: Bools, cp: Ints, ctyp: Ints
) -> tuple[Ints, Ints, Ints, Bools]:
    """Who pays the ticket, the sponsor's kind, the offered job sector and one-way tickets:
    by purpose for ordinary parties, by type for cases."""
    n_party = len(purpose)
    payer = _choose_by(rng, purpose, PAYER_BY_PURPOSE)
    sponsor = _choose_by(rng, purpose, SPONSOR_BY_PURPOSE)
    sector = np.where(
        purpose == _P["work"], _choose(rng, n_party, WORK_SECTORS), _JOB["none"]
    ).astype(np.int64)
    one_way = _flip(rng, np.where(settling, ORDINARY_ONE_WAY_SETTLING, ORDINARY_ONE_WAY), n_party)
    for code, name in enumerate(EXPLOITATION_TYPES):
        sel = cp[ctyp == code]
        m = len(sel)
        payer[sel] = _choose(rng, m, CASE_PAYER[name])
        sponsor[sel] = _choose(rng, m, CASE_SPONSOR[name])
        one_way[sel] = _flip(rng, CASE_ONE_WAY[name], m)
        if name in CASE_SECTORS:
            offer = _flip(rng, CASE_JOB_OFFER[name], m) | (purpose[sel] == _P["work"])
            sector[sel] = np.where(offer, _choose(rng, m, CASE_SECTORS[name]), _JOB["none"])
        else:
            sector[sel] = _JOB["none"]
    return payer, sponsor, sector, one_way


def _sponsor_names(rng: np.random.Generator, sponsor: Ints, cp: Ints) -> tuple[Ints, Bools, Ints]:
    """The named sponsor (an index into ``_SPONSOR_NAMES``; some case agencies of concern),
    whether it has a registration number, and the number."""
    n_party = len(sponsor)
    sponsor_name = np.full(n_party, _NO_NAME, np.int64)
    is_emp, is_agency = sponsor == _SP["employer"], sponsor == _SP["recruitment_agency"]
    is_inst = sponsor == _SP["institution"]
    sponsor_name[is_emp] = _EMP0 + rng.integers(0, len(pools.EMPLOYERS), int(is_emp.sum()))
    sponsor_name[is_agency] = _AGE0 + rng.integers(0, len(pools.AGENCIES), int(is_agency.sum()))
    sponsor_name[is_inst] = _INS0 + rng.integers(0, len(pools.INSTITUTIONS), int(is_inst.sum()))
    concern = cp[
        (sponsor[cp] == _SP["recruitment_agency"]) & _flip(rng, CASE_CONCERN_AGENCY, len(cp))
    ]
    sponsor_name[concern] = _CON0 + rng.integers(0, len(pools.AGENCIES_OF_CONCERN), len(concern))
    has_registration = (sponsor_name != _NO_NAME) & (sponsor_name < _CON0)
    registration_no = rng.integers(1_000_000, 9_999_999, n_party)
    return sponsor_name, has_registration, registration_no


def _group_refs(rng: np.random.Generator, sizes: Ints, cp: Ints, ctyp: Ints) -> Bools:
    """Which parties book under a shared group reference."""
    group_ref = (sizes >= 6) | ((sizes >= 2) & _flip(rng, 0.6, len(sizes)))
    for code, name in enumerate(EXPLOITATION_TYPES):
        sel = cp[ctyp == code]
        group_ref[sel] = (sizes[sel] >= 2) & _flip(rng, CASE_GROUP_REF[name], len(sel))
    return group_ref


def _transit_and_overland(
    cfg: SynthConfig, t: _Tables, rng: np.random.Generator, route: Ints, cp: Ints
) -> tuple[Ints, Bools]:
    """Transit points (0, 1 or 2), and who travels overland: only between neighbours and only
    without a transit hub; everyone else flies."""
    n_party = len(route)
    transit_n = _choose(
        rng, n_party, [1 - cfg.transit_share, cfg.transit_share * 0.85, cfg.transit_share * 0.15]
    )
    transit_n[cp] = _choose(
        rng, len(cp), [1 - CASE_TRANSIT, CASE_TRANSIT * 0.8, CASE_TRANSIT * 0.2]
    )
    overland = t.route_land[route] & (transit_n == 0) & _flip(rng, ORDINARY_OVERLAND, n_party)
    overland[cp] = (
        t.route_land[route[cp]] & (transit_n[cp] == 0) & _flip(rng, CASE_OVERLAND, len(cp))
    )
    return transit_n, overland


# ---------------------------------------------------------------- travellers


def _draw_travellers(
    cfg: SynthConfig,
    t: _Tables,
    rng: np.random.Generator,
    parties: _Parties,
    *,
    start: int,
    rows: int,
    key: bytes,
) -> _Travellers:
    sizes = parties.sizes
    row_party = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    party_start = np.cumsum(sizes) - sizes
    position = np.arange(rows, dtype=np.int64) - party_start[row_party]
    r_type = parties.ptype[row_party]
    is_case = r_type >= 0
    ci = np.nonzero(is_case)[0]
    c_type = r_type[ci]
    r_size = sizes[row_party]
    r_nat = parties.nationality[row_party]
    r_eday = parties.event_day[row_party]
    sex, dob, minor = _sex_and_age(
        cfg, rng, position, r_size=r_size, r_eday=r_eday, ci=ci, c_type=c_type
    )
    sur_idx, giv_idx, native_idx = _names(t, rng, sex, r_nat)
    doc_type, issued, expires, doc_hash = _documents(
        t, rng, r_nat, r_eday=r_eday, minor=minor, ci=ci, start=start, key=key
    )
    cash, cash_missing = _cash(rng, rows, ci)
    obs, non_guardian, delphi = _observations(
        rng,
        parties,
        row_party,
        r_size=r_size,
        minor=minor,
        ci=ci,
        c_type=c_type,
        realism=cfg.realism,
    )
    _add_border_truth(delphi, parties, obs, non_guardian=non_guardian, c_party=row_party[ci], ci=ci)
    return _Travellers(
        row_party=row_party,
        is_case=is_case,
        ci=ci,
        c_type=c_type,
        r_size=r_size,
        r_nat=r_nat,
        r_event=parties.event[row_party],
        r_eday=r_eday,
        sex=sex,
        dob=dob,
        minor=minor,
        sur_idx=sur_idx,
        giv_idx=giv_idx,
        native_idx=native_idx,
        doc_type=doc_type,
        issued=issued,
        expires=expires,
        doc_hash=doc_hash,
        cash=cash,
        cash_missing=cash_missing,
        obs=obs,
        delphi=delphi,
    )


def _sex_and_age(
    cfg: SynthConfig,
    rng: np.random.Generator,
    position: Ints,
    *,
    r_size: Ints,
    r_eday: Ints,
    ci: Ints,
    c_type: Ints,
) -> tuple[Ints, Ints, Bools]:
    """Sex, date of birth and whether a minor: children travel with families, cases by type."""
    rows = len(position)
    sex = _choose(rng, rows, [0.4995, 0.4995, 0.001])
    for code, name in enumerate(EXPLOITATION_TYPES):
        sel = ci[c_type == code]
        sex[sel] = np.where(_flip(rng, CASE_FEMALE[name], len(sel)), 0, 1)
    child_p = np.where(
        position == 0,
        0.004,
        np.where(r_size <= 5, 0.35, 0.03),
    )
    child = _flip(rng, child_p, rows)
    age = np.where(
        child,
        rng.integers(0, 18, rows),
        np.minimum(18 + rng.gamma(2.2, 10.0, rows), 90).astype(np.int64),
    )
    c_child = _flip(rng, cfg.cases.child_share, len(ci))
    child[ci] = c_child
    age_lo = {"labour": (14, 18, 45), "sexual": (13, 18, 30), "forced_marriage": (14, 18, 32)}
    for code, name in enumerate(EXPLOITATION_TYPES):
        pick = c_type == code
        child_lo, adult_lo, adult_hi = age_lo[name]
        m = int(pick.sum())
        age[ci[pick]] = np.where(
            c_child[pick], rng.integers(child_lo, 18, m), rng.integers(adult_lo, adult_hi + 1, m)
        )
    dob = _birth_dates(rng, r_eday, age)
    minor = _whole_years(r_eday, dob) < 18
    return sex, dob, minor


def _names(t: _Tables, rng: np.random.Generator, sex: Ints, r_nat: Ints) -> tuple[Ints, Ints, Ints]:
    """Indices of surname and given name (from the nationality's pool, by sex; X either) and
    of the name in Chinese characters (Chinese nationals only; else the null at the end)."""
    rows = len(sex)
    sx = np.where(sex == 2, rng.integers(0, 2, rows), sex)
    sur_idx = t.surname_off[r_nat] + (
        rng.random(rows, dtype=np.float32) * t.surname_len[r_nat]
    ).astype(np.int64)
    giv_idx = t.given_off[r_nat, sx] + (
        rng.random(rows, dtype=np.float32) * t.given_len[r_nat, sx]
    ).astype(np.int64)
    n_given_cn = len(pools.CN_GIVEN_F) + len(pools.CN_GIVEN_M)
    cn_given = (giv_idx - t.given_off[t.cn, 0]) % n_given_cn
    native_idx = np.where(
        r_nat == t.cn,
        (sur_idx - t.surname_off[t.cn]) * n_given_cn + cn_given,
        len(t.native) - 1,
    )
    return sur_idx, giv_idx, native_idx


def _documents(
    t: _Tables,
    rng: np.random.Generator,
    r_nat: Ints,
    *,
    r_eday: Ints,
    minor: Bools,
    ci: Ints,
    start: int,
    key: bytes,
) -> tuple[Ints, Ints, Ints, pa.Array]:
    """Document type, issue and expiry days (cases often carry new documents; a minor's is
    valid five years), and the keyed hash of a document number unique in the population."""
    rows = len(r_nat)
    doc_type = _choose(rng, rows, [0.97, 0.02, 0.01, 0.0, 0.0])
    doc_age = rng.integers(30, 3650, rows)
    fresh = _rare(rng, rows, 0.08)
    doc_age[fresh] = rng.integers(1, 90, int(fresh.sum()))
    new_doc = _flip(rng, CASE_NEW_DOCUMENT, len(ci))
    doc_age[ci[new_doc]] = rng.integers(1, 60, int(new_doc.sum()))
    doc_age = np.where(minor, np.minimum(doc_age, 1800), doc_age)
    issued = r_eday - doc_age
    expires = issued + np.where(minor, 1826, 3652)
    doc_serial = ((start + np.arange(rows, dtype=np.int64)) * 7_919 + 123_457) % 1_000_000_000
    doc_hash = hmac_hex32(_document_numbers(t.countries, r_nat, doc_serial), key)
    return doc_type, issued, expires, doc_hash


def _cash(rng: np.random.Generator, rows: int, ci: Ints) -> tuple[npt.NDArray[np.float64], Bools]:
    """Declared cash (often not declared); some cases carry almost none."""
    cash = np.round(rng.lognormal(np.log(800.0), 1.0, rows), -1)
    cash_missing = _flip(rng, 0.4, rows)
    low = _flip(rng, CASE_LOW_CASH, len(ci))
    cash[ci[low]] = rng.integers(0, 100, int(low.sum()))
    cash_missing[ci[low]] = False
    return np.minimum(cash, 1_000_000), cash_missing


def _observations(
    rng: np.random.Generator,
    parties: _Parties,
    row_party: Ints,
    *,
    r_size: Ints,
    minor: Bools,
    ci: Ints,
    c_type: Ints,
    realism: Realism | None = None,
) -> tuple[dict[str, Bools], Bools, Bools]:
    """Officer observations: by chance in ordinary travellers, through latent indicators in
    cases. Returns the observation columns, the child-with-non-guardian flags and, per case
    row, its Delphi indicators. In the realistic setting ordinary travellers show each
    observable more often (``signals.realistic_observables``)."""
    rows = len(row_party)
    observables, non_guardian_base = signals.OBSERVABLES, signals.CHILD_NON_GUARDIAN_BASE
    if realism is not None:
        ratio = realism.signal_likelihood_ratio
        observables = signals.realistic_observables(ratio)
        non_guardian_base = max(non_guardian_base, signals.CHILD_NON_GUARDIAN_CASE / ratio)
    obs: dict[str, Bools] = {o.field: _rare(rng, rows, o.base) for o in observables}
    tour = np.nonzero(r_size >= 6)[0]
    obs["obs_document_held_by_other"][tour[_rare(rng, len(tour), signals.TOUR_GROUP_DOCS_HELD)]] = (
        True
    )
    kids = np.nonzero(minor)[0]
    obs["obs_companion_answers"][kids[_rare(rng, len(kids), signals.CHILD_COMPANION_ANSWERS)]] = (
        True
    )
    non_guardian = np.zeros(rows, np.bool_)
    non_guardian[kids[_rare(rng, len(kids), non_guardian_base)]] = True
    obs["obs_child_with_non_guardian"] = non_guardian

    c_payer = parties.payer[row_party[ci]]
    third_paid = np.isin(c_payer, [_PAY["recruitment_agency"], _PAY["unknown_third_party"]])
    c_minor = minor[ci]
    delphi, tags = _case_indicators(rng, c_type, c_minor, third_paid)
    _case_observations(rng, obs, ci, c_minor, tags)
    non_guardian[ci] = c_minor & _flip(rng, signals.CHILD_NON_GUARDIAN_CASE, len(ci))
    return obs, non_guardian, delphi


def _case_indicators(
    rng: np.random.Generator, c_type: Ints, c_minor: Bools, third_paid: Bools
) -> tuple[Bools, Bools]:
    """Per case row, the Delphi indicators present (by type and age; debt bondage likelier
    when a third party paid) and the tags they carry."""
    delphi = np.zeros((len(c_type), len(_ALL_IDS)), np.bool_)
    tags = np.zeros((len(c_type), len(_TAGS)), np.bool_)
    for code, name in enumerate(EXPLOITATION_TYPES):
        for is_child_set in (False, True):
            sel = np.nonzero((c_type == code) & (c_minor == is_child_set))[0]
            if not len(sel):
                continue
            for ind in signals.DELPHI[(name, is_child_set)]:
                p = np.full(len(sel), ind.probability, np.float32)
                if ind.tag == signals.DEBT:  # a third party paid: debt bondage more likely
                    p = np.where(third_paid[sel], p + (1 - p) * 0.5, p)
                present = _flip(rng, p, len(sel))
                delphi[sel, _ID_INDEX[ind.id]] = present
                if ind.tag:
                    tags[sel, _TAGS.index(ind.tag)] |= present
    return delphi, tags


def _case_observations(
    rng: np.random.Generator, obs: dict[str, Bools], ci: Ints, c_minor: Bools, tags: Bools
) -> None:
    """What an officer observes of each case traveller, likelier where an indicator shows."""
    for o in signals.OBSERVABLES:
        p_case = np.full(len(ci), o.case, np.float32)
        if o.tags:
            hit = tags[:, [_TAGS.index(tag) for tag in o.tags if tag in _TAGS]].any(axis=1)
            p_case = np.where(hit, o.tagged, p_case)
        if o.field == "obs_suspect_document":
            p_case = np.where(c_minor, signals.CHILD_SUSPECT_DOCUMENT_CASE, p_case)
        if o.field == "obs_companion_answers":
            p_case = np.where(c_minor, np.maximum(p_case, 0.5), p_case)
        obs[o.field][ci] = _flip(rng, p_case, len(ci))


def _add_border_truth(
    delphi: Bools,
    parties: _Parties,
    obs: dict[str, Bools],
    *,
    non_guardian: Bools,
    c_party: Ints,
    ci: Ints,
) -> None:
    """Truth: the Delphi indicators plus the border observables each case actually shows."""
    c_visa, c_purpose = parties.visa[c_party], parties.purpose[c_party]
    c_payer = parties.payer[c_party]
    third_paid = np.isin(c_payer, [_PAY["recruitment_agency"], _PAY["unknown_third_party"]])
    brd = {
        "BRD-01": obs["obs_document_held_by_other"][ci],
        "BRD-02": obs["obs_companion_answers"][ci],
        "BRD-03": obs["obs_inconsistent_account"][ci],
        "BRD-04": obs["obs_vague_job_details"][ci],
        "BRD-05": third_paid,
        "BRD-06": obs["obs_booked_by_non_traveller"][ci] | (parties.lead[c_party] <= 3),
        "BRD-07": obs["obs_little_luggage"][ci],
        "BRD-08": obs["obs_fearful"][ci],
        "BRD-09": obs["obs_visible_injuries"][ci],
        "BRD-10": non_guardian[ci],
        "BRD-11": obs["obs_suspect_document"][ci],
        "BRD-13": np.isin(c_visa, [_V["tourist"], _V["visa_free"]])
        & (
            np.isin(c_purpose, [_P["work"], _P["marriage"]])
            | (parties.sector[c_party] != _JOB["none"])
        ),
    }
    for ident, flags in brd.items():
        delphi[:, _ID_INDEX[ident]] = flags


# ---------------------------------------------------------------- look-alikes, realistic setting


def _lookalike_parties(
    cfg: SynthConfig, t: _Tables, rng: np.random.Generator, parties: _Parties
) -> Ints:
    """In the realistic setting, turn a share of ordinary parties into travellers who look
    like cases (``signals.LOOKALIKES``) and name some ordinary parties' recruitment agencies
    among those of concern; return each party's look-alike kind (-1: none). The easy setting
    draws nothing, so its populations stay exactly as they were."""
    kind = np.full(len(parties.sizes), -1, np.int64)
    realism = cfg.realism
    if realism is None:
        return kind
    ordinary = np.nonzero(parties.ptype < 0)[0]
    chosen = ordinary[_flip(rng, realism.lookalike_share, len(ordinary))]
    by_kind: dict[str, float] = {str(k): w for k, w in realism.lookalikes.items()}
    names = [k for k in LOOKALIKE_KINDS if by_kind.get(k, 0.0) > 0]
    codes = np.array([LOOKALIKE_KINDS.index(k) for k in names], np.int64)
    weights = [by_kind[k] for k in names]
    kind[chosen] = codes[_choose(rng, len(chosen), weights)]
    # families are parties of 2-5; the labour kinds travel alone or in work groups
    size = parties.sizes
    family = LOOKALIKE_KINDS.index("family_group")
    labour = [LOOKALIKE_KINDS.index(k) for k in _LABOUR_LOOKALIKES]
    kind[(kind == family) & ((size < 2) | (size > 5))] = -1
    kind[np.isin(kind, labour) & (size >= 2) & (size <= 5)] = -1
    for code, name in enumerate(LOOKALIKE_KINDS):
        sel = np.nonzero(kind == code)[0]
        if len(sel):
            _shape_lookalikes(t, rng, parties, sel, signals.LOOKALIKES[name])
    agency = (parties.ptype < 0) & (parties.sponsor == _SP["recruitment_agency"])
    agency &= _flip(rng, realism.concern_agency_among_ordinary, len(agency))
    parties.sponsor_name[agency] = _CON0 + rng.integers(
        0, len(pools.AGENCIES_OF_CONCERN), int(agency.sum())
    )
    parties.has_registration[:] = (parties.sponsor_name != _NO_NAME) & (
        parties.sponsor_name < _CON0
    )
    return kind


_LABOUR_LOOKALIKES = ("smuggled_migrant", "lawful_labour", "exploited_not_trafficked")


def _pick(
    rng: np.random.Generator, n: int, options: tuple[tuple[str, float], ...], codes: dict[str, int]
) -> Ints:
    values = np.array([codes[name] for name, _ in options], np.int64)
    return values[_choose(rng, n, [p for _, p in options])]


def _shape_lookalikes(
    t: _Tables, rng: np.random.Generator, p: _Parties, sel: Ints, spec: signals.Lookalike
) -> None:
    """Overwrite what a look-alike kind changes of the parties ``sel`` (arrays in place)."""
    m = len(sel)
    if spec.corridors is not None and spec.corridors in t.case_routes:
        idx, w = t.case_routes[spec.corridors]
        route = idx[_choose(rng, m, w)]
        p.route[sel], p.origin[sel], p.dest[sel] = route, t.route_origin[route], t.route_dest[route]
        p.nationality[sel] = p.origin[sel]
        p.overland[sel] &= t.route_land[route]
        p.hub1[sel] = _pick_hub(rng, t.hubs, p.origin[sel], p.dest[sel], None)
        p.hub2[sel] = _pick_hub(rng, t.hubs, p.origin[sel], p.dest[sel], p.hub1[sel])
    if spec.purpose:
        p.purpose[sel] = _pick(rng, m, spec.purpose, _P)
    visa_free = t.route_visa_free[p.route[sel]]
    purpose = p.purpose[sel]
    honest = np.select(
        [purpose == _P["work"], purpose == _P["marriage"], purpose == _P["family_visit"]],
        [_V["work"], _V["marriage"], np.where(visa_free, _V["visa_free"], _V["family"])],
        np.where(visa_free, _V["visa_free"], _V["tourist"]),
    )
    settling = np.isin(purpose, [_P["work"], _P["marriage"]])
    mismatch = settling & _flip(rng, spec.visa_mismatch, m)
    p.visa[sel] = np.where(mismatch, np.where(visa_free, _V["visa_free"], _V["tourist"]), honest)
    if spec.payer:
        p.payer[sel] = _pick(rng, m, spec.payer, _PAY)
    if spec.sponsor:
        sponsor = _pick(rng, m, spec.sponsor, _SP)
        p.sponsor[sel] = sponsor
        name = np.full(m, _NO_NAME, np.int64)
        emp, agency = sponsor == _SP["employer"], sponsor == _SP["recruitment_agency"]
        name[emp] = _EMP0 + rng.integers(0, len(pools.EMPLOYERS), int(emp.sum()))
        name[agency] = _AGE0 + rng.integers(0, len(pools.AGENCIES), int(agency.sum()))
        p.sponsor_name[sel] = name
    work = p.purpose[sel] == _P["work"]
    p.sector[sel] = np.where(work, _choose(rng, m, CASE_SECTORS["labour"]), _JOB["none"])
    p.one_way[sel] = _flip(rng, spec.one_way, m)
    late = _flip(rng, spec.last_minute, m)
    p.lead[sel] = np.where(late, rng.integers(0, 4, m), p.lead[sel])


def _lookalike_travellers(
    cfg: SynthConfig, rng: np.random.Generator, people: _Travellers, r_lookalike: Ints
) -> None:
    """What an officer observes of look-alike travellers, their cash and their documents."""
    if cfg.realism is None:
        return
    for code, name in enumerate(LOOKALIKE_KINDS):
        rows = np.nonzero(r_lookalike == code)[0]
        m = len(rows)
        if not m:
            continue
        spec = signals.LOOKALIKES[name]
        for field, chance in spec.observations:
            people.obs[field][rows] |= _flip(rng, chance, m)
        low = rows[_flip(rng, spec.low_cash, m)]
        people.cash[low] = rng.integers(0, 100, len(low))
        people.cash_missing[low] = False
        new = rows[_flip(rng, spec.new_document, m)]
        people.issued[new] = people.r_eday[new] - rng.integers(1, 60, len(new))
        people.expires[new] = people.issued[new] + np.where(people.minor[new], 1826, 3652)
        kids = rows[people.minor[rows]]
        people.obs["obs_child_with_non_guardian"][kids] |= _flip(
            rng, spec.child_non_guardian, len(kids)
        )


# ---------------------------------------------------------------- arrow tables


def _take(pool: pa.Array, codes: npt.ArrayLike) -> pa.Array:
    return pool.take(pa.array(codes))


def _date(days: Ints, missing: Bools | None = None) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), pa.date32(), mask=missing)


def _group_ref_column(parties: _Parties, row_party: Ints, start: int) -> pa.Array:
    """The shared group reference of each row's party, or null."""
    p_ref = np.nonzero(parties.group_ref)[0]
    # a party index is below the batch size, so batch start + index is unique overall
    ref_text = _prefixed("G", p_ref + start, 9)
    ref_for_party = np.full(len(parties.sizes), len(p_ref), np.int64)
    ref_for_party[p_ref] = np.arange(len(p_ref))
    ref_pool = pa.concat_arrays([ref_text, pa.nulls(1, pa.string())])
    return _take(ref_pool, ref_for_party[row_party])


def _port_column(
    t: _Tables, rng: np.random.Generator, parties: _Parties, row_party: Ints
) -> pa.Array:
    """The port: an airport, a crossing on the border being crossed, or the consular post."""
    event, origin, dest = parties.event, parties.origin, parties.dest
    leaving = event == _EV["exit"]
    port_country = np.where(leaving, origin, dest)
    neighbour = np.where(leaving, dest, origin)
    u_port = rng.random(len(event), dtype=np.float32)
    air_idx = t.air_off[port_country] + (u_port * t.air_len[port_country]).astype(np.int64)
    land_len = t.land_len[port_country, neighbour]
    land_idx = (
        len(t.airports) + t.land_off[port_country, neighbour] + (u_port * land_len).astype(np.int64)
    )
    n_ports = len(t.airports) + len(t.crossings)
    port_all = pa.concat_arrays([t.airports, t.crossings, t.posts])
    port_idx = np.where(parties.overland, land_idx, air_idx)
    port_idx = np.where(event == _EV["visa_application"], n_ports + parties.route, port_idx)
    return _take(port_all, port_idx[row_party])


def _transit_column(t: _Tables, parties: _Parties, row_party: Ints) -> pa.Array:
    """Each row's transit points (its party's hubs) as a list of country codes."""
    rows = len(row_party)
    r_transit_n = parties.transit_n[row_party]
    offsets = np.zeros(rows + 1, np.int32)
    np.cumsum(r_transit_n, out=offsets[1:])
    values = np.empty(int(offsets[-1]), np.int64)
    has1 = r_transit_n >= 1
    values[offsets[:-1][has1]] = parties.hub1[row_party[has1]]
    has2 = r_transit_n == 2
    values[offsets[:-1][has2] + 1] = parties.hub2[row_party[has2]]
    return pa.ListArray.from_arrays(pa.array(offsets), t.country_arr.take(pa.array(values)))


def _contact_columns(
    t: _Tables, rng: np.random.Generator, parties: _Parties, people: _Travellers
) -> tuple[pa.Array, pa.Array]:
    """Phone (not on visa applications) and e-mail (the booker's for third-party bookings)."""
    rows = len(people.row_party)
    visa_app = people.r_event == _EV["visa_application"]
    phone_digits = rng.integers(100_000_000, 999_999_999, rows)
    phone = _phones(t.calling[people.r_nat], phone_digits, ~visa_app)
    email = _emails(
        rng,
        t,
        present=_flip(rng, np.where(visa_app, EMAIL_VISA_APPLICATION, EMAIL_BOOKING), rows),
        booked_by_other=np.isin(
            parties.payer,
            [_PAY["employer"], _PAY["recruitment_agency"], _PAY["unknown_third_party"]],
        ),
        sponsor_name=parties.sponsor_name,
        row_party=people.row_party,
        given_idx=people.giv_idx,
        surname_idx=people.sur_idx,
        nationality=people.r_nat,
    )
    return phone, email


def _records_table(
    t: _Tables,
    rng: np.random.Generator,
    parties: _Parties,
    people: _Travellers,
    record_id: pa.Array,
    *,
    start: int,
) -> pa.Table:
    """The records, column by column, in ``ARROW_SCHEMA``."""
    p, rp = parties, people.row_party
    group_ref = _group_ref_column(p, rp, start)
    port = _port_column(t, rng, p, rp)
    transit = _transit_column(t, p, rp)
    phone, email = _contact_columns(t, rng, p, people)
    # children in families travel on the family's ticket
    r_payer = p.payer[rp]
    family_child = people.minor & ~people.is_case & (people.r_size >= 2)
    r_payer = np.where(family_child & (r_payer == _PAY["self"]), _PAY["family"], r_payer)
    nat_arr = _take(t.country_arr, people.r_nat)
    columns: dict[str, pa.Array] = {
        "record_id": record_id,
        "event_kind": _take(_EVENT_ARR, people.r_event),
        "port": port,
        "event_date": _date(people.r_eday),
        "document_type": _take(_DOC_ARR, people.doc_type),
        "document_issuing_state": nat_arr,
        "document_issue_date": _date(people.issued),
        "document_expiry_date": _date(people.expires),
        "document_number_hash": people.doc_hash,
        "surname": _take(t.surnames, people.sur_idx),
        "given_names": _take(t.given, people.giv_idx),
        "name_native": _take(t.native, people.native_idx),
        "nationality": nat_arr,
        "sex": _take(_SEX_ARR, people.sex),
        "date_of_birth": _date(people.dob),
        "origin": _take(t.country_arr, p.origin[rp]),
        "destination": _take(t.country_arr, p.dest[rp]),
        "transit": transit,
        "trip_type": _take(_TRIP_ARR, np.where(p.one_way[rp], 0, 1)),
        "booking_date": _date(people.r_eday - p.lead[rp], p.booking_missing[rp]),
        "ticket_paid_by": _take(_PAYER_ARR, r_payer),
        "group_booking_ref": group_ref,
        "group_size": pa.array(np.where(p.group_ref[rp], people.r_size, 1), pa.int64()),
        "declared_purpose": _take(_PURPOSE_ARR, p.purpose[rp]),
        "visa_type": _take(_VISA_ARR, p.visa[rp]),
        "sponsor_kind": _take(_SPONSOR_ARR, p.sponsor[rp]),
        "sponsor_name": _take(_SPONSOR_NAMES, p.sponsor_name[rp]),
        "sponsor_registration": _registration(p.registration_no[rp], ~p.has_registration[rp]),
        "offered_job_sector": _take(_JOB_ARR, p.sector[rp]),
        "declared_cash": pa.array(
            people.cash.astype(np.float64), pa.float64(), mask=people.cash_missing
        ),
        "contact_phone": phone,
        "contact_email": email,
        **{name: pa.array(flags, pa.bool_()) for name, flags in people.obs.items()},
    }
    return pa.Table.from_arrays([columns[f.name] for f in ARROW_SCHEMA], schema=ARROW_SCHEMA)


def _truth_table(
    people: _Travellers, record_id: pa.Array, rows: int, r_lookalike: Ints
) -> pa.Table:
    """Row for row: case or not, exploitation type, child, the indicator ids it shows, and the
    kind of look-alike (realistic setting) for travellers drawn to look like cases."""
    ci = people.ci
    lengths = np.zeros(rows, np.int32)
    lengths[ci] = people.delphi.sum(axis=1)
    t_offsets = np.zeros(rows + 1, np.int32)
    np.cumsum(lengths, out=t_offsets[1:])
    _, cols = np.nonzero(people.delphi)
    ids = pa.ListArray.from_arrays(pa.array(t_offsets), _ID_ARR.take(pa.array(cols)))
    type_codes = np.full(rows, len(EXPLOITATION_TYPES), np.int64)
    type_codes[ci] = people.c_type
    return pa.Table.from_arrays(
        [
            record_id,
            pa.array(people.is_case, pa.bool_()),
            _take(_TYPE_ARR, type_codes),
            pa.array(people.minor, pa.bool_()),
            ids,
            _take(_LOOKALIKE_ARR, np.where(r_lookalike >= 0, r_lookalike, len(LOOKALIKE_KINDS))),
        ],
        schema=TRUTH_SCHEMA,
    )


def _pick_hub(
    rng: np.random.Generator, hubs: Ints, origin: Ints, dest: Ints, other: Ints | None
) -> Ints:
    """A transit hub that is neither the origin, the destination nor ``other``."""
    k = rng.integers(0, len(hubs), len(origin))
    hub = hubs[k]
    for _ in range(3):
        clash = (hub == origin) | (hub == dest)
        if other is not None:
            clash |= hub == other
        if not clash.any():
            break
        k = np.where(clash, (k + 1) % len(hubs), k)
        hub = hubs[k]
    return hub


def _prefixed(prefix: str, numbers: Ints, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def _registration(numbers: Ints, missing: Bools) -> pa.Array:
    text = _prefixed("REG-", numbers, 7)
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)


def _phones(calling: Ints, digits: Ints, missing: Bools) -> pa.Array:
    keep = np.nonzero(~missing)[0]
    text = pc.binary_join_element_wise(
        "+",
        pc.cast(pa.array(calling[keep]), pa.string()),
        pc.cast(pa.array(digits[keep]), pa.string()),
        "",
    )
    index = np.full(len(missing), len(keep), np.int64)
    index[keep] = np.arange(len(keep))
    return pa.concat_arrays([text, pa.nulls(1, pa.string())]).take(pa.array(index))


_SPONSOR_DOMAINS = pc.binary_join_element_wise(
    pc.utf8_lower(pc.replace_substring_regex(_SPONSOR_NAMES, r"[^A-Za-z0-9]", "")),
    "example",
    ".",
)
_BOOKER_MAILBOXES = pa.array(pools.BOOKER_MAILBOXES, pa.string())
_MAIL_GLOBAL = pa.array(pools.MAIL_DOMAINS_GLOBAL, pa.string())


def _emails(
    rng: np.random.Generator,
    t: _Tables,
    *,
    present: Bools,
    booked_by_other: Bools,
    sponsor_name: Ints,
    row_party: Ints,
    given_idx: Ints,
    surname_idx: Ints,
    nationality: Ints,
) -> pa.Array:
    """Contact e-mail per row: the booker's for third-party bookings, else the traveller's own."""
    rows, n_party = len(present), len(booked_by_other)
    # the booker's address, one per party: a mailbox at the sponsor's domain, or an agent's
    # free-mail address when no organisation is named
    p_book = np.nonzero(booked_by_other)[0]
    box = _BOOKER_MAILBOXES.take(pa.array(rng.integers(0, len(_BOOKER_MAILBOXES), len(p_book))))
    agent = pc.binary_join_element_wise(
        box, pc.cast(pa.array(rng.integers(10, 9_999, len(p_book))), pa.string()), ""
    )
    named = sponsor_name[p_book] != _NO_NAME
    domain = pc.if_else(
        pa.array(named),
        _SPONSOR_DOMAINS.take(pa.array(sponsor_name[p_book])),
        _MAIL_GLOBAL.take(pa.array(rng.integers(0, len(_MAIL_GLOBAL), len(p_book)))),
    )
    booker = pc.binary_join_element_wise(pc.if_else(pa.array(named), box, agent), domain, "@")
    # a personal address: given.surname, given_surname or givensurname, an optional number
    own = np.nonzero(present & ~booked_by_other[row_party])[0]
    m = len(own)
    nat = nationality[own]
    n_given = t.given_len[nat].sum(axis=1)
    pair = (surname_idx[own] - t.surname_off[nat]) * n_given + given_idx[own] - t.given_off[nat, 0]
    mailbox = t.mailbox_off[nat] + pair * len(_MAIL_SEPARATORS) + rng.integers(0, 3, m)
    number = pc.cast(pa.array(rng.integers(1, 999, m)), pa.string())
    number = pc.if_else(pa.array(_flip(rng, 0.6, m)), number, pa.scalar("", pa.string()))
    local = pc.binary_join_element_wise(t.mailbox.take(pa.array(mailbox)), number, "")
    home = pc.if_else(
        pa.array(_flip(rng, EMAIL_GLOBAL_PROVIDER, m)),
        _MAIL_GLOBAL.take(pa.array(rng.integers(0, len(_MAIL_GLOBAL), m))),
        t.mail_national.take(pa.array(nat)),
    )
    personal = pc.binary_join_element_wise(local, home, "@")
    # rows -> personal (0..m-1), booker (m + party slot) or null (last)
    slot = np.full(n_party, -1, np.int64)
    slot[p_book] = np.arange(len(p_book))
    r_slot = slot[row_party]
    index = np.full(rows, m + len(p_book), np.int64)
    index[own] = np.arange(m)
    by_booker = present & (r_slot >= 0)
    index[by_booker] = m + r_slot[by_booker]
    pool = pa.concat_arrays([personal, booker, pa.nulls(1, pa.string())])
    return pool.take(pa.array(index))


def _document_numbers(countries: tuple[str, ...], nationality: Ints, serial: Ints) -> list[bytes]:
    """Document numbers as bytes, issuing state then nine digits (b"CN000123457"), built as one
    fixed-width buffer instead of formatting each number."""
    width = 11
    text = np.empty((len(serial), width), np.uint8)
    text[:, :2] = np.frombuffer("".join(countries).encode("ascii"), np.uint8).reshape(-1, 2)[
        nationality
    ]
    rest = serial.copy()
    for k in range(width - 1, 1, -1):
        text[:, k] = 48 + rest % 10
        rest //= 10
    buf = text.tobytes()
    return [buf[i : i + width] for i in range(0, len(buf), width)]


def _birth_dates(rng: np.random.Generator, event_day: Ints, age: Ints) -> Ints:
    """A birth date at which a person is exactly ``age`` whole years old on ``event_day``."""
    ev = event_day.astype("datetime64[D]")
    ev_year = ev.astype("datetime64[Y]")
    ev_doy = (ev - ev_year.astype("datetime64[D]")).astype(np.int64)
    born_doy = rng.integers(0, 365, len(event_day))
    years = ev_year.astype(np.int64) + 1970 - age - (born_doy > ev_doy)
    jan1 = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    born: Ints = jan1 + born_doy
    return born


def _whole_years(event_day: Ints, born_day: Ints) -> Ints:
    """Age in whole years, by the same rule as ``palermo.records.schema.derive``."""

    def parts(days: Ints) -> tuple[Ints, Ints]:
        d = days.astype("datetime64[D]")
        year = d.astype("datetime64[Y]")
        month = d.astype("datetime64[M]")
        md = (
            (month.astype(np.int64) % 12 + 1) * 100
            + (d - month.astype("datetime64[D]")).astype(np.int64)
            + 1
        )
        return year.astype(np.int64), md

    ey, emd = parts(event_day)
    by, bmd = parts(born_day)
    age: Ints = ey - by - (emd < bmd)
    return age


def generate_batches(
    n: int,
    seed: int = 0,
    config: SynthConfig | None = None,
    *,
    key: bytes | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Yield (records, truth) batches that together make the population of ``n`` travellers."""
    if n < 0:
        raise ValueError("n must not be negative")
    if seed < 0:
        raise ValueError("seed must not be negative")
    cfg = config or default_config()
    tables = _tables(cfg)
    k = key if key is not None else hash_key()
    for b, start in enumerate(range(0, n, batch_rows)):
        rows = min(batch_rows, n - start)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))
        yield _batch(cfg, tables, rng, start=start, rows=rows, key=k)


def generate(
    n: int, seed: int = 0, config: SynthConfig | None = None, *, key: bytes | None = None
) -> tuple[pa.Table, pa.Table]:
    """A population of ``n`` traveller records and its ground truth, both as Arrow tables.

    ``records`` has exactly ``palermo.records.ARROW_SCHEMA``; ``truth`` has ``TRUTH_SCHEMA``
    (record_id, is_case, exploitation_type, is_child, indicator_ids), row for row.
    """
    parts = list(generate_batches(n, seed, config, key=key))
    if not parts:
        return ARROW_SCHEMA.empty_table(), TRUTH_SCHEMA.empty_table()
    records = pa.concat_tables([r for r, _ in parts])
    truth = pa.concat_tables([t for _, t in parts])
    return records, truth
