"""An upload too large to be kept in memory is sealed as it arrives: while the request is being
handled, the upload folder holds only ciphertext, and nothing once it is answered."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import RequestFactory, override_settings
from django.urls import reverse
from flow_fixtures import activate_example
from watchlist_fixtures import EXPIRES

from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.lib.upload_handlers import SealedUploadHandler
from palermo.web.screening.models import BatchJob
from palermo.web.testsupport import BaseTestCase
from palermo.web.watchlists import services as watchlist_services
from palermo.web.watchlists.models import WatchlistVersion

pytestmark = pytest.mark.web

# a surname nobody else uses, on every row: what must never be found on disk in plain text
MARKER = "QUISPEHUAMANTLA"
WATCHLIST_CSV = "id,kind,surname,given_names,date_of_birth,nationality\n" + "".join(
    f"P{i},person,{MARKER},Rosa{i},1985-11-20,PE\n" for i in range(200)
)
MANIFEST_CSV = "record_id,event_kind,port,event_date,surname,obs_document_held_by_other\n" + (
    "".join(f"r{i},exit,PEK,2026-03-01,{MARKER},{i % 2 == 0}\n".lower() for i in range(200))
)
# everything above one kilobyte goes to the disk: both files are several times that
SMALL_MEMORY = override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)


def incoming() -> Path:
    return Path(settings.FILE_UPLOAD_TEMP_DIR)


def raw_bytes_of_incoming() -> list[bytes]:
    folder = incoming()
    return [p.read_bytes() for p in folder.iterdir() if p.is_file()] if folder.exists() else []


@SMALL_MEMORY
class TestSealedUploads(BaseTestCase):
    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.login(self.analyst)
        self.seen: list[list[bytes]] = []

    def spying(self, service: Any) -> Any:
        """``service``, after recording the upload folder's raw bytes as the view calls it."""

        def spy(*args: Any, **kwargs: Any) -> Any:
            self.seen.append(raw_bytes_of_incoming())
            return service(*args, **kwargs)

        return spy

    def test_a_large_watchlist_is_only_ciphertext_on_disk_while_it_is_read(self) -> None:
        upload = mock.patch(
            "palermo.web.watchlists.views.services.watchlist_upload",
            self.spying(watchlist_services.watchlist_upload),
        )
        with upload:
            response = self.client.post(
                reverse("watchlists:upload"),
                {
                    "file": SimpleUploadedFile("people.csv", WATCHLIST_CSV.encode()),
                    "id": "missing-people",
                    "owner": "Child protection office",
                    "purpose": "find people reported missing",
                    "legal_basis": "Child Protection Act s. 4",
                    "expires": EXPIRES.isoformat(),
                },
            )
        assert response.status_code == 302
        assert WatchlistVersion.objects.get().people == 200
        [files] = self.seen
        assert len(files) == 1  # the upload was on disk while the service read it
        assert len(files[0]) > len(WATCHLIST_CSV)
        assert MARKER.encode() not in files[0]
        assert b"Rosa1" not in files[0]
        assert raw_bytes_of_incoming() == []  # and removed when the request ended

    def test_a_large_manifest_is_only_ciphertext_on_disk_and_is_screened_in_full(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        from palermo.web.screening import services as screening_services

        create = mock.patch(
            "palermo.web.screening.views.services.batch_job_create",
            self.spying(screening_services.batch_job_create),
        )
        with create:
            response = self.client.post(
                reverse("screening:batches"),
                {"manifest": SimpleUploadedFile("manifest.csv", MANIFEST_CSV.encode())},
            )
        assert response.status_code == 302
        [files] = self.seen
        assert len(files) == 1
        assert MARKER.lower().encode() not in files[0]
        assert raw_bytes_of_incoming() == []
        assert run_ready_tasks() == 1
        job = BatchJob.objects.get()
        assert (job.status, job.record_count) == ("done", 200)

    def test_a_file_larger_than_its_page_allows_is_stopped_with_nothing_left(self) -> None:
        request = RequestFactory().post("/")
        handler = SealedUploadHandler(request)
        handler.new_file("file", "big.csv", "text/csv", None)
        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + 64 * 1024
        chunk = b"x" * 65536
        for start in range(0, limit - len(chunk), len(chunk)):
            handler.receive_data_chunk(chunk, start)
        assert len(raw_bytes_of_incoming()) == 1  # sealed so far
        with pytest.raises(StopUpload):
            handler.receive_data_chunk(chunk * 2, limit)
        assert raw_bytes_of_incoming() == []
