"""Writes of the cross-border exchange: keys, partners, packages out and in.

Each runs in one transaction with its audit entry. A package goes out only to a partner whose
key a second administrator confirmed, carrying only the fields of the person's consent to
that partner (or, without consent, the fields a supervisor chose, with legal basis and reason);
a package comes in only when its signature, its schema and its consent check out, and then
opens its case, records its provenance and its id (never twice) all in one transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.interchange.htcds import (
    FIELDS,
    HTCDS_REFERRAL_REASONS,
    CaseData,
    Party,
    Transfer,
    case_document,
    case_pseudonym,
    received_case,
)
from palermo.interchange.htcds import (
    MAX_TEXT as HTCDS_MAX_TEXT,
)
from palermo.interchange.package import (
    AgencyKeys,
    PublicKeys,
    open_envelope,
    read_envelope,
    read_key_card,
    seal,
)
from palermo.web.accounts.models import Agency, User
from palermo.web.administration.services import Actor
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import Case, CaseNote, Consent, ConsentPurpose, notes_in_order
from palermo.web.cases.services import case_exported, case_receive
from palermo.web.exchange.models import AgencyKeyPair, Direction, ExchangePackage, Partner
from palermo.web.lib.actors import SystemActor
from palermo.web.lib.errors import (
    ConsentRequiredError,
    NotPermittedError,
    TransitionRefusedError,
)
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import (
    CONSENT_OVERRIDE_ROLES,
    EXCHANGE_EXPORT_ROLES,
    EXCHANGE_IMPORT_ROLES,
    EXCHANGE_KEY_ROLES,
    AgencyKind,
    require_role,
)
from palermo.web.lib.training import in_training, refuse_if_training

WHERE = gettext_lazy("exchange")


def is_training(case: Case) -> bool:
    """Whether ``case`` is a training row (its agency is a training agency: ``Agency.
    is_training``, the sandbox's flag): those never leave the installation. The one check every
    exchange path calls; ``lib/training.refuse_if_training`` then keeps the sandbox's wall."""
    return bool(case.agency.is_training)


def _audit(actor: Actor, **kwargs: Any) -> None:
    if isinstance(actor, SystemActor):
        audit_record(actor=None, actor_label=actor.label, **kwargs)
    else:
        audit_record(actor=actor, **kwargs)


def _label(actor: Actor) -> str:
    return actor.label if isinstance(actor, SystemActor) else actor.get_username()


def _user(actor: Actor) -> User | None:
    return None if isinstance(actor, SystemActor) else actor


def _refuse(field: str, rule: Any, **params: object) -> InputError:
    return InputError([problem(where=WHERE, field=field, rule=rule, params=params or None)])


def _require_key_admin(actor: Actor, agency: Agency) -> None:
    if isinstance(actor, SystemActor):
        return
    require_role(actor, EXCHANGE_KEY_ROLES, what=gettext_lazy("manage exchange keys"))
    if actor.agency_id != agency.pk:
        raise NotPermittedError(_("Only an administrator of the agency can do this."))


# --- our own key pair ----------------------------------------------------------------------


def current_key_pair(agency: Agency) -> AgencyKeyPair | None:
    return AgencyKeyPair.objects.filter(agency=agency, retired_at__isnull=True).first()


def key_pair_generate(
    *, actor: Actor, agency: Agency, country: str, request: HttpRequest | None = None
) -> AgencyKeyPair:
    """A new key pair for ``agency`` (the current one, if any, retired): partners must register
    the new key card before they can send to it again."""
    _require_key_admin(actor, agency)
    country = country.strip().upper()
    if not (2 <= len(country) <= 3 and country.isascii() and country.isalpha()):
        raise _refuse("country", gettext_lazy("give the ISO 3166 code of the agency's country"))
    keys = AgencyKeys.generate()
    public = keys.public()
    now = timezone.now()
    with transaction.atomic():
        old = AgencyKeyPair.objects.select_for_update().filter(
            agency=agency, retired_at__isnull=True
        )
        retired = [pair.fingerprint for pair in old]
        old.update(retired_at=now)
        pair = AgencyKeyPair.objects.create(
            agency=agency,
            country=country,
            private_keys=keys.to_text(),
            pseudonym_secret=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
            signing_key=base64.b64encode(public.signing).decode("ascii"),
            encryption_key=base64.b64encode(public.encryption).decode("ascii"),
            fingerprint=public.fingerprint,
            created_by=_user(actor),
            created_label=_label(actor)[:200],
            created_at=now,
        )
        _audit(
            actor,
            action=AuditAction.KEY_ROTATION,
            obj=pair,
            purpose="exchange key pair generated",
            request=request,
            detail={"agency": agency.pk, "fingerprint": pair.fingerprint, "retired": retired},
        )
    return pair


def own_keys(agency: Agency) -> tuple[AgencyKeyPair, AgencyKeys]:
    pair = current_key_pair(agency)
    if pair is None:
        raise TransitionRefusedError(
            _(
                "Your agency has no exchange key pair yet: an administrator generates one on "
                "the partner agencies page."
            )
        )
    return pair, AgencyKeys.from_text(pair.private_keys)


def public_keys(signing: str, encryption: str) -> PublicKeys:
    return PublicKeys(base64.b64decode(signing), base64.b64decode(encryption))


def key_card(pair: AgencyKeyPair) -> str:
    """The card our partners register: agency code, name, country and both public keys."""
    return public_keys(pair.signing_key, pair.encryption_key).card(
        code=pair.agency.code, name=pair.agency.name, country=pair.country
    )


# --- partner agencies ----------------------------------------------------------------------


def _partner_agency(code: str, name: str, kind: str, owner: Agency) -> Agency:
    """The partner as an agency row (created on first registration, without users)."""
    if kind not in {k.value for k in AgencyKind}:
        raise _refuse("kind", gettext_lazy("choose the kind of agency"))
    existing = Agency.objects.filter(code=code).first()
    if existing is None:
        if Agency.objects.filter(name=name).exists():
            raise _refuse(
                "name",
                gettext_lazy("another agency of this installation already has this name"),
            )
        return Agency.objects.create(code=code, name=name, kind=kind)
    if existing.pk == owner.pk:
        raise _refuse("agency", gettext_lazy("this is your own agency's key card"))
    if existing.name != name:
        raise _refuse(
            "name",
            gettext_lazy("the card names another agency than the one with code %(code)s here"),
            code=code,
        )
    return existing


def partner_register(
    *,
    actor: User,
    card: bytes,
    kind: str,
    agreement: str,
    request: HttpRequest | None = None,
) -> Partner:
    """Register a partner agency's key card for the actor's agency. The keys are not used until
    a second administrator of the agency confirms them (``partner_confirm``)."""
    owner = actor.agency
    _require_key_admin(actor, owner)
    parsed = read_key_card(card)
    if not agreement.strip():
        raise _refuse(
            "agreement",
            gettext_lazy("name the written data-sharing agreement with this agency"),
        )
    now = timezone.now()
    with transaction.atomic():
        agency = _partner_agency(parsed.code, parsed.name, kind, owner)
        if Partner.objects.filter(owner=owner, agency=agency, retired_at__isnull=True).exists():
            raise TransitionRefusedError(
                _("%(agency)s already has a key registered: retire it first.")
                % {"agency": agency.name}
            )
        partner = Partner.objects.create(
            owner=owner,
            agency=agency,
            country=parsed.country,
            agreement=agreement.strip()[:120],
            signing_key=base64.b64encode(parsed.keys.signing).decode("ascii"),
            encryption_key=base64.b64encode(parsed.keys.encryption).decode("ascii"),
            fingerprint=parsed.keys.fingerprint,
            registered_by=actor,
            registered_label=_label(actor)[:200],
            registered_at=now,
        )
        _audit(
            actor,
            action=AuditAction.CREATE,
            obj=partner,
            purpose="exchange partner key registered",
            request=request,
            detail={"partner": agency.code, "fingerprint": partner.fingerprint},
        )
    return partner


def _locked_partner(actor: User, partner: Partner) -> Partner:
    _require_key_admin(actor, partner.owner)
    return Partner.objects.select_for_update().select_related("agency").get(pk=partner.pk)


def partner_confirm(
    *, actor: User, partner: Partner, request: HttpRequest | None = None
) -> Partner:
    """A second administrator confirms a registered key (after comparing its fingerprint with
    the partner agency by telephone): from now on packages use it."""
    with transaction.atomic():
        locked = _locked_partner(actor, partner)
        if locked.retired_at is not None or locked.confirmed_at is not None:
            raise TransitionRefusedError(_("This key is not waiting for confirmation."))
        if locked.registered_by_id == actor.pk:
            raise NotPermittedError(
                _("A second administrator confirms the key, not the one who registered it.")
            )
        locked.confirmed_by = actor
        locked.confirmed_label = _label(actor)[:200]
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_by", "confirmed_label", "confirmed_at"])
        _audit(
            actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["confirmed_at"],
            purpose="exchange partner key confirmed",
            request=request,
            detail={"partner": locked.agency.code, "fingerprint": locked.fingerprint},
        )
    return locked


def partner_retire(
    *, actor: User, partner: Partner, reason: str, request: HttpRequest | None = None
) -> Partner:
    """Stop using a partner's key (compromised, replaced, relationship ended), with a reason."""
    if not reason.strip():
        raise _refuse("reason", gettext_lazy("state why"))
    with transaction.atomic():
        locked = _locked_partner(actor, partner)
        if locked.retired_at is not None:
            raise TransitionRefusedError(_("This key was already retired."))
        locked.retired_at = timezone.now()
        locked.retire_reason = reason.strip()[:500]
        locked.save(update_fields=["retired_at", "retire_reason"])
        _audit(
            actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["retired_at"],
            purpose="exchange partner key retired",
            request=request,
            detail={"partner": locked.agency.code},
        )
    return locked


def partner_in_use(*, owner: Agency, code: str) -> Partner | None:
    """The confirmed, current partner of ``owner`` with agency code ``code``."""
    return (
        Partner.objects.select_related("agency")
        .filter(owner=owner, agency__code=code, confirmed_at__isnull=False, retired_at__isnull=True)
        .first()
    )


# --- packages out --------------------------------------------------------------------------


def exchange_consent(*, case: Case, partner: Partner) -> Consent | None:
    """The person's newest active consent to an exchange with ``partner``, if any."""
    return (
        Consent.objects.filter(
            case=case,
            purpose=ConsentPurpose.CROSS_BORDER.value,
            recipient=partner.agency,
            withdrawn_at__isnull=True,
        )
        .order_by("-given_at", "-id")
        .first()
    )


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the person sending a case states: where to, why, and (override only) on what
    legal basis and with which fields."""

    partner: Partner
    reason: str
    details: str
    legal_basis: str = ""
    override_reason: str = ""
    override_fields: Collection[str] = ()


@dataclass(frozen=True, slots=True)
class _Basis:
    consent: Consent | None
    fields: list[str]
    legal_basis: str
    override_reason: str


def _export_basis(actor: User, case: Case, wanted: ExportRequest) -> _Basis:
    consent = exchange_consent(case=case, partner=wanted.partner)
    if consent is not None:
        return _Basis(consent, list(consent.fields), "", "")
    if actor.role not in CONSENT_OVERRIDE_ROLES:
        raise ConsentRequiredError(
            _(
                "The person has not consented to an exchange with %(agency)s (or withdrew "
                "consent). Record their consent and the fields they agreed to send first."
            )
            % {"agency": wanted.partner.agency.name}
        )
    problems = []
    if not wanted.legal_basis.strip():
        problems.append(
            problem(
                where=WHERE,
                field="legal_basis",
                rule=gettext_lazy("sending without consent needs the legal basis"),
            )
        )
    if not wanted.override_reason.strip():
        problems.append(
            problem(
                where=WHERE,
                field="override_reason",
                rule=gettext_lazy("sending without consent needs a reason"),
            )
        )
    fields = [name for name in FIELDS if name in set(wanted.override_fields)]
    if not fields or set(wanted.override_fields) - set(FIELDS):
        problems.append(
            problem(
                where=WHERE,
                field="fields",
                rule=gettext_lazy("choose the fields to send, only those the purpose needs"),
            )
        )
    if problems:
        raise InputError(problems)
    return _Basis(None, fields, wanted.legal_basis.strip()[:300], wanted.override_reason.strip())


def _check_export(actor: User, case: Case, wanted: ExportRequest) -> None:
    require_role(actor, EXCHANGE_EXPORT_ROLES, what=gettext_lazy("send a case abroad"))
    if case.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that owns the case can do this."))
    if is_training(case):
        raise TransitionRefusedError(_("A training case never leaves the installation."))
    partner = wanted.partner
    refuse_if_training(case, partner.agency)
    if partner.owner_id != actor.agency_id or not partner.in_use:
        raise TransitionRefusedError(
            _("%(agency)s has no confirmed key registered by your agency.")
            % {"agency": partner.agency.name}
        )
    problems = []
    if wanted.reason not in HTCDS_REFERRAL_REASONS:
        problems.append(
            problem(
                where=WHERE,
                field="reason",
                value=wanted.reason,
                rule=gettext_lazy("choose the reason for the referral"),
            )
        )
    if not wanted.details.strip() or len(wanted.details) > 300:
        problems.append(
            problem(
                where=WHERE,
                field="details",
                rule=gettext_lazy("state the purpose of the transfer (at most 300 characters)"),
            )
        )
    if problems:
        raise InputError(problems)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def notes_comment(notes: list[CaseNote]) -> str:
    """The case's dated notes as HTCDS's one case comment: each note with its time (UTC) and
    the agency that wrote it (never the official's account), oldest first. Past the
    comment's limit the oldest notes are left out and the comment says how many."""
    room = HTCDS_MAX_TEXT - 200  # the line saying what was left out fits in the rest
    lines = [f"[{_iso(note.at)} · {note.author.agency.name}]\n{note.text}"[:room] for note in notes]
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        size += len(line) + 2
        if size > room:
            break
        kept.append(line)
    left_out = len(lines) - len(kept)
    if left_out:
        kept.append(f"[{left_out} earlier notes left out: too long for one package]")
    return "\n\n".join(reversed(kept))


def package_export(
    *, actor: User, case: Case, wanted: ExportRequest, request: HttpRequest | None = None
) -> tuple[ExchangePackage, bytes]:
    """The package of ``case`` for ``wanted.partner``: only the consented fields, the case
    named by its pseudonym for that partner, signed by us and encrypted to the partner's
    confirmed key. The export is on the case's timeline and in the audit log."""
    _check_export(actor, case, wanted)
    basis = _export_basis(actor, case, wanted)
    pair, keys = own_keys(actor.agency)
    partner = wanted.partner
    now = timezone.now()
    transfer = Transfer(
        package_id=str(uuid.uuid4()),
        created_at=_iso(now),
        sender=Party(actor.agency.code, actor.agency.name, pair.country),
        recipient=Party(partner.agency.code, partner.agency.name, partner.country),
        reason=wanted.reason,
        details=wanted.details.strip(),
        basis="consent" if basis.consent is not None else "override",
        legal_basis=basis.legal_basis,
        consent_given_on=_iso(basis.consent.given_at)[:10] if basis.consent else "",
    )
    data = CaseData(
        full_name=case.person.full_name,
        document_number=case.person.document_number,
        contact=case.person.contact,
        # the notes are read only when the person consented to sending them
        notes=notes_comment(list(notes_in_order(case)))
        if "cco_CaseComment" in basis.fields
        else "",
        status=case.status,
        outcome=case.outcome,
        agency_kind=case.agency.kind,
        exploitation_types=tuple(case.exploitation_types),
        methods_of_control=tuple(case.methods_of_control),
    )
    pseudonym = case_pseudonym(
        base64.b64decode(pair.pseudonym_secret),
        case_reference=case.reference,
        recipient_code=partner.agency.code,
    )
    document = case_document(
        case=data, consented=basis.fields, pseudonym=pseudonym, transfer=transfer
    )
    package = seal(
        document,
        sender_keys=keys,
        recipient_keys=public_keys(partner.signing_key, partner.encryption_key),
    )
    with transaction.atomic():
        record = ExchangePackage.objects.create(
            direction=Direction.SENT.value,
            package_id=transfer.package_id,
            agency=actor.agency,
            partner=partner,
            case=case,
            case_pseudonym=pseudonym,
            fields=list(document["fields"]),
            basis=transfer.basis,
            consent=basis.consent,
            legal_basis=basis.legal_basis,
            override_reason=basis.override_reason[:500],
            reason=wanted.reason,
            details=transfer.details,
            created_at=now,
            recorded_at=now,
            recorded_by=actor,
        )
        case_exported(
            actor=actor,
            case=case,
            purpose=transfer.details,
            recipient=partner.agency,
            transfer_purpose=ConsentPurpose.CROSS_BORDER.value,
            fields=record.fields,
            at=now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=case,
            fields=record.fields,
            purpose=transfer.details,
            request=request,
            detail={
                "format": "htcds-package",
                "package": transfer.package_id,
                "to_partner": partner.agency.code,
                "consent": basis.consent.pk if basis.consent else None,
                "override": basis.consent is None,
                "agreement": partner.agreement,
            },
        )
    return record, package


# --- packages in ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checked:
    """A package verified end to end for the actor's agency, not yet imported."""

    partner: Partner
    document: dict[str, Any]
    replayed: bool


def _check_package(actor: User, data: bytes) -> Checked:
    """Signature (the sender's confirmed key), our key, schema and consent; raises
    ``InputError`` naming what failed and where."""
    agency = actor.agency

    def sender_keys(code: str) -> PublicKeys | None:
        partner = partner_in_use(owner=agency, code=code)
        return public_keys(partner.signing_key, partner.encryption_key) if partner else None

    envelope = read_envelope(data, sender_keys=sender_keys)
    _pair, keys = own_keys(agency)
    document = open_envelope(envelope, recipient_code=agency.code, recipient_keys=keys)
    partner = partner_in_use(owner=agency, code=envelope.sender)
    if partner is None:  # retired between the two reads
        raise _refuse("sender", gettext_lazy("the sender's key is no longer in use"))
    replayed = ExchangePackage.objects.filter(
        direction=Direction.RECEIVED.value, package_id=envelope.package_id
    ).exists()
    return Checked(partner, document, replayed)


def package_verify(*, actor: User, data: bytes, request: HttpRequest | None = None) -> Checked:
    """Check a package without importing it (audited: it was decrypted)."""
    require_role(actor, EXCHANGE_IMPORT_ROLES, what=gettext_lazy("check an exchange package"))
    checked = _check_package(actor, data)
    audit_record(
        actor=actor,
        action=AuditAction.READ,
        object_type="exchange.package",
        object_id=checked.document["package_id"],
        fields=[name for name in FIELDS if name in checked.document["fields"]],
        purpose="exchange package verified",
        request=request,
        detail={"from_partner": checked.partner.agency.code},
    )
    return checked


def _replay_refusal(package_id: str) -> TransitionRefusedError:
    return TransitionRefusedError(
        _("Package %(id)s was already received: a package is imported once.") % {"id": package_id}
    )


def package_import(
    *, actor: User, data: bytes, request: HttpRequest | None = None
) -> ExchangePackage:
    """Import a package addressed to the actor's agency: signature, schema and consent are
    checked, then the case, its provenance and the package id are written in one transaction
    (all or nothing). A package id already received is refused."""
    require_role(actor, EXCHANGE_IMPORT_ROLES, what=gettext_lazy("receive a case from abroad"))
    if in_training(actor):
        raise NotPermittedError(
            _("A training agency receives only training cases, never live ones.")
        )
    checked = _check_package(actor, data)
    document = checked.document
    if checked.replayed:
        raise _replay_refusal(document["package_id"])
    received = received_case(document)
    consent = document["consent"]
    try:
        with transaction.atomic():
            case = case_receive(
                actor=actor,
                full_name=received.full_name,
                document_number=received.document_number,
                contact=received.contact,
                note=received.notes,
                outcome=received.outcome,
                sender=checked.partner.agency.name,
                package_id=document["package_id"],
                exploitation_types=received.exploitation_types,
                methods_of_control=received.methods_of_control,
                request=request,
            )
            record = ExchangePackage.objects.create(
                direction=Direction.RECEIVED.value,
                package_id=document["package_id"],
                agency=actor.agency,
                partner=checked.partner,
                case=case,
                case_pseudonym=document["case_pseudonym"],
                fields=[name for name in FIELDS if name in received.fields],
                basis=consent["basis"],
                legal_basis=consent["legal_basis"],
                reason=document["referral"]["cas_ReasonForIncomingReferral"],
                details=document["referral"]["cas_IncomingReferralDetails"],
                created_at=dt.datetime.fromisoformat(document["created_at"]),
                recorded_at=timezone.now(),
                recorded_by=actor,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=record,
                fields=record.fields,
                purpose="exchange package received",
                request=request,
                detail={
                    "package": record.package_id,
                    "from_partner": checked.partner.agency.code,
                    "case": case.reference,
                    "basis": record.basis,
                },
            )
    except IntegrityError:  # the same package imported at the same moment by someone else
        raise _replay_refusal(document["package_id"]) from None
    return record
