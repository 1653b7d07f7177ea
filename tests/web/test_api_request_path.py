"""The screening API's per-request path: token use recorded at most once a minute, the file
validator's rules and messages for one record, the audit chain under concurrent appends, and
the SQLite settings that keep commits cheap."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import TransactionTestCase
from django.utils import timezone

from palermo.errors import InputError
from palermo.records.readers import table_from_dicts, validate_table
from palermo.web.accounts.models import Agency, ApiToken
from palermo.web.accounts.services import TOKEN_USE_RESOLUTION, api_token_create, api_token_touch
from palermo.web.audit.chain import audit_verify
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.audit.services import audit_record
from palermo.web.testsupport import BaseTestCase, make_user

TRAVELLER = {
    "record_id": "api-1",
    "event_kind": "entry",
    "port": "Northgate",
    "event_date": "2026-03-01",
    "nationality": "cn",
    "transit": "th; my",
    "group_size": 2,
}


class TestTheScreeningApiRequest(BaseTestCase):
    def setUp(self) -> None:
        self.token_row, self.token = api_token_create(
            name="border system", agency=self.agency_a, role="first_line_officer", created_by=None
        )

    def post(self, body: dict[str, Any], token: str | None = None) -> Any:
        return self.client.post(
            "/api/screenings",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token or self.token}",
        )

    def last_used(self) -> dt.datetime | None:
        return ApiToken.objects.get(pk=self.token_row.pk).last_used_at

    def test_a_token_records_its_use_once_a_minute_not_on_every_request(self) -> None:
        assert self.post(TRAVELLER).status_code == 200
        first = self.last_used()
        assert first is not None
        assert self.post(TRAVELLER).status_code == 200
        assert self.last_used() == first
        earlier = first - TOKEN_USE_RESOLUTION - dt.timedelta(seconds=1)
        ApiToken.objects.filter(pk=self.token_row.pk).update(last_used_at=earlier)
        assert self.post(TRAVELLER).status_code == 200
        latest = self.last_used()
        assert latest is not None
        assert latest > first

    def test_of_two_racing_requests_only_one_writes_the_time_of_use(self) -> None:
        now = timezone.now()
        # both read the row before either wrote: the conditional UPDATE lets one through
        copy_a = ApiToken.objects.get(pk=self.token_row.pk)
        copy_b = ApiToken.objects.get(pk=self.token_row.pk)
        assert api_token_touch(copy_a, now=now) is True
        assert api_token_touch(copy_b, now=now + dt.timedelta(seconds=5)) is False
        assert self.last_used() == now

    def test_a_revoked_token_is_refused_even_right_after_it_was_used(self) -> None:
        assert self.post(TRAVELLER).status_code == 200
        ApiToken.objects.filter(pk=self.token_row.pk).update(revoked_at=timezone.now())
        assert self.post(TRAVELLER).status_code == 401

    def test_every_screening_is_audited_even_without_a_hit(self) -> None:
        before = AuditEntry.objects.count()
        for _ in range(3):
            assert self.post(TRAVELLER).status_code == 200
        entries = AuditEntry.objects.filter(purpose="screening at the desk")
        assert AuditEntry.objects.count() == before + 3
        assert entries.count() == 3
        assert audit_verify().ok

    def test_a_bad_traveller_gets_the_file_validators_problems(self) -> None:
        body = {**TRAVELLER, "event_date": "1 March", "nationality": "Cathay", "group_size": 0}
        response = self.post(body)
        assert response.status_code == 422, response.content
        raw = {k: str(v) for k, v in body.items()}
        with pytest.raises(InputError) as expected:
            validate_table(table_from_dicts([raw]), source="request body")
        assert response.json()["reasons"] == [str(p) for p in expected.value.problems]

    def test_json_values_are_read_as_sent_a_transit_list_and_numbers_included(self) -> None:
        body = {**TRAVELLER, "transit": ["TH", "MY"], "group_size": 2, "declared_cash": 150.5}
        response = self.post(body)
        assert response.status_code == 200, response.content

    def test_a_body_without_the_required_fields_is_refused_naming_them(self) -> None:
        response = self.post({"nationality": "CN"})
        assert response.status_code == 422
        reasons = " ".join(response.json()["reasons"])
        for name in ("event_kind", "port", "event_date"):
            assert f"field '{name}': required column is missing" in reasons

    def test_an_impossible_date_is_refused_rather_than_failing_the_server(self) -> None:
        response = self.post({**TRAVELLER, "date_of_birth": "0000-01-01"})
        assert response.status_code == 422
        assert "must be a date between 1900-01-01 and 2100-12-31" in " ".join(
            response.json()["reasons"]
        )


class TestConcurrentAuditAppends(TransactionTestCase):
    def test_threads_appending_at_once_keep_one_unbroken_chain(self) -> None:
        agency = Agency.objects.create(name="Post", kind="border_post", code="post")
        actor = make_user("ivy", agency=agency, role="first_line_officer")
        threads, per_thread = 4, 10
        failures: list[BaseException] = []
        start = threading.Barrier(threads)

        def append(n: int) -> None:
            try:
                start.wait()
                for i in range(per_thread):
                    audit_record(
                        actor=actor,
                        action=AuditAction.READ,
                        object_type="test.thread",
                        object_id=f"{n}-{i}",
                    )
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)
            finally:
                connections.close_all()

        workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert failures == []
        seqs = sorted(AuditEntry.objects.values_list("seq", flat=True))
        assert seqs == list(range(1, threads * per_thread + 1))
        report = audit_verify()
        assert report.ok, report.reason
        assert report.checked == threads * per_thread


class TestSqliteCommitsCheaply(TransactionTestCase):
    def test_sqlite_runs_in_wal_mode_with_normal_sync(self) -> None:
        if connection.vendor != "sqlite":
            pytest.skip("SQLite settings")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 1  # NORMAL
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
        assert connection.settings_dict["CONN_MAX_AGE"] > 0
