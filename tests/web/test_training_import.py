"""``palermo training import`` writes into the academy: a course package becomes a course of the
named agency with its scenarios in the scenario bank, a scenario set goes into the bank; as the
command line, audited; bad input exits 2 naming what, where and why, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.indicators.catalogue import Text
from palermo.training.curated import curated_scenario
from palermo.training.generate import generate_scenarios
from palermo.training.io import write_set
from palermo.training.package import assemble, builtin_course, course_from_spec, export_course
from palermo.web.academy.bank import scenario_bank
from palermo.web.academy.models import BankScenario, Course
from palermo.web.audit.models import AuditEntry
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web
runner = CliRunner()


class TestTrainingImport(BaseTestCase):
    def setUp(self) -> None:
        import tempfile

        self.tmp = Path(tempfile.mkdtemp(prefix="palermo-import-"))

    def _generated_set(self, n: int = 3, seed: int = 7) -> Path:
        path = self.tmp / f"set-{seed}.json"
        write_set(path, generate_scenarios(n, seed), seed=seed)
        return path

    def test_a_course_package_becomes_a_course_of_the_agency_its_trainer_can_run(self) -> None:
        generated = generate_scenarios(2, 11)
        course = assemble(
            key="harbour-course",
            title=Text("Harbour first line", "港口第一线"),
            summary=builtin_course("first-line").summary,
            modules=["observables", "indicators"],
            scenarios=[curated_scenario("lab-construction-passports"), *generated],
        )
        package = self.tmp / "harbour.zip"
        export_course(course, package)
        result = runner.invoke(
            app, ["training", "import", str(package), "--agency", self.agency_a.code]
        )
        assert result.exit_code == 0, result.output
        assert "2 scenarios added to the scenario bank, 1 already there" in result.output
        made = Course.objects.get(title="Harbour first line")
        assert made.agency == self.agency_a
        assert made.created_by is None
        assert made.scenario_ids == ["lab-construction-passports", *(s.id for s in generated)]
        entry = AuditEntry.objects.get(object_type="academy.course", object_id=str(made.pk))
        assert entry.actor_id is None
        assert "command line (palermo training import)" in entry.actor_label
        assert AuditEntry.objects.filter(object_type="academy.bankscenario").count() == 2
        trainer = self.user_with_role(Role.TRAINER)
        page = self.get_as(trainer, reverse("academy:course", kwargs={"pk": made.pk}))
        assert generated[0].title.en in page.content.decode()

    def test_imported_scenarios_are_offered_when_a_trainer_builds_a_course(self) -> None:
        path = self._generated_set()
        result = runner.invoke(app, ["training", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert "3 scenarios added to the scenario bank, 0 already there" in result.output
        first = BankScenario.objects.order_by("pk").first()
        assert first is not None
        self.login(self.user_with_role(Role.TRAINER))
        response = self.client.post(
            reverse("academy:course_create"),
            {
                "title": "Generated practice",
                "title_zh": "生成的练习",
                "modules": ["indicators"],
                "scenarios": [first.scenario_id],
            },
        )
        assert response.status_code == 302
        assert Course.objects.get(title="Generated practice").scenario_ids == [first.scenario_id]

    def test_the_same_set_imported_again_adds_nothing(self) -> None:
        path = self._generated_set()
        runner.invoke(app, ["training", "import", str(path)])
        again = runner.invoke(app, ["training", "import", str(path)])
        assert again.exit_code == 0
        assert "0 scenarios added to the scenario bank, 3 already there" in again.output
        assert BankScenario.objects.count() == 3
        imported = {s.id: s for s in scenario_bank() if s.source == "imported"}
        for s in generate_scenarios(3, 7):
            assert imported[s.id].truth == s.truth

    def test_a_different_scenario_under_a_used_id_is_refused_and_nothing_is_written(self) -> None:
        path = self._generated_set()
        runner.invoke(app, ["training", "import", str(path)])
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["scenarios"][1]["definition"]["title_en"] = "Someone else entirely"
        extra = generate_scenarios(1, 99)[0].to_dict()
        doc["scenarios"].append(extra)
        changed = self.tmp / "changed.json"
        changed.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        result = runner.invoke(app, ["training", "import", str(changed)])
        assert result.exit_code == 2
        assert f"scenario {doc['scenarios'][1]['id']}" in result.output
        assert "a different scenario with this id is already in the academy" in result.output
        assert not BankScenario.objects.filter(scenario_id=extra["id"]).exists()

    def test_a_curated_id_with_a_changed_story_is_refused(self) -> None:
        path = self.tmp / "curated.json"
        write_set(path, [curated_scenario("look-oneway-backpacker")])
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["scenarios"][0]["definition"]["narrative_en"] = "A different story."
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        result = runner.invoke(app, ["training", "import", str(path)])
        assert result.exit_code == 2
        assert "look-oneway-backpacker" in result.output
        assert not BankScenario.objects.exists()

    def test_a_package_without_an_agency_or_with_an_unknown_one_exits_2(self) -> None:
        package = self.tmp / "c.zip"
        export_course(course_from_spec(builtin_course("children")), package)
        missing = runner.invoke(app, ["training", "import", str(package)])
        assert missing.exit_code == 2
        assert "--agency" in missing.output
        unknown = runner.invoke(app, ["training", "import", str(package), "--agency", "nowhere"])
        assert unknown.exit_code == 2
        assert "the option --agency" in unknown.output
        assert "nowhere" in unknown.output
        assert not Course.objects.exists()
        assert not BankScenario.objects.exists()

    def test_a_course_title_the_agency_already_has_is_refused_and_nothing_is_written(
        self,
    ) -> None:
        package = self.tmp / "c.zip"
        export_course(
            assemble(
                key="c",
                title=builtin_course("children").title,
                summary=builtin_course("children").summary,
                modules=["children"],
                scenarios=generate_scenarios(1, 5),
            ),
            package,
        )
        first = runner.invoke(app, ["training", "import", str(package), "--agency", "northgate"])
        assert first.exit_code == 0, first.output
        BankScenario.objects.all().delete()
        again = runner.invoke(app, ["training", "import", str(package), "--agency", "northgate"])
        assert again.exit_code == 2
        assert "already has a course with this title" in again.output
        assert Course.objects.count() == 1
        assert not BankScenario.objects.exists()

    def test_a_broken_scenario_set_exits_2_naming_the_scenario_and_field(self) -> None:
        path = self._generated_set(n=2)
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["scenarios"][0]["definition"]["willingness"] = 7
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        result = runner.invoke(app, ["training", "import", str(path)])
        assert result.exit_code == 2
        assert "willingness" in result.output
        assert "must be a number from 0 to 1" in result.output
        assert not BankScenario.objects.exists()

    def test_check_only_writes_nothing(self) -> None:
        result = runner.invoke(app, ["training", "import", str(self._generated_set()), "--check"])
        assert result.exit_code == 0
        assert "3 scenarios checked" in result.output
        assert not BankScenario.objects.exists()
