"""Retention: screening records without a referral or case are masked after a set period."""
