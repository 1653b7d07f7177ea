"""palermo.web: the Django application (screening desk, hit review, interviews, cases, audit).

Importing this package does not import Django: the CLI registers ``palermo.web.cli`` without
paying Django's start-up cost until a web command runs.
"""
