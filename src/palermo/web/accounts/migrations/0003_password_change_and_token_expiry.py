"""One-time passwords that must be changed, and API tokens that expire (three steps for the
expiry: add it nullable, give existing tokens created + 90 days, then require it)."""

import datetime

import django.db.models.deletion
from django.db import migrations, models


def fill_expiry(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True).only("pk", "created_at"):
        token.expires_at = token.created_at + datetime.timedelta(days=90)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_token_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="must_change_password",
            # a database default too: code that does not know the column still inserts users
            field=models.BooleanField(
                db_default=False, default=False, verbose_name="must change password"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.RunPython(fill_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="replaces",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaced_by",
                to="accounts.apitoken",
            ),
        ),
    ]
