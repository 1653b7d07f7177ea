"""How positive dimensions combine: adults (both named variants) and children."""

from __future__ import annotations

import pytest

from palermo.indicators.assessment import Outcome, Variant, assess_indicators

# Minimal sets of adult-labour ids that make exactly one dimension positive.
ADL_POSITIVE = {
    "DR": {"ADL-DR-01", "ADL-DR-08"},  # strong + medium
    "CR": {"ADL-CR-01", "ADL-CR-04"},  # strong + medium
    "VR": {"ADL-VR-01", "ADL-VR-02", "ADL-VR-05"},  # three medium
    "EX": {"ADL-EX-01", "ADL-EX-04"},  # strong + medium
    "CD": {"ADL-CD-01", "ADL-CD-02"},  # two strong
    "VD": {"ADL-VD-01", "ADL-VD-02", "ADL-VD-06"},  # two medium + weak
}


def _ids(*dims: str) -> set[str]:
    return set().union(*(ADL_POSITIVE[d] for d in dims)) if dims else set()


ADULT_TABLE = [
    # dims positive, ILO reading met, Moldova variant met, outcome under ILO
    (("DR", "EX", "CD"), True, True, Outcome.PRESUMED),
    (("CR", "EX", "CD"), True, True, Outcome.PRESUMED),
    (("VR", "EX", "CD"), True, False, Outcome.PRESUMED),
    (("DR", "EX", "VD"), True, False, Outcome.PRESUMED),
    (("VR", "EX", "VD"), True, False, Outcome.PRESUMED),
    (("DR", "EX"), False, False, Outcome.POSSIBLE),
    (("EX", "CD"), False, False, Outcome.POSSIBLE),
    (("DR", "CD"), False, False, Outcome.POSSIBLE),
    (("EX",), False, False, Outcome.POSSIBLE),
    (("VR", "VD"), False, False, Outcome.INSUFFICIENT),
    (("VR",), False, False, Outcome.INSUFFICIENT),
    ((), False, False, Outcome.INSUFFICIENT),
]


@pytest.mark.parametrize(("dims", "ilo", "moldova", "outcome"), ADULT_TABLE)
def test_adult_combination_under_both_named_variants(
    dims: tuple[str, ...], ilo: bool, moldova: bool, outcome: Outcome
) -> None:
    result = assess_indicators(_ids(*dims), child=False, sets=["ADL"])
    adl = result.sets[0]
    assert sorted(adl.positive_dimensions) == sorted(dims)
    assert adl.rules == {"ilo": ilo, "moldova": moldova}
    assert result.outcome is outcome
    assert result.variant is Variant.ILO


def test_the_moldova_variant_is_an_option_that_changes_the_outcome() -> None:
    ids = _ids("VR", "EX", "CD")
    assert assess_indicators(ids, child=False, sets=["ADL"]).outcome is Outcome.PRESUMED
    moldova = assess_indicators(ids, child=False, sets=["ADL"], variant=Variant.MOLDOVA)
    assert moldova.outcome is Outcome.POSSIBLE
    assert "moldova" in moldova.reasoning[0].en.lower() or "Moldova" in moldova.reasoning[0].en


def test_the_typology_names_deception_plus_exploitation() -> None:
    adl = assess_indicators(_ids("DR", "EX"), child=False, sets=["ADL"]).sets[0]
    assert adl.typology is not None
    assert "deception + exploitation" in adl.typology.en


CHL_EX = {"CHL-EX-01", "CHL-EX-04"}
CHILD_TABLE = [
    # present ids, act evidenced by answers, outcome, child-protection referral
    (CHL_EX, True, Outcome.PRESUMED, True),
    (CHL_EX, False, Outcome.POSSIBLE, True),  # exploitation without an act: still referred
    (CHL_EX | {"CHL-DR-01", "CHL-DR-10"}, False, Outcome.PRESUMED, True),  # act via recruitment
    ({"CHL-EX-04"}, True, Outcome.POSSIBLE, True),  # one exploitation indicator, not positive
    ({"CHL-CD-11"}, False, Outcome.POSSIBLE, True),
    ({"CHL-DR-01", "CHL-DR-10"}, True, Outcome.POSSIBLE, False),
    ({"CHL-VR-06"}, True, Outcome.INSUFFICIENT, False),
    (set(), True, Outcome.INSUFFICIENT, False),
]


@pytest.mark.parametrize(("ids", "act", "outcome", "referral"), CHILD_TABLE)
def test_child_rule_needs_no_means_and_refers_every_exploited_child(
    ids: set[str], act: bool, outcome: Outcome, referral: bool
) -> None:
    result = assess_indicators(
        ids, child=True, act_evidence=("travel_with=other_adult",) if act else ()
    )
    assert result.outcome is outcome
    assert result.child_protection_referral is referral
    means = next(e for s in result.sets for e in s.elements if e.element == "means")
    assert means.required is False


def test_no_outcome_ever_says_not_a_victim() -> None:
    for ids in ({"ADL-VR-06"}, set()):
        result = assess_indicators(ids, child=False)
        text = " ".join(t.en for t in result.reasoning).lower()
        assert result.outcome is Outcome.INSUFFICIENT
        assert "not a finding that the person is not a victim" in text
        assert all(o.label.en != "not a victim" for o in Outcome)


def test_unverified_indicators_and_assumed_strengths_are_named_in_the_reasoning() -> None:
    result = assess_indicators({"CHS-EX-03", "CHS-EX-04"}, child=True, act_evidence=("x",))
    text = " ".join(t.en for t in result.reasoning)
    assert "unverified: CHS-EX-04" in text
    assert "configuration assumptions" in text
    zh = " ".join(t.zh for t in result.reasoning)
    assert "未经核实" in zh


def test_an_unknown_indicator_id_is_refused() -> None:
    from palermo.errors import InputError

    with pytest.raises(InputError, match="ADL-XX-99"):
        assess_indicators({"ADL-XX-99"}, child=False)
