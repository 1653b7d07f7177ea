"""A malformed number or id in a request gets a 4xx with a reason, never a server error.

The attack found ``/interviews/start/`` with ``hit=abc`` and agreements with
``parties=99999999999999999999`` answering 500; the sweep below sends such values to every
page as every role declared for it, with the URL's own ids replaced by a 20-digit number.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from test_permission_matrix import URL_EXAMPLES, iter_views

from palermo.web.lib.permissions import declared_roles, is_public
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

HUGE = "99999999999999999999"
JUNK = ["abc", HUGE, "-" + HUGE, "1e5", ""]
# every request parameter a page reads as a number or an id, and a few it does not
PARAMETERS = [
    "hit", "batch", "page", "parties", "recipient", "version", "from", "threshold", "agency",
    "status", "instrument", "purpose", "date_from", "date_to", "step", "expires",
]  # fmt: skip


class TestBadParameters(BaseTestCase):
    def tearDown(self) -> None:
        translation.deactivate()  # a Chinese request must not leave Chinese active

    def test_starting_an_interview_from_a_hit_that_is_not_a_number_is_a_400_naming_it(
        self,
    ) -> None:
        self.login(self.user_with_role(Role.FIRST_LINE_OFFICER))
        for value in ("abc", HUGE, "1.5"):
            response = self.client.post(
                reverse("interviews:start"), {"instrument": "first-line", "hit": value}
            )
            assert response.status_code == 400
            assert "hit" in response.content.decode()
            assert "must be the number of a record" in response.content.decode()

    def test_the_reason_is_in_chinese_for_a_chinese_page(self) -> None:
        self.login(self.user_with_role(Role.FIRST_LINE_OFFICER))
        response = self.client.post(
            reverse("interviews:start"),
            {"instrument": "first-line", "hit": "abc"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400
        assert "必须是记录编号" in response.content.decode()

    def test_an_agreement_naming_a_party_by_a_20_digit_number_is_refused_in_the_form(
        self,
    ) -> None:
        self.login(self.supervisor)
        response = self.client.post(
            reverse("agreements:create"),
            {"reference": "X-1", "title": "T", "parties": [HUGE, str(self.agency_a.pk)]},
        )
        assert response.status_code in {200, 422}
        assert HUGE in response.content.decode()  # the form names the value it refused

    def test_the_hit_queue_filtered_by_a_20_digit_batch_is_answered(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(reverse("screening:queue"), {"batch": HUGE})
        assert response.status_code < 500

    def test_no_page_answers_a_malformed_parameter_or_id_with_a_server_error(self) -> None:
        self.client.raise_request_exception = False
        errors: list[str] = []
        for name, pattern in iter_views():
            roles = sorted(declared_roles(pattern.callback) or [])
            if is_public(pattern.callback):
                roles = [Role.SUPERVISOR]
            kwargs = URL_EXAMPLES.get(name, lambda _t: {})(self)
            urls = [reverse(name, kwargs=kwargs)]
            if kwargs:
                urls.append(reverse(name, kwargs=dict.fromkeys(kwargs, int(HUGE))))
            for role in roles[:2]:
                self.login(self.user_with_role(role))
                for url in urls:
                    for junk in JUNK:
                        data = dict.fromkeys(PARAMETERS, junk)
                        for method in (self.client.get, self.client.post):
                            status = method(url, data).status_code
                            if status >= 500:
                                errors.append(f"{method.__name__} {url} as {role} {junk!r}")
        assert errors == []
