"""Step 3 of 3: every profile and list version is held by an agency."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_reviewed_versions_agency_from_author")]

    operations = [
        migrations.AlterField(
            model_name=model,
            name="agency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.agency",
            ),
        )
        for model in ("profileversion", "listversion")
    ]
