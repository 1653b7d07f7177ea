"""``palermo serve``: the web application under waitress, or gunicorn with ``--workers``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from palermo.cli.app import app, console, fail, reports_errors


@app.command("serve")
@reports_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. 监听地址。")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port. 端口。")] = 8000,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Threads per process (default 16: palermo.web.server.SERVER_THREADS). "
            "每个进程的线程数（默认 16）。",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Processes: 1 = waitress; more = gunicorn (POSIX). "
            "进程数：1 为 waitress；大于 1 为 gunicorn（仅 POSIX）。",
        ),
    ] = 1,
    task_worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Run background tasks in each server process (default), or leave them to "
            "'palermo web worker'. 在每个服务器进程中运行后台任务（默认），或交给 "
            "'palermo web worker'。",
        ),
    ] = True,
) -> None:
    """Serve the web application (run 'palermo web migrate' first).
    运行网页应用（请先运行 'palermo web migrate'）。
    """
    if workers > 1 and os.name != "posix":
        raise fail(
            "--workers above 1 needs a POSIX system (gunicorn); use --workers 1 / "
            "--workers 大于 1 需要 POSIX 系统（gunicorn）；请使用 --workers 1"
        )
    from palermo.cli.web import setup_django
    from palermo.web.server import SERVER_THREADS
    from palermo.web.server import serve as run

    setup_django()
    console.print(
        f"Palermo on http://{host}:{port}/ (Ctrl-C stops) / 网页应用地址 http://{host}:{port}/",
        highlight=False,
    )
    run(
        host=host,
        port=port,
        threads=threads or SERVER_THREADS,
        workers=workers,
        task_worker=task_worker,
    )
