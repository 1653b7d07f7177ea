"""Serving the application with waitress (a production-grade, pure-Python WSGI server), or
with gunicorn's pre-forked worker processes (``--workers``, POSIX).

Each server process starts one background-task worker thread (``palermo.web.jobs.worker``:
batch screening, watchlist index builds, the daily retention run) unless ``worker=False``
(then ``palermo web worker`` processes do the work); at start it resumes or fails what a
killed process left running. Static files come through whitenoise from the package.
"""

from __future__ import annotations

import gc
import logging
import os

log = logging.getLogger(__name__)


SERVER_THREADS = 16
"""Threads per server process. Log-ins waiting for their password check hold a thread each
(up to 4 per process: ``accounts.throttle.password_checks``); with 8 threads a log-in flood
left the screening API 4, and its requests queued (waitress's "task queue depth"; p99 under
the flood 94-98 ms on SQLite). With 16: no queueing and p99 48 ms in the same benchmark
(README, "Screening API under a log-in flood"). An idle thread costs little memory; each
keeps its own database connection."""


def application() -> object:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def start_task_worker() -> None:
    """One worker thread in this server process (embedded: nothing else to run)."""
    from palermo.web.jobs.worker import EmbeddedWorker

    EmbeddedWorker().start()


def warm_up() -> None:
    """Before the first request: load the URLconf (every app's views, forms and API schemas:
    Django imports it at the first request, which took 0.86 s, and the requests arriving
    meanwhile waited behind it), compile the active profiles (else the first screening pays
    for it), then move every object made at start-up out of the garbage collector's way, so
    that its full collections - pauses of tens of milliseconds with the compiled profiles -
    stay short while serving."""
    from django.db import DatabaseError, connections
    from django.urls import get_resolver

    from palermo.web.profiles.registry import current_screener

    get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf

    try:
        current_screener()
    except DatabaseError:  # not migrated yet: the pages say so on the first request
        log.warning("could not load the active profiles at start-up", exc_info=True)
    connections.close_all()  # the server's threads open their own
    gc.collect()
    gc.freeze()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    threads: int = SERVER_THREADS,
    workers: int = 1,
    task_worker: bool = True,
) -> None:
    """Serve until interrupted (Ctrl-C): one waitress process with ``threads`` threads, or
    with ``workers`` > 1 (POSIX only) gunicorn's pre-forked processes, ``threads`` each; each
    process with a task worker thread unless ``task_worker`` is false."""
    if workers > 1:
        serve_gunicorn(
            host=host, port=port, threads=threads, workers=workers, task_worker=task_worker
        )
        return
    from waitress import serve as waitress_serve

    app = application()
    warm_up()
    if task_worker:
        start_task_worker()
    waitress_serve(app, host=host, port=port, threads=threads, ident="palermo")


def serve_gunicorn(
    *, host: str, port: int, threads: int, workers: int, task_worker: bool = True
) -> None:
    """gunicorn with ``workers`` processes of ``threads`` threads (its ``gthread`` worker).

    Nothing is loaded before the fork: each worker loads Django, compiles the profiles and
    opens its own database connections and DuckDB after it starts, and its own task worker
    thread; a task is claimed atomically, so each runs once.
    """
    if os.name != "posix":
        raise RuntimeError("--workers above 1 needs a POSIX system (gunicorn); use --workers 1")
    from gunicorn.app.base import BaseApplication

    class PalermoGunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
        def load_config(self) -> None:
            settings = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "proc_name": "palermo",
                "accesslog": None,
                "post_worker_init": _post_worker_init if task_worker else _warm_only,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> object:
            return application()

    PalermoGunicorn().run()


def _post_worker_init(worker: object) -> None:
    warm_up()
    start_task_worker()


def _warm_only(worker: object) -> None:
    warm_up()
