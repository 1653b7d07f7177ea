"""Controlled exports: the hit queue and the audit log as CSV, one case file as JSON; every
export is written to the audit log with its filters, fields, row count and purpose."""
