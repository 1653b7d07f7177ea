"""The hit queue an analyst can work: sorted by date or combined weight, found by record id or
by the traveller's name in any script (keyed digests; the records stay encrypted), the date
range checked, and a masked record no longer found by name."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from flow_fixtures import FLAGGED_RECORD, TODAY, activate_example

from palermo.web.lib.roles import Role
from palermo.web.screening import selectors
from palermo.web.screening.models import Traveller, TravellerNameToken
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase


class TestHitQueueSearch(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.wang = self.screen("desk-wang", surname="WANG", given_names="FANG")
        self.zhang = self.screen(
            "desk-zhang", surname="ZHANG", given_names="XIAO MING", name_native="张晓明"
        )

    def screen(self, record_id: str, **names: str) -> Traveller:
        record = {**FLAGGED_RECORD, "record_id": record_id, **names}
        traveller, _hits = desk_screen(actor=self.officer, record=record)
        assert traveller is not None
        return traveller

    def order(self, **filters: object) -> list[int]:
        rows = selectors.hit_groups(user=self.analyst, filters=selectors.HitFilters(**filters))  # type: ignore[arg-type]
        return [row["traveller_id"] for row in rows]

    def test_a_record_id_or_its_beginning_finds_the_traveller(self) -> None:
        assert self.order(query="desk-zh") == [self.zhang.pk]
        assert self.order(query="desk-wang") == [self.wang.pk]

    def test_a_name_in_either_script_finds_the_traveller(self) -> None:
        assert self.order(query="张晓明") == [self.zhang.pk]
        assert self.order(query="Xiaoming Zhang") == [self.zhang.pk]
        assert self.order(query="wang fang") == [self.wang.pk]
        assert self.order(query="Li Lei") == []

    def test_the_names_are_kept_only_as_digests(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT digest FROM screening_travellernametoken")
            digests = " ".join(row[0] for row in cursor.fetchall())
        assert digests
        assert "zhang" not in digests
        assert "wang" not in digests

    def test_another_agency_finds_nothing_by_our_travellers_names(self) -> None:
        other = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)
        rows = selectors.hit_groups(user=other, filters=selectors.HitFilters(query="Wang Fang"))
        assert list(rows) == []

    def test_the_queue_sorts_newest_oldest_and_by_combined_weight(self) -> None:
        activate_example(self, "companion-answers-fearful")
        heavy = self.screen("desk-heavy", surname="LI", given_names="NA", obs_fearful=True)  # type: ignore[arg-type]
        assert self.order()[0] == heavy.pk
        assert self.order(sort="oldest")[0] == self.wang.pk
        assert self.order(sort="weight")[0] == heavy.pk
        assert self.order(sort="weight")[1:] == [self.zhang.pk, self.wang.pk]

    def test_the_page_searches_by_name_and_refuses_a_period_ending_before_it_starts(
        self,
    ) -> None:
        self.login(self.analyst)
        page = self.client.get("/screening/hits/", {"q": "张晓明"}).content.decode()
        assert "desk-zhang" in page
        assert "desk-wang" not in page
        later = (TODAY + dt.timedelta(days=3)).isoformat()
        response = self.client.get("/screening/hits/", {"since": later, "until": TODAY.isoformat()})
        assert response.status_code == 422
        assert "must not be before its start" in response.content.decode()

    def test_retention_removes_the_name_index_with_the_names(self) -> None:
        from palermo.web.retention.services import retention_run

        retention_run(apply=True, days=1, now=timezone.now() + dt.timedelta(days=3))
        assert TravellerNameToken.objects.count() == 0
        assert self.order(query="Wang Fang") == []
