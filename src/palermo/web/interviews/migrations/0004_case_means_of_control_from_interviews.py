"""Fill the means of control of the cases opened before they were recorded: each case gets the
HTCDS means of control its interview's stored assessment evidences (the catalogue's
``htcds_control`` of each indicator found), as ``interview_open_case`` now does. A case that
already has some, or whose interview holds no assessment, is left as it is."""

from __future__ import annotations

import json
from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    from palermo.indicators.assessment import indicators_found
    from palermo.indicators.catalogue import load_catalogue

    catalogue = load_catalogue()
    Interview = apps.get_model("interviews", "Interview")
    Case = apps.get_model("cases", "Case")
    for interview in Interview.objects.filter(case__isnull=False).only("case_id", "result"):
        try:
            result = json.loads(interview.result or "{}")
        except ValueError:
            continue
        if not isinstance(result, dict):
            continue
        codes = list(catalogue.methods_of_control(indicators_found(result)))
        case = Case.objects.only("methods_of_control").get(pk=interview.case_id)
        if codes and not case.methods_of_control:
            case.methods_of_control = codes
            case.save(update_fields=["methods_of_control"])


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0003_interview_revision"),
        ("cases", "0016_case_htcds_exploitation_and_control"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
