"""Hit reasons encrypted, step 2 of 3: every hit's plain-text reasons (a watchlist match
quotes names) copied into the encrypted column, in batches; step 3 drops the plain columns."""

from __future__ import annotations

import json
from typing import Any

from django.db import migrations

BATCH = 1000


def encrypt_reasons(apps: Any, schema_editor: Any) -> None:
    hit_model = apps.get_model("screening", "Hit")
    pending = hit_model.objects.filter(reasons__isnull=True).order_by("pk")
    last = 0
    while True:
        rows = list(
            pending.filter(pk__gt=last).values_list("pk", "matched_en", "matched_zh")[:BATCH]
        )
        if not rows:
            return
        for pk, english, chinese in rows:
            text = json.dumps({"en": english or [], "zh": chinese or []}, ensure_ascii=False)
            # update() encrypts through the field (EncryptedTextField.get_prep_value)
            hit_model.objects.filter(pk=pk).update(reasons=text)
        last = rows[-1][0]


def decrypt_reasons(apps: Any, schema_editor: Any) -> None:
    hit_model = apps.get_model("screening", "Hit")
    for pk, text in hit_model.objects.exclude(reasons=None).values_list("pk", "reasons"):
        stored = json.loads(text)
        hit_model.objects.filter(pk=pk).update(
            matched_en=stored.get("en", []), matched_zh=stored.get("zh", [])
        )


class Migration(migrations.Migration):
    dependencies = [("screening", "0006_hit_reasons_encrypted")]
    operations = [migrations.RunPython(encrypt_reasons, decrypt_reasons)]
