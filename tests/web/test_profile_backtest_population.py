"""A draft backtested on an uploaded population file (issue 11 item 6): projected hits,
overlap and selection rates by group; a bad file named by row and field on the page; the size
limit kept; nothing of the file kept after the run."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from flow_fixtures import FEARFUL_DRAFT, TODAY, activate_example

from palermo.web.lib.roles import Role
from palermo.web.profiles.services import profile_upload
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web

HEADER = (
    "record_id,event_kind,port,event_date,sex,obs_fearful,obs_document_held_by_other,"
    "obs_companion_answers"
)


def population_csv(rows: list[str] | None = None) -> bytes:
    """Ten travellers over two days: four fearful women (two also flagged by the active
    profile: documents held, companion answers), six calm men."""
    day1, day2 = TODAY.isoformat(), TODAY.replace(day=1).isoformat()
    lines = [HEADER]
    lines += [
        f"w{i},exit,PEK,{day1},F,true,{str(i < 2).lower()},{str(i < 2).lower()}" for i in range(4)
    ]
    lines += [f"m{i},exit,PEK,{day2},M,false,false,false" for i in range(6)]
    return "\n".join([*lines, *(rows or [])]).encode()


class TestBacktestOnAPopulationFile(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        analyst = self.user_with_role(Role.RISK_ANALYST)
        self.version = profile_upload(actor=analyst, source_name="draft.yaml", text=FEARFUL_DRAFT)
        self.login(analyst)

    def post(self, name: str, body: bytes, language: str = "en") -> tuple[int, str]:
        self.client.cookies["django_language"] = language
        upload = SimpleUploadedFile(name, body, "application/octet-stream")
        response = self.client.post(
            reverse("outcomes:backtest", kwargs={"pk": self.version.pk}), {"population": upload}
        )
        return response.status_code, response.content.decode()

    def test_the_analyst_sees_projected_hits_overlap_and_rates_by_group(self) -> None:
        status, text = self.post("travellers.csv", population_csv())
        assert status == 200, text
        assert 'Travellers in the file</th><td class="num">10<' in text
        assert 'Travellers it flags</th><td class="num">4<' in text
        days = (TODAY - TODAY.replace(day=1)).days + 1
        assert f'Projected hits per day</th><td class="num">{4 / days:.2f}<' in text
        assert 'also flagged by other active profiles</th><td class="num">2<' in text
        assert "Selection rate by sex" in text
        assert '<td>F</td><td class="num">4</td><td class="num">4</td><td>100.0%' in text
        assert '<td>M</td><td class="num">6</td><td class="num">0</td><td>0.0%' in text

    def test_a_parquet_file_gives_the_same_figures(self) -> None:
        rows = [dict(zip(HEADER.split(","), line.split(","), strict=True))
                for line in population_csv().decode().splitlines()[1:]]  # fmt: skip
        out = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows), out)
        status, text = self.post("travellers.parquet", out.getvalue())
        assert status == 200, text
        assert 'Travellers it flags</th><td class="num">4<' in text

    def test_a_bad_row_is_named_with_its_field_on_the_page(self) -> None:
        status, text = self.post(
            "travellers.csv", population_csv([f"x1,exit,PEK,{TODAY},Q,true,false,false"])
        )
        assert status == 422
        assert "travellers.csv was not read" in text
        assert "row 11" in text
        assert "sex" in text
        assert str(Path(settings.DATA_DIR)) not in text

    def test_the_problems_read_in_chinese(self) -> None:
        status, text = self.post(
            "travellers.csv", population_csv([f"x1,exit,PEK,{TODAY},Q,true,false,false"]), "zh-hans"
        )
        assert status == 422
        assert "按人群文件回测" in text
        assert "travellers.csv 第 11 行" in text  # the place in Chinese words, not "row 11"
        assert "row 11" not in text
        assert "必须是以下之一：F、M、X" in text

    def test_a_file_of_another_type_is_refused(self) -> None:
        status, text = self.post("travellers.xlsx", b"PK\x03\x04")
        assert status == 422
        assert "unknown file type" in text

    @override_settings(MANIFEST_MAX_BYTES=1000)
    def test_a_file_over_the_size_limit_is_refused_before_it_is_read(self) -> None:
        status, text = self.post("travellers.csv", population_csv() * 5)
        assert status == 422
        assert "larger than" in text

    @override_settings(PAGE_RUN_MAX_ROWS=5)
    def test_a_file_with_more_travellers_than_a_page_runs_is_refused_with_the_limit(self) -> None:
        status, text = self.post("travellers.csv", population_csv())
        assert status == 422
        assert "more than 5 rows" in text

    def test_nothing_of_the_file_is_kept_after_the_run(self) -> None:
        self.post("travellers.csv", population_csv())
        self.post("bad.csv", population_csv(["x,exit,PEK,not-a-date,F,true,false,false"]))
        runs = Path(settings.DATA_DIR) / "runs"
        assert not any(runs.glob("*/*"))
        assert not any(Path(settings.FILE_UPLOAD_TEMP_DIR).glob("*"))
