"""The hourly escalation of unanswered referrals (planned by ``palermo.web.jobs.schedule``)."""

from __future__ import annotations

from django_tasks import task

from palermo.web.referrals.services import referrals_escalate_overdue


@task()
def referrals_overdue() -> dict[str, list[str]]:
    """Tell the sending agency's supervisors (and the receiver) about every referral past its
    due time without an answer; each is escalated once."""
    return {"escalated": referrals_escalate_overdue()}
