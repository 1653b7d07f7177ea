"""Schemathesis against the API's own OpenAPI document: every operation, as tokens of several
roles, with generated (and deliberately malformed) paths, queries and bodies. No response may
be a server error, and each must be a documented status with a body of its documented schema.
Two of schemathesis' checks are off, each for a reason: a request the schema allows may still
be refused (an unknown status, a record breaking a rule a schema cannot say), and a request
outside the schema may be answered (an unknown query parameter such as ``?=true`` is ignored).

``make test`` runs 20 generated cases per operation (100 in all, each sent with three tokens);
``make fuzz`` (``PALERMO_FUZZ=full``) 250 per operation (1,250). Requests go to the Django WSGI
application in this process, against the test database.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from palermo.web.accounts.services import api_token_create
from palermo.web.api.api import api
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase
from palermo.web.wsgi import application

FULL = os.environ.get("PALERMO_FUZZ", "").strip().lower() == "full"
EXAMPLES = int(os.environ.get("PALERMO_FUZZ_API_EXAMPLES", "250" if FULL else "20"))
ROLES = [Role.CASE_WORKER, Role.FIRST_LINE_OFFICER, Role.SUPERVISOR]


class TestApiAgainstItsOpenApiDocument(BaseTestCase):
    def setUp(self) -> None:
        # the WSGI handler closes the connection after each request, as a server does; the
        # test's transaction needs it kept
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        self.case = self.open_case()
        self.tokens = {
            role: api_token_create(
                name=role.value, agency=self.agency_a, role=role, created_by=None
            )[1]
            for role in ROLES
        }
        self.calls = 0

    def check_operation(self, operation: Any) -> None:
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(
            case=st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),  # malformed on purpose
            )
        )
        def generated(case: Any) -> None:
            for role in ROLES:  # a role the operation declares, and roles it does not (403)
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {self.tokens[role]}"},
                    excluded_checks=[positive_data_acceptance, negative_data_rejection],
                )
                self.calls += 1

        generated()

    def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(self) -> None:
        schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
        schema.app = application  # every request (checks' own included) goes to the WSGI app
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 5
        for operation in operations:
            with self.subTest(operation=operation.label):
                self.check_operation(operation)
        print(f"schemathesis: {len(operations)} operations, {self.calls} requests")
