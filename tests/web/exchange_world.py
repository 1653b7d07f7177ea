"""One agency's installation, driven step by step from a test in another process.

``python exchange_world.py STEP AGENCY [ARG...]`` with ``PALERMO_DATA_DIR`` and
``PALERMO_DATABASE_URL`` of that installation: ``setup`` (migrate, agency, two administrators
and a case worker, key pair, key card written to ARG), ``partner`` (register the card ARG and
confirm it by the second administrator), ``case`` (a case with consent to an exchange of the
fields ARG2 with the partner ARG1; prints its reference) and ``dump`` (the agency's cases,
provenance and counts as JSON). tests/web/test_exchange_two_databases.py runs it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(step: str, code: str, *args: str) -> None:
    from palermo.web.commands import migrate, setup_django

    setup_django()
    if step == "setup":
        migrate()
    from palermo.web.accounts.models import Agency, User
    from palermo.web.cases.models import CONSENT_CHECKLIST, Case
    from palermo.web.cases.services import case_open, consent_record
    from palermo.web.exchange import services
    from palermo.web.exchange.models import ExchangePackage
    from palermo.web.lib.actors import command_line_actor
    from palermo.web.lib.roles import Role
    from palermo.web.testsupport import make_user

    if step == "setup":
        agency = Agency.objects.create(code=code, name=f"{code.title()} agency", kind="ngo")
        for name, role in (("admin1", Role.ADMINISTRATOR), ("admin2", Role.ADMINISTRATOR)):
            make_user(f"{code}-{name}", agency=agency, role=role)
        make_user(f"{code}-caseworker", agency=agency, role=Role.CASE_WORKER)
        pair = services.key_pair_generate(
            actor=command_line_actor("exchange_world"), agency=agency, country=args[0]
        )
        Path(args[1]).write_text(services.key_card(pair), encoding="utf-8")
    elif step == "partner":
        first = User.objects.get(username=f"{code}-admin1")
        second = User.objects.get(username=f"{code}-admin2")
        partner = services.partner_register(
            actor=first, card=Path(args[0]).read_bytes(), kind="ngo", agreement="DSA-2026-11"
        )
        services.partner_confirm(actor=second, partner=partner)
    elif step == "case":
        worker = User.objects.get(username=f"{code}-caseworker")
        case = case_open(
            actor=worker,
            full_name="王芳 Wang Fang",
            document_number="EA7654321",
            contact="+66 2 555 0199",
            note="Recruited for factory work; documents held by the broker.",
            outcome="presumed",
        )
        consent_record(
            actor=worker,
            case=case,
            purpose="cross_border",
            recipient=Agency.objects.get(code=args[0]),
            fields=args[1].split(","),
            checklist={key: True for key, _label in CONSENT_CHECKLIST},
        )
        print(case.reference)
    elif step == "dump":
        cases = Case.objects.filter(agency__code=code).select_related("person")
        packages = ExchangePackage.objects.filter(agency__code=code, direction="received")
        print(
            json.dumps(
                {
                    "cases": [
                        {
                            "full_name": c.person.full_name,
                            "document_number": c.person.document_number,
                            "contact": c.person.contact,
                            "notes": [n.text for n in c.case_notes.order_by("at", "id")],
                            "outcome": c.outcome,
                        }
                        for c in cases
                    ],
                    "received": [
                        {
                            "package_id": p.package_id,
                            "sender": p.partner.agency.code,
                            "fields": p.fields,
                            "case": p.case.reference,
                            "created_at": p.created_at.isoformat(),
                        }
                        for p in packages
                    ],
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
