"""``Case.notes`` is gone: its text is the case's first dated note (0014)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_narrative_notes_become_dated_notes"),
    ]

    operations = [
        migrations.RemoveField(model_name="case", name="notes"),
    ]
