"""The watchlist index build as a background task (django-tasks, database backend).

Approving a watchlist version enqueues ``watchlist_index_build`` in the approval's transaction;
a worker builds the index and seals it to disk (``index_files.py``). Running it twice builds
once; a worker lost mid-build leaves no recorded file, and the task is resumed by the worker's
recovery (or queued again by the housekeeping sweep).
"""

from __future__ import annotations

from django_tasks import task

from palermo.web.jobs.recovery import on_housekeeping
from palermo.web.lib.queue import register
from palermo.web.watchlists.index_files import (
    TASK_NAME,
    index_files_sweep,
)
from palermo.web.watchlists.index_files import (
    watchlist_index_build as build,
)

on_housekeeping(index_files_sweep)


@task()
def watchlist_index_build(version_id: int) -> str:
    return build(version_id=version_id)


register(TASK_NAME, watchlist_index_build)
