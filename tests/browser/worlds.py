"""The worlds the browser tests start from, built from small named pieces: the border post and
its people, the desk's active profile, the agencies a case is referred to (each with its
directory entry and signed data-sharing agreement), the qualified child interviewer, the
consulate abroad and its case. Each piece goes through the services a person would use.

A test composes what it needs, e.g. ``post = border_post()``, ``person("officer", post,
Role.FIRST_LINE_OFFICER)``, ``desk_profiles(post)``. Everyone made with ``person`` logs in with
PASSWORD; ``second_factor=True`` enrols the authenticator that ``log_in`` types the code of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from palermo.profiles import EXAMPLES_DIR

PASSWORD = "browser test password 42"
DESK_PROFILE = "documents-held-and-companion-answers.yaml"


def consent_keys() -> tuple[str, ...]:
    """The boxes of the consent checklist (each explained to the person), as a form names them."""
    from palermo.web.cases.models import CONSENT_CHECKLIST

    return tuple(key for key, _label in CONSENT_CHECKLIST)


def agency(name: str, kind: str, code: str, *, training: bool = False) -> Any:
    from palermo.web.accounts.models import Agency

    return Agency.objects.create(name=name, kind=kind, code=code, is_training=training)


def border_post() -> Any:
    from palermo.web.lib.roles import AgencyKind

    return agency("Northgate", AgencyKind.BORDER_POST, "north")


def anti_trafficking_office() -> Any:
    from palermo.web.lib.roles import AgencyKind

    return agency("Anti-trafficking office", AgencyKind.ANTI_TRAFFICKING, "ato")


def person(
    username: str, where: Any, role: str, *, password: bool = True, second_factor: bool = False
) -> Any:
    """A user of ``where``; with ``password`` they can log in, with ``second_factor`` they
    confirm each log-in with their authenticator's code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from palermo.web.testsupport import make_user

    user = make_user(username, agency=where, role=role, password=PASSWORD if password else None)
    if second_factor:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def profile_version(name: str, *, analyst: Any, supervisor: Any, until: str = "active") -> Any:
    """An example profile uploaded and submitted by the analyst, then (``until`` "approved" or
    "active") approved and activated by the supervisor."""
    from palermo.web.profiles.services import (
        profile_activate,
        profile_approve,
        profile_submit,
        profile_upload,
    )

    text = (EXAMPLES_DIR / name).read_text(encoding="utf-8")
    version = profile_upload(actor=analyst, source_name=name, text=text)
    profile_submit(actor=analyst, version=version)
    if until in ("approved", "active"):
        profile_approve(actor=supervisor, version=version)
    if until == "active":
        profile_activate(actor=supervisor, version=version)
    return version


def desk_profiles(post: Any, *names: str) -> None:
    """The post's risk analyst and supervisor (neither logs in) with each profile named
    active at the desk (by default the documents-held profile)."""
    from palermo.web.lib.roles import Role

    analyst = person("analyst", post, Role.RISK_ANALYST, password=False)
    supervisor = person("supervisor", post, Role.SUPERVISOR, password=False)
    for name in names or (DESK_PROFILE,):
        profile_version(name, analyst=analyst, supervisor=supervisor)


def agreement(
    parties: Sequence[Any],
    purposes: Iterable[str],
    reference: str,
    *,
    actor: Any,
    signer: Any | None = None,
    title: str | None = None,
    signed_by: str = "Directors",
) -> Any:
    """A data-sharing agreement in force (from 30 days ago for a year) that ``actor`` (of the
    first party) creates and ``signer`` (by default a supervisor of the second party) signs."""
    from palermo.web.agreements.services import agreement_create, agreement_sign
    from palermo.web.lib.roles import Role

    today = dt.datetime.now(tz=dt.UTC).date()
    made = agreement_create(
        actor=actor,
        reference=reference,
        title=title or reference,
        document_id=f"MoU/{reference}",
        parties=list(parties),
        purposes=list(purposes),
        valid_from=today - dt.timedelta(days=30),
        valid_to=today + dt.timedelta(days=365),
        signed_by=signed_by,
        signed_on=today - dt.timedelta(days=30),
    )
    other = parties[1]
    if signer is None:
        signer = person(f"head-{other.code}", other, Role.SUPERVISOR, password=False)
    agreement_sign(actor=signer, agreement=made)
    return made


def directory_entry(
    actor: Any, provider: Any, name_zh: str, services: Sequence[str], *, languages: Sequence[str]
) -> None:
    """The agency's active entry in the service directory, in Kunming."""
    from palermo.web.directory.services import provider_create

    provider_create(
        actor=actor,
        values={
            "name": provider.name,
            "name_zh": name_zh,
            "agency": provider,
            "services": list(services),
            "areas": "Kunming",
            "languages": list(languages),
            "active": True,
        },
    )


@dataclass(frozen=True, slots=True)
class Partner:
    """An agency a post refers to: its names, kind and code, the service it is in the directory
    for (in Kunming, in ``languages``) and the purpose of its agreement with the post."""

    name: str
    name_zh: str
    kind: str
    code: str
    service: str
    purpose: str
    languages: tuple[str, ...] = ("zh",)


SHELTER = Partner("Harbour shelter", "港湾庇护所", "ngo", "harbour", "shelter", "assistance")
#: works in Vietnamese too
CHILD_PROTECTION = Partner(
    "Kunming child protection centre",
    "昆明儿童保护中心",
    "social_welfare",
    "kmcp",
    "child_protection",
    "assistance",
    ("zh", "vi"),
)
POLICE = Partner(
    "Eastport police", "东港警察局", "anti_trafficking", "eastport", "police_prosecution",
    "investigation",
)  # fmt: skip


def referral_partner(post: Any, admin: Any, partner: Partner) -> Any:
    """The partner's agency, in the directory and with an agreement (DSA-<CODE>) for its
    purpose that the post's ``admin`` makes."""
    made = agency(partner.name, partner.kind, partner.code)
    directory_entry(admin, made, partner.name_zh, [partner.service], languages=partner.languages)
    agreement([post, made], [partner.purpose], f"DSA-{partner.code.upper()}", actor=admin)
    return made


def shelter_with_agreement(post: Any, admin: Any) -> Any:
    """The Harbour shelter, in the directory with an assistance agreement with the post."""
    return referral_partner(post, admin, SHELTER)


def child_protection_centre(post: Any, admin: Any) -> Any:
    """The Kunming child-protection centre, which also works in Vietnamese, in the directory
    with an assistance agreement with the post."""
    return referral_partner(post, admin, CHILD_PROTECTION)


def child_interviewer(post: Any, admin: Any, username: str = "interviewer") -> Any:
    """A second-line interviewer (with an authenticator) whom ``admin`` grants the
    child-interview qualification, with the override reason the certificate rule asks for."""
    from palermo.web.administration.services import qualification_grant
    from palermo.web.lib.roles import Role

    interviewer = person(username, post, Role.SECOND_LINE_INTERVIEWER, second_factor=True)
    qualification_grant(
        actor=admin,
        user=interviewer,
        kind="child_interview",
        note="VEGA",
        override_reason="Certified by the VEGA Children course outside Palermo.",
    )
    return interviewer


def consents(actor: Any, case: Any, *given: tuple[str, Any]) -> None:
    """The person's consents on the case, each (purpose, recipient agency or None), with the
    whole checklist explained."""
    from palermo.web.cases.services import consent_record

    checklist = dict.fromkeys(consent_keys(), True)
    for purpose, recipient in given:
        consent_record(
            actor=actor, case=case, purpose=purpose, recipient=recipient, checklist=checklist
        )


def consulate_abroad() -> tuple[Any, Any]:
    """The Consulate General in Milan with its consul (authenticator enrolled) and the home
    province's women's federation, with a return agreement between them. (consul, home)"""
    from palermo.web.lib.roles import AgencyKind, Role

    consulate = agency("Consulate General in Milan", AgencyKind.CONSULATE, "milan")
    home = agency("Fujian women's federation", AgencyKind.NGO, "fujian")
    consul = person("consul", consulate, Role.CONSULAR_OFFICER, second_factor=True)
    admin = person("consul-admin", consulate, Role.ADMINISTRATOR, password=False)
    agreement([consulate, home], ["return"], "DSA-RETURN", actor=admin)
    return consul, home


def consular_case(consul: Any, home: Any) -> int:
    """A case the consul opens for a national identified abroad, with the person's consents
    to assistance and to sharing with the home province's agency. The case's id."""
    from palermo.web.consular.services import consular_case_open

    opened = consular_case_open(
        actor=consul,
        full_name="Lin Xiaohong",
        origin="foreign_authority",
        referred_by="Carabinieri, Milan",
        country="Italy",
        home_province="Fujian",
    )
    consents(consul, opened.case, ("sharing", home), ("assistance", None))
    return int(opened.case_id)
