"""Downloads of figures and statistical releases: each one audited (who, what, which period
and agencies, how many rows) in the same transaction that hands it out."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

import palermo
from palermo.interchange.ctdc import ATTRIBUTION
from palermo.interchange.ctdc_export import QUASI_IDENTIFIERS, CaseExport, export_cases
from palermo.privacy.kanon import DEFAULT_K
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.reports import selectors
from palermo.web.reports.selectors import Scope

FIGURES = "reports.figures"
CASE_EXPORT = "reports.caseexport"


def _scope_detail(scope: Scope) -> dict[str, Any]:
    return {
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "agencies": "all" if scope.agency_ids is None else list(scope.agency_ids),
        "port": scope.port,
    }


def figures_download_record(
    *,
    actor: User,
    what: str,
    file_format: str,
    scope: Scope | None,
    rows: int,
    request: HttpRequest | None = None,
) -> None:
    """Audit one download of dashboard or plan figures (a chart's CSV, the PDF report)."""
    detail: dict[str, Any] = {"format": file_format, "rows": rows}
    if scope is not None:
        detail["scope"] = _scope_detail(scope)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type=FIGURES,
            object_id=what,
            purpose="dashboard download",
            request=request,
            detail=detail,
        )


@dataclass(frozen=True, slots=True)
class CaseExportFile:
    file_name: str
    files: dict[str, bytes]  # ctdc-cases.csv, htcds-cases.csv, release.json
    export: CaseExport
    without_consent: int

    def zip(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, data in self.files.items():
                bundle.writestr(name, data)
        return buffer.getvalue()


def case_statistics_export(
    *, actor: User, scope: Scope, request: HttpRequest | None = None, channel: str = "web"
) -> CaseExportFile:
    """The cases of ``scope`` whose person consents to statistics, as a k-anonymous (k = 11)
    CTDC-layout CSV and HTCDS-field CSV with their metadata, in one zip; audited."""
    facts, without_consent = selectors.statistics_case_facts(scope)
    export = export_cases(facts, k=DEFAULT_K)
    source = {
        "system": f"palermo {palermo.__version__}",
        "scope": _scope_detail(scope),
        "consent": "only cases whose person consents to use in statistics (not withdrawn)",
        "created": timezone.now().isoformat(timespec="seconds"),
        "ctdc_layout_from": ATTRIBUTION,
    }
    metadata = export.metadata(source=source)
    files = {
        "ctdc-cases.csv": export.ctdc_csv,
        "htcds-cases.csv": export.htcds_csv,
        "release.json": (json.dumps(metadata, ensure_ascii=False, indent=2) + "\n").encode(),
    }
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type=CASE_EXPORT,
            fields=QUASI_IDENTIFIERS,
            purpose="statistics (k-anonymous release)",
            request=request,
            detail={
                "format": "ctdc csv, htcds csv, json",
                "channel": channel,
                "scope": _scope_detail(scope),
                "k": export.release.k,
                "rows_released": export.release.suppression.rows_released,
                "rows_withheld": export.release.suppression.rows_suppressed,
            },
        )
    name = f"palermo-cases-ctdc-htcds-{scope.start.isoformat()}-{scope.end.isoformat()}.zip"
    return CaseExportFile(name, files, export, without_consent)
