"""The screening desk: a first-line officer enters a traveller, sees the hits with their
explanations and records a disposition with a reason for every hit."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from flow_fixtures import FLAGGED_RECORD, activate_example, flagged_traveller

from palermo.web.audit.models import AuditEntry
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import profile_retire
from palermo.web.screening.models import Disposition, Hit, Traveller
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {k: v for k, v in FLAGGED_RECORD.items() if k != "record_id"}
    data["event_date"] = FLAGGED_RECORD["event_date"].isoformat()
    data["obs_document_held_by_other"] = "on"
    data["obs_companion_answers"] = "on"
    data["document_number"] = "E99887766"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class TestScreeningDesk(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        self.login(self.officer)

    def test_an_officer_screens_a_traveller_and_sees_the_hit_with_its_explanation(self) -> None:
        response = self.client.post(reverse("screening:desk"), form_data(), follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Documents held by a companion who also answers for the traveller" in page
        assert "Record disposition" in page
        hit = Hit.objects.get()
        assert hit.status == "pending"
        assert any("held" in line.lower() for line in json.loads(hit.reasons or "{}")["en"])

    def test_the_desk_answers_an_htmx_request_with_the_result_only(self) -> None:
        response = self.client.post(reverse("screening:desk"), form_data(), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert b"<html" not in response.content
        assert b"Record disposition" in response.content

    def test_several_hits_at_the_desk_share_one_form_and_each_links_to_its_own(self) -> None:
        activate_example(self, "companion-answers-fearful")
        response = self.client.post(
            reverse("screening:desk"), form_data(obs_fearful="on"), HTTP_HX_REQUEST="true"
        )
        page = response.content.decode()
        hits = list(Hit.objects.order_by("id"))
        assert len(hits) == 2
        assert "One disposition for all 2 hits waiting" in page
        assert page.count('class="form disposition"') == 1  # the group's form only
        traveller = reverse("screening:traveller", args=[hits[0].traveller_id])
        for hit in hits:
            assert f'href="{traveller}#hit-{hit.pk}"' in page
        # the traveller's page carries every hit's own form
        own = self.client.get(traveller).content.decode()
        assert own.count('class="form disposition"') == 3

    def test_invalid_values_are_shown_next_to_their_field_and_nothing_is_screened(self) -> None:
        response = self.client.post(
            reverse("screening:desk"),
            form_data(nationality="Narnia", event_date="31/02/2026", trip_type="sideways"),
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Not a country: pick one from the list" in page
        assert "Write the date as YYYY-MM-DD" in page
        assert "sideways is not one of the available choices" in page
        assert Traveller.objects.count() == 0

    def test_a_missing_required_field_is_named(self) -> None:
        response = self.client.post(reverse("screening:desk"), form_data(port=""))
        assert response.status_code == 422
        assert "This field is required." in response.content.decode()

    def test_the_document_number_is_kept_only_as_a_keyed_hash(self) -> None:
        self.client.post(reverse("screening:desk"), form_data())
        traveller = Traveller.objects.get()
        assert "E99887766" not in traveller.record
        assert "document_number_hash" in traveller.record

    def test_a_traveller_without_hits_is_not_stored_but_the_screening_is_audited(self) -> None:
        response = self.client.post(
            reverse("screening:desk"),
            form_data(obs_document_held_by_other=None, obs_companion_answers=None),
        )
        assert response.status_code == 200
        assert "No hit" in response.content.decode()
        assert Traveller.objects.count() == 0
        assert AuditEntry.objects.filter(object_type="screening.desk").count() == 1

    def test_no_hit_says_that_neither_a_profile_nor_a_watchlist_matched(self) -> None:
        no_hit = form_data(obs_document_held_by_other=None, obs_companion_answers=None)
        english = self.client.post(reverse("screening:desk"), no_hit).content.decode()
        assert "No hit: no active profile or watchlist matched this traveller." in english
        self.client.cookies["django_language"] = "zh-hans"
        chinese = self.client.post(reverse("screening:desk"), no_hit).content.decode()
        assert "无命中：没有生效的风险画像或监控名单匹配该旅客。" in chinese

    def test_the_desk_shows_the_explanation_in_chinese(self) -> None:
        self.client.cookies["django_language"] = "zh-hans"
        response = self.client.post(reverse("screening:desk"), form_data(), follow=True)
        assert "证件" in response.content.decode()

    def test_the_travellers_page_says_once_that_nothing_happens_automatically(self) -> None:
        self.client.post(reverse("screening:desk"), form_data())
        url = reverse("screening:traveller", args=[Traveller.objects.get().pk])
        english = self.client.get(url).content.decode()
        assert english.count("Nothing happens") == 1
        assert "Record a disposition for every hit, with the reason." in english
        self.client.cookies["django_language"] = "zh-hans"
        chinese = self.client.get(url).content.decode()
        assert chinese.count("系统不会自动") == 1
        assert "请为每个命中记录处置及理由。" in chinese


class TestDispositions(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = flagged_traveller(self)
        self.hit = self.traveller.hits.get()
        self.login(self.officer)
        self.url = reverse("screening:dispose", kwargs={"pk": self.hit.pk})

    def post(self, **data: Any) -> Any:
        prefixed = {f"hit{self.hit.pk}-{k}": v for k, v in data.items()}
        return self.client.post(self.url, prefixed, HTTP_HX_REQUEST="true")

    def test_a_disposition_needs_a_reason(self) -> None:
        response = self.post(kind="no_action", reason="")
        assert response.status_code == 422
        assert not Disposition.objects.exists()

    def test_a_referral_on_a_hunch_alone_cannot_be_saved(self) -> None:
        response = self.post(kind="referred", reason="Something felt wrong about him.")
        assert response.status_code == 422
        assert "a hunch alone cannot be saved" in response.content.decode()
        assert not Disposition.objects.exists()

    def test_a_referral_names_what_was_observed_and_is_audited(self) -> None:
        response = self.post(
            kind="referred",
            reason="Companion held the passport and answered every question.",
            observed=["BRD-01", "BRD-02"],
        )
        assert response.status_code == 200
        assert "Referred to a second-line interview" in response.content.decode()
        disposition = Disposition.objects.get()
        assert disposition.observed == ["BRD-01", "BRD-02"]
        assert disposition.decided_by == self.officer
        self.hit.refresh_from_db()
        assert self.hit.status == "referred"
        assert AuditEntry.objects.filter(purpose="hit disposition").count() == 1

    def test_no_action_with_a_reason_is_enough(self) -> None:
        response = self.post(kind="no_action", reason="Parent holds the child's passport; checked.")
        assert response.status_code == 200
        assert Disposition.objects.get().kind == "no_action"

    def test_a_hit_gets_only_one_disposition(self) -> None:
        self.post(kind="questions_asked", reason="Asked about the job; plausible answers.")
        response = self.post(kind="no_action", reason="Second try at a disposition.")
        assert response.status_code == 409
        assert Disposition.objects.count() == 1

    def test_another_agency_cannot_see_the_traveller_or_dispose_of_the_hit(self) -> None:
        from palermo.web.lib.roles import Role

        stranger = self.user_with_role(Role.FIRST_LINE_OFFICER, agency=self.agency_b)
        self.login(stranger)
        url = reverse("screening:traveller", kwargs={"pk": self.traveller.pk})
        assert self.client.get(url).status_code == 404
        assert self.post(kind="no_action", reason="Not my traveller at all.").status_code == 404


class TestProfilesReachTheDeskWithoutRestart(BaseTestCase):
    def test_a_profile_fires_once_activated_and_stops_once_retired(self) -> None:
        assert desk_screen(actor=self.officer, record=FLAGGED_RECORD)[1] == []
        version = activate_example(self, "documents-held-and-companion-answers")
        assert [h.rule_id for h in desk_screen(actor=self.officer, record=FLAGGED_RECORD)[1]] == [
            "documents-held-and-companion-answers"
        ]
        profile_retire(actor=self.supervisor, version=version, reason="Replaced by a new rule")
        from palermo.web.lib.roles import Role

        # retiring an active profile takes two people of its agency
        profile_retire(actor=self.user_with_role(Role.RISK_ANALYST), version=version, reason="ok")
        assert desk_screen(actor=self.officer, record=FLAGGED_RECORD)[1] == []
        assert ProfileVersion.objects.get().status == "retired"


class TestTheScreeningApiUsesTheActiveProfiles(BaseTestCase):
    def test_a_border_system_posts_a_traveller_as_json_and_gets_the_hit_back(self) -> None:
        from palermo.web.accounts.services import api_token_create

        activate_example(self, "documents-held-and-companion-answers")
        _record, token = api_token_create(
            name="border system", agency=self.agency_a, role="first_line_officer", created_by=None
        )
        body = {**FLAGGED_RECORD, "event_date": FLAGGED_RECORD["event_date"].isoformat()}
        response = self.client.post(
            "/api/screenings",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, response.content
        assert [h["rule_id"] for h in response.json()["hits"]] == [
            "documents-held-and-companion-answers"
        ]
