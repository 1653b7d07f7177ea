"""The migration from the single narrative box to dated notes keeps every case's text: as the
case's first dated note, written by whoever opened the case, dated the day it was opened and
labelled as carried over; the box (the column) is gone afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from palermo.web.lib.crypto import keyring

BEFORE = [("cases", "0013_case_services_provided")]
AFTER = [("cases", "0015_remove_case_notes")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _case_columns() -> set[str]:
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, "cases_case")
    return {column.name for column in described}


class TestNarrativeNotesBecomeDatedNotes(TransactionTestCase):
    def tearDown(self) -> None:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_each_cases_text_becomes_its_first_dated_note_by_the_opener_and_the_box_is_gone(
        self,
    ) -> None:
        old = _migrate(BEFORE)
        agency = old.get_model("accounts", "Agency").objects.create(
            name="Border", kind="border_post", code="border"
        )
        users = old.get_model("accounts", "User")
        ivy = users.objects.create(username="ivy", agency=agency, role="second_line_interviewer")
        chen = users.objects.create(username="chen", agency=agency, role="case_worker")
        person_model = old.get_model("cases", "Person")
        case_model = old.get_model("cases", "Case")
        opened = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
        texts = {
            "C-1": ("Recruited online; passport kept by the employer.\n第二行。", ivy),
            "C-2": ("", chen),  # an empty box leaves no note
            "C-3": ("   ", chen),  # nor does one of blanks
            "C-4": ("Met at gate 4.", chen),
        }
        for number, (reference, (text, opener)) in enumerate(texts.items()):
            person = person_model.objects.create(
                pseudonym=f"P-{number}", agency=agency, full_name="X", created_at=opened
            )
            case = case_model.objects.create(
                reference=reference,
                agency=agency,
                person=person,
                status="identified",
                outcome="possible",
                notes=text,
                opened_by=opener,
                opened_at=opened + dt.timedelta(days=number),
                updated_at=opened,
                updated_by=opener,
            )
            if reference == "C-4":  # a case that already has a dated note keeps it
                old.get_model("cases", "CaseNote").objects.create(
                    case=case, author=ivy, at=opened + dt.timedelta(days=9), text="Later note."
                )

        new = _migrate(AFTER)

        assert "notes" not in _case_columns()
        notes = new.get_model("cases", "CaseNote").objects.select_related("case", "author")
        got = sorted(
            (n.case.reference, n.author.username, n.at, n.origin, n.text) for n in notes.all()
        )
        assert got == [
            ("C-1", "ivy", opened, "carried_over", texts["C-1"][0]),
            ("C-4", "chen", opened + dt.timedelta(days=3), "carried_over", "Met at gate 4."),
            ("C-4", "ivy", opened + dt.timedelta(days=9), "", "Later note."),
        ]
        with connection.cursor() as cursor:  # still encrypted at rest
            cursor.execute("SELECT text FROM cases_casenote")
            assert all(row[0].startswith(keyring().prefix) for row in cursor.fetchall())

    def test_going_back_puts_the_carried_over_text_in_the_box_again(self) -> None:
        old = _migrate(BEFORE)
        agency = old.get_model("accounts", "Agency").objects.create(
            name="Border", kind="border_post", code="border"
        )
        ivy = old.get_model("accounts", "User").objects.create(
            username="ivy", agency=agency, role="second_line_interviewer"
        )
        now = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
        person = old.get_model("cases", "Person").objects.create(
            pseudonym="P-1", agency=agency, full_name="X", created_at=now
        )
        old.get_model("cases", "Case").objects.create(
            reference="C-1",
            agency=agency,
            person=person,
            status="identified",
            outcome="possible",
            notes="Kept.",
            opened_by=ivy,
            opened_at=now,
            updated_at=now,
            updated_by=ivy,
        )
        _migrate(AFTER)
        back = _migrate(BEFORE)
        assert back.get_model("cases", "Case").objects.get(reference="C-1").notes == "Kept."
        assert not back.get_model("cases", "CaseNote").objects.exists()
