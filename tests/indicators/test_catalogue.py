"""The indicator catalogue: the facts of the reference, and a loader that refuses bad data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from palermo.errors import InputError
from palermo.indicators.catalogue import DATA_DIR, load_catalogue
from palermo.indicators.instruments import builtin_instruments, load_instrument

CAT = load_catalogue()


def test_the_four_sets_have_the_reference_counts_per_dimension() -> None:
    def counts(code: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in CAT.in_set(code):
            out[i.dimension] = out.get(i.dimension, 0) + 1
        return out

    assert counts("ADL") == {"DR": 10, "CR": 10, "VR": 16, "EX": 9, "CD": 15, "VD": 7}
    assert counts("CHL") == {"DR": 10, "CR": 10, "VR": 15, "EX": 8, "CD": 15, "VD": 7}
    assert sum(counts("ADS").values()) == sum(counts("CHS").values()) == 68


def test_strengths_match_the_reference_where_it_gives_them() -> None:
    strength = {i.id: i.strength.value if i.strength else None for i in CAT.indicators.values()}
    assert strength["ADL-DR-01"] == "strong"
    assert strength["ADL-DR-10"] == "weak"
    assert strength["ADL-CD-15"] == "weak"
    assert strength["CHL-CD-15"] == "medium"
    assert strength["CHL-CR-02"] == "strong"  # threats: strong for children, medium for adults
    assert strength["ADS-CD-03"] == "strong"
    assert strength["CHS-CD-03"] == "strong"
    assert strength["CHS-EX-03"] == "strong"
    assert not any(
        i.strength and i.strength.value == "strong"
        for i in CAT.in_set("ADS")
        if i.dimension == "EX"
    )


def test_unverified_items_are_flagged_and_child_sexual_strengths_are_assumptions() -> None:
    assert all(i.verified for i in CAT.in_set("ADL"))
    assert all(i.verified for i in CAT.in_set("CHL"))
    ads_unverified = [i.id for i in CAT.in_set("ADS") if not i.verified]
    assert len(ads_unverified) == 67
    assert "ADS-CD-03" not in ads_unverified
    for i in CAT.in_set("CHS"):
        if i.id in ("CHS-CD-03", "CHS-EX-03"):
            assert i.strength is not None
            assert not i.strength_is_assumption
        else:
            assert i.strength is None
            assert i.strength_is_assumption
            assert not i.verified
            assert i.provisional_from is not None
    chs = CAT.indicators["CHS-CR-01"]
    assert chs.provisional_from == "CHL-CR-01"
    assert chs.effective_strength.value == "strong"
    assert "(unverified)" in chs.label("en")
    assert "configuration assumption" in chs.label("en")
    assert "未经核实" in chs.label("zh")
    assert not CAT.observations["BRD-13"].verified


def test_border_observations_keep_the_reference_links_and_match_the_record_fields() -> None:
    from palermo.records.schema import FIELDS

    assert CAT.observations["BRD-09"].evidences == ("ADL-CR-01", "ADL-CD-04")
    assert CAT.observations["BRD-04"].evidences == tuple(f"ADL-DR-0{n}" for n in range(1, 9))
    assert [f"BRD-{n:02d}" for n in range(1, 14)] == sorted(CAT.observations)
    by_brd = {spec.observation: name for name, spec in FIELDS.items() if spec.observation}
    for obs in CAT.observations.values():
        if obs.record_field is not None:
            assert by_brd[obs.id] == obs.record_field


def test_every_entry_has_english_and_chinese_text() -> None:
    texts = [i.text for i in CAT.indicators.values()] + [o.text for o in CAT.observations.values()]
    texts += [d.name for d in CAT.dimensions.values()] + [
        d.element for d in CAT.dimensions.values()
    ]
    texts += [s.name for s in CAT.sets.values()] + [t.name for t in CAT.topics.values()]
    texts += [s.text for s in CAT.sources.values()]
    assert all(t.en.strip() and t.zh.strip() for t in texts)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in t.zh) for t in texts)


def test_every_instrument_is_complete_in_both_languages() -> None:
    for name in builtin_instruments():
        inst = load_instrument(name)
        texts = (
            [inst.title] + [q.text for q in inst.questions] + [q.guidance for q in inst.questions]
        )
        texts += [o.text for q in inst.questions for o in q.options] + [
            c.text for c in inst.consent
        ]
        texts += [t for t in (inst.introduction, inst.guidance) if t is not None]
        assert all(t.en.strip() and t.zh.strip() for t in texts), name


def test_every_catalogue_indicator_is_reachable_from_a_question_or_an_observation() -> None:
    reachable = {i for name in builtin_instruments() for i in load_instrument(name).indicators}
    reachable |= {i for o in CAT.observations.values() for i in o.linked}
    assert set(CAT.indicators) - reachable == set()


def test_the_catalogue_version_stamp_changes_with_the_data(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    assert load_catalogue(copy / "catalogue.yaml").stamp == CAT.stamp
    path = copy / "adult-labour.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Hazardous work", "Dangerous work"),
        encoding="utf-8",
    )
    assert load_catalogue(copy / "catalogue.yaml").stamp != CAT.stamp


def _broken(tmp_path: Path, fname: str, old: str, new: str) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    path = copy / fname
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy / "catalogue.yaml"


@pytest.mark.parametrize(
    ("fname", "old", "new", "message"),
    [
        (
            "adult-labour.yaml",
            "id: ADL-DR-02",
            "id: ADL-DR-01",
            "adult-labour.yaml ADL-DR-01: duplicate id",
        ),
        (
            "adult-labour.yaml",
            "    zh: 在工作条件方面受骗\n",
            "",
            "ADL-DR-02: field 'zh': missing translation",
        ),
        (
            "adult-labour.yaml",
            "dimension: DR",
            "dimension: XX",
            "ADL-DR-01: field 'dimension' value 'XX': unknown dimension",
        ),
        (
            "child-labour.yaml",
            "counterpart: ADL-DR-01",
            "counterpart: ADL-DR-99",
            "CHL-DR-01: field 'counterpart' value 'ADL-DR-99': refers to an indicator",
        ),
        (
            "observations.yaml",
            "evidences: [ADL-CR-03, ADL-CD-01]",
            "evidences: [ADL-CR-03, ADL-ZZ-01]",
            "BRD-01: field 'evidences' value 'ADL-ZZ-01'",
        ),
        (
            "adult-sexual.yaml",
            "unverified\n    verified: false",
            "unverified\n    verified: true",
            "must have verified: false",
        ),
    ],
)
def test_the_loader_refuses_bad_catalogue_data_naming_file_id_and_reason(
    tmp_path: Path, fname: str, old: str, new: str, message: str
) -> None:
    with pytest.raises(InputError) as err:
        load_catalogue(_broken(tmp_path, fname, old, new))
    assert message in str(err.value)


# --- the HTCDS means of control each indicator declares ------------------------------------


def test_every_indicator_of_every_file_declares_its_htcds_means_of_control_or_none() -> None:
    import yaml

    declared: dict[str, object] = {}
    for fname in (
        "adult-labour.yaml",
        "adult-sexual.yaml",
        "child-labour.yaml",
        "child-sexual.yaml",
    ):
        doc = yaml.safe_load((DATA_DIR / fname).read_text(encoding="utf-8"))
        declared |= {e["id"]: e.get("htcds_control", "missing") for e in doc["indicators"]}
    assert set(declared) == set(CAT.indicators)
    assert [i for i, value in declared.items() if not isinstance(value, list)] == []
    named = {code for value in declared.values() if isinstance(value, list) for code in value}
    assert named <= set(CAT.htcds_methods_of_control)
    # the explicit "none" is used, and not for everything
    assert 0 < sum(1 for value in declared.values() if value == []) < len(declared)


def test_an_indicator_and_its_counterpart_evidence_the_same_means_of_control() -> None:
    differing = [
        (i.id, i.counterpart)
        for i in CAT.indicators.values()
        if i.counterpart is not None
        and i.htcds_control != CAT.indicators[i.counterpart].htcds_control
    ]
    assert differing == []


def test_documents_debt_and_threats_map_to_their_htcds_means_of_control() -> None:
    assert CAT.indicators["ADL-CD-01"].htcds_control == ("WithholdsDocuments",)
    assert CAT.indicators["CHL-CR-04"].htcds_control == ("DebtBondage",)
    assert CAT.indicators["ADL-CR-06"].htcds_control == ("ThreatsLawEnforcement",)
    assert CAT.indicators["ADS-EX-05"].htcds_control == ("RestrictsMedicalCare",)
    # a vulnerability is not a means of control
    assert CAT.indicators["ADL-VR-06"].htcds_control == ()


def test_the_means_of_control_of_found_indicators_come_once_each_in_the_standards_order() -> None:
    found = ["ADL-CD-14", "ADS-CD-15", "ADL-CR-03", "ADL-VR-06", "NOT-AN-ID"]
    assert CAT.methods_of_control(found) == ("TakesEarnings", "WithholdsDocuments")
    assert CAT.methods_of_control([]) == ()


def test_an_indicator_without_its_htcds_declaration_is_refused_by_name(tmp_path: Path) -> None:
    index = _broken(tmp_path, "child-labour.yaml", "    htcds_control: [FalsePromises]\n", "")
    with pytest.raises(InputError) as refused:
        load_catalogue(index)
    (problem,) = refused.value.problems
    assert problem.where == "child-labour.yaml CHL-DR-01"
    assert problem.field == "htcds_control"
    assert "or [] for none" in problem.rule


def test_an_indicator_naming_a_means_of_control_htcds_does_not_have_is_refused(
    tmp_path: Path,
) -> None:
    index = _broken(
        tmp_path, "adult-labour.yaml", "htcds_control: [DebtBondage]", "htcds_control: [Debt]"
    )
    with pytest.raises(InputError) as refused:
        load_catalogue(index)
    (problem,) = refused.value.problems
    assert (problem.where, problem.value) == ("adult-labour.yaml ADL-CR-04", "Debt")
