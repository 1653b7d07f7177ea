"""Exports: each checks its inputs, writes one audit entry (action ``export``: the filters,
the row count, the fields included, the purpose) and hands back the content. CSV content is
a generator of text chunks for a ``StreamingHttpResponse``: a hundred thousand rows never sit
in memory at once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.records.schema import INPUT_FIELDS
from palermo.web.accounts.models import Agency
from palermo.web.agreements.models import TRANSFER_PURPOSE_LABELS, DataSharingAgreement
from palermo.web.agreements.services import agreement_for_transfer
from palermo.web.audit.columns import AUDIT_COLUMNS, export_columns_register
from palermo.web.audit.models import AUDIT_ACTION_CHOICES, AuditAction, AuditEntry
from palermo.web.audit.purposes import purpose_label
from palermo.web.audit.selectors import AuditFilters
from palermo.web.audit.services import audit_record
from palermo.web.audit.templatetags.palermo_audit import field_label, object_type_label
from palermo.web.cases.models import (
    PERSONAL_FIELDS,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    CaseService,
    CaseShare,
    CaseStatus,
    CaseTask,
    Consent,
)
from palermo.web.cases.services import case_exported, no_sharing_consent, sharing_consent
from palermo.web.exports import selectors
from palermo.web.exports.tables import Cell, csv_chunks
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.problems import problem
from palermo.web.lib.training import refuse_if_training
from palermo.web.screening.models import HIT_STATUS_CHOICES, Hit
from palermo.web.screening.selectors import HitFilters

MAX_PURPOSE = 300

# The traveller's identity in a hit export: names, the document's keyed hash, contact points
# (every identifying field of the record except its id, which every row carries).
HIT_PERSONAL_FIELDS: tuple[str, ...] = tuple(
    name for name, spec in INPUT_FIELDS.items() if spec.identifying and name != "record_id"
)
HIT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("hit_id", gettext_lazy("Hit")),
    ("record_id", gettext_lazy("Record id")),
    ("source", gettext_lazy("Source")),
    ("rule_id", gettext_lazy("Profile or list")),
    ("rule_version", gettext_lazy("Version")),
    ("title", gettext_lazy("Title")),
    ("weight", gettext_lazy("Weight or score")),
    ("reasons", gettext_lazy("Why it fired")),
    ("disposition", gettext_lazy("Disposition")),
    ("disposition_reason", gettext_lazy("Reason for the disposition")),
    ("port", gettext_lazy("Port or post")),
    ("event_date", gettext_lazy("Event date")),
)
export_columns_register("screening.hit", HIT_COLUMNS)  # named so on the audit page
SOURCE_LABELS: dict[str, Any] = {
    "profile": gettext_lazy("Risk profile"),
    "watchlist": gettext_lazy("Watchlist"),
    "control": gettext_lazy("Random control sample"),
}


@dataclass(frozen=True, slots=True)
class CsvExport:
    file_name: str
    rows: int
    chunks: Iterator[str]


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M%S")


def _filters_detail(filters: object) -> dict[str, str]:
    """The filters as the audit log keeps them: the ones set, as text."""
    fields = getattr(filters, "__dataclass_fields__", {})
    values = {name: getattr(filters, name) for name in fields}
    return {name: str(value) for name, value in values.items() if value not in ("", None)}


def _check_purpose(purpose: str, *, required: bool, where: Any) -> str:
    text = purpose.strip()
    if required and not text:
        raise InputError(
            [problem(where=where, field="purpose", rule=gettext_lazy("state the purpose"))]
        )
    if len(text) > MAX_PURPOSE:
        raise InputError(
            [
                problem(
                    where=where,
                    field="purpose",
                    rule=gettext_lazy("must be at most %(n)d characters"),
                    params={"n": MAX_PURPOSE},
                )
            ]
        )
    return text


def _in_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


# --- the hit queue ----------------------------------------------------------------------------


def hit_queue_export(
    *,
    actor: Any,
    filters: HitFilters,
    include_personal: bool = False,
    purpose: str = "",
    language: str = "en",
    request: HttpRequest | None = None,
) -> CsvExport:
    """The agency's hit queue under ``filters`` as CSV, one row per hit, reasons in
    ``language``. The traveller's names, document hash and contact points are added only
    with ``include_personal`` and a stated ``purpose``."""
    purpose = _check_purpose(
        purpose, required=include_personal, where=gettext_lazy("hit queue export")
    )
    hits, count = selectors.hit_export_list(user=actor, filters=filters, personal=include_personal)
    personal = HIT_PERSONAL_FIELDS if include_personal else ()
    columns = [key for key, _label in HIT_COLUMNS] + list(personal)
    with translation.override(language):
        header = [str(label) for _key, label in HIT_COLUMNS] + [
            INPUT_FIELDS[name].label_zh if _in_chinese(language) else INPUT_FIELDS[name].label_en
            for name in personal
        ]
        statuses = {value: str(label) for value, label in HIT_STATUS_CHOICES}
        sources = {value: str(label) for value, label in SOURCE_LABELS.items()}
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type="screening.hit",
            fields=columns,
            purpose=purpose or "hit queue export",
            request=request,
            detail={
                "format": "csv",
                "filters": _filters_detail(filters),
                "rows": count,
                "personal_fields": list(personal),
                "language": language,
            },
        )
    rows = _hit_rows(hits, personal, _in_chinese(language), statuses, sources)
    agency = getattr(actor.agency, "code", "") or str(actor.agency_id)
    return CsvExport(
        file_name=f"hits-{agency}-{_stamp()}.csv", rows=count, chunks=csv_chunks(header, rows)
    )


def _hit_rows(
    hits: QuerySet[Hit],
    personal: Sequence[str],
    chinese: bool,
    statuses: Mapping[str, str],
    sources: Mapping[str, str],
) -> Iterator[list[Cell]]:
    for hit in hits.iterator(chunk_size=2000):
        disposition = getattr(hit, "disposition", None)
        row: list[Cell] = [
            hit.pk,
            hit.traveller.record_id,
            sources.get(hit.source, hit.source),
            hit.rule_id,
            hit.rule_version,
            hit.title_zh if chinese else hit.title_en,
            hit.weight,
            _reasons_cell(hit, chinese, bool(personal)),
            statuses.get(hit.status, hit.status),
            disposition.reason if disposition is not None else "",
            hit.port,
            hit.event_date.isoformat() if hit.event_date else "",
        ]
        if personal:
            record = json.loads(hit.traveller.record)
            row.extend(_text(record.get(name)) for name in personal)
        yield row


def _reasons_cell(hit: Hit, chinese: bool, personal: bool) -> str:
    """Why the hit fired. A watchlist match's reasons quote the traveller's and the listed
    person's names: without personal fields the cell says only that it matched (profiles never
    use identifying fields, so their reasons stay)."""
    if hit.source == "watchlist" and not personal:
        with translation.override("zh-hans" if chinese else "en"):
            return str(
                gettext_lazy("Watchlist match, score %(score)d (names only with personal fields)")
                % {"score": round(hit.weight)}
            )
    stored = json.loads(hit.reasons) if hit.reasons else {}
    return ("；" if chinese else "; ").join(stored.get("zh" if chinese else "en", []))


def _text(value: object) -> str:
    return "" if value is None else str(value)


# --- the audit log ----------------------------------------------------------------------------


def audit_log_export(
    *, actor: Any, filters: AuditFilters, language: str = "en", request: HttpRequest | None = None
) -> CsvExport:
    """The auditors' search results as CSV. The export is itself an entry of the log (after
    the entries it contains)."""
    entries, count = selectors.audit_export_list(user=actor, filters=filters)
    with translation.override(language):
        header = [str(label) for _key, label in AUDIT_COLUMNS]
        actions = {value: str(label) for value, label in AUDIT_ACTION_CHOICES}
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type="audit.auditentry",
            fields=[key for key, _label in AUDIT_COLUMNS],
            purpose="audit",
            request=request,
            detail={
                "format": "csv",
                "filters": _filters_detail(filters),
                "rows": count,
                "language": language,
            },
        )
    return CsvExport(
        file_name=f"audit-log-{_stamp()}.csv",
        rows=count,
        chunks=csv_chunks(header, _audit_rows(entries, actions, _AuditWords(language))),
    )


class _AuditWords:
    """An entry's object type, fields and purpose in the export's language, each looked up once
    (the rows are written after the request's language is gone: streamed)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.known: dict[tuple[str, str], str] = {}

    def _words(self, key: tuple[str, str], say: Callable[..., str], *args: Any) -> str:
        found = self.known.get(key)
        if found is None:
            with translation.override(self.language):
                found = self.known[key] = say(*args)
        return found

    def object_type(self, code: str) -> str:
        return self._words(("type", code), object_type_label, code)

    def fields(self, object_type: str, fields: Sequence[str]) -> str:
        # object types have a dot, so they never meet "type" or "purpose" in ``known``
        return self._words((object_type, ";".join(fields)), self._fields, object_type, fields)

    @staticmethod
    def _fields(object_type: str, fields: Sequence[str]) -> str:
        return "; ".join(field_label(object_type, field) for field in fields)

    def purpose(self, stored: str) -> str:
        return self._words(("purpose", stored), purpose_label, stored)


def _audit_rows(
    entries: QuerySet[AuditEntry], actions: Mapping[str, str], words: _AuditWords
) -> Iterator[list[Cell]]:
    for entry in entries.iterator(chunk_size=2000):
        yield [
            entry.seq,
            entry.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            entry.actor_label,
            entry.agency_id_at_time,
            actions.get(entry.action, entry.action),
            words.object_type(entry.object_type),
            entry.object_id,
            words.fields(entry.object_type, [str(f) for f in entry.fields or []]),
            words.purpose(entry.purpose),
            entry.ip or "",
            json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else "",
            entry.hash,
        ]


# --- one case file ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseFile:
    file_name: str
    content: bytes


def case_file_export(
    *,
    actor: Any,
    case: Case,
    purpose: str,
    include_personal: bool = False,
    recipient: Agency | None = None,
    transfer_purpose: str = "",
    language: str = "en",
    request: HttpRequest | None = None,
) -> CaseFile:
    """One case as JSON: the pseudonymous id, status history, timeline, consents and sharing,
    with the person's identity, the dated notes (each with its author), the tasks and the
    services provided only on request and only for a user who may read them. Always needs a
    purpose; a file for another agency needs the person's consent to sharing with it and a
    data-sharing agreement covering ``transfer_purpose``, the same checks as sharing the
    case."""
    where = gettext_lazy("case export")
    if case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can export it."))
    purpose = _check_purpose(purpose, required=True, where=where)
    if include_personal and not selectors.may_export_personal_data(actor, case):
        raise NotPermittedError(_("Your role does not show the person's identity or the notes."))
    if recipient is not None and recipient.pk == case.agency_id:
        recipient = None  # staying inside the agency
    transfer = _checked_transfer(case, recipient, transfer_purpose, where)
    timeline, consents, shares = selectors.case_export_parts(user=actor, case=case)
    export = _ExportFacts(
        actor=actor,
        case=case,
        purpose=purpose,
        transfer=transfer,
        personal_fields=[*PERSONAL_FIELDS, "notes", "tasks", "services"]
        if include_personal
        else [],
        at=timezone.now(),
        language=language,
    )
    with translation.override(language):
        document: dict[str, Any] = {
            "export": _export_header(export),
            "case": _case_summary(case),
            "status_history": _status_history(timeline),
            "timeline": [_timeline_row(event) for event in timeline],
            "consents": [_consent_row(consent) for consent in consents],
            "shares": [_share_row(share) for share in shares],
        }
    if include_personal:
        document["person"] = _person_part(case)
        notes, tasks, services = selectors.case_work_parts(user=actor, case=case)
        with translation.override(language):
            document["notes"] = [_note_row(note) for note in notes]
            document["tasks"] = [_task_row(task) for task in tasks]
            document["services"] = [_service_row(record) for record in services]
    _record_export(export, request)
    content = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
    return CaseFile(file_name=f"case-{case.reference}.json", content=content.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class _Transfer:
    """Where a case file goes outside the agency, and what allows it (``None``s: it stays)."""

    recipient: Agency | None = None
    purpose: str = ""
    consent: Consent | None = None
    agreement: DataSharingAgreement | None = None


@dataclass(frozen=True, slots=True)
class _ExportFacts:
    actor: Any
    case: Case
    purpose: str
    transfer: _Transfer
    personal_fields: list[str]
    at: dt.datetime
    language: str


def _checked_transfer(
    case: Case, recipient: Agency | None, transfer_purpose: str, where: Any
) -> _Transfer:
    """A file for another agency: the person's consent to sharing with it and an agreement
    covering the transfer's purpose (``case_share``'s checks), else the refusal naming why."""
    if recipient is None:
        return _Transfer()
    refuse_if_training(case, recipient)
    if transfer_purpose not in TRANSFER_PURPOSE_LABELS:
        raise InputError(
            [
                problem(
                    where=where,
                    field="transfer_purpose",
                    value=transfer_purpose,
                    rule=gettext_lazy("choose what the transfer to the agency is for"),
                )
            ]
        )
    consent = sharing_consent(case=case, recipient=recipient)
    if consent is None:
        raise no_sharing_consent(recipient)
    agreement = agreement_for_transfer(
        sender=case.agency, recipient=recipient, purpose=transfer_purpose
    )
    return _Transfer(recipient, transfer_purpose, consent, agreement)


def _export_header(export: _ExportFacts) -> dict[str, Any]:
    transfer = export.transfer
    return {
        "format": "palermo-case-file",
        "version": 1,
        # a file from the training sandbox says so: it can never pass for a real case
        "training": bool(export.case.agency.is_training),
        "exported_at": export.at.isoformat(),
        "exported_by": export.actor.get_username(),
        "agency": export.case.agency.name,
        "purpose": export.purpose,
        "recipient": transfer.recipient.name if transfer.recipient is not None else None,
        "transfer_purpose": transfer.purpose if transfer.recipient is not None else None,
        "agreement": transfer.agreement.reference if transfer.agreement is not None else None,
        "personal_fields": export.personal_fields,
        "language": export.language,
    }


def _case_summary(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "pseudonymous_id": case.person.pseudonym,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "outcome": case.outcome,
        "outcome_label": str(case.get_outcome_display()),
        "interview": case.interview_ref,
        "opened_at": case.opened_at.isoformat(),
        "opened_by": case.opened_by.get_username(),
        "updated_at": case.updated_at.isoformat(),
        "version": case.version,
    }


def _status_history(timeline: Sequence[CaseEvent]) -> list[dict[str, Any]]:
    """Opening (to ``identified``) and every status change, oldest first."""
    return [
        {
            "at": event.at.isoformat(),
            "from": event.detail.get("from"),
            "to": CaseStatus.IDENTIFIED.value
            if event.kind == CaseEventKind.OPENED.value
            else event.detail.get("to"),
            "reason": event.reason,
            "by": event.actor.get_username(),
        }
        for event in timeline
        if event.kind in {CaseEventKind.OPENED.value, CaseEventKind.STATUS.value}
    ]


def _timeline_row(event: CaseEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "kind": event.kind,
        "kind_label": str(event.get_kind_display()),
        "by": event.actor.get_username(),
        "reason": event.reason,
        "detail": event.detail,
    }


def _consent_row(consent: Consent) -> dict[str, Any]:
    return {
        "purpose": consent.purpose,
        "purpose_label": str(consent.get_purpose_display()),
        "recipient": consent.recipient.name if consent.recipient else None,
        "given_at": consent.given_at.isoformat(),
        "recorded_by": consent.recorded_by.get_username(),
        "checklist": sorted(k for k, v in consent.checklist.items() if v),
        "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        "withdrawal_reason": consent.withdrawal_reason,
    }


def _share_row(share: CaseShare) -> dict[str, Any]:
    return {
        "agency": share.agency.name,
        "purpose": share.purpose,
        "transfer_purpose": share.transfer_purpose,
        "with_consent": share.consent_id is not None,
        "legal_basis": share.legal_basis,
        "shared_at": share.shared_at.isoformat(),
        "revoked_at": share.revoked_at.isoformat() if share.revoked_at else None,
    }


def _person_part(case: Case) -> dict[str, str]:
    return {
        "full_name": case.person.full_name,
        "document_number": case.person.document_number,
        "contact": case.person.contact,
    }


def _note_row(note: CaseNote) -> dict[str, Any]:
    return {
        "at": note.at.isoformat(),
        "by": note.author.get_username(),
        "origin": note.origin or "written",
        "origin_label": str(note.get_origin_display()),
        "text": note.text,
    }


def _task_row(task: CaseTask) -> dict[str, Any]:
    return {
        "title": task.title,
        "due_on": task.due_on.isoformat(),
        "for": task.assigned_to.get_username() if task.assigned_to else None,
        "created_at": task.created_at.isoformat(),
        "created_by": task.created_by.get_username(),
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "done_by": task.done_by.get_username() if task.done_by else None,
    }


def _service_row(record: CaseService) -> dict[str, Any]:
    return {
        "service": record.service,
        "service_label": str(record.get_service_display()),
        "provided_on": record.provided_on.isoformat(),
        "provider": record.provider,
        "description": record.description,
        "recorded_by": record.recorded_by.get_username(),
        "recorded_at": record.recorded_at.isoformat(),
    }


def _record_export(export: _ExportFacts, request: HttpRequest | None) -> None:
    """The export on the case's timeline (through the cases service) and in the audit log,
    one transaction."""
    transfer = export.transfer
    outside = transfer.recipient is not None
    with transaction.atomic():
        # On the case's own timeline too, so its readers see the file was taken out.
        case_exported(
            actor=export.actor,
            case=export.case,
            purpose=export.purpose,
            recipient=transfer.recipient,
            transfer_purpose=transfer.purpose,
            fields=export.personal_fields,
            at=export.at,
        )
        audit_record(
            actor=export.actor,
            action=AuditAction.EXPORT,
            obj=export.case,
            fields=[
                "case",
                "status_history",
                "timeline",
                "consents",
                "shares",
                *export.personal_fields,
            ],
            purpose=export.purpose,
            request=request,
            detail={
                "format": "json",
                "person": export.case.person.pseudonym,
                "to_agency": transfer.recipient.pk if transfer.recipient is not None else None,
                "consent": transfer.consent.pk if transfer.consent is not None else None,
                "agreement": transfer.agreement.reference
                if transfer.agreement is not None
                else None,
                "transfer_purpose": transfer.purpose if outside else "",
            },
        )
