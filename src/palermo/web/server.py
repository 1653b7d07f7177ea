"""Serving the application with waitress (a production-grade, pure-Python WSGI server), or
with gunicorn's pre-forked worker processes (``--workers``, POSIX).

``serve`` starts the batch jobs left queued by an earlier run (``BATCH_JOBS_MODE=thread``),
then serves until interrupted. Static files come through whitenoise from the package.
"""

from __future__ import annotations

import gc
import logging
import os
import threading

log = logging.getLogger(__name__)


def application() -> object:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def resume_queued_jobs() -> None:
    from palermo.web.screening.jobs import jobs_mode
    from palermo.web.screening.services import batch_jobs_run_queued

    if jobs_mode() == "thread":
        threading.Thread(target=batch_jobs_run_queued, name="batch-resume", daemon=True).start()


def warm_up() -> None:
    """Before the first request: compile the active profiles (else the first screening pays
    for it), then move every object made at start-up out of the garbage collector's way, so
    that its full collections - pauses of tens of milliseconds with the compiled profiles -
    stay short while serving."""
    from django.db import DatabaseError, connections

    from palermo.web.profiles.registry import current_screener

    try:
        current_screener()
    except DatabaseError:  # not migrated yet: the pages say so on the first request
        log.warning("could not load the active profiles at start-up", exc_info=True)
    connections.close_all()  # the server's threads open their own
    gc.collect()
    gc.freeze()


def serve(*, host: str = "127.0.0.1", port: int = 8000, threads: int = 8, workers: int = 1) -> None:
    """Serve until interrupted (Ctrl-C): one waitress process with ``threads`` threads, or
    with ``workers`` > 1 (POSIX only) gunicorn's pre-forked processes, ``threads`` each."""
    if workers > 1:
        serve_gunicorn(host=host, port=port, threads=threads, workers=workers)
        return
    from waitress import serve as waitress_serve

    app = application()
    warm_up()
    resume_queued_jobs()
    waitress_serve(app, host=host, port=port, threads=threads, ident="palermo")


def serve_gunicorn(*, host: str, port: int, threads: int, workers: int) -> None:
    """gunicorn with ``workers`` processes of ``threads`` threads (its ``gthread`` worker).

    Nothing is loaded before the fork: each worker loads Django, compiles the profiles and
    opens its own database connections and DuckDB after it starts. Queued batch jobs are
    resumed in every worker; a job is claimed atomically, so each runs once.
    """
    if os.name != "posix":
        raise RuntimeError("--workers above 1 needs a POSIX system (gunicorn); use --workers 1")
    from gunicorn.app.base import BaseApplication

    class PalermoGunicorn(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "proc_name": "palermo",
                "accesslog": None,
                "post_worker_init": _post_worker_init,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> object:
            return application()

    PalermoGunicorn().run()


def _post_worker_init(worker: object) -> None:
    warm_up()
    resume_queued_jobs()
