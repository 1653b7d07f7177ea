"""``palermo training``: scenario sets, offline course packages, imports; bad input exits 2."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from palermo.cli.main import COMMAND_MODULES, app
from palermo.errors import InputError
from palermo.training.modules import MODULE_KEYS, builtin_modules
from palermo.training.package import (
    builtin_course,
    course_from_spec,
    export_course,
    import_package,
    package_bytes,
)
from palermo.training.questions import question_bank
from palermo.training.scenario import Scenario

assert "training" in COMMAND_MODULES

runner = CliRunner()


def test_a_scenario_set_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for out in (a, b):
        result = runner.invoke(
            app, ["training", "scenarios", "--n", "5", "--seed", "9", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
    assert a.read_bytes() == b.read_bytes()
    doc = json.loads(a.read_text(encoding="utf-8"))
    assert len(doc["scenarios"]) == 5
    assert all("truth" in s and "answers" in s for s in doc["scenarios"])


def test_a_scenario_set_prints_with_its_truth_when_no_file_is_given() -> None:
    result = runner.invoke(app, ["training", "scenarios", "--n", "2", "--seed", "1", "--curated"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert len(doc["scenarios"]) > 24
    assert doc["scenarios"][0]["truth"]["disposition"]


def test_a_negative_count_exits_2_naming_the_option() -> None:
    result = runner.invoke(app, ["training", "scenarios", "--n", "-1"])
    assert result.exit_code == 2
    assert "--n" in result.output


def test_an_exported_course_opens_offline_and_holds_no_live_data(tmp_path: Path) -> None:
    out = tmp_path / "course.zip"
    result = runner.invoke(app, ["training", "export", "children", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {"index.html", "en/index.html", "zh/index.html", "style.css", "course.json"} <= names
        assert "zh/module-children.html" in names
        pages = [z.read(n).decode("utf-8") for n in names if n.endswith(".html")]
    for page in pages:
        assert "http://" not in page
        assert "https://" not in page
        assert "<script" not in page
    doc = json.loads(zipfile.ZipFile(out).read("course.json"))
    ids = [s["id"] for s in doc["scenario_set"]["scenarios"]]
    assert ids
    assert all(
        s["definition"]["record"]["record_id"].startswith("training-")
        for s in doc["scenario_set"]["scenarios"]
    )


def test_the_same_course_exports_to_the_same_bytes() -> None:
    course = course_from_spec(builtin_course("first-line"))
    assert package_bytes(course) == package_bytes(course)


def test_an_exported_course_imports_back_with_its_scenarios(tmp_path: Path) -> None:
    course = course_from_spec(builtin_course("second-line"))
    out = tmp_path / "c.zip"
    export_course(course, out)
    got = import_package(out)
    assert got.title == course.title
    assert got.modules == tuple(m.key for m in course.modules)

    def key(s: Scenario) -> tuple[object, ...]:
        d = s.to_dict()
        return d["definition"], d["answers"], d["truth"]

    assert [key(s) for s in got.scenarios] == [key(s) for s in course.scenarios]
    assert {s.source for s in got.scenarios} == {"imported"}
    result = runner.invoke(app, ["training", "import", str(out), "--check"])
    assert result.exit_code == 0
    assert f"{len(course.scenarios)} scenarios checked" in result.output


def test_importing_a_file_that_is_not_a_package_exits_2_saying_why(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    result = runner.invoke(app, ["training", "import", str(bad), "--check"])
    assert result.exit_code == 2
    assert "not a course package" in result.output
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as z:
        z.writestr("x.txt", "x")
    with pytest.raises(InputError, match=r"no course\.json"):
        import_package(tmp_path / "empty.zip")
    missing = runner.invoke(app, ["training", "import", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    assert "file not found" in missing.output


def test_an_unknown_course_exits_2_listing_the_built_in_ones(tmp_path: Path) -> None:
    result = runner.invoke(app, ["training", "export", "nope", "--out", str(tmp_path / "x.zip")])
    assert result.exit_code == 2
    assert "first-line" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_every_module_and_question_reads_in_both_languages() -> None:
    mods = builtin_modules()
    assert list(mods) == list(MODULE_KEYS)
    for m in mods.values():
        assert m.size > 0
        for s in m.sections:
            for i in s.items:
                assert i.title.en
                assert i.title.zh
                assert i.body.en
                assert i.body.zh
    bank = question_bank()
    assert {q.module for q in bank} == set(MODULE_KEYS)
    for q in bank:
        assert q.text.zh
        assert q.explanation.zh
        assert q.answer in {o.id for o in q.options}


def test_the_indicator_module_gives_each_indicator_its_strength_and_an_example() -> None:
    item = builtin_modules()["indicators"].find("ADL-CR-03")
    assert "medium" in item.body.en
    assert "In the interview" in item.body.en
    assert "面谈中" in item.body.zh
