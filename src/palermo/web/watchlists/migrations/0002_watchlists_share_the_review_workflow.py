"""Watchlist versions share the reviewed-version fields: when they were submitted (on upload:
filled from ``created_at`` for the stored ones) and a two-person retirement."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def submitted_on_upload(apps, schema_editor):
    model = apps.get_model("watchlists", "WatchlistVersion")
    model.objects.filter(submitted_at__isnull=True).update(submitted_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("watchlists", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="watchlistversion",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="watchlistversion",
            name="retire_requested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="watchlistversion",
            name="retire_requested_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(submitted_on_upload, migrations.RunPython.noop),
    ]
