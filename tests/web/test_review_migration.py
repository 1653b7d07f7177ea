"""The reviewed-version migrations keep every stored profile, list and watchlist version, in
every status, and give each the agency that holds it (its author's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

BEFORE = [("profiles", "0002_named_lists"), ("watchlists", "0001_initial")]
STATUSES = ["draft", "submitted", "approved", "active", "retired"]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _leaves() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [
        node for node in executor.loader.graph.leaf_nodes() if node[0] in {"profiles", "watchlists"}
    ]


class TestReviewedVersionMigration(TransactionTestCase):
    def tearDown(self) -> None:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_versions_of_all_three_kinds_in_every_status_survive_and_get_their_agency(
        self,
    ) -> None:
        old = _migrate(BEFORE)
        agency_model = old.get_model("accounts", "Agency")
        user_model = old.get_model("accounts", "User")
        border = agency_model.objects.create(name="Border", kind="border_post", code="border")
        shelter = agency_model.objects.create(name="Shelter", kind="ngo", code="shelter")
        at_border = user_model.objects.create(username="a", agency=border, role="risk_analyst")
        at_shelter = user_model.objects.create(username="b", agency=shelter, role="risk_analyst")
        now = timezone.now()
        profile = old.get_model("profiles", "RiskProfile").objects.create(
            profile_id="p", created_at=now
        )
        common = {"source_name": "f.yaml", "created_at": now, "title_en": "T", "title_zh": "T"}
        for number, status in enumerate(STATUSES, start=1):
            author = at_border if number % 2 else at_shelter
            old.get_model("profiles", "ProfileVersion").objects.create(
                profile=profile,
                version=number,
                status=status,
                author=author,
                yaml_text=f"id: p\nversion: {number}\n",
                owner="o",
                valid_from=dt.date(2026, 1, 1),
                review_by=dt.date(2099, 1, 1),
                **common,
            )
            old.get_model("profiles", "ListVersion").objects.create(
                list_id=f"l{number}",
                version=1,
                status=status,
                author=author,
                yaml_text="id: l\n",
                owner="o",
                kind="string",
                item_count=1,
                **common,
            )
            if status != "draft":  # watchlists were never drafts: submitted on upload
                old.get_model("watchlists", "WatchlistVersion").objects.create(
                    agency=border,
                    list_id=f"w{number}",
                    version=1,
                    source_name="w.yaml",
                    title="W",
                    owner="o",
                    purpose="p",
                    legal_basis="b",
                    expires=dt.date(2099, 1, 1),
                    threshold=85,
                    entries='[{"entry_id": "e1"}]',
                    digest="d",
                    people=1,
                    organisations=0,
                    contacts=0,
                    status=status,
                    author=at_border,
                    created_at=now,
                )

        new = _migrate(_leaves())

        profiles = new.get_model("profiles", "ProfileVersion").objects.order_by("version")
        assert [(v.status, v.agency_id) for v in profiles] == [
            (status, border.pk if n % 2 else shelter.pk) for n, status in enumerate(STATUSES, 1)
        ]
        lists = new.get_model("profiles", "ListVersion").objects.order_by("list_id")
        assert [(v.list_id, v.status, v.yaml_text) for v in lists] == [
            (f"l{n}", status, "id: l\n") for n, status in enumerate(STATUSES, 1)
        ]
        assert {v.agency_id for v in lists} == {border.pk, shelter.pk}
        watchlists = new.get_model("watchlists", "WatchlistVersion").objects.order_by("list_id")
        assert [(v.status, v.entries, v.submitted_at) for v in watchlists] == [
            (status, '[{"entry_id": "e1"}]', now) for status in STATUSES[1:]
        ]
        assert all(v.retire_requested_by_id is None for v in [*profiles, *lists, *watchlists])
