"""A Palermo case as an HTCDS v2.0 case document, limited to the fields the person consented to.

HTCDS (the Human Trafficking Case Data Standard, v2.0 of 24 Dec 2021, IOM, CC BY 4.0) names
case data by table prefix and field (``prs_FirstName``, ``cas_Status`` ...). This module maps a
Palermo case onto those names, leaves out every field the person did not consent to send to the
receiving agency, replaces Palermo's case reference and pseudonymous id by a pseudonym stable
for one pair of agencies, and checks a document against the JSON Schema Palermo emits
(``SCHEMA``, with the ``jsonschema`` library) on the way out and on the way in.

The field mapping (Palermo -> HTCDS; ``plm_`` names are Palermo's own, where HTCDS has none):

=======================  =================================  ===================================
Palermo                  HTCDS                              how
=======================  =================================  ===================================
person.full_name         ``prs_FirstName``                  the whole name as written: Palermo
                                                            keeps one name (the order differs by
                                                            script), so ``prs_SecondName`` is not
                                                            guessed by splitting it
person.document_number   ``prs_IdentityNumber``             as recorded
person.contact           ``plm_ContactDetails``             free text; HTCDS splits phone, e-mail
                                                            and address, Palermo does not
case notes (dated)       ``cco_CaseComment``                the case's dated notes in one text, each
                                                            with its time (UTC) and the writing
                                                            agency; received: one dated note
case.status              ``cas_Status``                     identified, referred -> Active;
                                                            assisted -> FollowUp; closed -> Closed
case.outcome             ``vic_TraffickingStatus``          possible and presumed victim ->
                                                            PossibleVictimOfTrafficking (only a
                                                            competent authority identifies an
                                                            actual victim); a child at risk
                                                            (no finding on trafficking): left out
case.outcome             ``plm_IndicatorOutcome``           possible, presumed or child_at_risk
                                                            (Palermo's outcome, kept exact)
case.exploitation_types  ``vic_TypeOfExploitation``         what the case worker recorded (one or
                                                            more of the standard's 11 values);
                                                            never guessed from the interview
interview's indicators   ``vic_MethodsOfControl``           the union of what each indicator found
                                                            declares (``htcds_control`` in the
                                                            indicator catalogue), in the
                                                            standard's order; a received case's
                                                            own reported values kept with it
agency kind              ``vic_TraffickingStatusDecision``  anti-trafficking office -> Police;
                         ``MakingOrg``                      NGO -> NGO; international -> Other;
                                                            the rest -> NonPoliceGovernmental...
sending agency           ``cas_ReferringOrganisation``      always (the envelope, not the person)
export date, purpose     ``cas_IncomingReferralDate``,      always; the reason one of HTCDS's
                         ``cas_ReasonForIncomingReferral``, three values
                         ``cas_IncomingReferralDetails``
consent (checklist)      ``con_Consent``                    always: the seven-item checklist and
                                                            the list of consented fields
=======================  =================================  ===================================

Every field in ``FIELDS`` is sent only if it is in the consent's field list; the document's
``consent.fields`` names them, and a received document holding any other field is refused.

HTCDS core fields Palermo does not carry (``NOT_CARRIED``, with the reason): ``prs_SecondName``,
``prs_Birthdate``, ``prs_Gender``, ``prs_Citizenship``, contact and mailing-address fields as
separate fields, ``vic_ForcedLabourIndustry``, ``vic_TypeOfSexExploitation``,
``vic_MethodOfRecruitment``, ``vic_LocationOfRecruitment``, ``vic_LocationOfExploitation``,
``cas_ReasonForCaseClosure``, ``cas_CaseOwner`` (the receiver's own case worker) and the
outgoing-referral fields (the receiver's).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from jsonschema import Draft202012Validator

from palermo.errors import InputError, Problem

HTCDS_VERSION: Final = "2.0"
DOCUMENT_FORMAT: Final = "palermo-htcds-case"
DOCUMENT_VERSION: Final = 1

#: the longest text of one field (the case service's own limit)
MAX_TEXT: Final = 20_000
#: the longest name, code or short text
MAX_SHORT: Final = 300


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One HTCDS field Palermo can send: its source, its words and how long it may be."""

    name: str
    source: str
    label: str
    label_zh: str
    personal: bool
    max_length: int = MAX_SHORT
    values: tuple[str, ...] = ()
    #: a multiselect: a list of ``values``, each once, at least one
    multiple: bool = False


HTCDS_CASE_STATUS: Final = ("Active", "FollowUp", "Closed", "ClosedReferred")
HTCDS_TRAFFICKING_STATUS: Final = (
    "PossibleVictimOfTrafficking",
    "ActualVictimOfTrafficking",
    "NotAVictimOfTrafficking",
)
HTCDS_DECISION_ORG: Final = (
    "Police",
    "NGO",
    "CourtOrProsecution",
    "NonPoliceGovernmentalOrganization",
    "Other",
)
HTCDS_REFERRAL_REASONS: Final = (
    "AdditionalServicesRequired",
    "MigrationOrChangeOfLocation",
    "Other",
)
INDICATOR_OUTCOMES: Final = ("possible", "presumed", "child_at_risk")
#: ``vic_TypeOfExploitation`` (reference/data-standards.md §5.2), the standard's order
HTCDS_TYPES_OF_EXPLOITATION: Final = (
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "Other",
)
#: ``vic_MethodsOfControl``: the .ods picklist's 16 values plus RestrictsMovement and
#: UsesChildren of its Field Definitions (the picklist lacks them). The indicator catalogue's
#: ``htcds_methods_of_control`` lists the same codes (held equal by a test: the two packages
#: stand side by side and do not import each other).
HTCDS_METHODS_OF_CONTROL: Final = (
    "PhysicalThreats",
    "ThreatsLawEnforcement",
    "ThreatensChildrenFamily",
    "DebtBondage",
    "FalsePromises",
    "PhysicalAbuse",
    "SexualAbuse",
    "TakesEarnings",
    "RestrictsFinancialAccess",
    "RestrictsMedicalCare",
    "WithholdsNecessities",
    "PsychologicalAbuse",
    "PsychoactiveSubstance",
    "ExcessiveWorkingHours",
    "WithholdsDocuments",
    "RestrictsMovement",
    "UsesChildren",
    "Other",
)

#: every field a person may consent to sending, in the order a page lists them
FIELDS: Final[dict[str, FieldSpec]] = {
    spec.name: spec
    for spec in (
        FieldSpec("prs_FirstName", "person.full_name", "Name", "姓名", True, MAX_SHORT),
        FieldSpec(
            "prs_IdentityNumber", "person.document_number", "Document number", "证件号码", True
        ),
        FieldSpec("plm_ContactDetails", "person.contact", "Contact details", "联系方式", True),
        FieldSpec(
            "cco_CaseComment",
            "case.notes",
            "Case notes (dated, with the writing agency)",
            "个案记录（注明日期及撰写机构）",
            True,
            MAX_TEXT,
        ),
        FieldSpec(
            "cas_Status", "case.status", "Case status", "个案状态", False, values=HTCDS_CASE_STATUS
        ),
        FieldSpec(
            "vic_TraffickingStatus",
            "case.outcome",
            "Trafficking status",
            "贩运身份状态",
            False,
            values=HTCDS_TRAFFICKING_STATUS,
        ),
        FieldSpec(
            "plm_IndicatorOutcome",
            "case.outcome",
            "Interview outcome (possible or presumed victim)",
            "面谈结论（可能或推定的受害人）",
            False,
            values=INDICATOR_OUTCOMES,
        ),
        FieldSpec(
            "vic_TypeOfExploitation",
            "case.exploitation_types",
            "Type of exploitation (recorded by the case worker)",
            "剥削类型（由个案工作人员记录）",
            False,
            values=HTCDS_TYPES_OF_EXPLOITATION,
            multiple=True,
        ),
        FieldSpec(
            "vic_MethodsOfControl",
            "interview indicators",
            "Means of control (from the interview's indicators)",
            "控制手段（来自面谈指标）",
            False,
            values=HTCDS_METHODS_OF_CONTROL,
            multiple=True,
        ),
        FieldSpec(
            "vic_TraffickingStatusDecisionMakingOrg",
            "agency.kind",
            "Kind of organisation that assessed the person",
            "作出评估的机构类型",
            False,
            values=HTCDS_DECISION_ORG,
        ),
    )
}

#: HTCDS core fields Palermo does not hold, and why they are not carried
NOT_CARRIED: Final[dict[str, str]] = {
    "prs_SecondName": "Palermo keeps one full name as written; it goes whole in prs_FirstName",
    "prs_Birthdate": "Palermo's case does not record a date of birth",
    "prs_Gender": "Palermo's case does not record gender",
    "prs_Citizenship": "Palermo's case does not record citizenship",
    "prs_Phone, prs_Email, mailing address": "Palermo keeps one free-text contact field",
    "vic_ForcedLabourIndustry": "not recorded on a Palermo case",
    "vic_TypeOfSexExploitation": "not recorded on a Palermo case",
    "vic_MethodOfRecruitment": "not recorded on a Palermo case",
    "vic_LocationOfRecruitment": "not recorded on a Palermo case",
    "vic_LocationOfExploitation": "not recorded on a Palermo case",
    "cas_ReasonForCaseClosure": "a case is sent to be worked on; closure stays with the sender",
    "cas_CaseOwner": "the receiving agency assigns its own case worker",
    "cas_ReferredOrganisation and the outgoing-referral fields": "the receiver's, not ours",
}

CONSENT_CHECKLIST: Final = (
    "consented",
    "told_purpose",
    "told_uses",
    "told_research",
    "told_access",
    "told_retention",
    "told_withdrawal",
)

_STATUS_TO_HTCDS: Final = {
    "identified": "Active",
    "referred": "Active",
    "assisted": "FollowUp",
    "closed": "Closed",
}
_ORG_KIND_TO_HTCDS: Final = {
    "anti_trafficking": "Police",
    "ngo": "NGO",
    "international": "Other",
}


@dataclass(frozen=True, slots=True)
class CaseData:
    """What Palermo holds about one case, by Palermo's names (the web layer fills it)."""

    full_name: str
    document_number: str
    contact: str
    notes: str
    status: str
    outcome: str
    agency_kind: str
    #: ``vic_TypeOfExploitation`` values the case worker recorded
    exploitation_types: tuple[str, ...] = ()
    #: ``vic_MethodsOfControl`` values the interview's indicators evidence
    methods_of_control: tuple[str, ...] = ()


#: a field's value in a document: a text, or a multiselect's list of values
FieldValue = str | list[str]


@dataclass(frozen=True, slots=True)
class Party:
    """An agency at one end of an exchange."""

    code: str
    name: str
    country: str


@dataclass(frozen=True, slots=True)
class Transfer:
    """What the document says about the transfer itself (never about the person)."""

    package_id: str
    created_at: str
    sender: Party
    recipient: Party
    reason: str
    details: str
    basis: str  # "consent" or "override"
    legal_basis: str
    consent_given_on: str


def htcds_values(case: CaseData) -> dict[str, FieldValue]:
    """Every field of ``FIELDS`` with its HTCDS value (empty texts and lists left out); a
    multiselect keeps the standard's order of its values."""
    values: dict[str, FieldValue] = {
        "prs_FirstName": case.full_name,
        "prs_IdentityNumber": case.document_number,
        "plm_ContactDetails": case.contact,
        "cco_CaseComment": case.notes,
        "cas_Status": _STATUS_TO_HTCDS.get(case.status, "Active"),
        # a child at risk was referred to child protection without a finding on trafficking
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking"
        if case.outcome in {"possible", "presumed"}
        else "",
        "plm_IndicatorOutcome": case.outcome,
        "vic_TypeOfExploitation": _in_order(case.exploitation_types, HTCDS_TYPES_OF_EXPLOITATION),
        "vic_MethodsOfControl": _in_order(case.methods_of_control, HTCDS_METHODS_OF_CONTROL),
        "vic_TraffickingStatusDecisionMakingOrg": _ORG_KIND_TO_HTCDS.get(
            case.agency_kind, "NonPoliceGovernmentalOrganization"
        ),
    }
    return {name: value for name, value in values.items() if value}


def _in_order(chosen: Collection[str], order: tuple[str, ...]) -> list[str]:
    """``chosen`` once each in the standard's ``order``; a value outside it is refused."""
    unknown = sorted(set(chosen) - set(order))
    if unknown:
        raise InputError(
            [
                exchange_problem(
                    "case", None, "is not a value of the standard", "不是该标准中的取值", v
                )
                for v in unknown
            ]
        )
    return [value for value in order if value in chosen]


def case_pseudonym(secret: bytes, *, case_reference: str, recipient_code: str) -> str:
    """The case's name in exchanges with one agency: the same every time the case goes to that
    agency (updates can be linked), different for every other agency (they cannot link theirs),
    and not reversible without ``secret``.

    >>> a = case_pseudonym(b"k" * 32, case_reference="C-AAAA-BBBB", recipient_code="x")
    >>> a == case_pseudonym(b"k" * 32, case_reference="C-AAAA-BBBB", recipient_code="x")
    True
    >>> a == case_pseudonym(b"k" * 32, case_reference="C-AAAA-BBBB", recipient_code="y")
    False
    >>> a.startswith("X-"), len(a)
    (True, 28)
    """
    message = f"{recipient_code}\x00{case_reference}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:16]
    return "X-" + base64.b32encode(digest).decode("ascii").rstrip("=")


def case_document(
    *,
    case: CaseData,
    consented: Collection[str],
    pseudonym: str,
    transfer: Transfer,
) -> dict[str, Any]:
    """The HTCDS case document carrying exactly the ``consented`` fields that have a value.

    Raises ``InputError`` naming any consented field Palermo cannot send; the result is
    checked against ``SCHEMA`` before it is returned.
    """
    unknown = sorted(set(consented) - set(FIELDS))
    if unknown:
        raise InputError(
            [
                exchange_problem(
                    "consent", field, "is not a field Palermo sends", "不是 Palermo 发送的字段"
                )
                for field in unknown
            ]
        )
    values = htcds_values(case)
    document: dict[str, Any] = {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "htcds_version": HTCDS_VERSION,
        "package_id": transfer.package_id,
        "created_at": transfer.created_at,
        "sender": _party(transfer.sender),
        "recipient": _party(transfer.recipient),
        "case_pseudonym": pseudonym,
        "referral": {
            "cas_ReferringOrganisation": transfer.sender.name,
            "cas_IncomingReferralDate": transfer.created_at[:10],
            "cas_ReasonForIncomingReferral": transfer.reason,
            "cas_IncomingReferralDetails": transfer.details,
        },
        "consent": {
            "con_Consent": transfer.basis == "consent",
            "basis": transfer.basis,
            "checklist": list(CONSENT_CHECKLIST) if transfer.basis == "consent" else [],
            "given_on": transfer.consent_given_on,
            "legal_basis": transfer.legal_basis,
            "fields": [name for name in FIELDS if name in consented],
        },
        "fields": {name: values[name] for name in FIELDS if name in consented and name in values},
    }
    validate_document(document, where="export")
    return document


def _party(party: Party) -> dict[str, str]:
    return {"code": party.code, "name": party.name, "country": party.country}


def exchange_problem(
    where: str, field: str | None, rule: str, rule_zh: str, value: object = None
) -> Problem:
    """One problem of an exchanged document, package or key card (what, where, why)."""
    return Problem(where=where, field=field, value=value, rule=rule, rule_zh=rule_zh)


def schema_problems(
    validator: Draft202012Validator, value: object, where: str, *, rule: str, rule_zh: str
) -> list[Problem]:
    """The first 20 ways ``value`` breaks ``validator``'s schema, in JSON path order, each named
    by its path: ``rule`` (``rule_zh``) and the validator's words."""
    return [
        exchange_problem(
            f"{where}: {error.json_path}",
            None,
            f"{rule}: {error.message[:200]}",
            f"{rule_zh}：{error.message[:200]}",
        )
        for error in sorted(validator.iter_errors(value), key=lambda e: e.json_path)[:20]
    ]


def _string(max_length: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, **extra}


def _field_schema(spec: FieldSpec) -> dict[str, Any]:
    if spec.multiple:
        return {
            "type": "array",
            "items": {"enum": list(spec.values)},
            "uniqueItems": True,
            "minItems": 1,
            "maxItems": len(spec.values),
        }
    if spec.values:
        return {"type": "string", "enum": list(spec.values)}
    return _string(spec.max_length, minLength=1)


_CODE: Final = _string(40, pattern="^[a-z0-9][a-z0-9_-]*$")
_PARTY: Final = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "name", "country"],
    "properties": {
        "code": _CODE,
        "name": _string(200, minLength=1),
        "country": _string(3, pattern="^[A-Z]{2,3}$"),
    },
}
_DATE: Final = _string(10, pattern=r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP: Final = _string(
    40, pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)

#: the JSON Schema (draft 2020-12) of the document Palermo emits and accepts
SCHEMA: Final[dict[str, Any]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://palermo.example/schemas/htcds-case-1.json",
    "title": "HTCDS v2.0 case document (Palermo exchange, version 1)",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "format",
        "version",
        "htcds_version",
        "package_id",
        "created_at",
        "sender",
        "recipient",
        "case_pseudonym",
        "referral",
        "consent",
        "fields",
    ],
    "properties": {
        "format": {"const": DOCUMENT_FORMAT},
        "version": {"const": DOCUMENT_VERSION},
        "htcds_version": {"const": HTCDS_VERSION},
        "package_id": _string(36, pattern="^[0-9a-f-]{36}$"),
        "created_at": _TIMESTAMP,
        "sender": _PARTY,
        "recipient": _PARTY,
        "case_pseudonym": _string(40, pattern="^X-[A-Z2-7]{26}$"),
        "referral": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "cas_ReferringOrganisation",
                "cas_IncomingReferralDate",
                "cas_ReasonForIncomingReferral",
                "cas_IncomingReferralDetails",
            ],
            "properties": {
                "cas_ReferringOrganisation": _string(200, minLength=1),
                "cas_IncomingReferralDate": _DATE,
                "cas_ReasonForIncomingReferral": {"enum": list(HTCDS_REFERRAL_REASONS)},
                "cas_IncomingReferralDetails": _string(MAX_SHORT, minLength=1),
            },
        },
        "consent": {
            "type": "object",
            "additionalProperties": False,
            "required": ["con_Consent", "basis", "checklist", "given_on", "legal_basis", "fields"],
            "properties": {
                "con_Consent": {"type": "boolean"},
                "basis": {"enum": ["consent", "override"]},
                "checklist": {
                    "type": "array",
                    "items": {"enum": list(CONSENT_CHECKLIST)},
                    "uniqueItems": True,
                    "maxItems": len(CONSENT_CHECKLIST),
                },
                "given_on": {"anyOf": [_DATE, {"const": ""}]},
                "legal_basis": _string(MAX_SHORT),
                "fields": {
                    "type": "array",
                    "items": {"enum": list(FIELDS)},
                    "uniqueItems": True,
                    "minItems": 1,
                    "maxItems": len(FIELDS),
                },
            },
            # consent: the whole checklist, a date and no legal basis; override: a legal basis
            "if": {"properties": {"basis": {"const": "consent"}}},
            "then": {
                "properties": {
                    "con_Consent": {"const": True},
                    "checklist": {"minItems": len(CONSENT_CHECKLIST)},
                    "given_on": _DATE,
                    "legal_basis": {"const": ""},
                }
            },
            "else": {
                "properties": {
                    "con_Consent": {"const": False},
                    "legal_basis": {"minLength": 1},
                }
            },
        },
        "fields": {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: _field_schema(spec) for name, spec in FIELDS.items()},
        },
    },
}

_VALIDATOR: Final = Draft202012Validator(SCHEMA)
Draft202012Validator.check_schema(SCHEMA)


def validate_document(document: object, *, where: str) -> None:
    """Refuse (``InputError``, every problem named with its JSON path) a document that is not
    what ``SCHEMA`` describes, or that holds a field its consent does not list."""
    problems = schema_problems(
        _VALIDATOR,
        document,
        where,
        rule="does not match the HTCDS exchange schema",
        rule_zh="不符合 HTCDS 交换格式",
    )
    if not problems and isinstance(document, Mapping):
        consented = set(document["consent"]["fields"])
        problems = [
            exchange_problem(
                f"{where}: $.fields",
                name,
                "is in the document but the person did not consent to sending it",
                "文件中含有该字段，但当事人未同意发送",
            )
            for name in sorted(set(document["fields"]) - consented)
        ]
    if problems:
        raise InputError(problems)


@dataclass(frozen=True, slots=True)
class ReceivedCase:
    """A received document in Palermo's terms: what the receiving agency's case holds."""

    full_name: str
    document_number: str
    contact: str
    notes: str
    outcome: str
    fields: dict[str, FieldValue]
    exploitation_types: tuple[str, ...] = ()
    methods_of_control: tuple[str, ...] = ()


def received_case(document: Mapping[str, Any]) -> ReceivedCase:
    """The Palermo values of a document already checked by ``validate_document``.

    The outcome is the sender's exact interview outcome when sent, else "possible" (HTCDS's
    PossibleVictimOfTrafficking, the only status a border or consular assessment gives).
    """
    fields: dict[str, FieldValue] = dict(document["fields"])

    def text(name: str) -> str:
        value = fields.get(name, "")
        return value if isinstance(value, str) else ""

    def listed(name: str) -> tuple[str, ...]:
        value = fields.get(name, [])
        return tuple(value) if isinstance(value, list) else ()

    return ReceivedCase(
        full_name=text("prs_FirstName"),
        document_number=text("prs_IdentityNumber"),
        contact=text("plm_ContactDetails"),
        notes=text("cco_CaseComment"),
        outcome=text("plm_IndicatorOutcome") or "possible",
        fields=fields,
        exploitation_types=listed("vic_TypeOfExploitation"),
        methods_of_control=listed("vic_MethodsOfControl"),
    )
