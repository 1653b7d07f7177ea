"""Uploads are bounded before they are read, pages never echo them, YAML bombs are refused
with a reason, and the files Palermo writes are its own (0600 files, 0700 folders)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.screening.models import BatchJob
from palermo.web.screening.services import batch_job_create
from palermo.web.testsupport import BaseTestCase

MARKER = "ECHO-MARKER-7f3a"


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def mode(path: str | Path) -> int:
    return stat.S_IMODE(Path(path).stat().st_mode)


class TestYamlBombsInPages(BaseTestCase):
    def tearDown(self) -> None:
        translation.deactivate()  # a Chinese request must not leave Chinese active

    def setUp(self) -> None:
        self.login(self.user_with_role(Role.RISK_ANALYST))

    def test_an_alias_bomb_profile_is_refused_with_the_line_and_the_reason(self) -> None:
        response = self.client.post(
            reverse("profiles:upload"),
            {"file": SimpleUploadedFile("bomb.yaml", alias_bomb().encode())},
        )
        assert response.status_code == 422
        assert "YAML aliases (*name) are not accepted" in response.content.decode()

    def test_a_profile_nested_5000_deep_is_refused_in_chinese_on_a_chinese_page(self) -> None:
        deep = "criteria: " + "[" * 5000 + "]" * 5000 + "\n"
        response = self.client.post(
            reverse("profiles:upload"),
            {"text": deep},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 422
        assert "嵌套超过 64 层" in response.content.decode()

    def test_an_alias_bomb_named_list_is_refused(self) -> None:
        response = self.client.post(reverse("profiles:list_upload"), {"text": alias_bomb()})
        assert response.status_code == 422
        assert "YAML aliases" in response.content.decode()

    def test_an_alias_bomb_watchlist_is_refused(self) -> None:
        response = self.client.post(
            reverse("watchlists:upload"),
            {"file": SimpleUploadedFile("bomb.yaml", alias_bomb().encode())},
        )
        assert response.status_code == 422
        assert "YAML aliases" in response.content.decode()


class TestSizesBeforeReading(BaseTestCase):
    def tearDown(self) -> None:
        translation.deactivate()  # a Chinese request must not leave Chinese active

    def setUp(self) -> None:
        self.login(self.user_with_role(Role.RISK_ANALYST))

    def test_a_400_mb_profile_upload_is_refused_from_its_declared_length_unread(self) -> None:
        # the body sent is a few bytes: had the server tried to read 400 MB it would fail
        response = self.client.generic(
            "POST",
            reverse("profiles:upload"),
            b"--x--\r\n",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(400 * 1024 * 1024),
        )
        assert response.status_code == 413
        assert "The file is larger than" in response.content.decode()

    def test_a_page_without_a_file_takes_no_large_body(self) -> None:
        response = self.client.generic(
            "POST",
            reverse("interviews:start"),
            b"x",
            content_type="application/x-www-form-urlencoded",
            CONTENT_LENGTH=str(50 * 1024 * 1024),
        )
        assert response.status_code == 413

    def test_the_api_refuses_a_large_body_unread_in_json(self) -> None:
        response = self.client.generic(
            "POST",
            "/api/screenings",
            b"{}",
            content_type="application/json",
            CONTENT_LENGTH=str(50 * 1024 * 1024),
        )
        assert response.status_code == 413
        assert response.json()["reasons"][0].startswith("The file is larger than")

    def test_the_reason_of_a_413_is_in_chinese_on_a_chinese_page(self) -> None:
        response = self.client.generic(
            "POST",
            reverse("watchlists:upload"),
            b"x",
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(400 * 1024 * 1024),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 413
        assert "文件大于" in response.content.decode()

    def test_a_profile_file_over_the_limit_is_refused_by_its_size_and_never_echoed(
        self,
    ) -> None:
        big = (f"# {MARKER}\n" * 12_000).encode()  # 228 kB: past 100 kB, inside the body room
        assert settings.PROFILE_MAX_BYTES < len(big) < settings.PROFILE_MAX_BYTES + 200_000
        with override_settings(PROFILE_MAX_BYTES=100_000):
            response = self.client.post(
                reverse("profiles:upload"), {"file": SimpleUploadedFile("big.yaml", big)}
            )
        assert response.status_code in {413, 422}
        body = response.content.decode()
        assert "The file is larger than" in body
        assert MARKER not in body
        assert len(response.content) < 100_000

    def test_pasted_text_over_the_limit_is_refused_and_never_echoed(self) -> None:
        text = f"# {MARKER}\n" * 6_000  # 114 kB
        response = self.client.post(reverse("profiles:upload"), {"text": text})
        assert response.status_code == 422
        body = response.content.decode()
        assert "the file is larger than" in body
        assert MARKER not in body

    @override_settings(WATCHLIST_MAX_BYTES=2_000)
    def test_a_watchlist_over_the_limit_is_refused_by_its_size_and_never_echoed(self) -> None:
        text = "id,kind,surname\n" + f"P1,person,{MARKER}\n" * 200
        response = self.client.post(
            reverse("watchlists:upload"),
            {"file": SimpleUploadedFile("big.csv", text.encode())},
        )
        assert response.status_code == 422
        assert "The file is larger than 2.0" in response.content.decode()
        assert MARKER not in response.content.decode()

    @override_settings(MANIFEST_MAX_BYTES=2_000, BATCH_JOBS_MODE="inline")
    def test_a_manifest_over_the_limit_is_refused_and_nothing_is_kept(self) -> None:
        before = BatchJob.objects.count()
        text = "record_id,event_kind,port,event_date\n" + "r,exit,PEK,2026-03-01\n" * 200
        response = self.client.post(
            reverse("screening:batches"),
            {"manifest": SimpleUploadedFile("big.csv", text.encode())},
        )
        assert response.status_code == 422
        assert "The file is larger than 2.0" in response.content.decode()
        assert BatchJob.objects.count() == before


class TestManifestLimits(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.user_with_role(Role.RISK_ANALYST))

    def upload(self, name: str, content: bytes) -> BatchJob:
        response = self.client.post(
            reverse("screening:batches"), {"manifest": SimpleUploadedFile(name, content)}
        )
        assert response.status_code == 302
        assert run_ready_tasks() == 1
        return BatchJob.objects.latest("id")

    @override_settings(MANIFEST_MAX_ROWS=1_000)
    def test_a_small_parquet_manifest_of_5_million_rows_is_rejected_from_its_metadata(
        self,
    ) -> None:
        import io

        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = 5_000_000
        zeros = pa.array(np.zeros(rows, dtype=np.int32))
        table = pa.table(
            {
                name: pa.DictionaryArray.from_arrays(zeros, pa.array([value]))
                for name, value in (
                    ("record_id", "r1"),
                    ("event_kind", "entry"),
                    ("port", "PVG"),
                    ("event_date", "2026-03-01"),
                )
            }
        )
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        assert len(buffer.getvalue()) < 1_000_000
        job = self.upload("bomb.parquet", buffer.getvalue())
        assert job.status == "rejected"
        page = self.client.get(reverse("screening:batch", kwargs={"pk": job.pk})).content.decode()
        assert "more than 1,000 rows" in page

    @override_settings(MANIFEST_MAX_ROWS=2)
    def test_a_csv_manifest_with_more_rows_than_allowed_is_rejected(self) -> None:
        text = "record_id,event_kind,port,event_date\n" + "r,exit,PEK,2026-03-01\n" * 3
        job = self.upload("m.csv", text.encode())
        assert job.status == "rejected"
        assert "more than 2 rows" in str(job.problems)


class TestFileModes(BaseTestCase):
    def test_the_data_directory_and_the_upload_folders_are_0700(self) -> None:
        assert mode(settings.DATA_DIR) == 0o700
        assert mode(settings.FILE_UPLOAD_TEMP_DIR) == 0o700

    def test_a_kept_manifest_is_0600_in_a_0700_folder(self) -> None:
        job = batch_job_create(
            actor=self.user_with_role(Role.RISK_ANALYST),
            file_name="m.csv",
            chunks=[b"record_id,event_kind,port,event_date\n"],
        )
        assert mode(job.stored_path) == 0o600
        assert mode(Path(job.stored_path).parent) == 0o700
        Path(job.stored_path).unlink()

    def test_the_sqlite_database_and_its_wal_are_0600(self) -> None:
        if connection.vendor != "sqlite":
            pytest.skip("SQLite only: PostgreSQL keeps its own files")
        connection.ensure_connection()
        name = str(connection.settings_dict["NAME"])
        files = [p for p in (name, f"{name}-wal", f"{name}-shm") if Path(p).exists()]
        assert name in files
        assert {p: mode(p) for p in files} == dict.fromkeys(files, 0o600)
