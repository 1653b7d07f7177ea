"""palermo.web: the Django application (screening desk, hit review, interviews, cases, audit).

Importing this package does not import Django. The ``palermo audit|keys|web`` commands are
declared in ``palermo.cli.web`` and import this package only when they run.
"""
