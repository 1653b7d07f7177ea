"""Referrals over the API (issue 10, item 2): send, list, get, accept, decline, complete,
revoke, with the same rules as the pages; another agency's token gets 404."""

from __future__ import annotations

import json
from typing import Any

from referral_fixtures import referral_world, send_to_shelter

from palermo.web.accounts.models import Agency
from palermo.web.accounts.services import api_token_create
from palermo.web.lib.roles import Role
from palermo.web.referrals.models import Referral
from palermo.web.testsupport import BaseTestCase


class TestReferralsOverTheApi(BaseTestCase):
    def setUp(self) -> None:
        referral_world(self)

    def _auth(self, role: Role, agency: Agency) -> dict[str, str]:
        _record, token = api_token_create(
            name=f"{role.value}-{agency.code}", agency=agency, role=role, created_by=None
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def _post(self, path: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
        return self.client.post(
            "/api" + path, data=json.dumps(body), content_type="application/json", **auth
        )

    def test_a_referral_goes_from_sent_to_done_over_the_api(self) -> None:
        sender = self._auth(Role.CASE_WORKER, self.agency_a)
        receiver = self._auth(Role.CASE_WORKER, self.agency_b)
        sent = self._post(
            "/referrals",
            {"case_id": self.case.pk, "recipient_id": self.agency_b.pk, "service": "shelter"},
            sender,
        )
        assert sent.status_code == 200, sent.content
        body = sent.json()
        assert body["state"] == "sent"
        assert body["shared"] is None  # the sender reads its case on the case endpoints
        got = self.client.get(f"/api/referrals/{body['id']}", **receiver).json()
        assert got["shared"] == {"full_name": "Li Wei", "contact": "+86 138 0000 0000"}
        listed = self.client.get("/api/referrals?direction=received", **receiver).json()
        assert [r["reference"] for r in listed] == [body["reference"]]
        accepted = self._post(f"/referrals/{body['id']}/accept", {}, receiver)
        assert accepted.json()["state"] == "accepted"
        done = self._post(f"/referrals/{body['id']}/complete", {"note": "placed"}, receiver)
        assert done.json()["state"] == "done"

    def test_declining_without_a_reason_is_refused_with_the_reason(self) -> None:
        referral = send_to_shelter(self)
        receiver = self._auth(Role.CASE_WORKER, self.agency_b)
        refused = self._post(f"/referrals/{referral.pk}/decline", {"reason": ""}, receiver)
        assert refused.status_code == 422
        assert refused.json()["problems"][0]["field"] == "reason"
        assert Referral.objects.get(pk=referral.pk).state == "sent"

    def test_a_send_without_consent_is_refused_and_nothing_is_created(self) -> None:
        case = self.open_case(full_name="Wang Fang")
        sender = self._auth(Role.CASE_WORKER, self.agency_a)
        refused = self._post(
            "/referrals",
            {"case_id": case.pk, "recipient_id": self.agency_b.pk, "service": "shelter"},
            sender,
        )
        assert refused.status_code == 403  # ConsentRequiredError, as for sharing
        assert "consent" in " ".join(refused.json()["reasons"])
        assert Referral.objects.count() == 0

    def test_another_agencys_token_gets_not_found(self) -> None:
        referral = send_to_shelter(self)
        stranger = self._auth(Role.CASE_WORKER, self.agency_c)
        assert self.client.get(f"/api/referrals/{referral.pk}", **stranger).status_code == 404
        for step in ("accept", "decline", "complete", "revoke"):
            response = self._post(f"/referrals/{referral.pk}/{step}", {"reason": "x"}, stranger)
            assert response.status_code == 404, step
        assert self.client.get("/api/referrals", **stranger).json() == []

    def test_unknown_and_huge_ids_are_refused_with_a_reason(self) -> None:
        sender = self._auth(Role.CASE_WORKER, self.agency_a)
        for recipient in (999_999, 10**30):
            response = self._post(
                "/referrals",
                {"case_id": self.case.pk, "recipient_id": recipient, "service": "shelter"},
                sender,
            )
            assert 400 <= response.status_code < 500
        assert self.client.get("/api/referrals/99999999999999999999", **sender).status_code in {
            400,
            404,
            422,
        }
