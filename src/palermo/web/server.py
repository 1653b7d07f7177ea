"""Serving the application with waitress (a production-grade, pure-Python WSGI server).

``serve`` starts the batch jobs left queued by an earlier run (``BATCH_JOBS_MODE=thread``),
then serves until interrupted. Static files come through whitenoise from the package.
"""

from __future__ import annotations

import os
import threading


def application() -> object:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def resume_queued_jobs() -> None:
    from palermo.web.screening.jobs import jobs_mode
    from palermo.web.screening.services import batch_jobs_run_queued

    if jobs_mode() == "thread":
        threading.Thread(target=batch_jobs_run_queued, name="batch-resume", daemon=True).start()


def serve(*, host: str = "127.0.0.1", port: int = 8000, threads: int = 8) -> None:
    """Serve until interrupted (Ctrl-C)."""
    from waitress import serve as waitress_serve

    app = application()
    resume_queued_jobs()
    waitress_serve(app, host=host, port=port, threads=threads, ident="palermo")
