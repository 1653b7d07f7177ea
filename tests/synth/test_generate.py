from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.records import ARROW_SCHEMA, derive_arrow
from palermo.records.hashing import document_hash
from palermo.synth import TRUTH_SCHEMA, default_config, generate, generate_batches, pools
from palermo.synth.fasthash import hmac_hex32

N = 40_000
KEY = b"synth-test-key"
INDICATOR_IDS = Path("/work/shared/reference/indicators.md")


@pytest.fixture(scope="module")
def population() -> tuple[pa.Table, pa.Table]:
    # more cases than the default so that every kind of case shows up in a small population
    return generate(N, seed=11, config=default_config().with_case_share(0.02), key=KEY)


# The content of a small population, three batches: a seed must keep giving it. Measured on the
# generator before its 420-line batch function was split into named steps (commit e1e5272), and
# unchanged after. Change it only with a commit that means to change the synthetic data. The
# truth table gained its ``lookalike`` column (all null in this, the easy, setting) with the
# realistic setting; without that column the digest is still 0b61ffb7…c372a.
PINNED_DIGEST = "684ad932f04d73f45348fff9a578a5443a537a1b54b9bca8e4ec5cb2867ef700"


def test_a_seed_keeps_giving_the_very_same_population() -> None:
    digest = hashlib.sha256()
    config = default_config().with_case_share(0.05)
    for records, truth in generate_batches(6_000, 11, config, key=b"pinned", batch_rows=2_500):
        for table in (records, truth):
            rows = json.dumps(table.to_pylist(), default=str, sort_keys=True, ensure_ascii=False)
            digest.update(rows.encode("utf-8"))
    assert digest.hexdigest() == PINNED_DIGEST


def _rows(table: pa.Table, mask: pa.ChunkedArray) -> list[dict[str, object]]:
    return table.filter(mask).to_pylist()  # type: ignore[no-any-return]


def test_records_have_exactly_the_canonical_schema_and_truth_is_row_for_row(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, truth = population
    assert records.schema.equals(ARROW_SCHEMA)
    assert truth.schema.equals(TRUTH_SCHEMA)
    assert records.column("record_id").equals(truth.column("record_id"))
    assert pc.count_distinct(records.column("record_id")).as_py() == N


def test_the_same_seed_gives_the_same_population_and_another_seed_does_not() -> None:
    first = generate(3_000, seed=5, key=KEY)
    again = generate(3_000, seed=5, key=KEY)
    other = generate(3_000, seed=6, key=KEY)
    assert first[0].equals(again[0])
    assert first[1].equals(again[1])
    assert not first[0].equals(other[0])


def test_a_longer_population_extends_a_shorter_one_with_the_same_seed() -> None:
    short = [r for r, _ in generate_batches(1_000, seed=9, key=KEY, batch_rows=1_000)]
    longer = [r for r, _ in generate_batches(2_500, seed=9, key=KEY, batch_rows=1_000)]
    assert len(longer) == 3
    assert longer[0].equals(short[0])
    assert pa.concat_tables(longer).num_rows == 2_500
    assert generate(0, seed=9, key=KEY)[0].num_rows == 0


def test_the_share_of_embedded_cases_follows_the_configuration(
    population: tuple[pa.Table, pa.Table],
) -> None:
    _, truth = population
    share = pc.mean(pc.cast(truth.column("is_case"), pa.float64())).as_py()
    assert 0.015 < share < 0.025
    default_share = pc.mean(
        pc.cast(generate(40_000, seed=1, key=KEY)[1].column("is_case"), pa.float64())
    ).as_py()
    assert 0.003 < default_share < 0.007


def test_cases_cover_labour_sexual_and_forced_marriage_for_adults_and_children(
    population: tuple[pa.Table, pa.Table],
) -> None:
    _, truth = population
    cases = _rows(truth, truth.column("is_case"))
    kinds = {(c["exploitation_type"], c["is_child"]) for c in cases}
    for kind in ("labour", "sexual", "forced_marriage"):
        assert (kind, False) in kinds
        assert (kind, True) in kinds
    ordinary = _rows(truth, pc.invert(truth.column("is_case")))
    assert all(o["exploitation_type"] is None and o["indicator_ids"] == [] for o in ordinary[:500])


def test_every_indicator_id_of_a_case_exists_in_the_published_catalogue(
    population: tuple[pa.Table, pa.Table],
) -> None:
    _, truth = population
    used = set(pc.list_flatten(truth.column("indicator_ids")).to_pylist())
    assert used
    catalogue = INDICATOR_IDS.read_text(encoding="utf-8")
    known = set(re.findall(r"\b(?:ADL|CHL|ADS|CHS)-[A-Z]{2}-\d\d\b|\bBRD-\d\d\b", catalogue))
    # ADS-VR, ADS-VD and CHS ids are given as ranges in the catalogue ("same item pool")
    ranged = {i for i in used if re.match(r"(ADS-V[RD]|CHS-[A-Z]{2})-\d\d$", i)}
    assert used - ranged <= known
    adult_sets = {i[:3] for c in _rows(truth, truth.column("is_case")) if not c["is_child"]
                  for i in c["indicator_ids"] if not i.startswith("BRD")}  # fmt: skip
    assert adult_sets <= {"ADL", "ADS"}


def test_border_indicators_in_the_truth_match_what_the_record_shows(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, truth = population
    mask = truth.column("is_case")
    for record, labels in zip(_rows(records, mask), _rows(truth, mask), strict=True):
        ids = set(labels["indicator_ids"])  # type: ignore[arg-type]
        assert ("BRD-01" in ids) == record["obs_document_held_by_other"]
        assert ("BRD-08" in ids) == record["obs_fearful"]
        assert ("BRD-05" in ids) == (
            record["ticket_paid_by"] in ("recruitment_agency", "unknown_third_party")
        )
        if labels["is_child"] is False:
            assert "BRD-10" not in ids


def test_cases_show_border_signals_far_more_often_than_ordinary_travellers_but_not_always(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, truth = population
    case = truth.column("is_case")
    signals = {
        "obs_document_held_by_other": pc.field("obs_document_held_by_other"),
        "obs_companion_answers": pc.field("obs_companion_answers"),
        "obs_fearful": pc.field("obs_fearful"),
        "one_way": pc.field("trip_type") == "one_way",
        "third_party_paid": pc.is_in(
            pc.field("ticket_paid_by"), pa.array(["recruitment_agency", "unknown_third_party"])
        ),
    }
    cases = records.filter(case)
    ordinary = records.filter(pc.invert(case))
    for name, expr in signals.items():
        in_cases = cases.filter(expr).num_rows / cases.num_rows
        in_ordinary = ordinary.filter(expr).num_rows / ordinary.num_rows
        assert in_cases > 3 * in_ordinary, name
        assert in_ordinary > 0, name  # ordinary travellers show it by chance
        assert in_cases < 0.95, name  # never deterministic


def test_truth_marks_children_by_the_same_age_rule_as_the_records(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, truth = population
    derived = derive_arrow(records)
    assert derived.column("is_minor").equals(truth.column("is_child"))
    ages = derived.column("age_at_travel")
    assert pc.min(ages).as_py() >= 0
    assert pc.max(ages).as_py() <= 100


def test_chinese_nationals_have_their_name_in_characters_and_others_do_not(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = population
    chinese = _rows(records, pc.equal(records.column("nationality"), "CN"))
    assert chinese
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", str(r["name_native"])) for r in chinese)
    assert all(str(r["surname"]).isascii() for r in chinese)
    others = records.filter(pc.not_equal(records.column("nationality"), "CN"))
    assert others.column("name_native").null_count == others.num_rows


def test_group_bookings_share_a_reference_and_state_their_size(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = population
    grouped = records.filter(pc.is_valid(records.column("group_booking_ref")))
    counts = grouped.group_by("group_booking_ref").aggregate(
        [("record_id", "count"), ("group_size", "min"), ("group_size", "max")]
    )
    assert counts.num_rows > 100
    for row in counts.to_pylist():
        assert row["record_id_count"] == row["group_size_min"] == row["group_size_max"] >= 2
    alone = records.filter(pc.is_null(records.column("group_booking_ref")))
    assert pc.max(alone.column("group_size")).as_py() == 1


def test_the_default_population_includes_china_entries_and_exits(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = population
    ports = records.column("port")
    kinds = records.column("event_kind")
    cn_port = pc.starts_with(ports, "CN-")
    assert records.filter(pc.and_(cn_port, pc.equal(kinds, "entry"))).num_rows > 1_000
    assert records.filter(pc.and_(cn_port, pc.equal(kinds, "exit"))).num_rows > 1_000
    assert set(pc.unique(records.column("origin")).to_pylist()) >= {
        "CN", "TH", "MY", "SG", "KH", "MM", "LA", "VN", "PH", "ID", "JP", "KR", "NP",
    }  # fmt: skip


def test_documents_are_hashed_never_stored_and_unique_per_traveller(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = population
    hashes = records.column("document_number_hash")
    assert hashes.null_count == 0
    assert pc.count_distinct(hashes).as_py() == N
    assert all(re.fullmatch(r"[0-9a-f]{32}", h) for h in hashes.slice(0, 100).to_pylist())
    issued, expires = records.column("document_issue_date"), records.column("document_expiry_date")
    assert pc.all(pc.less(issued, expires)).as_py()
    assert pc.all(pc.less_equal(issued, records.column("event_date"))).as_py()


@settings(max_examples=150, deadline=None)
@given(
    numbers=st.lists(st.text(alphabet="ABCDEFGHJKLMNPRSTUVWXYZ0123456789", max_size=12)),
    key=st.binary(min_size=1, max_size=100),
)
def test_the_batch_document_hash_equals_the_record_hash(numbers: list[str], key: bytes) -> None:
    fast = hmac_hex32([n.encode() for n in numbers], key).to_pylist()
    assert fast == [document_hash(n, key=key) for n in numbers]


def test_travellers_fly_through_airports_and_cross_overland_only_on_a_shared_border(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = population
    crossings = {
        f"{country}-{name}": (country, neighbour)
        for (country, neighbour), names in pools.LAND_CROSSINGS.items()
        for name in names
    }
    airports = {f"{c}-{name}" for c, names in pools.AIRPORTS.items() for name in names}
    travel = records.filter(pc.not_equal(records.column("event_kind"), "visa_application"))
    overland = 0
    for r in travel.select(["event_kind", "port", "origin", "destination", "transit"]).to_pylist():
        here, there = (
            (r["origin"], r["destination"])
            if r["event_kind"] == "exit"
            else (r["destination"], r["origin"])
        )
        if r["port"] in crossings:
            overland += 1
            assert crossings[r["port"]] == (here, there), r
            assert not r["transit"], r  # nobody changes planes on a land crossing
        else:
            assert r["port"] in airports, r
            assert r["port"].startswith(f"{here}-"), r
    assert 0.05 * travel.num_rows < overland < 0.5 * travel.num_rows
    visas = records.filter(pc.equal(records.column("event_kind"), "visa_application"))
    assert all("-POST-" in p for p in visas.column("port").to_pylist())


def test_contact_email_is_given_on_most_visa_applications_and_some_bookings(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = population
    kinds = records.column("event_kind")
    email = records.column("contact_email")

    def share(kind: str) -> float:
        picked = email.filter(pc.equal(kinds, kind))
        return 1 - picked.null_count / len(picked)

    assert share("visa_application") > 0.8
    assert 0.2 < share("entry") < 0.6
    assert 0.2 < share("exit") < 0.6
    addresses = email.drop_null().to_pylist()
    # reserved .example domains only: no synthetic address can be a real person's
    assert all(re.fullmatch(r"[a-z0-9._]+@[a-z0-9.]+\.example", a) for a in addresses)
    assert len(set(addresses)) > 0.5 * len(addresses)
    # a traveller's own address is made of their own name
    own = records.filter(
        pc.and_(
            pc.is_valid(email),
            pc.is_in(records.column("ticket_paid_by"), pa.array(["self", "family", "unknown"])),
        )
    )
    for r in own.select(["contact_email", "given_names", "surname"]).slice(0, 2_000).to_pylist():
        local = r["contact_email"].split("@")[0]
        assert local.startswith(r["given_names"].lower().replace(" ", "")), r
        assert r["surname"].lower().replace(" ", "") in local, r


def test_a_recruiters_booking_carries_the_recruiters_address_for_the_whole_party(
    population: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = population
    booked = records.filter(
        pc.and_(
            pc.equal(records.column("ticket_paid_by"), "recruitment_agency"),
            pc.is_valid(records.column("group_booking_ref")),
        )
    )
    by_party: dict[str, set[str]] = {}
    for r in booked.select(["group_booking_ref", "contact_email", "sponsor_name"]).to_pylist():
        if r["contact_email"] is not None:
            by_party.setdefault(r["group_booking_ref"], set()).add(r["contact_email"])
            if r["sponsor_name"] is not None:
                domain = re.sub(r"[^a-z0-9]", "", r["sponsor_name"].lower()) + ".example"
                assert r["contact_email"].endswith("@" + domain), r
    assert len(by_party) > 20
    assert all(len(addresses) == 1 for addresses in by_party.values())
