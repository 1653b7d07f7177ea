"""Shared test data for the watchlist tests."""

from __future__ import annotations

import datetime as dt

from palermo.screening.watchlists import ListInfo

TODAY = dt.date(2026, 6, 1)

LIST_YAML = """\
list:
  id: trafficking-suspects
  title: Recruiters under investigation
  owner: Anti-trafficking office
  purpose: identify recruiters and victims travelling with them
  legal_basis: Anti-Trafficking Act s. 12 (test)
  expires: 2027-12-31
  threshold: 85
entries:
  - id: P1
    kind: person
    names: ["张伟", "ZHANG Wei"]
    date_of_birth: 1990-03-07
    nationality: CN
    document_number: E1234567
  - id: P2
    surname: Santos
    given_names: Maria Luisa
    date_of_birth: 1985-11-20
    nationality: PH
    phones: ["+63 917 555 0101"]
  - id: O1
    kind: organisation
    names: ["Golden Star Manpower Sdn. Bhd.", "金星劳务有限公司"]
    registration_numbers: ["MY-123456-X"]
  - id: C1
    kind: contact
    phones: ["+855 12 345 678"]
    emails: ["jobs.abroad@example.com"]
"""


def make_info(list_id: str = "test", threshold: int = 85) -> ListInfo:
    return ListInfo(
        list_id, "Test", "Unit A", "testing", "test basis", dt.date(2099, 1, 1), threshold
    )
