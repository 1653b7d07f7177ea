"""Agencies, users with one role each, log-in throttling."""
