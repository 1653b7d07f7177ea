"""The realistic setting (issue 11): travellers who look like cases without being cases, and
single signals that separate cases from everyone else far less cleanly than in the easy setting.

Nothing here asserts a figure the generator was tuned to produce: the tests check what each
setting *is* (who is a case, what is recorded, that it validates) and compare the two settings
with each other, never with the target likelihood ratio."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from palermo.errors import InputError
from palermo.records.readers import validate_table
from palermo.synth import default_config, generate
from palermo.synth.config import (
    LOOKALIKE_KINDS,
    REALISTIC,
    SynthConfig,
    _parse,
    shipped_config,
)

N = 60_000
KEY = b"realistic"


@pytest.fixture(scope="module")
def easy() -> tuple[pa.Table, pa.Table]:
    return generate(N, seed=5, config=default_config().with_case_share(0.02), key=KEY)


@pytest.fixture(scope="module")
def realistic() -> tuple[pa.Table, pa.Table]:
    return generate(N, seed=5, config=default_config().with_case_share(0.02).realistic(), key=KEY)


def _likelihood_ratio(records: pa.Table, truth: pa.Table, field: str) -> float:
    case = truth.column("is_case").to_numpy(zero_copy_only=False)
    seen = records.column(field).to_numpy(zero_copy_only=False)
    in_cases, in_others = seen[case].mean(), seen[~case].mean()
    return float(in_cases / in_others) if in_others else float("inf")


def test_the_easy_setting_has_no_lookalikes(easy: tuple[pa.Table, pa.Table]) -> None:
    _, truth = easy
    assert truth.column("lookalike").null_count == truth.num_rows


def test_every_kind_of_lookalike_appears_and_none_of_them_is_a_case(
    realistic: tuple[pa.Table, pa.Table],
) -> None:
    _, truth = realistic
    kinds = truth.column("lookalike")
    assert set(pc.unique(kinds).drop_null().to_pylist()) == set(LOOKALIKE_KINDS)
    lookalike = pc.is_valid(kinds)
    assert not pc.any(pc.and_(lookalike, truth.column("is_case"))).as_py()
    assert pc.all(pc.is_null(pc.filter(truth.column("exploitation_type"), lookalike))).as_py()


def test_lookalikes_travel_the_case_corridors_with_the_structured_fields_of_cases(
    realistic: tuple[pa.Table, pa.Table],
) -> None:
    records, truth = realistic
    labour_routes = {
        (c.origin, c.destination) for c in default_config().cases.types["labour"].corridors
    }
    lawful = pc.equal(truth.column("lookalike"), "lawful_labour")
    rows = records.filter(pc.fill_null(lawful, False)).to_pylist()
    assert rows
    assert all((r["origin"], r["destination"]) in labour_routes for r in rows)
    assert all(r["declared_purpose"] == "work" for r in rows)
    assert any(r["sponsor_kind"] == "recruitment_agency" for r in rows)


def test_agencies_of_concern_also_sponsor_travellers_who_are_not_cases(
    easy: tuple[pa.Table, pa.Table], realistic: tuple[pa.Table, pa.Table]
) -> None:
    from palermo.synth import pools

    def concern_among_others(population: tuple[pa.Table, pa.Table]) -> int:
        records, truth = population
        others = records.filter(pc.invert(truth.column("is_case")))
        named = pc.is_in(others.column("sponsor_name"), pa.array(pools.AGENCIES_OF_CONCERN))
        return int(pc.sum(named).as_py() or 0)

    assert concern_among_others(easy) == 0
    assert concern_among_others(realistic) > 0


def test_every_single_observation_separates_cases_less_sharply_than_in_the_easy_setting(
    easy: tuple[pa.Table, pa.Table], realistic: tuple[pa.Table, pa.Table]
) -> None:
    fields = [name for name in easy[0].column_names if name.startswith("obs_")]
    for field in fields:
        assert _likelihood_ratio(*realistic, field) < _likelihood_ratio(*easy, field), field


def test_the_realistic_population_validates_as_ordinary_traveller_records(
    realistic: tuple[pa.Table, pa.Table],
) -> None:
    records, _ = realistic
    validate_table(records.slice(0, 20_000), source="realistic")


def test_the_realistic_setting_keeps_the_cases_themselves_as_they_were(
    easy: tuple[pa.Table, pa.Table], realistic: tuple[pa.Table, pa.Table]
) -> None:
    # the same seed: the case draws come first, so the same travellers are cases
    assert easy[1].column("is_case").equals(realistic[1].column("is_case"))


def test_a_seed_gives_the_same_realistic_population() -> None:
    config = default_config().realistic()
    first = generate(5_000, seed=9, config=config, key=KEY)
    second = generate(5_000, seed=9, config=config, key=KEY)
    assert first[0].equals(second[0])
    assert first[1].equals(second[1])


def test_the_shifted_configuration_moves_only_the_case_corridors() -> None:
    default, shifted = default_config(), shipped_config("corridors-shifted.yaml")
    assert shifted.corridors == default.corridors
    for name, ctype in shifted.cases.types.items():
        before = {(c.origin, c.destination) for c in default.cases.types[name].corridors}
        after = {(c.origin, c.destination) for c in ctype.corridors}
        assert after != before, name


def test_a_realism_section_with_only_zero_weights_is_refused_with_the_reason() -> None:
    data = default_config().model_dump(mode="json")
    data["realism"] = REALISTIC.model_dump(mode="json") | {"lookalikes": {"smuggled_migrant": 0}}
    with pytest.raises(InputError) as raised:
        _parse(data, "corridors.yaml")
    problem = raised.value.problems[0]
    assert "at least one must be positive" in problem.rule
    assert "至少一个须大于 0" in problem.rule_zh


def test_the_realistic_setting_round_trips_through_yaml() -> None:
    config = default_config().realistic()
    assert SynthConfig.model_validate_json(config.model_dump_json()) == config
    assert np.isclose(config.realism.signal_likelihood_ratio, REALISTIC.signal_likelihood_ratio)  # type: ignore[union-attr]
