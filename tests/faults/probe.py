"""The fault suite's probe: a separate process that sets up and inspects a Palermo data
directory through Django (the suite's own process never loads Django, so that it can kill and
restart the processes under test freely).

    python probe.py setup                  # migrate, an agency, analyst + supervisor, profiles
    python probe.py queue MANIFEST         # a batch job (prints its id)
    python probe.py state JOB              # the job, its task, its stored rows (JSON)
    python probe.py token                  # an API token of a border system (prints it)
    python probe.py run                    # run the ready tasks here (a reference run)
    python probe.py fill N                 # N screened travellers with encrypted records
    python probe.py keys                   # rows on older keys; every encrypted value read

The data directory and database come from ``PALERMO_*`` variables, as for ``palermo``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
    import django

    django.setup()


def setup() -> dict[str, Any]:
    from django.core.management import call_command

    from palermo.web.accounts.models import Agency, User
    from palermo.web.demo import _activate_examples

    call_command("migrate", interactive=False, verbosity=0)
    agency, _ = Agency.objects.get_or_create(
        code="FA", defaults={"name": "Fault agency", "kind": "border"}
    )
    people = {}
    for role in ("risk_analyst", "supervisor"):
        people[role] = User.objects.filter(username=f"fault-{role}").first() or (
            User.objects.create_user(
                username=f"fault-{role}", password="fault-pass-123", agency=agency, role=role
            )
        )
    active = _activate_examples(people["risk_analyst"], people["supervisor"])
    return {"profiles_active": active}


def queue(manifest: str) -> dict[str, Any]:
    from palermo.web.accounts.models import User
    from palermo.web.screening.services import batch_job_create

    analyst = User.objects.get(username="fault-risk_analyst")
    path = Path(manifest)
    with path.open("rb") as fh:
        job = batch_job_create(
            actor=analyst, file_name=path.name, chunks=iter(lambda: fh.read(1 << 20), b"")
        )
    return {"job": job.pk, "task": job.task_id}


def state(job_id: str) -> dict[str, Any]:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from palermo.web.screening.models import BatchJob, Hit, Traveller
    from palermo.web.screening.services import upload_dir, work_dir

    job = BatchJob.objects.get(pk=int(job_id))
    hits = Hit.objects.filter(traveller__batch=job)
    keys = sorted(
        f"{rid}|{source}|{rule}"
        for rid, source, rule in hits.values_list("traveller__record_id", "source", "rule_id")
    )
    doubled = (
        hits.values("traveller__record_id", "source", "rule_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    tasks = list(
        DBTaskResult.objects.filter(args_kwargs__kwargs__job_id=job.pk).values_list(
            "status", "worker_ids"
        )
    )
    return {
        "status": job.status,
        "attempts": job.attempts,
        "problems": job.problems,
        "hit_count": job.hit_count,
        "travellers": Traveller.objects.filter(batch=job).count(),
        "hits": len(keys),
        "hit_keys": keys,
        "duplicates": doubled,
        "tasks": [[s, len(w)] for s, w in tasks],
        "uploads": sorted(p.name for p in upload_dir().iterdir() if p.is_file()),
        "opened": sorted(p.name for p in work_dir().iterdir()),
    }


def token() -> dict[str, Any]:
    from palermo.web.accounts.models import Agency
    from palermo.web.accounts.services import api_token_create

    _record, plain = api_token_create(
        name="fault border system",
        agency=Agency.objects.get(code="FA"),
        role="first_line_officer",
        created_by=None,
    )
    return {"token": plain}


def run() -> dict[str, Any]:
    from palermo.web.jobs.worker import run_ready_tasks

    return {"ran": run_ready_tasks()}


def fill(n: str) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from palermo.web.accounts.models import User
    from palermo.web.screening.models import Traveller

    analyst = User.objects.get(username="fault-risk_analyst")
    now = timezone.now()
    made = Traveller.objects.bulk_create(
        [
            Traveller(
                agency_id=analyst.agency_id,
                screened_by=analyst,
                screened_at=now,
                record_id=f"fill-{i}",
                event_kind="exit",
                port="PEK",
                event_date=dt.date(2026, 3, 1),
                record=json.dumps({"record_id": f"fill-{i}", "surname": f"NAME{i}"}),
                set_version="fault",
            )
            for i in range(int(n))
        ],
        batch_size=1000,
    )
    return {"travellers": len(made)}


def keys() -> dict[str, Any]:
    from palermo.web.lib.crypto import FieldKeyError
    from palermo.web.lib.rotation import encrypted_models, stale_count

    stale: dict[str, int] = {}
    read = unreadable = 0
    for model, names in encrypted_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        stale[label] = stale_count(model, names)
        for pk in model._base_manager.values_list("pk", flat=True):
            try:
                obj = model._base_manager.only("pk", *names).get(pk=pk)
                for name in names:
                    getattr(obj, name)
                read += 1
            except FieldKeyError:
                unreadable += 1
    return {"stale": stale, "read": read, "unreadable": unreadable}


COMMANDS = {
    "setup": setup,
    "queue": queue,
    "state": state,
    "run": run,
    "fill": fill,
    "keys": keys,
    "token": token,
}

if __name__ == "__main__":
    _django()
    print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
