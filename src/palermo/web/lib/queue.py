"""Background tasks by name: a service enqueues a task whose module imports that service.

A task module (``<app>/tasks.py``, imported by its app's ``ready``) registers each task here;
the service enqueues it by name, so the service does not import its task module (no cycle).
"""

from __future__ import annotations

from typing import Any

from django_tasks.base import Task

_TASKS: dict[str, Task[..., Any]] = {}


def register(name: str, task: Task[..., Any]) -> None:
    """Make ``task`` the one enqueued as ``name``."""
    _TASKS[name] = task


def enqueue(name: str, **kwargs: Any) -> str:
    """Queue the task registered as ``name`` (in the current transaction); its result id."""
    return str(_TASKS[name].enqueue(**kwargs).id)
