"""The service directory (issue 10, item 1): administrators keep entries in both languages;
case workers find a provider by service, area and language."""

from __future__ import annotations

import pytest
from directory_fixtures import a_provider
from django.urls import reverse

from palermo.errors import InputError
from palermo.web.audit.models import AuditEntry
from palermo.web.directory.models import ServiceProvider
from palermo.web.directory.selectors import provider_list
from palermo.web.directory.services import provider_update
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase


class TestRouting(BaseTestCase):
    def setUp(self) -> None:
        self.shelter = a_provider(self)
        self.clinic = a_provider(
            self,
            agency=None,
            name="Riverside clinic",
            name_zh="河畔诊所",
            services=["medical"],
            areas="Guangxi",
            languages=["zh", "en"],
            capacity=None,
            places_free=None,
        )
        self.legal = a_provider(
            self,
            agency=self.agency_a,
            name="National legal aid line",
            name_zh="全国法律援助热线",
            services=["legal_aid", "interpretation"],
            areas="",
            nationwide=True,
            languages=["zh", "vi"],
        )

    def _route(self, **filters: str) -> list[str]:
        return [p.name for p in provider_list(user=self.caseworker, **filters)]

    def test_a_case_worker_finds_providers_by_service_area_and_language(self) -> None:
        assert self._route(service="shelter") == ["Harbour shelter"]
        assert self._route(area="kunming") == ["Harbour shelter", "National legal aid line"]
        assert self._route(area="Guangxi") == ["National legal aid line", "Riverside clinic"]
        assert self._route(language="vi") == ["Harbour shelter", "National legal aid line"]
        assert self._route(service="legal_aid", area="Guangxi", language="vi") == [
            "National legal aid line"
        ]
        assert self._route(service="medical", language="my") == []

    def test_an_area_matches_only_a_whole_area_name(self) -> None:
        assert self._route(area="Kun") == ["National legal aid line"]

    def test_only_providers_with_an_agency_in_palermo_receive_referrals(self) -> None:
        names = [p.name for p in provider_list(user=self.caseworker, receives_referrals=True)]
        assert "Riverside clinic" not in names
        assert "Harbour shelter" in names

    def test_an_unlisted_entry_is_not_offered_but_its_keeper_still_sees_it(self) -> None:
        admin = self.user_with_role(Role.ADMINISTRATOR)
        values = {
            "name": "Harbour shelter",
            "name_zh": "港湾庇护所",
            "agency": self.agency_b,
            "services": ["shelter"],
            "areas": "Yunnan",
            "active": False,
        }
        provider_update(actor=admin, provider=self.shelter, values=values)
        assert "Harbour shelter" not in self._route()
        assert "Harbour shelter" in [
            p.name for p in provider_list(user=admin, include_unlisted=True)
        ]

    def test_the_list_page_filters_and_shows_words_in_the_pages_language(self) -> None:
        page = self.get_as(
            self.caseworker, reverse("directory:list"), data={"service": "shelter"}
        ).content.decode()
        assert "Harbour shelter" in page
        assert "Shelter and safe accommodation" in page
        assert "Riverside clinic" not in page
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("directory:list")).content.decode()
        assert "港湾庇护所" in page
        assert "河畔诊所" in page
        assert "No: contact directly" not in page


class TestKeeping(BaseTestCase):
    def test_an_administrator_adds_an_entry_from_the_page_and_it_is_audited(self) -> None:
        admin = self.user_with_role(Role.ADMINISTRATOR)
        self.login(admin)
        form = {
            "name": "Mekong interpreters",
            "name_zh": "湄公翻译",
            "services": ["interpretation"],
            "nationwide": "on",
            "languages": ["vi", "lo", "km"],
            "active": "on",
        }
        response = self.client.post(reverse("directory:create"), form)
        assert response.status_code == 302
        provider = ServiceProvider.objects.get(name="Mekong interpreters")
        assert provider.kept_by == self.agency_a
        assert provider.language_list == ["km", "lo", "vi"]
        assert AuditEntry.objects.filter(
            object_type="directory.serviceprovider", object_id=str(provider.pk), action="create"
        ).exists()

    def test_an_entry_without_area_or_service_is_refused_beside_the_fields(self) -> None:
        self.login(self.user_with_role(Role.ADMINISTRATOR))
        form = {"name": "Nowhere", "name_zh": "无处", "active": "on"}
        response = self.client.post(reverse("directory:create"), form)
        assert response.status_code == 422
        assert ServiceProvider.objects.count() == 0
        response = self.client.post(reverse("directory:create"), {**form, "services": ["medical"]})
        assert response.status_code == 422
        assert "name the areas served, or tick the whole country" in response.content.decode()

    def test_more_places_free_than_capacity_is_refused(self) -> None:
        with pytest.raises(InputError, match="places_free"):
            a_provider(self, capacity=3, places_free=5)

    def test_another_agencys_administrator_cannot_change_an_entry(self) -> None:
        provider = a_provider(self)
        b_admin = self.user_with_role(Role.ADMINISTRATOR, agency=self.agency_b)
        with pytest.raises(NotPermittedError):
            provider_update(
                actor=b_admin,
                provider=provider,
                values={"name": "X", "name_zh": "X", "services": ["shelter"], "nationwide": True},
            )
        assert ServiceProvider.objects.get(pk=provider.pk).name == "Harbour shelter"

    def test_a_case_worker_reads_the_directory_but_cannot_add_to_it(self) -> None:
        provider = a_provider(self)
        assert self.get_as(self.caseworker, reverse("directory:create")).status_code == 403
        page = self.client.get(reverse("directory:detail", args=[provider.pk]))
        assert page.status_code == 200
        assert "+86 871 0000 0000" in page.content.decode()
        assert "Change this entry" not in page.content.decode()
