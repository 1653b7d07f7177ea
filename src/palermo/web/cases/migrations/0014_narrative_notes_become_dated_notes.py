"""The single, overwritable narrative box of a case (``Case.notes``) becomes the case's first
dated note: written by the person who opened the case, dated the day it was opened, and
labelled as carried over. The column itself goes in the next migration (0015), so that on
PostgreSQL the rows are written and committed before the table changes."""

from typing import Any

from django.db import migrations, models

CARRIED_OVER = "carried_over"


def notes_to_dated_notes(apps: Any, schema_editor: Any) -> None:
    case_model = apps.get_model("cases", "Case")
    note_model = apps.get_model("cases", "CaseNote")
    batch = []
    # Encrypted at rest (an empty box too, with its own nonce): the database cannot tell the
    # empty ones, so every case is read; the field decrypts, the note's field encrypts again.
    cases = case_model.objects.only("pk", "notes", "opened_by_id", "opened_at").order_by("pk")
    for case in cases.iterator(chunk_size=500):
        if not (case.notes or "").strip():
            continue
        batch.append(
            note_model(
                case_id=case.pk,
                author_id=case.opened_by_id,
                at=case.opened_at,
                text=case.notes,
                origin=CARRIED_OVER,
            )
        )
        if len(batch) >= 500:
            note_model.objects.bulk_create(batch)
            batch = []
    note_model.objects.bulk_create(batch)


def dated_notes_to_notes(apps: Any, schema_editor: Any) -> None:
    """Back: the carried-over note returns to the box (other notes stay notes)."""
    case_model = apps.get_model("cases", "Case")
    note_model = apps.get_model("cases", "CaseNote")
    for note in note_model.objects.filter(origin=CARRIED_OVER).order_by("pk").iterator():
        case = case_model.objects.get(pk=note.case_id)
        case.notes = note.text
        case.save(update_fields=["notes"])
        note.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_case_services_provided"),
    ]

    operations = [
        migrations.AddField(
            model_name="casenote",
            name="origin",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Written on the case"),
                    ("opening", "Written when the case was opened"),
                    (
                        "carried_over",
                        (
                            "Carried over from the former narrative notes; dated the day the "
                            "case was opened"
                        ),
                    ),
                    ("received", "Received from a partner agency abroad with the case"),
                ],
                default="",
                max_length=16,
                verbose_name="origin",
            ),
        ),
        migrations.RunPython(notes_to_dated_notes, dated_notes_to_notes, elidable=False),
    ]
