"""A watchlist version's matching index is built once, by the task approval queues, kept sealed
on disk, and loaded by every server process instead of being built inside a request."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from watchlist_fixtures import LISTED, active_watchlist, list_yaml, uploaded_watchlist

from palermo.screening.watchlists.listindex import ListIndex
from palermo.web.audit.models import AuditEntry
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.errors import TransitionRefusedError
from palermo.web.profiles import registry
from palermo.web.profiles.registry import current_screener
from palermo.web.testsupport import BaseTestCase
from palermo.web.watchlists import index_files
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.services import (
    watchlist_activate,
    watchlist_approve,
    watchlist_threshold_set,
)

pytestmark = pytest.mark.web

# the listed person born a year later: 95 points
YEAR_OFF = {**LISTED, "date_of_birth": dt.date(1991, 3, 7)}


def a_new_process() -> None:
    """Forget what this process loaded, as a server process that just started."""
    registry._watch = None
    index_files.forget_unused(set())


def building_refused(*_args: Any, **_kwargs: Any) -> ListIndex:
    raise AssertionError("a watchlist index was built inside the request")


def index_path(version: WatchlistVersion) -> Path:
    version.refresh_from_db()
    return index_files.index_dir() / version.index_file


class TestIndexBuild(BaseTestCase):
    def test_approval_queues_the_build_and_activation_waits_for_the_index(self) -> None:
        version = uploaded_watchlist(self)
        watchlist_approve(actor=self.supervisor, version=version)
        version.refresh_from_db()
        assert version.index_file == ""
        with pytest.raises(TransitionRefusedError, match="still being built"):
            watchlist_activate(actor=self.supervisor, version=version)
        self.login(self.supervisor)
        page = self.client.get(reverse("watchlists:detail", args=[version.pk])).content.decode()
        assert "being built" in page
        assert "I confirm: activate this version" not in page
        assert run_ready_tasks() >= 1
        path = index_path(version)
        assert path.is_file()
        assert AuditEntry.objects.filter(purpose="watchlist index built").count() == 1
        page = self.client.get(reverse("watchlists:detail", args=[version.pk])).content.decode()
        assert "ready (built" in page
        watchlist_activate(actor=self.supervisor, version=version)
        assert [h.source for h in current_screener().screen(LISTED)] == ["watchlist"]

    def test_the_index_file_is_private_and_holds_no_listed_name_in_plain_text(self) -> None:
        path = index_path(active_watchlist(self))
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.parent.stat().st_mode & 0o777 == 0o700
        raw = path.read_bytes()
        for written in ("ZHANG", "zhang", "张伟", "Golden Star", "golden", "12345678"):
            assert written.encode() not in raw

    def test_running_the_build_again_keeps_the_file_it_wrote(self) -> None:
        version = active_watchlist(self)
        path = index_path(version)
        written = path.stat().st_mtime_ns
        assert index_files.watchlist_index_build(version_id=version.pk) == "already built"
        assert path.stat().st_mtime_ns == written


class TestEveryProcessLoadsTheIndex(BaseTestCase):
    def test_a_new_server_process_matches_from_the_file_without_building(self) -> None:
        active_watchlist(self)
        a_new_process()
        with mock.patch.object(ListIndex, "build", building_refused):
            self.login(self.officer)
            form = {k: str(v) for k, v in LISTED.items() if k != "record_id"}
            response = self.client.post(reverse("screening:desk"), form, follow=True)
        assert response.status_code == 200
        assert "Recruiters under investigation" in response.content.decode()

    def test_a_new_threshold_is_used_without_building_the_index_again(self) -> None:
        version = active_watchlist(self)
        a_new_process()
        with mock.patch.object(ListIndex, "build", building_refused):
            assert [h.weight for h in current_screener().screen(YEAR_OFF)] == [95.0]
            watchlist_threshold_set(actor=self.supervisor, version=version, threshold=96)
            assert current_screener().screen(YEAR_OFF) == []
            assert current_screener().screen(LISTED)

    def test_an_index_file_that_does_not_open_is_built_in_the_process_and_queued_again(
        self,
    ) -> None:
        version = active_watchlist(self)
        path = index_path(version)
        damaged = bytearray(path.read_bytes())
        damaged[-5] ^= 0xFF
        path.write_bytes(bytes(damaged))
        a_new_process()
        with self.assertLogs("palermo.web.watchlists.index_files", "ERROR"):
            assert [h.source for h in current_screener().screen(LISTED)] == ["watchlist"]
        assert WatchlistVersion.objects.get(pk=version.pk).index_file == ""
        assert run_ready_tasks() >= 1
        assert index_path(version).is_file()
        a_new_process()
        with mock.patch.object(ListIndex, "build", building_refused):
            assert [h.source for h in current_screener().screen(LISTED)] == ["watchlist"]


class TestHousekeeping(BaseTestCase):
    def test_the_file_of_a_replaced_version_is_removed_and_the_active_one_kept(self) -> None:
        first = active_watchlist(self)
        second = active_watchlist(self, list_yaml().replace("threshold: 85", "threshold: 86"))
        first.refresh_from_db()
        assert first.status == "retired"
        old, kept = index_path(first), index_path(second)
        assert old != kept
        long_ago = time.time() - 2 * index_files.ORPHAN_SECONDS
        os.utime(old, (long_ago, long_ago))
        os.utime(kept, (long_ago, long_ago))
        index_files.index_files_sweep()
        assert not old.exists()
        assert kept.exists()

    def test_an_approved_version_whose_build_was_lost_is_queued_again(self) -> None:
        version = uploaded_watchlist(self)
        watchlist_approve(actor=self.supervisor, version=version)
        assert index_files.index_files_sweep()["queued"] == 0  # its build is still queued
        run_ready_tasks()
        index_path(version).unlink()
        assert index_files.index_files_sweep()["queued"] == 1
        run_ready_tasks()
        assert index_path(version).is_file()
