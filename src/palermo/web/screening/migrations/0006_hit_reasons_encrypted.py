"""Hit reasons encrypted, step 1 of 3: the encrypted column, empty."""

from __future__ import annotations

from django.db import migrations

import palermo.web.lib.fields


class Migration(migrations.Migration):
    dependencies = [("screening", "0005_disposition_investigator")]

    operations = [
        migrations.AddField(
            model_name="hit",
            name="reasons",
            field=palermo.web.lib.fields.EncryptedTextField(blank=True, null=True),
        ),
    ]
