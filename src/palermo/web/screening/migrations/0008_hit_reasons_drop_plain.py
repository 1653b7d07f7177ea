"""Hit reasons encrypted, step 3 of 3: the plain-text columns go."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("screening", "0007_hit_reasons_fill")]

    operations = [
        migrations.RemoveField(model_name="hit", name="matched_en"),
        migrations.RemoveField(model_name="hit", name="matched_zh"),
    ]
