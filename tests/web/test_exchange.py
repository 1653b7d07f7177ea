"""Cross-border exchange in the web application: keys, consent, packages out and in.

Agency A (Northgate border post) sends; agency B (Harbour shelter) receives. Each has its own
key pair and has registered the other's key card (confirmed by a second administrator), as
two agencies in two countries would; tests/web/test_exchange_two_databases.py does the same
between two databases.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from palermo.errors import InputError
from palermo.interchange.htcds import FIELDS
from palermo.web.accounts.models import Agency, User
from palermo.web.accounts.services import api_token_create
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.cases.models import CONSENT_CHECKLIST, Case, CaseEvent, Person
from palermo.web.cases.services import (
    case_exploitation_record,
    consent_record,
    consent_withdraw,
)
from palermo.web.exchange import services
from palermo.web.exchange.models import ExchangePackage, Partner
from palermo.web.lib.errors import (
    ConsentRequiredError,
    NotPermittedError,
    TransitionRefusedError,
)
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase, make_user

ALL_TOLD = {key: True for key, _label in CONSENT_CHECKLIST}
PERSONAL = ("prs_FirstName", "prs_IdentityNumber", "plm_ContactDetails", "cco_CaseComment")


class ExchangeWorld:
    """Two agencies with key pairs, each the other's confirmed partner."""

    agency_a: Agency
    agency_b: Agency
    caseworker: User
    outsider: User
    supervisor: User

    def build_world(self) -> None:
        self.admin_a1 = make_user("admin-a1", agency=self.agency_a, role=Role.ADMINISTRATOR)
        self.admin_a2 = make_user("admin-a2", agency=self.agency_a, role=Role.ADMINISTRATOR)
        self.admin_b1 = make_user("admin-b1", agency=self.agency_b, role=Role.ADMINISTRATOR)
        self.admin_b2 = make_user("admin-b2", agency=self.agency_b, role=Role.ADMINISTRATOR)
        pair_a = services.key_pair_generate(actor=self.admin_a1, agency=self.agency_a, country="CN")
        pair_b = services.key_pair_generate(actor=self.admin_b1, agency=self.agency_b, country="TH")
        self.partner_b = self.register(self.admin_a1, self.admin_a2, services.key_card(pair_b))
        self.partner_a = self.register(self.admin_b1, self.admin_b2, services.key_card(pair_a))

    @staticmethod
    def register(first: User, second: User, card: str) -> Partner:
        partner = services.partner_register(
            actor=first, card=card.encode(), kind="ngo", agreement="DSA-2026-07"
        )
        return services.partner_confirm(actor=second, partner=partner)

    def consent(self, case: Case, fields: list[str]) -> Any:
        return consent_record(
            actor=self.caseworker,
            case=case,
            purpose="cross_border",
            recipient=self.agency_b,
            fields=fields,
            checklist=ALL_TOLD,
        )

    def send(self, case: Case, actor: User | None = None, **kw: Any) -> bytes:
        wanted = services.ExportRequest(
            partner=self.partner_b,
            reason=kw.pop("reason", "AdditionalServicesRequired"),
            details=kw.pop("details", "shelter and medical care"),
            **kw,
        )
        _record, package = services.package_export(
            actor=actor or self.caseworker, case=case, wanted=wanted
        )
        return package

    def counts(self) -> tuple[int, int, int, int]:
        return (
            Case.objects.count(),
            Person.objects.count(),
            ExchangePackage.objects.filter(direction="received").count(),
            CaseEvent.objects.count(),
        )


class ExchangeRoundTripProperty(ExchangeWorld, HypothesisTestCase, BaseTestCase):
    """Each example runs in its own transaction (hypothesis' Django test case)."""

    def setUp(self) -> None:
        self.build_world()

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        fields=st.lists(st.sampled_from(list(FIELDS)), min_size=1, unique=True),
        name=st.text(alphabet="李王伟 abcdefghij", min_size=1, max_size=20).filter(str.strip),
        notes=st.text(alphabet="abc 123\n手机", max_size=40),
    )
    def test_a_round_trip_between_two_agencies_carries_every_consented_field_and_nothing_else(
        self, fields: list[str], name: str, notes: str
    ) -> None:
        case = self.open_case(full_name=name, note=notes)
        case_exploitation_record(actor=self.caseworker, case=case, types=["ForcedLabour"])
        # as interview_open_case sets them from the interview's indicators
        Case.objects.filter(pk=case.pk).update(methods_of_control=["DebtBondage"])
        case.refresh_from_db()
        self.consent(case, fields)
        package = self.send(case)
        record = services.package_import(actor=self.outsider, data=package)
        received = Case.objects.select_related("person").get(pk=record.case_id)
        assert received.agency_id == self.agency_b.pk
        sent = {
            "prs_FirstName": name.strip(),
            "prs_IdentityNumber": "E12345678",
            "plm_ContactDetails": "+86 138 0000 0000",
            # the dated note: its time (UTC) and the writing agency, then the text
            "cco_CaseComment": (
                f"[{case.opened_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ} · "
                f"{self.agency_a.name}]\n{notes.strip()}"
                if notes.strip()
                else ""
            ),
        }
        got = {
            "prs_FirstName": received.person.full_name,
            "prs_IdentityNumber": received.person.document_number,
            "plm_ContactDetails": received.person.contact,
            "cco_CaseComment": "".join(n.text for n in received.case_notes.all()),
        }
        for field in PERSONAL:
            expected = sent[field] if field in fields else ""
            assert got[field] == expected, field
        assert received.outcome == ("presumed" if "plm_IndicatorOutcome" in fields else "possible")
        assert set(record.fields) == {f for f in fields if f != "cco_CaseComment" or notes.strip()}
        if "cco_CaseComment" in fields and notes.strip():
            (note,) = received.case_notes.all()
            assert (note.origin, note.author) == ("received", self.outsider)
        sent_types = "vic_TypeOfExploitation" in fields
        assert received.exploitation_types == (["ForcedLabour"] if sent_types else [])
        sent_control = "vic_MethodsOfControl" in fields
        assert received.methods_of_control == (["DebtBondage"] if sent_control else [])


class ExchangeTests(ExchangeWorld, BaseTestCase):
    def setUp(self) -> None:
        self.build_world()
        self.case = self.open_case()

    def test_the_package_carries_the_consented_fields_and_the_received_case_its_provenance(
        self,
    ) -> None:
        self.consent(self.case, ["prs_FirstName", "cas_Status"])
        record = services.package_import(actor=self.outsider, data=self.send(self.case))
        received = Case.objects.select_related("person").get(pk=record.case_id)
        assert received.person.full_name == "Li Wei"
        assert received.person.document_number == ""
        assert not received.case_notes.exists()
        assert record.partner.agency == self.agency_a
        assert record.basis == "consent"
        opened = CaseEvent.objects.get(case=received, kind="opened")
        assert opened.detail["received_from"] == self.agency_a.name
        assert opened.detail["package"] == record.package_id
        sent = ExchangePackage.objects.get(direction="sent", package_id=record.package_id)
        assert sent.case == self.case
        assert sent.case_pseudonym == record.case_pseudonym
        assert self.case.reference not in record.case_pseudonym
        export = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-seq").first()
        assert export is not None
        assert export.detail["package"] == record.package_id
        assert CaseEvent.objects.filter(case=self.case, kind="exported").exists()

    def test_the_pseudonym_is_the_same_for_every_package_of_one_case_to_one_partner(self) -> None:
        self.consent(self.case, ["cas_Status"])
        one = services.package_import(actor=self.outsider, data=self.send(self.case))
        two = services.package_import(actor=self.outsider, data=self.send(self.case))
        assert one.package_id != two.package_id
        assert one.case_pseudonym == two.case_pseudonym

    def test_a_package_with_one_changed_byte_is_refused_whole_and_nothing_is_created(
        self,
    ) -> None:
        self.consent(self.case, list(FIELDS))
        package = json.loads(self.send(self.case))
        raw = bytearray(base64.b64decode(package["ciphertext"]))
        raw[len(raw) // 2] ^= 0x01
        package["ciphertext"] = base64.b64encode(bytes(raw)).decode()
        before = self.counts()
        with pytest.raises(InputError, match="signature"):
            services.package_import(actor=self.outsider, data=json.dumps(package).encode())
        assert self.counts() == before

    def test_a_package_for_a_key_the_receiver_no_longer_holds_is_refused_and_nothing_is_created(
        self,
    ) -> None:
        self.consent(self.case, ["cas_Status"])
        package = self.send(self.case)
        services.key_pair_generate(actor=self.admin_b1, agency=self.agency_b, country="TH")
        before = self.counts()
        with pytest.raises(InputError, match="key this agency does not hold"):
            services.package_import(actor=self.outsider, data=package)
        assert self.counts() == before

    def test_a_package_signed_by_a_retired_partner_key_is_refused(self) -> None:
        self.consent(self.case, ["cas_Status"])
        package = self.send(self.case)
        services.partner_retire(actor=self.admin_b1, partner=self.partner_a, reason="lost laptop")
        with pytest.raises(InputError, match="not a registered partner"):
            services.package_import(actor=self.outsider, data=package)

    def test_a_package_with_an_unconsented_field_is_refused_whole_and_nothing_is_created(
        self,
    ) -> None:
        """A sender that slips a field past its own check (the check switched off here)."""
        import palermo.interchange.htcds as htcds
        import palermo.interchange.package as package_module

        self.consent(self.case, ["cas_Status"])
        real = htcds.case_document

        def leaky(**kw: Any) -> Any:
            document = real(**kw)
            document["fields"]["prs_FirstName"] = "Li Wei"
            return document

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(services, "case_document", leaky)
            patch.setattr(package_module, "validate_document", lambda *a, **k: None)
            package = self.send(self.case)
        before = self.counts()
        with pytest.raises(InputError, match="did not consent"):
            services.package_import(actor=self.outsider, data=package)
        assert self.counts() == before

    def test_a_replayed_package_is_refused(self) -> None:
        self.consent(self.case, ["cas_Status"])
        package = self.send(self.case)
        services.package_import(actor=self.outsider, data=package)
        before = self.counts()
        with pytest.raises(TransitionRefusedError, match="already received"):
            services.package_import(actor=self.outsider, data=package)
        assert self.counts() == before

    def test_a_package_for_another_agency_is_refused(self) -> None:
        self.consent(self.case, ["cas_Status"])
        package = self.send(self.case)
        with pytest.raises(InputError):
            services.package_import(actor=self.user_with_role(Role.CASE_WORKER), data=package)

    def test_without_consent_only_a_supervisor_with_legal_basis_sends_and_it_is_audited(
        self,
    ) -> None:
        with pytest.raises(ConsentRequiredError):
            self.send(self.case)
        with pytest.raises(InputError, match="legal_basis"):
            self.send(self.case, actor=self.supervisor, override_fields=["cas_Status"])
        package = self.send(
            self.case,
            actor=self.supervisor,
            legal_basis="Anti-Trafficking Act s. 12 (danger to life)",
            override_reason="the person is missing; the partner searches shelters",
            override_fields=["cas_Status", "prs_FirstName"],
        )
        record = services.package_import(actor=self.outsider, data=package)
        assert record.basis == "override"
        assert record.legal_basis.startswith("Anti-Trafficking Act")
        export = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-seq").first()
        assert export is not None
        assert export.detail["override"] is True

    def test_a_withdrawn_consent_stops_the_exchange(self) -> None:
        consent = self.consent(self.case, ["cas_Status"])
        consent_withdraw(actor=self.caseworker, consent=consent, reason="asked to stop")
        with pytest.raises(ConsentRequiredError):
            self.send(self.case)

    def test_a_consent_to_an_exchange_names_its_fields(self) -> None:
        with pytest.raises(InputError, match="fields"):
            self.consent(self.case, [])
        with pytest.raises(InputError, match="not a field"):
            self.consent(self.case, ["prs_Birthdate"])

    def test_a_training_case_is_never_sent(self) -> None:
        self.consent(self.case, ["cas_Status"])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(services, "is_training", lambda case: True)
            with pytest.raises(TransitionRefusedError, match="training"):
                self.send(self.case)
        assert not ExchangePackage.objects.exists()

    def test_a_case_of_a_training_agency_is_never_sent_and_a_trainee_receives_nothing(
        self,
    ) -> None:
        self.consent(self.case, ["cas_Status"])
        package = self.send(self.case)
        Agency.objects.filter(pk=self.agency_a.pk).update(is_training=True)
        case = Case.objects.select_related("agency").get(pk=self.case.pk)
        assert services.is_training(case) is True
        with pytest.raises(TransitionRefusedError, match="training"):
            self.send(case)
        Agency.objects.filter(pk=self.agency_b.pk).update(is_training=True)
        self.outsider.refresh_from_db()
        with pytest.raises(NotPermittedError, match="training"):
            services.package_import(actor=User.objects.get(pk=self.outsider.pk), data=package)
        assert not ExchangePackage.objects.filter(direction="received").exists()

    def test_a_partner_key_is_used_only_after_a_second_administrator_confirms_it(self) -> None:
        services.partner_retire(actor=self.admin_a1, partner=self.partner_b, reason="replaced")
        card = services.key_card(services.current_key_pair(self.agency_b))  # type: ignore[arg-type]
        partner = services.partner_register(
            actor=self.admin_a1, card=card.encode(), kind="ngo", agreement="DSA-2026-07"
        )
        self.partner_b = partner
        self.consent(self.case, ["cas_Status"])
        with pytest.raises(TransitionRefusedError, match="no confirmed key"):
            self.send(self.case)
        with pytest.raises(NotPermittedError, match="second administrator"):
            services.partner_confirm(actor=self.admin_a1, partner=partner)
        services.partner_confirm(actor=self.admin_a2, partner=partner)
        partner.refresh_from_db()
        assert partner.in_use
        self.send(self.case)

    def test_an_altered_key_card_is_refused(self) -> None:
        card = json.loads(services.key_card(services.current_key_pair(self.agency_b)))  # type: ignore[arg-type]
        card["fingerprint"] = "0000 0000 0000 0000 0000 0000 0000 0000"
        with pytest.raises(InputError, match="fingerprint"):
            services.partner_register(
                actor=self.admin_a1, card=json.dumps(card).encode(), kind="ngo", agreement="x"
            )

    def test_private_keys_are_stored_encrypted(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT private_keys FROM exchange_agencykeypair")
            stored = [row[0] for row in cursor.fetchall()]
        pair = services.current_key_pair(self.agency_a)
        assert pair is not None
        assert all(value.startswith("f1:") for value in stored)
        assert pair.private_keys not in stored

    # --- pages ------------------------------------------------------------------------------

    def test_a_case_worker_sends_a_case_from_its_page_and_downloads_the_package(self) -> None:
        self.login(self.caseworker)
        page = self.client.get(f"/exchange/cases/{self.case.pk}/")
        assert page.status_code == 200
        assert "Send abroad" in page.content.decode()
        response = self.client.post(
            f"/exchange/cases/{self.case.pk}/consent/",
            {
                "consent-partner": self.partner_b.pk,
                "consent-htcds_fields": ["prs_FirstName", "cas_Status"],
                **{f"consent-{key}": "on" for key in ALL_TOLD},
            },
        )
        assert response.status_code == 302
        response = self.client.post(
            f"/exchange/cases/{self.case.pk}/send/",
            {
                "export-partner": self.partner_b.pk,
                "export-reason": "AdditionalServicesRequired",
                "export-details": "shelter",
            },
        )
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        package = response.content
        self.login(self.outsider)
        from django.core.files.uploadedfile import SimpleUploadedFile

        check = self.client.post(
            "/exchange/check/", {"package": SimpleUploadedFile("p.json", package)}
        )
        assert check.status_code == 200
        assert "The package is valid." in check.content.decode()
        received = self.client.post(
            "/exchange/receive/", {"package": SimpleUploadedFile("p.json", package)}
        )
        assert received.status_code == 302
        case = Case.objects.get(pk=int(received["Location"].rstrip("/").rsplit("/", 1)[1]))
        assert case.agency == self.agency_b
        again = self.client.post(
            "/exchange/receive/", {"package": SimpleUploadedFile("p.json", package)}
        )
        assert again.status_code == 409
        assert "already received" in again.content.decode()

    def test_a_send_without_consent_shows_the_refusal_on_the_page_in_chinese(self) -> None:
        self.login(self.caseworker)
        response = self.client.post(
            f"/exchange/cases/{self.case.pk}/send/",
            {
                "export-partner": self.partner_b.pk,
                "export-reason": "Other",
                "export-details": "shelter",
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 403
        assert "同意" in response.content.decode()
        assert not ExchangePackage.objects.exists()

    def test_a_broken_package_is_refused_on_the_page_naming_what_failed(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.login(self.outsider)
        response = self.client.post(
            "/exchange/receive/",
            {"package": SimpleUploadedFile("p.json", b"[[[[[[[[[[[]]]]]]]]]]]")},
        )
        assert response.status_code == 422
        assert "nests deeper" in response.content.decode()

    def test_administrators_register_and_confirm_a_partner_on_the_pages(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        other = Agency.objects.create(name="Mekong office", kind="anti_trafficking", code="mekong")
        admin = make_user("admin-m", agency=other, role=Role.ADMINISTRATOR)
        pair = services.key_pair_generate(actor=admin, agency=other, country="LA")
        self.login(self.admin_a1)
        response = self.client.post(
            "/exchange/partners/new/",
            {
                "card": SimpleUploadedFile("card.json", services.key_card(pair).encode()),
                "kind": "anti_trafficking",
                "agreement": "DSA-2026-09",
            },
        )
        assert response.status_code == 302
        partner = Partner.objects.get(agency=other, owner=self.agency_a)
        page = self.client.get(f"/exchange/partners/{partner.pk}/")
        assert pair.fingerprint in page.content.decode()
        assert "a second administrator of your agency confirms it" in page.content.decode()
        self.login(self.admin_a2)
        refused = self.client.post(f"/exchange/partners/{partner.pk}/confirm/", {})
        assert refused.status_code == 422
        self.client.post(f"/exchange/partners/{partner.pk}/confirm/", {"confirm": "yes"})
        partner.refresh_from_db()
        assert partner.in_use

    def test_another_agencys_partner_page_is_not_found(self) -> None:
        self.login(self.admin_b1)
        assert self.client.get(f"/exchange/partners/{self.partner_b.pk}/").status_code == 404

    # --- API --------------------------------------------------------------------------------

    def bearer(self, agency: Agency, role: Role) -> dict[str, str]:
        _record, token = api_token_create(name="sys", agency=agency, role=role, created_by=None)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def test_the_api_sends_checks_and_receives_a_package(self) -> None:
        self.consent(self.case, ["prs_FirstName", "cas_Status"])
        sent = self.client.post(
            f"/api/exchange/cases/{self.case.pk}/export",
            {"partner": "harbour", "details": "shelter"},
            content_type="application/json",
            **self.bearer(self.agency_a, Role.CASE_WORKER),
        )
        assert sent.status_code == 200, sent.content
        body = sent.json()
        assert body["fields"] == ["prs_FirstName", "cas_Status"]
        receiver = self.bearer(self.agency_b, Role.CASE_WORKER)
        checked = self.client.post(
            "/api/exchange/verify", body["package"], content_type="application/json", **receiver
        )
        assert checked.status_code == 200
        assert checked.json()["already_received"] is False
        got = self.client.post(
            "/api/exchange/import", body["package"], content_type="application/json", **receiver
        )
        assert got.status_code == 200
        assert Case.objects.get(pk=got.json()["case_id"]).person.full_name == "Li Wei"
        again = self.client.post(
            "/api/exchange/import", body["package"], content_type="application/json", **receiver
        )
        assert again.status_code == 409

    def test_the_api_refuses_a_changed_package_with_the_reason(self) -> None:
        self.consent(self.case, ["cas_Status"])
        package = json.loads(self.send(self.case))
        package["created_at"] = "2026-12-04T00:00:00Z"
        response = self.client.post(
            "/api/exchange/import",
            json.dumps(package),
            content_type="application/json",
            **self.bearer(self.agency_b, Role.CASE_WORKER),
        )
        assert response.status_code == 422
        assert any("signature" in reason for reason in response.json()["reasons"])
