"""Desk input that cannot be wrong silently: countries by name in either language, impossible
dates and contact details refused beside their field, the machine-readable zone filling the
form (each failed check digit named), errors answered in place to htmx, nothing pre-ticked."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from flow_fixtures import activate_example
from test_screening_desk import form_data

from palermo.errors import InputError
from palermo.web.screening.models import Hit, Traveller
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase

# a TD3 passport zone for Myanmar (generated with the mrz library's TD3CodeGenerator)
ZONE = "P<MMRAUNG<<THIDA<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nMA12345672MMR9503157F3101012<<<<<<<<<<<<<<00"


class TestDeskInput(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        self.login(self.officer)

    def post(self, htmx: bool = False, **values: str) -> tuple[int, str]:
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = self.client.post(reverse("screening:desk"), form_data(**values), **extra)
        return response.status_code, response.content.decode()

    def test_a_country_typed_by_name_in_english_or_chinese_is_stored_as_its_code(self) -> None:
        status, _page = self.post(nationality="Myanmar", document_issuing_state="缅甸")
        assert status in (200, 302)
        record = Traveller.objects.get().record
        assert '"nationality": "MM"' in record
        assert '"document_issuing_state": "MM"' in record

    def test_a_country_name_is_never_cut_to_two_letters(self) -> None:
        status, page = self.post(nationality="Myanma")
        assert status == 422
        assert "Not a country: pick one from the list" in page
        assert Traveller.objects.count() == 0

    def test_the_desk_offers_every_country_by_name_in_both_languages(self) -> None:
        page = self.client.get(reverse("screening:desk")).content.decode()
        assert '<datalist id="countries">' in page
        assert '<option value="MM">Myanmar · 缅甸</option>' in page
        assert 'maxlength="2"' not in page

    def test_an_issue_date_after_the_expiry_date_is_refused_beside_the_issue_date(self) -> None:
        status, page = self.post(
            document_issue_date="2027-01-05", document_expiry_date="2020-01-05"
        )
        assert status == 422
        assert "is after the expiry date (2020-01-05)" in page
        assert 'id="id_document_issue_date-error"' in page
        assert Traveller.objects.count() == 0

    def test_a_birth_after_the_event_and_a_booking_after_it_are_refused(self) -> None:
        status, page = self.post(date_of_birth="2099-01-01", booking_date="2099-01-01")
        assert status == 422
        assert 'id="id_date_of_birth-error"' in page
        assert 'id="id_booking_date-error"' in page

    def test_an_e_mail_address_without_a_domain_and_letters_for_a_phone_are_refused(self) -> None:
        status, page = self.post(contact_email="not-an-email", contact_phone="call me")
        assert status == 422
        assert 'id="id_contact_email-error"' in page
        assert "not an e-mail address" in page
        assert 'id="id_contact_phone-error"' in page

    def test_the_api_refuses_the_same_impossible_dates(self) -> None:
        record = {k: v for k, v in form_data().items() if not k.startswith("obs_")}
        record.pop("document_number")
        record.update(
            record_id="api-1", event_date=dt.date(2026, 1, 2), date_of_birth=dt.date(2027, 1, 1)
        )
        with pytest.raises(InputError) as refused:
            desk_screen(actor=self.officer, record=record)
        assert refused.value.problems[0].field == "date_of_birth"
        assert Traveller.objects.count() == 0

    def test_a_refused_value_comes_back_to_htmx_as_the_form_with_its_messages(self) -> None:
        status, page = self.post(htmx=True, group_size="two", declared_cash="$50")
        assert status == 422
        assert "<html" not in page
        assert 'class="errors error-summary"' in page
        assert 'href="#id_group_size"' in page
        assert 'id="id_group_size-error"' in page
        assert 'id="id_declared_cash-error"' in page
        assert 'value="two"' in page  # what the officer typed stays in the field

    def test_the_zone_fills_the_document_and_person_and_keeps_the_event(self) -> None:
        response = self.client.post(
            reverse("screening:desk"),
            {"read": "1", "mrz": ZONE, "port": "PEK", "event_kind": "exit"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert 'value="AUNG"' in page
        assert 'value="THIDA"' in page
        assert 'value="MA1234567"' in page
        assert 'value="MM"' in page
        assert 'value="1995-03-15"' in page
        assert 'value="PEK"' in page  # typed before the scan, kept
        assert 'class="errors' not in page
        assert Traveller.objects.count() == 0  # reading the zone screens nobody

    def test_each_failed_check_digit_of_the_zone_is_named(self) -> None:
        broken = ZONE.replace("MA12345672", "MA12345670")
        response = self.client.post(reverse("screening:desk"), {"read": "1", "mrz": broken})
        assert response.status_code == 422
        page = response.content.decode()
        assert "document number check digit is 0, computed 2" in page
        assert "composite check digit" in page

    def test_the_zone_error_is_in_chinese_on_a_chinese_page(self) -> None:
        self.client.cookies["django_language"] = "zh-hans"
        broken = ZONE.replace("MA12345672", "MA12345670")
        response = self.client.post(
            reverse("screening:desk"), {"read": "1", "mrz": broken}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert "证件号码校验位为0，计算结果为2" in response.content.decode()

    def test_no_observation_is_ticked_for_the_officer_on_a_new_hit(self) -> None:
        self.post()
        hit = Hit.objects.get()
        assert hit.indicators  # the profile rests on observations...
        page = self.client.get(reverse("screening:traveller", args=[hit.traveller_id]))
        form = page.content.decode().split(f'id="hit-{hit.pk}"', 1)[1]
        assert not re.search(r"<input[^>]* checked", form.split("</form>", 1)[0])

    def test_impossible_dates_are_named_in_the_same_pass_as_a_word_for_a_number(self) -> None:
        status, page = self.post(
            group_size="two", document_issue_date="2027-01-05", document_expiry_date="2020-01-05"
        )
        assert status == 422
        assert 'id="id_group_size-error"' in page
        assert 'id="id_document_issue_date-error"' in page

    def test_a_border_system_sends_the_zone_and_the_api_fills_the_record(self) -> None:
        from palermo.web.accounts.services import api_token_create

        _record, token = api_token_create(
            name="kiosk", agency=self.agency_a, role="first_line_officer", created_by=None
        )
        body = {
            "mrz": ZONE,
            "record_id": "kiosk-1",
            "event_kind": "exit",
            "port": "PEK",
            "event_date": dt.date.today().isoformat(),  # noqa: DTZ011
            "obs_document_held_by_other": True,
            "obs_companion_answers": True,
        }
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        response = self.client.post(
            "/api/screenings", body, content_type="application/json", **auth
        )
        assert response.status_code == 200, response.content
        record = Traveller.objects.get().record
        assert '"surname": "AUNG"' in record
        assert '"nationality": "MM"' in record
        assert "MA1234567" not in record  # only the keyed hash
        broken = {**body, "mrz": ZONE.replace("MA12345672", "MA12345670")}
        refused = self.client.post(
            "/api/screenings", broken, content_type="application/json", **auth
        )
        assert refused.status_code == 422
        rules = [p["rule"] for p in refused.json()["problems"]]
        assert "document number check digit is 0, computed 2" in rules
