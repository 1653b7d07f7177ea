"""The certificate rule's question, on the ground floor: does this person hold the training
certificate that a role or qualification needs (``PALERMO_CERTIFICATE_REQUIRED_FOR``)?

``administration`` asks it when an administrator gives the second-line interviewer's role or
the child-interview qualification; ``certificates`` answers it (registered when the app is
ready, ``certificates/apps.py``). Administration cannot import the certificates app: that
app imports the academy, which reads interviews and referrals, which read the national body
from administration - a cycle. The same pattern as ``lib/queue.py``'s tasks by name.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

#: the grants the rule can cover: roles and qualifications by their value
CERTIFIED_GRANTS = ("second_line_interviewer", "child_interview")

_answer: list[Callable[[object, str], bool]] = []


def certificate_required(grant: str) -> bool:
    """Whether ``grant`` (a role or qualification value) needs a valid certificate here."""
    return grant in CERTIFIED_GRANTS and grant in settings.CERTIFICATE_REQUIRED_FOR


def answer_with(check: Callable[[object, str], bool]) -> None:
    """The certificates app says how the question is answered (once, at start-up)."""
    _answer[:] = [check]


def holds_certificate_for(user: object, grant: str) -> bool:
    """Whether ``user`` holds a valid certificate of a course that taught ``grant``."""
    if not _answer:  # pragma: no cover  (the certificates app is always installed)
        raise RuntimeError("the certificates app did not register its answer")
    return _answer[0](user, grant)
