"""Every URL pattern declares its roles, and each role gets exactly what was declared.

New views are picked up automatically. A view whose URL takes arguments needs an entry in
``URL_EXAMPLES`` (URL name -> function of the test case returning the kwargs for
``reverse``), pointing at an object of agency A that agency A's users may open.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

import palermo.web.urls
from palermo.web.lib.permissions import API_NAMESPACE, declared_roles, is_public
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

URL_EXAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {}


def register_example(name: str) -> Callable[[Callable[[Any], dict[str, Any]]], Any]:
    def add(factory: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
        URL_EXAMPLES[name] = factory
        return factory

    return add


def _a_case(test: Any) -> Any:
    if not hasattr(test, "_example_case"):
        test._example_case = test.open_case()
    return test._example_case


def _a_consent(test: Any) -> Any:
    from palermo.web.cases.models import CONSENT_CHECKLIST
    from palermo.web.cases.services import consent_record

    if not hasattr(test, "_example_consent"):
        test._example_consent = consent_record(
            actor=test.caseworker,
            case=_a_case(test),
            purpose="assistance",
            checklist={key: True for key, _label in CONSENT_CHECKLIST},
        )
    return test._example_consent


def _an_attachment(test: Any) -> Any:
    from palermo.web.cases.services import case_attachment_add

    if not hasattr(test, "_example_attachment"):
        test._example_attachment = case_attachment_add(
            actor=test.caseworker, case=_a_case(test), file_name="note.txt", chunks=[b"seen"]
        )
    return test._example_attachment


for _name in (
    "cases:detail",
    "cases:edit",
    "cases:transition",
    "cases:consent",
    "cases:share",
    "cases:note",
    "cases:assign",
    "cases:task",
    "cases:service",
    "cases:exploitation",
    "cases:attachment_add",
    "cases:summary",
):
    URL_EXAMPLES[_name] = lambda t: {"pk": _a_case(t).pk}
URL_EXAMPLES["exports:case"] = lambda t: {"pk": _a_case(t).pk}
for _name in ("children:age", "children:best_interests", "children:guardian"):
    URL_EXAMPLES[_name] = lambda t: {"pk": _a_case(t).pk}
# POST only: a GET is refused before the share is looked up
URL_EXAMPLES["cases:share_revoke"] = lambda t: {"pk": _a_case(t).pk, "share_pk": 1}
URL_EXAMPLES["cases:share_renew"] = lambda t: {"pk": _a_case(t).pk, "share_pk": 1}
URL_EXAMPLES["cases:task_done"] = lambda t: {"pk": _a_case(t).pk, "task_pk": 1}
URL_EXAMPLES["cases:attachment"] = lambda t: {
    "pk": _a_case(t).pk,
    "attachment_pk": _an_attachment(t).pk,
}
URL_EXAMPLES["cases:consent_withdraw"] = lambda t: {
    "pk": _a_case(t).pk,
    "consent_pk": _a_consent(t).pk,
}


# The cross-border exchange: a case of agency A, and a partner key registered by agency A.
for _name in ("exchange:case", "exchange:consent", "exchange:export"):
    URL_EXAMPLES[_name] = lambda t: {"pk": _a_case(t).pk}


def _a_partner(test: Any) -> Any:
    from palermo.web.exchange import services
    from palermo.web.lib.roles import Role as _Role

    if not hasattr(test, "_example_partner"):
        admin = test.user_with_role(_Role.ADMINISTRATOR)
        abroad = test.user_with_role(_Role.ADMINISTRATOR, agency=test.agency_b)
        pair = services.key_pair_generate(actor=abroad, agency=test.agency_b, country="TH")
        test._example_partner = services.partner_register(
            actor=admin, card=services.key_card(pair).encode(), kind="ngo", agreement="DSA-1"
        )
    return test._example_partner


for _name in ("exchange:partner", "exchange:partner_confirm", "exchange:partner_retire"):
    URL_EXAMPLES[_name] = lambda t: {"pk": _a_partner(t).pk}

# POST only: a GET is refused before the notification is looked up
URL_EXAMPLES["notifications:open"] = lambda t: {"pk": 1}
# a profile's outcomes: any rule id (a profile without hits shows an empty report)
URL_EXAMPLES["outcomes:rule"] = lambda t: {"rule_id": "visible-injuries"}

# The service directory (tests/web/directory_fixtures.py).
from directory_fixtures import DIRECTORY_URL_EXAMPLES  # noqa: E402

URL_EXAMPLES.update(DIRECTORY_URL_EXAMPLES)

# Referrals (tests/web/referral_fixtures.py).
from referral_fixtures import REFERRAL_URL_EXAMPLES  # noqa: E402

URL_EXAMPLES.update(REFERRAL_URL_EXAMPLES)


def _a_consular_case(test: Any) -> Any:
    from palermo.web.consular.services import consular_case_open

    if not hasattr(test, "_example_consular_case"):
        test._example_consular_case = consular_case_open(
            actor=test.user_with_role(Role.CONSULAR_OFFICER),
            full_name="Lin Xiaohong",
            origin="self_presenting",
            country="Italy",
            home_province="Fujian",
        )
    return test._example_consular_case


for _name in (
    "consular:detail",
    "consular:assistance",
    "consular:travel_document",
    "consular:risk",
    "consular:return_plan",
    "consular:return_stage",
):
    URL_EXAMPLES[_name] = lambda t: {"pk": _a_consular_case(t).case_id}
# POST only: a GET is refused before the assessment or follow-up is looked up
URL_EXAMPLES["consular:risk_override"] = lambda t: {
    "pk": _a_consular_case(t).case_id,
    "assessment_pk": 1,
}
URL_EXAMPLES["consular:follow_up"] = lambda t: {
    "pk": _a_consular_case(t).case_id,
    "follow_up_pk": 1,
}


# The screening, interview and profile flows (tests/web/flow_fixtures.py).
from flow_fixtures import FLOW_URL_EXAMPLES  # noqa: E402

URL_EXAMPLES.update(FLOW_URL_EXAMPLES)

# Named lists, data-sharing agreements and administration (tests/web/admin_fixtures.py).
from admin_fixtures import ADMIN_URL_EXAMPLES  # noqa: E402

URL_EXAMPLES.update(ADMIN_URL_EXAMPLES)

# Watchlists (tests/web/watchlist_fixtures.py).
from watchlist_fixtures import WATCHLIST_URL_EXAMPLES  # noqa: E402

URL_EXAMPLES.update(WATCHLIST_URL_EXAMPLES)

# Identification decisions of the national referral mechanism (tests/web/nrm_fixtures.py).
from nrm_fixtures import NRM_URL_EXAMPLES  # noqa: E402

URL_EXAMPLES.update(NRM_URL_EXAMPLES)

# The training academy (tests/web/academy_fixtures.py).
from academy_fixtures import ACADEMY_URL_EXAMPLES  # noqa: E402

URL_EXAMPLES.update(ACADEMY_URL_EXAMPLES)


def iter_views(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """(full URL name, pattern) for every view outside the API namespace."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == API_NAMESPACE:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_views(entry.url_patterns, inner)
        else:
            yield f"{namespace}{entry.name}", entry


class TestEveryView(BaseTestCase):
    def test_every_view_declares_its_roles_or_is_public(self) -> None:
        undeclared = [
            name
            for name, pattern in iter_views()
            if declared_roles(pattern.callback) is None and not is_public(pattern.callback)
        ]
        assert undeclared == []

    def test_every_view_has_a_name_and_an_example_when_it_takes_arguments(self) -> None:
        missing = []
        for name, pattern in iter_views():
            if name.endswith("None"):
                missing.append(f"unnamed pattern {pattern.pattern}")
            elif pattern.pattern.converters and name not in URL_EXAMPLES:
                missing.append(f"{name} needs an entry in URL_EXAMPLES")
        assert missing == []

    def test_each_role_gets_exactly_the_views_declared_for_it(self) -> None:
        wrong: list[str] = []
        for name, pattern in iter_views():
            if is_public(pattern.callback):
                continue
            roles = declared_roles(pattern.callback) or frozenset()
            url = reverse(name, kwargs=URL_EXAMPLES.get(name, lambda _t: {})(self))
            self.client.logout()
            anonymous = self.client.get(url)
            if anonymous.status_code != 302 or "/accounts/login/" not in anonymous["Location"]:
                wrong.append(f"{name}: anonymous got {anonymous.status_code}")
            for role in Role:
                status = self.get_as(self.user_with_role(role), url).status_code
                if role in roles and status in {401, 403, 404}:
                    wrong.append(f"{name}: {role.value} is declared but got {status}")
                if role not in roles and status != 403:
                    wrong.append(f"{name}: {role.value} is not declared but got {status}")
        assert wrong == []

    def test_public_pages_open_without_logging_in(self) -> None:
        for name, pattern in iter_views():
            if is_public(pattern.callback) and not pattern.pattern.converters:
                assert self.client.get(reverse(name)).status_code in {200, 302}, name


def _undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("TOP-SECRET-CONTENT-42")


_undeclared_urls = types.ModuleType("undeclared_urls")
_undeclared_urls.urlpatterns = [  # type: ignore[attr-defined]
    path("secret/", _undeclared_view),
    *palermo.web.urls.urlpatterns,
]


@override_settings(ROOT_URLCONF=_undeclared_urls)
class TestAViewWithoutDeclaration(BaseTestCase):
    def test_it_is_refused_even_to_a_supervisor(self) -> None:
        response = self.get_as(self.supervisor, "/secret/")
        assert response.status_code == 403
        assert b"TOP-SECRET-CONTENT-42" not in response.content
