"""Words, not codes: a hit's reasons name coded values by their labels in the page's language,
the assessment names the other reading by its name, the audit log names object types."""

from __future__ import annotations

import json

from django.urls import reverse
from flow_fixtures import FLAGGED_RECORD, activate_example

from palermo.web.lib.roles import Role
from palermo.web.screening.models import Hit
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase

ONE_WAY = {
    **FLAGGED_RECORD,
    "obs_little_luggage": True,
    "trip_type": "one_way",
    "ticket_paid_by": "recruitment_agency",
}


class TestWordsNotCodes(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "little-luggage-third-party-one-way")
        traveller, _hits = desk_screen(actor=self.officer, record=ONE_WAY)
        assert traveller is not None
        self.traveller = traveller

    def test_a_hit_explains_coded_values_in_words_in_both_languages(self) -> None:
        reasons = json.loads(Hit.objects.get().reasons)
        assert "One-way or return is one way" in reasons["en"]
        assert "单程或往返为单程" in reasons["zh"]
        assert not any("recruitment_agency" in line for line in reasons["en"] + reasons["zh"])
        assert any("招聘中介" in line for line in reasons["zh"])

    def test_the_chinese_traveller_page_shows_no_record_code(self) -> None:
        self.login(self.officer)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(
            reverse("screening:traveller", args=[self.traveller.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        text = page.split("<main", 1)[1].split("<form", 1)[0]
        for code in ("one_way", "recruitment_agency", "obs_little_luggage", "document_number_hash"):
            assert code not in text, code
        assert "单程" in text
        assert "招聘中介" in text

    def test_the_audit_log_names_object_types_in_words(self) -> None:
        self.login(self.user_with_role(Role.AUDITOR))
        page = self.client.get(reverse("audit:search")).content.decode()
        assert "Screened traveller" in page
        assert "<td>screening.traveller" not in page

    def test_the_audit_log_names_a_travellers_fields_in_the_pages_language(self) -> None:
        self.login(self.user_with_role(Role.AUDITOR))
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("audit:search")).content.decode()
        assert "<td>名, 记录编号, 姓</td>" in page
        assert "given names" not in page
        self.client.cookies["django_language"] = "en"
        page = self.client.get(reverse("audit:search")).content.decode()
        assert "<td>given names, record id, surname</td>" in page

    def test_the_chinese_home_page_names_the_role_as_one_phrase(self) -> None:
        self.login(self.officer)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("home")).content.decode()
        assert "担任一线检查员。" in page
