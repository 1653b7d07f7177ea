"""Step 1 of 3: profile and list versions get the agency that holds them (nullable for now)
and the fields of a two-person retirement."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_token_user"),
        ("profiles", "0002_named_lists"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(
            op
            for model in ("profileversion", "listversion")
            for op in (
                migrations.AddField(
                    model_name=model,
                    name="agency",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.agency",
                    ),
                ),
                migrations.AddField(
                    model_name=model,
                    name="retire_requested_at",
                    field=models.DateTimeField(blank=True, null=True),
                ),
                migrations.AddField(
                    model_name=model,
                    name="retire_requested_by",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            )
        ),
    ]
