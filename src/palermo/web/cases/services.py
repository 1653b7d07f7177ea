"""Writes on cases. Each runs in one transaction, checks the actor, keeps the timeline and
writes the audit log; the case's ``version`` guards against silent overwrites.

Case work (dated notes, assignment, tasks with due dates, attachments sealed on disk, the
blind index of the person's name) is at the end of the module."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.interchange.htcds import FIELDS as HTCDS_FIELDS
from palermo.interchange.htcds import HTCDS_METHODS_OF_CONTROL, HTCDS_TYPES_OF_EXPLOITATION
from palermo.lib.files import private_dir
from palermo.web.accounts.models import Agency, User
from palermo.web.agreements.services import agreement_for_transfer
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import (
    CONSENT_CHECKLIST,
    EXPLOITATION_TYPE_CHOICES,
    TRANSITIONS,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseEventKind,
    CaseNameToken,
    CaseNote,
    CaseService,
    CaseShare,
    CaseStatus,
    CaseTask,
    Consent,
    ConsentPurpose,
    NoteOrigin,
    Person,
    VictimOutcome,
)
from palermo.web.directory.models import ServiceType
from palermo.web.lib.blind_index import name_digests
from palermo.web.lib.crypto import keyring
from palermo.web.lib.errors import (
    ConsentRequiredError,
    EditConflictError,
    NotPermittedError,
    StorageFullError,
    TransitionRefusedError,
    disk_full,
)
from palermo.web.lib.problems import checked_upload_name, file_too_large, problem
from palermo.web.lib.roles import (
    CASE_ASSIGN_ROLES,
    CASE_ASSIGNEE_ROLES,
    CASE_OPENING_ROLES,
    CASE_ROLES,
    CASE_WORK_ROLES,
    CONSENT_OVERRIDE_ROLES,
    require_role,
)
from palermo.web.lib.sealed import SealedWriter
from palermo.web.lib.statistics import analyze_after_bulk_load
from palermo.web.lib.training import refuse_if_training
from palermo.web.notifications.kinds import NotificationKind
from palermo.web.notifications.services import notification_send

# Without 0/O and 1/I/L: ids get read out over the telephone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_TEXT = 20_000


def _pseudonym(prefix: str) -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def _require_own_agency(actor: User, case: Case) -> None:
    if case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can do this."))


def _event(
    case: Case, actor: User, kind: CaseEventKind, reason: str = "", **detail: Any
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, at=timezone.now(), actor=actor, kind=kind.value, reason=reason, detail=detail
    )


def case_event_add(
    *,
    actor: User,
    case: Case,
    kind: CaseEventKind,
    reason: str = "",
    words: str | Promise = "",
    words_params: Mapping[str, str | int | Promise] | None = None,
    **detail: Any,
) -> CaseEvent:
    """Put a step another app took on the case's timeline (the national referral mechanism,
    the child's protection, consular assistance). Called by that app's service inside the
    transaction that writes its audit entry, so both or neither are kept; ``detail`` holds
    codes, never personal data. ``words``: the step as a translatable sentence (with
    ``words_params``, labels too), stored in each language so the timeline reads it in the
    reader's (``detail["words"]``), never a person's data."""
    if words:
        detail["words"] = _in_each_language(words, words_params or {})
    return _event(case, actor, kind, reason=reason[:500], **detail)


def _in_each_language(
    words: str | Promise, params: Mapping[str, str | int | Promise]
) -> dict[str, str]:
    """``words % params`` in each language of the site (lazy labels resolved in each)."""
    texts: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values = {
                key: value if isinstance(value, int) else str(value)
                for key, value in params.items()
            }
            texts[code] = str(words) % values if values else str(words)
    return texts


def case_exported(
    *,
    actor: User,
    case: Case,
    purpose: str,
    recipient: Agency | None,
    transfer_purpose: str,
    fields: list[str],
    at: datetime,
) -> CaseEvent:
    """Put an export of the case file on the case's timeline (purpose as reason, recipient
    agency and personal field names as detail). Called by ``exports.services`` inside the
    transaction that writes the export's audit entry, so both or neither are kept."""
    return CaseEvent.objects.create(
        case=case,
        at=at,
        actor=actor,
        kind=CaseEventKind.EXPORTED.value,
        reason=purpose,
        detail={
            "agency": recipient.name if recipient is not None else "",
            "transfer_purpose": transfer_purpose if recipient is not None else "",
            "fields": fields,
        },
    )


def case_transfer_ownership(
    *,
    actor: User,
    case: Case,
    to_agency: Agency,
    referral_reference: str,
    request: HttpRequest | None = None,
) -> Case:
    """Make ``to_agency`` the owner of the case (and of its person record): the transfer of an
    accepted transfer referral. ``actor`` is the receiving agency's user who accepted; called
    by ``referrals.services.referral_accept`` inside its transaction, after its own checks.
    The former owner keeps no access (unless a share or another referral gives it)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    from_agency_id = locked.agency_id
    _bump_version(locked, locked.version, actor, agency=to_agency)
    Person.objects.filter(pk=locked.person_id).update(agency=to_agency)
    _event(
        locked,
        actor,
        CaseEventKind.REFERRAL,
        step="transferred",
        reference=referral_reference,
        agency=to_agency.name,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        fields=["agency"],
        purpose="case transferred",
        request=request,
        detail={"from": from_agency_id, "to": to_agency.pk, "referral": referral_reference},
    )
    case.agency = to_agency
    case.version = locked.version
    return locked


def _check_text(problems: list[Problem], field: str, value: str, *, required: bool) -> None:
    if required and not value.strip():
        problems.append(
            problem(where=gettext_lazy("case"), field=field, rule=gettext_lazy("must not be empty"))
        )
    if len(value) > MAX_TEXT:
        problems.append(
            problem(
                where=gettext_lazy("case"),
                field=field,
                rule=gettext_lazy("must be at most %(n)d characters"),
                params={"n": MAX_TEXT},
            )
        )


def case_open(
    *,
    actor: User,
    full_name: str,
    outcome: VictimOutcome | str,
    document_number: str = "",
    contact: str = "",
    note: str = "",
    interview_ref: str = "",
    methods_of_control: Collection[str] = (),
    request: HttpRequest | None = None,
) -> Case:
    """Open a case from a second-line interview whose outcome is a possible or presumed victim.

    The person gets a pseudonymous id; name, document number and contact details are stored
    encrypted. ``note``, what the opener writes about the person, becomes the case's first
    dated note, signed by the opener (encrypted, audited, never changed). The case belongs to
    the actor's agency.
    ``methods_of_control``: the HTCDS means of control the interview's indicators evidence
    (``Catalogue.methods_of_control``).
    """
    require_role(actor, CASE_OPENING_ROLES, what=_("open a case"))
    problems: list[Problem] = []
    if outcome not in {o.value for o in VictimOutcome}:
        problems.append(
            problem(
                where=gettext_lazy("case"),
                field="outcome",
                value=str(outcome),
                rule=gettext_lazy("a case is opened for a possible or presumed victim only"),
            )
        )
    _check_text(problems, "full_name", full_name, required=True)
    for field, value in (("document_number", document_number), ("contact", contact)):
        _check_text(problems, field, value, required=False)
    _check_text(problems, "note", note, required=False)
    if problems:
        raise InputError(problems)
    now = timezone.now()
    with transaction.atomic():
        person = Person.objects.create(
            pseudonym=_pseudonym("P"),
            agency=actor.agency,
            full_name=full_name.strip(),
            document_number=document_number.strip(),
            contact=contact.strip(),
            created_at=now,
        )
        case = Case.objects.create(
            reference=_pseudonym("C"),
            agency=actor.agency,
            person=person,
            status=CaseStatus.IDENTIFIED.value,
            outcome=str(outcome),
            interview_ref=interview_ref,
            methods_of_control=_htcds_codes(methods_of_control, HTCDS_METHODS_OF_CONTROL),
            opened_by=actor,
            opened_at=now,
            updated_at=now,
            updated_by=actor,
        )
        case_name_index(case=case, full_name=person.full_name)
        _event(case, actor, CaseEventKind.OPENED, outcome=str(outcome))
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=case,
            fields=["full_name", "document_number", "contact"],
            purpose="case opened from interview",
            request=request,
            detail={
                "person": person.pseudonym,
                "interview": interview_ref,
            },
        )
        _first_note(case, actor, note, NoteOrigin.OPENING, request=request)
    return case


def _first_note(
    case: Case,
    actor: User,
    text: str,
    origin: NoteOrigin,
    *,
    request: HttpRequest | None,
    **detail: str,
) -> CaseNote | None:
    """The note written with the opening of a case (or received with it) as its first dated
    note, by the opener, on the timeline and audited; nothing when there is no text."""
    if not text.strip():
        return None
    note = CaseNote.objects.create(
        case=case, author=actor, at=case.opened_at, text=text.strip(), origin=origin.value
    )
    _event(case, actor, CaseEventKind.NOTE, note=note.pk)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=note,
        fields=["text"],
        purpose="case note",
        request=request,
        detail={"case": case.reference, "origin": origin.value, **detail},
    )
    return note


def case_receive(
    *,
    actor: User,
    full_name: str,
    document_number: str,
    contact: str,
    note: str,
    outcome: str,
    sender: str,
    package_id: str,
    exploitation_types: Collection[str] = (),
    methods_of_control: Collection[str] = (),
    request: HttpRequest | None = None,
) -> Case:
    """Open a case from an exchange package received from a partner agency abroad (checked
    by ``exchange.services``, which calls this inside its transaction). Fields the person did
    not consent to sending arrive empty; the timeline names the sender and the package. The
    partner's case notes (``note``, one text with their dates) become one dated note labelled
    as received, recorded by ``actor``. The type of exploitation and the means of control are kept
    as the sender reported them."""
    require_role(actor, CASE_OPENING_ROLES, what=_("open a case"))
    problems: list[Problem] = []
    for field, value in (
        ("full_name", full_name),
        ("document_number", document_number),
        ("contact", contact),
        ("note", note),
    ):
        _check_text(problems, field, value, required=False)
    if outcome not in {o.value for o in VictimOutcome}:
        problems.append(
            problem(
                where=gettext_lazy("case"),
                field="outcome",
                value=outcome,
                rule=gettext_lazy("a case is opened for a possible or presumed victim only"),
            )
        )
    if problems:
        raise InputError(problems)
    now = timezone.now()
    with transaction.atomic():
        person = Person.objects.create(
            pseudonym=_pseudonym("P"),
            agency=actor.agency,
            full_name=full_name,
            document_number=document_number,
            contact=contact,
            created_at=now,
        )
        case = Case.objects.create(
            reference=_pseudonym("C"),
            agency=actor.agency,
            person=person,
            status=CaseStatus.IDENTIFIED.value,
            outcome=outcome,
            exploitation_types=_htcds_codes(exploitation_types, HTCDS_TYPES_OF_EXPLOITATION),
            methods_of_control=_htcds_codes(methods_of_control, HTCDS_METHODS_OF_CONTROL),
            opened_by=actor,
            opened_at=now,
            updated_at=now,
            updated_by=actor,
        )
        _event(
            case,
            actor,
            CaseEventKind.OPENED,
            outcome=outcome,
            received_from=sender,
            package=package_id,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=case,
            fields=[
                name
                for name, value in (
                    ("full_name", full_name),
                    ("document_number", document_number),
                    ("contact", contact),
                )
                if value
            ],
            purpose="case opened from a received exchange package",
            request=request,
            detail={"person": person.pseudonym, "package": package_id, "sender": sender},
        )
        _first_note(case, actor, note, NoteOrigin.RECEIVED, request=request, package=package_id)
    return case


def _bump_version(case: Case, expected_version: int, actor: User, **changes: Any) -> None:
    """Write ``changes`` only if nobody changed the case since ``expected_version``."""
    now = timezone.now()
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, updated_by=actor, **changes
    )
    if updated == 0:
        current = Case.objects.select_related("updated_by").get(pk=case.pk)
        raise EditConflictError(
            _(
                "%(user)s changed this case at %(time)s, after you opened it. Your changes "
                "were not saved; reload the case, check their changes and try again."
            )
            % {
                "user": current.updated_by.get_username(),
                "time": timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
    case.version = expected_version + 1
    case.updated_at = now
    case.updated_by = actor
    for name, value in changes.items():
        setattr(case, name, value)


def case_update_details(
    *,
    actor: User,
    case: Case,
    expected_version: int,
    changes: Mapping[str, str],
    request: HttpRequest | None = None,
) -> Case:
    """Change the person's name, document number or contact details (notes are dated and never
    changed: ``case_note_add``)."""
    from palermo.web.lib.roles import PERSONAL_DATA_ROLES

    require_role(actor, PERSONAL_DATA_ROLES, what=_("change personal data"))
    _require_own_agency(actor, case)
    person_fields = {"full_name", "document_number", "contact"}
    allowed = person_fields
    problems: list[Problem] = []
    for field, value in changes.items():
        if field not in allowed:
            problems.append(
                problem(
                    where=gettext_lazy("case"), field=field, rule=gettext_lazy("cannot be changed")
                )
            )
        else:
            _check_text(problems, field, value, required=field == "full_name")
    if problems:
        raise InputError(problems)
    if not changes:
        return case
    with transaction.atomic():
        _bump_version(case, expected_version, actor)
        person_changes = {k: v.strip() for k, v in changes.items() if k in person_fields}
        if person_changes:
            Person.objects.filter(pk=case.person_id).update(**person_changes)
            for name, value in person_changes.items():
                setattr(case.person, name, value)
            if "full_name" in person_changes:
                case_name_index(case=case, full_name=person_changes["full_name"])
        _event(case, actor, CaseEventKind.DETAILS, fields=sorted(changes))
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=case,
            fields=sorted(changes),
            purpose="case details",
            request=request,
        )
    return case


def case_transition(
    *,
    actor: User,
    case: Case,
    expected_version: int,
    to_status: CaseStatus | str,
    reason: str,
    request: HttpRequest | None = None,
) -> Case:
    """Move the case along identified -> referred -> assisted -> closed, with a reason."""
    require_role(actor, CASE_ROLES, what=_("change the status of a case"))
    _require_own_agency(actor, case)
    current = CaseStatus(case.status)
    try:
        target = CaseStatus(to_status)
    except ValueError:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("case"),
                    field="status",
                    value=str(to_status),
                    rule=gettext_lazy("unknown"),
                )
            ]
        ) from None
    if target not in TRANSITIONS[current]:
        raise TransitionRefusedError(
            _("A case cannot move from %(from)s to %(to)s.")
            % {"from": current.value, "to": target.value}
        )
    if not reason.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("case"),
                    field="reason",
                    rule=gettext_lazy("give the reason for this step"),
                )
            ]
        )
    with transaction.atomic():
        _bump_version(case, expected_version, actor, status=target.value)
        _event(
            case,
            actor,
            CaseEventKind.STATUS,
            reason=reason.strip()[:500],
            **{"from": current.value, "to": target.value},
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=case,
            fields=["status"],
            purpose="case workflow",
            request=request,
            detail={"from": current.value, "to": target.value},
        )
    return case


def consent_record(
    *,
    actor: User,
    case: Case,
    purpose: ConsentPurpose | str,
    checklist: Mapping[str, bool],
    recipient: Agency | None = None,
    fields: Collection[str] = (),
    request: HttpRequest | None = None,
) -> Consent:
    """Record the person's consent for one purpose (and, for sharing or a cross-border
    exchange, one named agency; for an exchange, the HTCDS ``fields`` they agreed to send).

    Every item of the HTCDS consent checklist must have been covered.
    """
    require_role(actor, CASE_OPENING_ROLES, what=_("record consent"))
    _require_own_agency(actor, case)
    problems: list[Problem] = []
    if purpose not in {p.value for p in ConsentPurpose}:
        problems.append(
            problem(
                where=gettext_lazy("consent"),
                field="purpose",
                value=str(purpose),
                rule=gettext_lazy("unknown"),
            )
        )
    named = purpose in {ConsentPurpose.SHARING, ConsentPurpose.CROSS_BORDER}
    if named and recipient is None:
        problems.append(
            problem(
                where=gettext_lazy("consent"),
                field="recipient",
                rule=gettext_lazy("consent to sharing names the agency that receives the data"),
            )
        )
    problems.extend(_consent_field_problems(purpose, fields))
    if not named and recipient is not None:
        problems.append(
            problem(
                where=gettext_lazy("consent"),
                field="recipient",
                rule=gettext_lazy("only consent to sharing names one"),
            )
        )
    for key, label in CONSENT_CHECKLIST:
        if not checklist.get(key, False):
            problems.append(problem(where=gettext_lazy("consent"), field=key, rule=label))
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        consent = Consent.objects.create(
            case=case,
            purpose=str(purpose),
            recipient=recipient,
            checklist={key: True for key, _label in CONSENT_CHECKLIST},
            fields=[name for name in HTCDS_FIELDS if name in set(fields)],
            given_at=timezone.now(),
            recorded_by=actor,
        )
        _event(
            case,
            actor,
            CaseEventKind.CONSENT_GIVEN,
            purpose=str(purpose),
            recipient=recipient.name if recipient else "",
            **({"fields": consent.fields} if consent.fields else {}),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=consent,
            purpose="consent",
            request=request,
            detail={"case": case.reference, "purpose": str(purpose)},
        )
    return consent


def _consent_field_problems(purpose: str, fields: Collection[str]) -> list[Problem]:
    """A cross-border consent names at least one HTCDS field Palermo sends; no other names any."""
    if purpose != ConsentPurpose.CROSS_BORDER:
        if not fields:
            return []
        return [
            problem(
                where=gettext_lazy("consent"),
                field="fields",
                rule=gettext_lazy("only consent to a cross-border exchange lists fields"),
            )
        ]
    if not fields:
        return [
            problem(
                where=gettext_lazy("consent"),
                field="fields",
                rule=gettext_lazy("choose the fields the person agreed to send"),
            )
        ]
    return [
        problem(
            where=gettext_lazy("consent"),
            field="fields",
            value=name,
            rule=gettext_lazy("is not a field an exchange package carries"),
        )
        for name in sorted(set(fields) - set(HTCDS_FIELDS))
    ]


def consent_withdraw(
    *, actor: User, consent: Consent, reason: str, request: HttpRequest | None = None
) -> Consent:
    """Withdraw a consent; sharing that rested on it stops at once."""
    case = consent.case
    require_role(actor, CASE_OPENING_ROLES, what=_("record a withdrawal of consent"))
    _require_own_agency(actor, case)
    if consent.withdrawn_at is not None:
        raise TransitionRefusedError(_("This consent was already withdrawn."))
    now = timezone.now()
    with transaction.atomic():
        consent.withdrawn_at = now
        consent.withdrawn_by = actor
        consent.withdrawal_reason = reason.strip()[:500]
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        _event(case, actor, CaseEventKind.CONSENT_WITHDRAWN, reason=reason, purpose=consent.purpose)
        if consent.purpose == ConsentPurpose.SHARING:
            for share in CaseShare.objects.filter(
                case=case, consent=consent, revoked_at__isnull=True
            ).select_related("agency"):
                _share_end(share, actor, "consent withdrawn", request=request, now=now)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=consent,
            fields=["withdrawn_at"],
            purpose="consent withdrawn",
            request=request,
            detail={"case": case.reference},
        )
    return consent


def sharing_consent(*, case: Case, recipient: Agency) -> Consent | None:
    """The person's newest active consent to sharing with ``recipient``, if any."""
    return (
        Consent.objects.filter(
            case=case,
            purpose=ConsentPurpose.SHARING.value,
            recipient=recipient,
            withdrawn_at__isnull=True,
        )
        .order_by("-given_at")
        .first()
    )


def no_sharing_consent(recipient: Agency) -> ConsentRequiredError:
    """The refusal when the person has not consented to data going to ``recipient``."""
    return ConsentRequiredError(
        _(
            "The person has not consented to sharing with %(agency)s (or withdrew "
            "consent). Record their consent first."
        )
        % {"agency": recipient.name}
    )


def case_share(
    *,
    actor: User,
    case: Case,
    recipient: Agency,
    purpose: str,
    transfer_purpose: str,
    legal_basis: str = "",
    override_reason: str = "",
    request: HttpRequest | None = None,
) -> CaseShare:
    """Make the case visible to ``recipient`` for ``purpose``.

    Needs an active consent to sharing with that very agency. Without one, only a role allowed
    to override (a supervisor) may share, stating the legal basis and the reason. In every
    case a written data-sharing agreement in force between the two agencies must cover
    ``transfer_purpose``; the share refers to it.
    """
    require_role(actor, CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES, what=_("share a case"))
    _require_own_agency(actor, case)
    refuse_if_training(case, recipient)
    if recipient.pk == case.agency_id:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("sharing"),
                    field="recipient",
                    rule=gettext_lazy("the case is already yours"),
                )
            ]
        )
    if not purpose.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("sharing"),
                    field="purpose",
                    rule=gettext_lazy("state why the data is sent"),
                )
            ]
        )
    consent = sharing_consent(case=case, recipient=recipient)
    if consent is None:
        if actor.role not in CONSENT_OVERRIDE_ROLES:
            raise no_sharing_consent(recipient)
        if not legal_basis.strip() or not override_reason.strip():
            raise InputError(
                [
                    problem(
                        where=gettext_lazy("sharing"),
                        field="legal_basis" if not legal_basis.strip() else "override_reason",
                        rule=gettext_lazy(
                            "sharing without consent needs the legal basis and a reason"
                        ),
                    )
                ]
            )
    if CaseShare.objects.in_effect().filter(case=case, agency=recipient).exists():
        raise TransitionRefusedError(
            _("The case is already shared with %(agency)s.") % {"agency": recipient.name}
        )
    agreement = agreement_for_transfer(
        sender=case.agency, recipient=recipient, purpose=transfer_purpose
    )
    with transaction.atomic():
        share = CaseShare.objects.create(
            case=case,
            agency=recipient,
            purpose=purpose.strip()[:300],
            transfer_purpose=transfer_purpose,
            agreement=agreement,
            consent=consent,
            legal_basis=legal_basis.strip()[:300] if consent is None else "",
            override_reason=override_reason.strip()[:500] if consent is None else "",
            shared_by=actor,
            shared_at=timezone.now(),
            expires_at=_override_expiry() if consent is None else None,
        )
        _event(
            case,
            actor,
            CaseEventKind.SHARED,
            reason=purpose.strip()[:500],
            agency=recipient.name,
            override=consent is None,
            agreement=agreement.reference,
        )
        audit_record(
            actor=actor,
            action=AuditAction.SHARE,
            obj=case,
            purpose=purpose.strip()[:300],
            request=request,
            detail={
                "to_agency": recipient.pk,
                "override": consent is None,
                "agreement": agreement.reference,
                "transfer_purpose": transfer_purpose,
            },
        )
    return share


def _override_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.OVERRIDE_SHARE_DAYS)


def _share_end(
    share: CaseShare,
    actor: User,
    reason: str,
    *,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> None:
    """Revoke one share: reads by the recipient are refused from now on; the case's timeline
    and the audit log say who stopped it and why (in the caller's transaction)."""
    share.revoked_at = now or timezone.now()
    share.revoked_by = actor
    share.revoke_reason = reason.strip()[:500]
    share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    _event(
        share.case,
        actor,
        CaseEventKind.SHARE_REVOKED,
        reason=share.revoke_reason,
        agency=share.agency.name,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=share.case,
        fields=["shares"],
        purpose="share revoked",
        request=request,
        detail={"share": share.pk, "to_agency": share.agency_id},
    )


def _own_share(actor: User, share: CaseShare, roles: frozenset[Any], what: str) -> CaseShare:
    """The share, locked and still open, for an actor of the owning agency with ``roles``."""
    require_role(actor, roles, what=what)
    _require_own_agency(actor, share.case)
    locked = (
        CaseShare.objects.select_for_update(of=("self",))
        .select_related("case", "agency")
        .get(pk=share.pk)
    )
    if locked.revoked_at is not None:
        raise TransitionRefusedError(_("This sharing has already been stopped."))
    return locked


def _reason_required(reason: str) -> None:
    if not reason.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("sharing"),
                    field="reason",
                    rule=gettext_lazy("state why"),
                )
            ]
        )


def case_share_revoke(
    *, actor: User, share: CaseShare, reason: str, request: HttpRequest | None = None
) -> CaseShare:
    """The owning agency stops any share of its case, with or without consent."""
    _reason_required(reason)
    with transaction.atomic():
        share = _own_share(
            actor, share, CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES, _("stop sharing a case")
        )
        _share_end(share, actor, reason, request=request)
    return share


def case_share_renew(
    *, actor: User, share: CaseShare, reason: str, request: HttpRequest | None = None
) -> CaseShare:
    """Keep a share made without consent for another period (``PALERMO_OVERRIDE_SHARE_DAYS``
    from now), with a reason; the agreement must still cover it."""
    _reason_required(reason)
    with transaction.atomic():
        share = _own_share(actor, share, CONSENT_OVERRIDE_ROLES, _("renew sharing without consent"))
        if not share.is_override:
            raise TransitionRefusedError(
                _("Sharing based on the person's consent lasts until the consent is withdrawn.")
            )
        agreement_for_transfer(
            sender=share.case.agency, recipient=share.agency, purpose=share.transfer_purpose
        )
        share.expires_at = _override_expiry()
        share.save(update_fields=["expires_at"])
        _event(
            share.case,
            actor,
            CaseEventKind.SHARE_RENEWED,
            reason=reason.strip()[:500],
            agency=share.agency.name,
            until=share.expires_at.date().isoformat(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=share.case,
            fields=["shares"],
            purpose="share renewed",
            request=request,
            detail={"share": share.pk, "to_agency": share.agency_id},
        )
    return share


def shares_end_with_agreement(
    *, agreement: Any, actor: User, request: HttpRequest | None = None, **_signal: Any
) -> int:
    """Receiver of ``agreements.signals.agreement_ended``: every share still open under the
    agreement is revoked, in the transaction that ends it. Returns how many."""
    reason = _("data-sharing agreement %(reference)s ended") % {"reference": agreement.reference}
    shares = CaseShare.objects.filter(agreement=agreement, revoked_at__isnull=True).select_related(
        "case", "agency"
    )
    count = 0
    for share in shares:
        _share_end(share, actor, reason, request=request)
        count += 1
    return count


MAX_NOTE = 20_000
MAX_TASK = 500
MAX_PROVIDER = 200
SEALED_SUFFIX = ".sealed"

# What may be attached, by the name's ending: the type the content must show.
ATTACHMENT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
}
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff(head: bytes) -> str:
    """The type the first bytes of a file show ("" when none Palermo keeps).

    >>> sniff(b"%PDF-1.7"), sniff(b"\\x89PNG\\r\\n\\x1a\\n..."), sniff("名字".encode())
    ('application/pdf', 'image/png', 'text/plain')
    >>> sniff(b"MZ\\x90\\x00"), sniff(b"\\xff\\xfe<")
    ('', '')
    """
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if b"\x00" in head:
        return ""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sniffed bytes is still text
        if exc.reason != "unexpected end of data":
            return ""
    return "text/plain"


def attachment_dir() -> Path:
    """Where case attachments are kept, sealed (0700; files 0600)."""
    return private_dir(Path(settings.DATA_DIR) / "attachments")


def _locked_own_case(actor: User, case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can do this."))
    return locked


def _open_case(actor: User, case: Case) -> Case:
    locked = _locked_own_case(actor, case)
    if locked.status == CaseStatus.CLOSED.value:
        raise TransitionRefusedError(_("The case is closed: nothing more can be added to it."))
    return locked


def _text_problem(field: str, value: str, limit: int) -> None:
    if not value.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("case"), field=field, rule=gettext_lazy("must not be empty")
                )
            ]
        )
    if len(value) > limit:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("case"),
                    field=field,
                    rule=gettext_lazy("must be at most %(n)d characters"),
                    params={"n": limit},
                )
            ]
        )


# --- the name index --------------------------------------------------------------------------


def case_name_index(*, case: Case, full_name: str) -> None:
    """Replace the case's blind-index tokens by those of ``full_name`` (in the caller's
    transaction: the name and its index change together)."""
    CaseNameToken.objects.filter(case=case).delete()
    CaseNameToken.objects.bulk_create(
        [
            CaseNameToken(case=case, key_id=kid, digest=digest)
            for kid, digest in name_digests(full_name, keyring())
        ]
    )


def case_name_reindex(*, batch_size: int = 500) -> int:
    """Index every case's name again under the newest key (after ``palermo keys rotate``).
    Returns the number of cases indexed."""
    count = 0
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            for case in Case.objects.filter(pk__in=ids[start : start + batch_size]).select_related(
                "person"
            ):
                case_name_index(case=case, full_name=case.person.full_name)
                count += 1
    analyze_after_bulk_load(CaseNameToken, rows=count)  # every token written anew
    return count


# --- notes -----------------------------------------------------------------------------------


def case_note_add(
    *, actor: User, case: Case, text: str, request: HttpRequest | None = None
) -> CaseNote:
    """Add a dated note by ``actor``; notes are never changed afterwards."""
    require_role(actor, CASE_WORK_ROLES, what=_("write notes on a case"))
    _text_problem("text", text, MAX_NOTE)
    with transaction.atomic():
        locked = _locked_own_case(actor, case)
        note = CaseNote.objects.create(
            case=locked, author=actor, at=timezone.now(), text=text.strip()
        )
        _event(locked, actor, CaseEventKind.NOTE, note=note.pk)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=note,
            fields=["text"],
            purpose="case note",
            request=request,
            detail={"case": locked.reference},
        )
    return note


# --- services provided -------------------------------------------------------------------------


def case_service_record(
    *,
    actor: User,
    case: Case,
    service: str,
    provided_on: date,
    provider: str = "",
    description: str = "",
    request: HttpRequest | None = None,
) -> CaseService:
    """Record a service provided to the person: its kind (a directory service type), the day
    (not in the future), who provided it and, in words, what was provided."""
    require_role(actor, CASE_WORK_ROLES, what=_("record services provided on a case"))
    problems = []
    where = gettext_lazy("service provided")
    if service not in {kind.value for kind in ServiceType}:
        rule = gettext_lazy("pick a service from the list")
        problems.append(problem(where=where, field="service", value=service, rule=rule))
    if provided_on > timezone.localdate():
        rule = gettext_lazy("must be today or earlier: record a service once it was provided")
        problems.append(
            problem(where=where, field="provided_on", value=provided_on.isoformat(), rule=rule)
        )
    if len(provider.strip()) > MAX_PROVIDER:
        rule = gettext_lazy("too long")
        problems.append(problem(where=where, field="provider", rule=rule))
    if len(description) > MAX_NOTE:
        problems.append(problem(where=where, field="description", rule=gettext_lazy("too long")))
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        locked = _open_case(actor, case)
        record = CaseService.objects.create(
            case=locked,
            service=service,
            provided_on=provided_on,
            provider=provider.strip(),
            description=description.strip(),
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _event(locked, actor, CaseEventKind.SERVICE, service=service, record=record.pk)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            fields=["service", "provided_on", "provider", "description"],
            purpose="case service",
            request=request,
            detail={"case": locked.reference, "service": service},
        )
    return record


# --- assignment ------------------------------------------------------------------------------


def _htcds_codes(chosen: Collection[str], order: tuple[str, ...]) -> list[str]:
    """``chosen`` in the standard's order, each once; a code outside it is refused."""
    unknown = sorted(set(chosen) - set(order))
    if unknown:
        rule = gettext_lazy("is not a value of the HTCDS standard")
        raise InputError(
            [
                problem(where=gettext_lazy("case"), field="htcds", value=v, rule=rule)
                for v in unknown
            ]
        )
    return [code for code in order if code in chosen]


def case_exploitation_record(
    *,
    actor: User,
    case: Case,
    types: Collection[str],
    request: HttpRequest | None = None,
) -> Case:
    """Record the type(s) of exploitation (HTCDS ``vic_TypeOfExploitation``) as the case worker
    understands them from the person's account; none chosen clears them. A person decides this,
    never the indicator sets (they run on the same answers for labour and sexual exploitation).
    """
    require_role(actor, CASE_WORK_ROLES, what=_("record the type of exploitation"))
    unknown = sorted(set(types) - {code for code, _label in EXPLOITATION_TYPE_CHOICES})
    if unknown:
        rule = gettext_lazy("pick the types of exploitation from the list")
        raise InputError(
            [
                problem(where=gettext_lazy("case"), field="exploitation_types", value=v, rule=rule)
                for v in unknown
            ]
        )
    chosen = [code for code, _label in EXPLOITATION_TYPE_CHOICES if code in set(types)]
    with transaction.atomic():
        locked = _open_case(actor, case)
        if locked.exploitation_types == chosen:
            return locked
        Case.objects.filter(pk=locked.pk).update(
            exploitation_types=chosen,
            version=F("version") + 1,
            updated_at=timezone.now(),
            updated_by=actor,
        )
        locked.refresh_from_db()
        _event(locked, actor, CaseEventKind.DETAILS, fields=["exploitation_types"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["exploitation_types"],
            purpose="type of exploitation recorded",
            request=request,
        )
    case.exploitation_types = locked.exploitation_types
    case.version = locked.version
    return locked


def case_assign(
    *, actor: User, case: Case, assignee: User | None, request: HttpRequest | None = None
) -> Case:
    """Give the case to a case worker of its agency (``None``: to nobody)."""
    require_role(actor, CASE_ASSIGN_ROLES, what=_("assign a case"))
    if assignee is not None and (
        assignee.agency_id != actor.agency_id
        or assignee.role not in CASE_ASSIGNEE_ROLES
        or not assignee.is_active
    ):
        raise InputError(
            [
                problem(
                    where=gettext_lazy("case"),
                    field="assigned_to",
                    rule=gettext_lazy("choose an active case worker of your agency"),
                )
            ]
        )
    with transaction.atomic():
        locked = _open_case(actor, case)
        before = locked.assigned_to
        if locked.assigned_to_id == (assignee.pk if assignee else None):
            return locked
        Case.objects.filter(pk=locked.pk).update(
            assigned_to=assignee,
            version=F("version") + 1,
            updated_at=timezone.now(),
            updated_by=actor,
        )
        locked.refresh_from_db()
        _event(
            locked,
            actor,
            CaseEventKind.ASSIGNED,
            assignee=assignee.get_username() if assignee else "",
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["assigned_to"],
            purpose="case assignment",
            request=request,
            detail={
                "before": before.get_username() if before else "",
                "after": assignee.get_username() if assignee else "",
            },
        )
        if assignee is not None and assignee.pk != actor.pk:
            notification_send(
                actor=actor,
                kind=NotificationKind.CASE_ASSIGNED,
                recipient=assignee,
                about=locked,
                url=reverse("cases:detail", args=[locked.pk]),
                params={"reference": locked.reference, "by": actor.get_username()},
                request=request,
            )
    case.assigned_to = locked.assigned_to
    case.version = locked.version
    return locked


# --- tasks -----------------------------------------------------------------------------------


def case_task_add(
    *,
    actor: User,
    case: Case,
    title: str,
    due_on: date,
    assignee: User | None = None,
    request: HttpRequest | None = None,
) -> CaseTask:
    """A task or follow-up due on ``due_on`` (not before today), for ``assignee`` or, when
    none is named, for whoever carries the case."""
    require_role(actor, CASE_WORK_ROLES, what=_("add tasks to a case"))
    _text_problem("title", title, MAX_TASK)
    if due_on < timezone.localdate():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("task"),
                    field="due_on",
                    value=due_on.isoformat(),
                    rule=gettext_lazy("must be today or later"),
                )
            ]
        )
    if assignee is not None and assignee.agency_id != actor.agency_id:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("task"),
                    field="assigned_to",
                    rule=gettext_lazy("choose someone of your agency"),
                )
            ]
        )
    with transaction.atomic():
        locked = _open_case(actor, case)
        task = CaseTask.objects.create(
            case=locked,
            title=title.strip(),
            due_on=due_on,
            assigned_to=assignee or locked.assigned_to,
            created_by=actor,
            created_at=timezone.now(),
        )
        _event(locked, actor, CaseEventKind.TASK_ADDED, task=task.pk, due=due_on.isoformat())
        if task.assigned_to_id is not None and task.assigned_to_id != actor.pk:
            # the task's words may name the person: the notification says only "a task"
            notification_send(
                actor=actor,
                kind=NotificationKind.CASE_TASK_DUE,
                recipient=task.assigned_to,
                about=locked,
                url=reverse("cases:detail", args=[locked.pk]),
                params={
                    "reference": locked.reference,
                    "task": gettext_lazy("a task"),
                    "due": due_on.isoformat(),
                },
                request=request,
            )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=task,
            fields=["title", "due_on"],
            purpose="case task",
            request=request,
            detail={"case": locked.reference, "due_on": due_on.isoformat()},
        )
    return task


def case_task_done(*, actor: User, task: CaseTask, request: HttpRequest | None = None) -> CaseTask:
    """Mark a task done (once)."""
    require_role(actor, CASE_WORK_ROLES, what=_("complete tasks of a case"))
    with transaction.atomic():
        locked_case = _locked_own_case(actor, task.case)
        locked = CaseTask.objects.select_for_update().get(pk=task.pk)
        if locked.done_at is not None:
            raise TransitionRefusedError(_("This task is already done."))
        locked.done_at = timezone.now()
        locked.done_by = actor
        locked.save(update_fields=["done_at", "done_by"])
        _event(locked_case, actor, CaseEventKind.TASK_DONE, task=locked.pk)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["done_at"],
            purpose="case task",
            request=request,
            detail={"case": locked_case.reference},
        )
    return locked


# --- attachments -----------------------------------------------------------------------------


def _refuse_content(name: str, rule: Promise, **params: object) -> InputError:
    return InputError([problem(where=name, rule=rule, params=params)])


def _seal(name: str, suffix: str, chunks: Iterable[bytes]) -> tuple[Path, int, str, str]:
    """Write ``chunks`` sealed; check the size as it comes in and the type from the content."""
    path = attachment_dir() / f"{uuid.uuid4().hex}{SEALED_SUFFIX}"
    limit = int(settings.ATTACHMENT_MAX_BYTES)
    digest = hashlib.sha256()
    head = b""
    try:
        with SealedWriter(path, keyring()) as out:
            for chunk in chunks:
                if out.size + len(chunk) > limit:
                    raise file_too_large(name, limit)
                if len(head) < 4096:
                    head += chunk[: 4096 - len(head)]
                digest.update(chunk)
                out.write(chunk)
            size = out.size
            if size == 0:
                raise _refuse_content(name, gettext_lazy("the file is empty"))
            shown = sniff(head)
            expected = ATTACHMENT_TYPES[suffix]
            if shown != expected:
                raise _refuse_content(
                    name,
                    gettext_lazy(
                        "the content is not what the name says (%(suffix)s); only PDF, PNG, "
                        "JPEG and plain text files are kept"
                    ),
                    suffix=suffix,
                )
    except OSError as exc:  # the half-written file is already removed
        if disk_full(exc):
            raise StorageFullError from None
        raise
    return path, size, digest.hexdigest(), expected


def case_attachment_add(
    *,
    actor: User,
    case: Case,
    file_name: str,
    chunks: Iterable[bytes],
    request: HttpRequest | None = None,
) -> CaseAttachment:
    """Keep a file with the case, sealed on disk; refused unless its content is of the type
    its name says (PDF, PNG, JPEG, plain text) and it is within ``ATTACHMENT_MAX_BYTES``."""
    require_role(actor, CASE_WORK_ROLES, what=_("attach files to a case"))
    if case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can do this."))
    name, suffix = checked_upload_name(
        file_name, default="attachment", suffixes=sorted(ATTACHMENT_TYPES)
    )
    path, size, sha256, kind = _seal(name, suffix, chunks)
    try:
        with transaction.atomic():
            locked = _open_case(actor, case)
            attachment = CaseAttachment.objects.create(
                case=locked,
                file_name=name,
                content_type=kind,
                size=size,
                sha256=sha256,
                stored_name=path.name,
                uploaded_by=actor,
                uploaded_at=timezone.now(),
            )
            _event(locked, actor, CaseEventKind.ATTACHMENT, attachment=attachment.pk, type=kind)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=attachment,
                fields=["file_name", "content"],
                purpose="case attachment",
                request=request,
                detail={"case": locked.reference, "type": kind, "size": size},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment
