"""One traveller, several hits: one card per traveller with every hit, one disposition for all
of them with exceptions, watchlist matches scored apart from profile weights and referable to
an investigator, the record as a labelled document, and words instead of codes."""

from __future__ import annotations

from django.urls import reverse
from flow_fixtures import activate_example
from watchlist_fixtures import LISTED, active_watchlist

from palermo.web.audit.models import AuditEntry
from palermo.web.screening.models import PENDING, Hit, Traveller
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase

OBSERVED = {"obs_document_held_by_other": True, "obs_companion_answers": True, "obs_fearful": True}


class TestGroupedHits(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        activate_example(self, "companion-answers-fearful")
        active_watchlist(self)
        record = {**LISTED, **OBSERVED, "trip_type": "one_way", "nationality": "MM"}
        traveller, _hits = desk_screen(actor=self.officer, record=record)
        assert traveller is not None
        self.traveller: Traveller = traveller
        self.login(self.officer)

    def hits(self) -> list[Hit]:
        return list(Hit.objects.filter(traveller=self.traveller).order_by("id"))

    def page(self) -> str:
        url = reverse("screening:traveller", args=[self.traveller.pk])
        return self.client.get(url).content.decode()

    def dispose_all(self, **values: object) -> int:
        prefix = f"all{self.traveller.pk}"
        data = {f"{prefix}-{k}": v for k, v in values.items()}
        url = reverse("screening:traveller_dispose", args=[self.traveller.pk])
        return self.client.post(url, data, HTTP_HX_REQUEST="true").status_code

    def test_the_traveller_has_three_hits_two_profiles_and_one_watchlist_match(self) -> None:
        sources = sorted(h.source for h in self.hits())
        assert sources == ["profile", "profile", "watchlist"]

    def test_the_page_offers_one_disposition_for_all_three_hits(self) -> None:
        page = self.page()
        assert "One disposition for all 3 hits waiting" in page
        assert page.count('class="hit card') == 3

    def test_watchlist_scores_are_shown_apart_from_profile_weights(self) -> None:
        page = self.page()
        assert "2 profiles · combined weight" in page
        assert "1 watchlist match · score" in page
        watchlist = next(h for h in self.hits() if h.source == "watchlist")
        card = page.split(f'id="hit-{watchlist.pk}"', 1)[1].split("</article>", 1)[0]
        assert "Watchlist match · match score 95 of 100" in card
        assert "profile weight" not in card
        assert "combined weight" not in card

    def test_one_form_disposes_of_every_hit_except_those_left_out(self) -> None:
        watchlist = next(h for h in self.hits() if h.source == "watchlist")
        status = self.dispose_all(
            kind="questions_asked",
            reason="Asked about the trip; the companion answered for her.",
            exceptions=[str(watchlist.pk)],
        )
        assert status == 200
        states = {h.source: h.status for h in self.hits()}
        assert states["profile"] == "questions_asked"
        assert Hit.objects.get(pk=watchlist.pk).status == PENDING
        audited = AuditEntry.objects.filter(purpose="hit disposition", action="update")
        assert audited.count() == 2
        assert all(e.detail["together_with"] == 2 for e in audited)

    def test_a_refused_group_disposition_changes_no_hit_and_says_why(self) -> None:
        prefix = f"all{self.traveller.pk}"
        url = reverse("screening:traveller_dispose", args=[self.traveller.pk])
        response = self.client.post(
            url, {f"{prefix}-kind": "referred", f"{prefix}-reason": "short"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "error-summary" in page
        assert "a hunch alone cannot be saved" in page
        assert all(h.status == PENDING for h in self.hits())

    def test_a_watchlist_match_is_referred_to_an_investigator(self) -> None:
        watchlist = next(h for h in self.hits() if h.source == "watchlist")
        url = reverse("screening:dispose", args=[watchlist.pk])
        response = self.client.post(
            url,
            {
                f"hit{watchlist.pk}-kind": "investigator",
                f"hit{watchlist.pk}-reason": "Listed recruiter; name and birth date match.",
            },
        )
        assert response.status_code == 302
        assert Hit.objects.get(pk=watchlist.pk).status == "investigator"
        assert "Referred to an investigator" in self.page()

    def test_a_profile_hit_cannot_go_to_an_investigator(self) -> None:
        profile_hit = next(h for h in self.hits() if h.source == "profile")
        url = reverse("screening:dispose", args=[profile_hit.pk])
        response = self.client.post(
            url,
            {
                f"hit{profile_hit.pk}-kind": "investigator",
                f"hit{profile_hit.pk}-reason": "Trying the investigator for a profile hit.",
            },
        )
        assert response.status_code == 422
        assert Hit.objects.get(pk=profile_hit.pk).status == PENDING

    def test_investigator_for_all_hits_is_refused_while_profile_hits_are_in_the_group(
        self,
    ) -> None:
        status = self.dispose_all(kind="investigator", reason="The whole group to investigators.")
        assert status == 422
        assert all(h.status == PENDING for h in self.hits())

    def test_nothing_is_ticked_on_any_form_of_the_group(self) -> None:
        page = self.page()
        assert " checked>" not in page
        assert 'checked=""' not in page

    def test_the_record_reads_as_a_labelled_document_without_codes(self) -> None:
        page = self.page()
        main = page.split("<main", 1)[1]
        for code in ("obs_fearful", "one_way", "document_number_hash", "trip_type"):
            assert code not in main.replace('name="', "").split("<form", 1)[0], code
        assert "Myanmar (MM)" in main
        assert "One-way or return" in main
        assert "one way" in main
        assert "Fearful, anxious or submissive" in main

    def test_observations_are_named_by_their_titles_after_a_referral(self) -> None:
        hit = next(h for h in self.hits() if h.source == "profile")
        self.client.post(
            reverse("screening:dispose", args=[hit.pk]),
            {
                f"hit{hit.pk}-kind": "referred",
                f"hit{hit.pk}-observed": ["BRD-01"],
                f"hit{hit.pk}-reason": "The companion held her passport throughout.",
            },
        )
        assert "Observed: Documents held by someone else (BRD-01)" in self.page()

    def test_the_profile_version_reads_as_a_number_and_an_approval_date(self) -> None:
        assert "v1, approved " in self.page()

    def test_the_queue_shows_the_traveller_once_by_name_with_weight_and_score_apart(
        self,
    ) -> None:
        page = self.client.get(reverse("screening:queue")).content.decode()
        assert "1 traveller with hits" in page
        assert page.count(f'href="/screening/travellers/{self.traveller.pk}/"') == 1
        assert "ZHANG WEI" in page
        assert "<th>Profile weight</th>" in page
        assert "<th>Watchlist score</th>" in page
        assert "95/100" in page

    def test_the_queue_filters_by_profile_title(self) -> None:
        page = self.client.get(reverse("screening:queue")).content.decode()
        assert '<option value="companion-answers-fearful">' in page
        option = page.split('<option value="companion-answers-fearful">', 1)[1].split("<", 1)[0]
        assert option != "companion-answers-fearful"

    def test_the_queue_finds_a_port_by_part_of_its_name(self) -> None:
        page = self.client.get(reverse("screening:queue"), {"port": "pe"}).content.decode()
        assert "1 traveller with hits" in page
