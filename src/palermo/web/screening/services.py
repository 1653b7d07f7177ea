"""Writes of the screening flows: screen one traveller at the desk, record a disposition for a
hit, queue and run a batch screening. Each write is one transaction with its audit entry.

Nothing here acts on a traveller: a hit is stored waiting for an officer's disposition.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, Problem
from palermo.lib.files import private_dir
from palermo.profiles.profile_set import ProfileSet
from palermo.records.consistency import record_problems
from palermo.records.limits import Limits
from palermo.records.readers import FORMATS
from palermo.records.schema import INPUT_FIELDS
from palermo.records.stream import duplicate_id_problem, read_record_batches
from palermo.screening.batch import screen_table
from palermo.screening.hits import Hit as EngineHit
from palermo.screening.hits import hits_from_table
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.blind_index import name_digests
from palermo.web.lib.crypto import KeyRing, keyring
from palermo.web.lib.errors import (
    NotPermittedError,
    StorageFullError,
    TransitionRefusedError,
    disk_full,
)
from palermo.web.lib.problems import checked_upload_name, file_too_large, problem, stored_text
from palermo.web.lib.queue import enqueue
from palermo.web.lib.roles import BATCH_ROLES, DESK_ROLES, HIT_ROLES, Role, has_role, require_role
from palermo.web.lib.sealed import SealedWriter, unseal
from palermo.web.lib.statistics import analyze_after_bulk_load
from palermo.web.lib.training import in_training
from palermo.web.profiles.registry import current_screener, current_watchlists
from palermo.web.screening import sampling
from palermo.web.screening.forms import record_to_json
from palermo.web.screening.models import (
    PENDING,
    PROFILE_DISPOSITIONS,
    BatchJob,
    Disposition,
    DispositionCorrection,
    DispositionKind,
    Hit,
    JobStatus,
    Traveller,
    TravellerNameToken,
)

log = logging.getLogger(__name__)

MAX_MINUTES = 600
# records read, checked and screened at a time by a batch job (memory follows this, not the file)
WEB_BATCH_ROWS = 100_000
OBSERVATION_IDS = frozenset(s.observation for s in INPUT_FIELDS.values() if s.observation)
MIN_REASON = 10
SEALED_SUFFIX = ".sealed"
PERSONAL_RECORD_FIELDS = tuple(
    name for name, spec in INPUT_FIELDS.items() if spec.identifying or spec.protected
)


def _profile_indicators(rule_id: str, profile_set: ProfileSet) -> list[str]:
    """The observation indicators of ``rule_id`` in ``profile_set``: the set that produced the
    hit, never whatever is active when the hit is stored."""
    try:
        profile = profile_set.get(rule_id)
    except KeyError:
        return []
    return [i for i in profile.indicators if i in OBSERVATION_IDS]


VISA_APPLICATION = "visa_application"


def visa_application_ref(record: Mapping[str, Any]) -> str:
    """The visa file a screened visa application links to: its record id (the application
    number the consulate gives it), unless the desk numbered the record itself.

    >>> visa_application_ref({"event_kind": "visa_application", "record_id": "V-2026-0042"})
    'V-2026-0042'
    >>> visa_application_ref({"event_kind": "exit", "record_id": "V-2026-0042"})
    ''
    >>> visa_application_ref({"event_kind": "visa_application", "record_id": "desk-0a1b2c"})
    ''
    """
    if record.get("event_kind") != VISA_APPLICATION:
        return ""
    record_id = str(record.get("record_id") or "")
    return "" if record_id.startswith("desk-") else record_id[:100]


def _traveller_row(
    *,
    actor: User,
    record: Mapping[str, Any],
    batch: BatchJob | None,
    set_version: str,
    now: dt.datetime,
    visa_ref: str = "",
) -> Traveller:
    """An unsaved traveller for ``record`` (its record encrypted by field when saved)."""
    return Traveller(
        agency_id=actor.agency_id,
        batch=batch,
        screened_by=actor,
        screened_at=now,
        record_id=str(record.get("record_id") or "")[:100],
        event_kind=str(record.get("event_kind") or "")[:20],
        port=str(record.get("port") or "")[:100],
        event_date=record.get("event_date"),
        record=record_to_json(record),
        set_version=set_version,
        visa_application_ref=visa_ref,
    )


def _name_tokens(
    traveller: Traveller, record: Mapping[str, Any], ring: KeyRing
) -> list[TravellerNameToken]:
    """The keyed digests of a traveller's names, by which the hit queue finds them."""
    names = [str(record.get(k) or "") for k in ("surname", "given_names", "name_native")]
    return [
        TravellerNameToken(traveller=traveller, agency_id=traveller.agency_id, key_id=kid, digest=d)
        for kid, d in name_digests(" ".join(names[:2]), ring, *names[2:])
    ]


def _hit_row(
    traveller: Traveller, h: EngineHit, indicators: Mapping[str, list[str]], now: dt.datetime
) -> Hit:
    """An unsaved hit of ``traveller`` from the engine's hit ``h``, waiting for its look."""
    return Hit(
        traveller=traveller,
        agency_id=traveller.agency_id,
        source=str(h.source),
        rule_id=h.rule_id,
        rule_version=h.rule_version,
        weight=h.weight,
        title_en=h.title_en[:300],
        title_zh=h.title_zh[:300],
        reasons=Hit.reasons_text(list(h.matched_en), list(h.matched_zh)),
        indicators=indicators.get(h.rule_id, []),
        set_version=h.set_version,
        status=PENDING,
        port=traveller.port,
        event_date=traveller.event_date,
        created_at=now,
    )


def _control_hit_row(traveller: Traveller, set_version: str, now: dt.datetime) -> Hit:
    """An unsaved hit of source ``control`` for a traveller drawn into the control sample:
    it waits for the same first-line look (every observation may be recorded)."""
    return Hit(
        traveller=traveller,
        agency_id=traveller.agency_id,
        source=sampling.CONTROL_SOURCE,
        rule_id=sampling.CONTROL_RULE_ID,
        rule_version="1",
        weight=0.0,
        title_en=sampling.CONTROL_TITLE_EN,
        title_zh=sampling.CONTROL_TITLE_ZH,
        reasons=Hit.reasons_text(sampling.CONTROL_REASONS_EN, sampling.CONTROL_REASONS_ZH),
        indicators=sorted(OBSERVATION_IDS),
        set_version=set_version,
        status=PENDING,
        port=traveller.port,
        event_date=traveller.event_date,
        created_at=now,
    )


def _store(
    *,
    actor: User,
    record: Mapping[str, Any],
    hits: Iterable[EngineHit],
    batch: BatchJob | None,
    set_version: str,
    indicators: Mapping[str, list[str]],
) -> tuple[Traveller, list[Hit]]:
    now = timezone.now()
    traveller = _traveller_row(
        actor=actor,
        record=record,
        batch=batch,
        set_version=set_version,
        now=now,
        visa_ref=visa_application_ref(record),
    )
    traveller.save(force_insert=True)
    TravellerNameToken.objects.bulk_create(_name_tokens(traveller, record, keyring()))
    rows = Hit.objects.bulk_create([_hit_row(traveller, h, indicators, now) for h in hits])
    return traveller, rows


def _store_control(
    *, actor: User, record: Mapping[str, Any], batch: BatchJob | None, set_version: str
) -> Traveller:
    """Keep a traveller drawn into the random control sample, with a "hit" of source
    ``control`` that waits for the same first-line look (every observation may be recorded)."""
    now = timezone.now()
    traveller = _traveller_row(
        actor=actor, record=record, batch=batch, set_version=set_version, now=now
    )
    traveller.save(force_insert=True)
    _control_hit_row(traveller, set_version, now).save(force_insert=True)
    return traveller


def _store_many(
    *,
    actor: User,
    records: list[dict[str, Any]],
    hits: Mapping[str, list[EngineHit]] | None,
    batch: BatchJob,
    set_version: str,
    indicators: Mapping[str, list[str]],
    now: dt.datetime,
) -> int:
    """Store a chunk of a batch's travellers with bulk inserts: each with its hits from
    ``hits`` (by record id), or, with ``hits=None``, as drawn into the control sample (one
    ``control`` hit each, as ``_store_control``); their name tokens too. The records are
    encrypted by their field as they are inserted. How many travellers were stored."""
    travellers = Traveller.objects.bulk_create(
        [
            _traveller_row(
                actor=actor,
                record=record,
                batch=batch,
                set_version=set_version,
                now=now,
                visa_ref=visa_application_ref(record) if hits is not None else "",
            )
            for record in records
        ]
    )
    tokens: list[TravellerNameToken] = []
    rows: list[Hit] = []
    ring = keyring()
    for traveller, record in zip(travellers, records, strict=True):
        if hits is not None:
            tokens.extend(_name_tokens(traveller, record, ring))
            rows.extend(
                _hit_row(traveller, h, indicators, now) for h in hits[str(record["record_id"])]
            )
        else:
            rows.append(_control_hit_row(traveller, set_version, now))
    TravellerNameToken.objects.bulk_create(tokens, batch_size=STORE_ROWS)
    Hit.objects.bulk_create(rows, batch_size=STORE_ROWS)
    return len(travellers)


def desk_screen(
    *, actor: User, record: Mapping[str, Any], request: HttpRequest | None = None
) -> tuple[Traveller | None, list[EngineHit]]:
    """Screen one validated record with the active profiles.

    With hits, the record and its hits are stored (encrypted) to wait for dispositions; without
    a hit nothing about the traveller is kept, only the audit entry that a screening happened -
    unless the traveller is drawn into the random control sample (``sampling``), which is kept
    like a hit. Every screening counts in the tally by day, port and group.
    """
    require_role(actor, DESK_ROLES, what=_("screen travellers"))
    crossed = record_problems(record)
    if crossed:  # the API's records pass the same rules as the desk's form
        raise InputError(crossed)
    values = dict(record)
    if not values.get("record_id"):
        values["record_id"] = "desk-" + secrets.token_hex(6)
    screener = current_screener()
    hits = screener.screen(values)
    if in_training(actor):
        # live watchlists name real people: a trainee's scenario traveller is screened with
        # the active profiles only, and no listed person reaches the sandbox
        hits = [h for h in hits if h.source != "watchlist"]
    set_version = screener.profile_set.version
    # in the sandbox every scenario traveller without a hit gets the control sample's
    # first-line look: the trainee practises the disposition on look-alikes too, and the
    # exercise (academy) finds what they observed
    drawn = not hits and (in_training(actor) or sampling.control_drawn())
    group = sampling.group_of(values, sampling.today())
    with transaction.atomic():
        traveller = None
        if drawn:
            traveller = _store_control(
                actor=actor, record=values, batch=None, set_version=set_version
            )
        if hits:
            traveller, _rows = _store(
                actor=actor,
                record=values,
                hits=hits,
                batch=None,
                set_version=set_version,
                indicators={
                    h.rule_id: _profile_indicators(h.rule_id, screener.profile_set) for h in hits
                },
            )
        sampling.tally_add(
            agency_id=actor.agency_id,
            screened=Counter({group: 1}),
            control=Counter({group: 1}) if drawn else None,
        )
        # last, just before the commit: from here every screening (and every other audited
        # change) waits for this one, so nothing else is done while the audit chain is held;
        # and in the order a batch takes them (tally, then chain), so the two never deadlock
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if traveller else AuditAction.READ,
            obj=traveller,
            object_type="" if traveller else "screening.desk",
            fields=[f for f in PERSONAL_RECORD_FIELDS if values.get(f) is not None],
            purpose="screening at the desk",
            request=request,
            detail={"hits": len(hits), "profile_set": set_version, "control_sample": drawn},
        )
    return traveller, hits


def _disposition_problems(
    kind: DispositionKind | str, text: str, seen: list[str], *, source: str = "profile"
) -> list[Problem]:
    """What is wrong with a disposition (the same rules for a first one, a correction and the
    disposition of a traveller's hits together)."""
    problems: list[Problem] = []
    if kind not in {k.value for k in DispositionKind}:
        problems.append(
            problem(
                where=gettext_lazy("disposition"),
                field="kind",
                value=str(kind),
                rule=gettext_lazy("unknown choice"),
            )
        )
    elif source != "watchlist" and DispositionKind(kind) not in PROFILE_DISPOSITIONS:
        problems.append(
            problem(
                where=gettext_lazy("disposition"),
                field="kind",
                rule=gettext_lazy(
                    "an investigator takes watchlist matches; a profile hit is referred to a "
                    "second-line interview"
                ),
            )
        )
    if len(text) < MIN_REASON:
        problems.append(
            problem(
                where=gettext_lazy("disposition"),
                field="reason",
                rule=gettext_lazy("write the reason in at least %(n)d characters"),
                params={"n": MIN_REASON},
            )
        )
    unknown = [o for o in seen if o not in OBSERVATION_IDS]
    if unknown:
        problems.append(
            problem(
                where=gettext_lazy("disposition"),
                field="observed",
                value=", ".join(unknown),
                rule=gettext_lazy("unknown observation"),
            )
        )
    if kind == DispositionKind.REFERRED and not seen:
        problems.append(
            problem(
                where=gettext_lazy("disposition"),
                field="observed",
                rule=gettext_lazy(
                    "a referral names at least one thing you observed; "
                    "a hunch alone cannot be saved"
                ),
            )
        )
    return problems


def _dispose_locked(
    *,
    actor: User,
    hit_pk: int,
    kind: str,
    text: str,
    seen: list[str],
    request: HttpRequest | None,
    together: int = 0,
    minutes: int | None = None,
    age_in_doubt: bool = False,
) -> Disposition:
    """Record one disposition inside the caller's transaction (the hit row locked)."""
    locked = Hit.objects.select_for_update().get(pk=hit_pk)
    if locked.status != PENDING:
        raise TransitionRefusedError(_("This hit already has a disposition."))
    disposition = Disposition.objects.create(
        hit=locked,
        kind=kind,
        reason=text,
        observed=seen,
        decided_by=actor,
        decided_at=timezone.now(),
        minutes=minutes,
        age_in_doubt=age_in_doubt,
    )
    locked.status = kind
    locked.save(update_fields=["status"])
    detail: dict[str, Any] = {"kind": kind, "observed": seen}
    if age_in_doubt:
        detail["age_in_doubt"] = True
    if together:
        detail["together_with"] = together  # disposed of with the traveller's other hits
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        fields=["status"],
        purpose="hit disposition",
        request=request,
        detail=detail,
    )
    return disposition


def hit_dispose(
    *,
    actor: User,
    hit: Hit,
    kind: DispositionKind | str,
    reason: str,
    observed: Iterable[str] = (),
    minutes: int | None = None,
    age_in_doubt: bool = False,
    request: HttpRequest | None = None,
) -> Disposition:
    """Record the officer's disposition of a hit, with a reason (and, when given, the minutes
    it took: what each profile costs the officers). ``age_in_doubt``: the traveller may be
    under 18 whatever the document says (the second line then presumes a child).

    Facts, not feelings (FRA safeguard 2): every disposition needs a written reason, and a
    referral to a second-line interview also names what the officer observed (BRD ids).
    """
    require_role(actor, HIT_ROLES, what=_("record dispositions"))
    if hit.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that screened the traveller can do this."))
    text = reason.strip()
    seen = sorted(set(observed))
    problems = _disposition_problems(kind, text, seen, source=hit.source)
    if problems:
        raise InputError(problems)
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("minutes spent"),
                    field="minutes",
                    value=minutes,
                    rule=gettext_lazy("between 0 and 600 minutes"),
                )
            ]
        )
    with transaction.atomic():
        disposition = _dispose_locked(
            actor=actor,
            hit_pk=hit.pk,
            kind=str(kind),
            text=text,
            seen=seen,
            request=request,
            minutes=minutes,
            age_in_doubt=age_in_doubt,
        )
    hit.status = disposition.kind
    return disposition


def traveller_hits_dispose(
    *,
    actor: User,
    traveller: Traveller,
    kind: DispositionKind | str,
    reason: str,
    observed: Iterable[str] = (),
    exceptions: Iterable[int] = (),
    age_in_doubt: bool = False,
    request: HttpRequest | None = None,
) -> list[Disposition]:
    """One disposition for every hit of a traveller still waiting, except the hits named in
    ``exceptions`` (they wait for a disposition of their own). All or nothing: one transaction,
    one audit entry per hit, each saying it was disposed of together with the others."""
    require_role(actor, HIT_ROLES, what=_("record dispositions"))
    if traveller.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that screened the traveller can do this."))
    text = reason.strip()
    seen = sorted(set(observed))
    left_out = set(exceptions)
    waiting = list(
        Hit.objects.filter(traveller=traveller, status=PENDING)
        .exclude(pk__in=left_out)
        .order_by("-weight", "id")
    )
    problems = _disposition_problems(kind, text, seen, source="watchlist")
    if not waiting:
        problems.append(
            problem(
                where=gettext_lazy("disposition"),
                field="exceptions",
                rule=gettext_lazy("no hit is left waiting to be disposed of together"),
            )
        )
    if str(kind) not in PROFILE_DISPOSITIONS:
        profile_hits = [h for h in waiting if h.source != "watchlist"]
        if profile_hits:
            problems.append(
                problem(
                    where=gettext_lazy("disposition"),
                    field="kind",
                    value=", ".join(h.title_en for h in profile_hits),
                    rule=gettext_lazy(
                        "an investigator takes watchlist matches: leave the profile hits out "
                        "and dispose of them on their own"
                    ),
                )
            )
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        return [
            _dispose_locked(
                actor=actor,
                hit_pk=h.pk,
                kind=str(kind),
                text=text,
                seen=seen,
                request=request,
                together=len(waiting),
                age_in_doubt=age_in_doubt,
            )
            for h in waiting
        ]


def disposition_can_correct(*, actor: User, hit: Hit) -> bool:
    """Whether the actor may correct the hit's disposition: the person who recorded it, or a
    supervisor of the agency that screened the traveller."""
    if not has_role(actor, HIT_ROLES):
        return False
    if hit.agency_id != actor.agency_id or hit.status == PENDING:
        return False
    disposition = Disposition.objects.filter(hit_id=hit.pk).only("decided_by_id").first()
    if disposition is None:
        return False
    return disposition.decided_by_id == actor.pk or actor.role == Role.SUPERVISOR


def disposition_correct(
    *,
    actor: User,
    hit: Hit,
    kind: DispositionKind | str,
    reason: str,
    correction_reason: str,
    observed: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> Disposition:
    """Correct a recorded disposition: the new one supersedes it, the previous one is kept in
    the hit's history with who corrected it, when and why (audited).

    Allowed to the officer who recorded the disposition and to a supervisor of the same agency.
    A referral an interview has already taken up can no longer be changed into something else.
    """
    require_role(actor, HIT_ROLES, what=_("record dispositions"))
    if hit.agency_id != actor.agency_id:
        raise NotPermittedError(_("Only the agency that screened the traveller can do this."))
    text = reason.strip()
    why = correction_reason.strip()
    seen = sorted(set(observed))
    problems = _disposition_problems(kind, text, seen, source=hit.source)
    if len(why) < MIN_REASON:
        problems.append(
            problem(
                where=gettext_lazy("correction"),
                field="correction_reason",
                rule=gettext_lazy(
                    "write why the disposition is corrected in at least %(n)d characters"
                ),
                params={"n": MIN_REASON},
            )
        )
    if problems:
        raise InputError(problems)
    with transaction.atomic():
        locked = Hit.objects.select_for_update().get(pk=hit.pk)
        current = Disposition.objects.select_for_update().filter(hit=locked).first()
        if locked.status == PENDING or current is None:
            raise TransitionRefusedError(_("This hit has no disposition to correct yet."))
        if current.decided_by_id != actor.pk and actor.role != Role.SUPERVISOR:
            raise NotPermittedError(
                _("Only the officer who recorded the disposition or a supervisor can correct it.")
            )
        if (current.kind, current.reason, sorted(current.observed)) == (str(kind), text, seen):
            raise InputError(
                [
                    problem(
                        where=gettext_lazy("correction"),
                        field="kind",
                        rule=gettext_lazy("the correction is the same as the disposition recorded"),
                    )
                ]
            )
        if (
            current.kind == DispositionKind.REFERRED
            and str(kind) != DispositionKind.REFERRED
            and locked.interviews.filter(kind="second_line").exists()
        ):
            raise TransitionRefusedError(
                _(
                    "A second-line interview was started from this referral; the referral "
                    "can no longer be withdrawn."
                )
            )
        now = timezone.now()
        DispositionCorrection.objects.create(
            hit=locked,
            previous_kind=current.kind,
            previous_reason=current.reason,
            previous_observed=current.observed,
            previous_decided_by_id=current.decided_by_id,
            previous_decided_at=current.decided_at,
            reason=why,
            corrected_by=actor,
            corrected_at=now,
        )
        previous_kind = current.kind
        current.kind = str(kind)
        current.reason = text
        current.observed = seen
        current.decided_by = actor
        current.decided_at = now
        current.save(update_fields=["kind", "reason", "observed", "decided_by", "decided_at"])
        locked.status = str(kind)
        locked.save(update_fields=["status"])
        hit.status = locked.status
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            fields=["status", "disposition"],
            purpose="hit disposition corrected",
            request=request,
            detail={"from": previous_kind, "to": str(kind), "observed": seen},
        )
    return current


# ---------------------------------------------------------------- batch screening


def upload_dir() -> Path:
    """Where uploaded manifests wait, sealed (0700; files 0600)."""
    return private_dir(Path(settings.DATA_DIR) / "uploads")


def work_dir() -> Path:
    """Where a manifest is opened while its task reads it (0700; deleted after)."""
    return private_dir(upload_dir() / "work")


def work_path(sealed: Path) -> Path:
    """The plaintext file a sealed upload is opened into: ``<id>.<suffix>`` in ``work/``."""
    return work_dir() / sealed.name.removesuffix(SEALED_SUFFIX)


def batch_files_remove(stored_path: str) -> None:
    """Delete a job's sealed upload and its opened copy (if any)."""
    if not stored_path:
        return
    sealed = Path(stored_path)
    work_path(sealed).unlink(missing_ok=True)
    sealed.unlink(missing_ok=True)


def batch_job_create(
    *, actor: User, file_name: str, chunks: Iterable[bytes], request: HttpRequest | None = None
) -> BatchJob:
    """Keep the uploaded manifest, encrypted, until the job has read it, and queue the job:
    the job row, its task and its audit entry are one transaction."""
    require_role(actor, BATCH_ROLES, what=_("upload manifests"))
    name, suffix = checked_upload_name(file_name, default="manifest", suffixes=sorted(FORMATS))
    path = upload_dir() / f"{uuid.uuid4().hex}{suffix}{SEALED_SUFFIX}"
    limit = int(settings.MANIFEST_MAX_BYTES)
    try:
        with SealedWriter(path, keyring()) as out:
            for chunk in chunks:
                if out.size + len(chunk) > limit:
                    raise file_too_large(name, limit)
                out.write(chunk)
            size = out.size
    except OSError as exc:  # the half-written file is already removed
        if disk_full(exc):
            raise StorageFullError from None
        raise
    try:
        with transaction.atomic():
            job = BatchJob.objects.create(
                agency_id=actor.agency_id,
                uploaded_by=actor,
                file_name=name,
                stored_path=str(path),
                status=JobStatus.QUEUED.value,
                created_at=timezone.now(),
            )
            job.task_id = enqueue("screen_batch", job_id=job.pk)
            job.save(update_fields=["task_id"])
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=job,
                purpose="batch screening",
                request=request,
                detail={"file": name, "bytes": size},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return job


def _claim(job_id: int) -> BatchJob | None:
    """Take a queued job (once, even with several workers)."""
    with transaction.atomic():
        claimed = BatchJob.objects.filter(pk=job_id, status=JobStatus.QUEUED.value).update(
            status=JobStatus.RUNNING.value, started_at=timezone.now(), attempts=F("attempts") + 1
        )
        if not claimed:
            return None
        return BatchJob.objects.select_related("uploaded_by").get(pk=job_id)


def _finish(job: BatchJob, **changes: Any) -> None:
    changes["finished_at"] = timezone.now()
    changes["stored_path"] = ""
    for name, value in changes.items():
        setattr(job, name, value)
    job.save(update_fields=list(changes))


def _failure(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


def page_run_limits() -> Limits:
    """What a file read for one page's run may hold: a manifest's limits, and at most
    ``PALERMO_PAGE_RUN_MAX_ROWS`` rows (the run happens in the request)."""
    return Limits(
        max_bytes=int(settings.MANIFEST_MAX_BYTES),
        max_rows=min(int(settings.PAGE_RUN_MAX_ROWS), int(settings.MANIFEST_MAX_ROWS)),
        max_decompressed_bytes=int(settings.MANIFEST_MAX_DECOMPRESSED_BYTES),
    )


def manifest_limits() -> Limits:
    """What one uploaded manifest may hold (``PALERMO_MANIFEST_MAX_*``), checked before its
    rows are read: a small compressed file must not expand to gigabytes in the server."""
    return Limits(
        max_bytes=int(settings.MANIFEST_MAX_BYTES),
        max_rows=int(settings.MANIFEST_MAX_ROWS),
        max_decompressed_bytes=int(settings.MANIFEST_MAX_DECOMPRESSED_BYTES),
    )


def batch_job_run(*, job_id: int) -> BatchJob | None:
    """Read, validate and screen one queued manifest (the ``screen_batch`` task).

    A file with any problem is rejected whole: its row-level problems are kept on the job and no
    traveller or hit from it is stored. The travellers and hits of a file are written in one
    transaction with the job's ``done`` status: a run cut short stores nothing, and a run again
    stores each once. The uploaded file is deleted once the job is finished.
    """
    job = _claim(job_id)
    if job is None:
        return None
    sealed = Path(job.stored_path)
    opened = work_path(sealed)
    actor: User = job.uploaded_by
    try:
        opened.unlink(missing_ok=True)  # left by a run that was cut short
        unseal(sealed, opened, keyring())
        screener = current_screener()
        profile_set = screener.profile_set
        try:
            screened = _screen_manifest(opened, profile_set, actor)
        except InputError as exc:
            shown = [
                stored_text(p, replace=(str(opened), job.file_name)) for p in exc.problems[:50]
            ]
            with transaction.atomic():
                _finish(
                    job,
                    status=JobStatus.REJECTED.value,
                    problems=shown,
                    problem_total=exc.total,
                )
                audit_record(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    obj=job,
                    fields=["status"],
                    purpose="batch screening rejected",
                    detail={"problems": exc.total},
                )
            batch_files_remove(str(sealed))
            return job
        opened.unlink(missing_ok=True)
        _store_batch(job, actor, screened, profile_set)
        batch_files_remove(str(sealed))
        return job
    except (OperationalError, InterfaceError) as exc:  # the database went away (restarted)
        if disk_full(exc):
            _fail(job, sealed, exc)
            return job
        log.warning("batch job %s: database error, queued again", job_id, exc_info=True)
        _queue_again_after_database_error(job, exc)
        return job
    except Exception as exc:  # a bug or a broken disk must not leave the job "running"
        _fail(job, sealed, exc)
        return job
    finally:
        opened.unlink(missing_ok=True)


def _fail(job: BatchJob, sealed: Path, exc: Exception) -> None:
    """Mark the job failed with the reason (nothing of it was stored) and remove its files
    (first: on a full disk that frees the room the status needs)."""
    log.exception("batch job %s failed", job.pk)
    batch_files_remove(str(sealed))
    if disk_full(exc):
        reason = _failure(
            "the server's disk is full; nothing from the file was stored. Upload it again "
            "once the administrator has freed space",
            "服务器磁盘已满；文件中的任何内容均未保存。请在管理员释放空间后重新上传",
        )
    else:
        reason = _failure(
            f"the screening stopped on an error ({type(exc).__name__})",
            f"筛查因错误而中止（{type(exc).__name__}）",
        )
    with transaction.atomic():
        _finish(job, status=JobStatus.FAILED.value, problems=[reason])


def _queue_again_after_database_error(job: BatchJob, exc: Exception) -> None:
    """Nothing of this run was stored (one transaction): wait for the database to answer
    again, then queue the job for a new run of its task - or fail it when it has used its
    runs. If the database stays away, the error propagates and the worker's recovery does
    the same once it is back."""
    from palermo.web.jobs.recovery import max_attempts

    for pause in (0.5, 1, 2, 4, 8, 15, 30):
        connection.close()
        try:
            with transaction.atomic():
                if job.attempts >= max_attempts():
                    stored_path = job.stored_path
                    _finish(
                        job,
                        status=JobStatus.FAILED.value,
                        problems=[
                            _failure(
                                "the database was unavailable while screening; nothing from "
                                "the file was stored",
                                "筛查期间数据库不可用；文件中的任何内容均未保存",
                            )
                        ],
                    )
                    transaction.on_commit(partial(batch_files_remove, stored_path))
                else:
                    task_id = enqueue("screen_batch", job_id=job.pk)
                    BatchJob.objects.filter(pk=job.pk).update(
                        status=JobStatus.QUEUED.value, started_at=None, task_id=task_id
                    )
            return
        except DatabaseError:
            time.sleep(pause)
    raise exc


def batch_job_worker_lost(*, job_id: int, resumed: bool, reason: str) -> None:
    """The worker screening this job stopped (killed, crashed): nothing of the run was stored
    (one transaction), so the job is queued again for its task's next run; or, when the task
    has no run left, failed with the reason and its files deleted."""
    job = BatchJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in {JobStatus.QUEUED.value, JobStatus.RUNNING.value}:
        return
    stored_path = job.stored_path
    if resumed:
        BatchJob.objects.filter(pk=job_id).update(status=JobStatus.QUEUED.value, started_at=None)
        if stored_path:
            work_path(Path(stored_path)).unlink(missing_ok=True)
        return
    _finish(
        job,
        status=JobStatus.FAILED.value,
        problems=[
            _failure(
                f"the screening was interrupted {job.attempts} time(s) "
                "(the server or worker stopped); nothing from the file was stored",
                f"筛查被中断 {job.attempts} 次（服务器或后台进程停止）；文件中的任何内容均未保存",
            )
        ],
    )
    audit_record(
        actor=None,
        actor_label="background worker recovery",
        action=AuditAction.UPDATE,
        obj=job,
        fields=["status"],
        purpose="batch screening failed",
        detail={"reason": reason},
    )
    transaction.on_commit(partial(batch_files_remove, stored_path))


TALLY_MERGE_ROWS = 500_000
"""Per-batch tally tables are added up into one once they hold this many rows together."""
STORE_ROWS = 2_000
"""Travellers written by one ``bulk_create`` (with their name tokens and hits) in a batch job:
only this many rows are ever Python objects and model instances while a job stores."""


@dataclass
class _Screened:
    """What a manifest's batches left to store, kept as Arrow tables until it is stored: the
    first record of each traveller with hits, the travellers drawn into the control sample, the
    tally; and every hit (a few per hundred records)."""

    source: str
    records: int = 0
    rows: list[pa.Table] = field(default_factory=list)
    controls: list[pa.Table] = field(default_factory=list)
    hits: list[EngineHit] = field(default_factory=list)
    tallies: list[pa.Table] = field(default_factory=list)
    drawn_tally: Counter[sampling.Group] = field(default_factory=Counter)
    # every record id, as Arrow keeps it (a national day: 2 M ids are ~30 MB here, against
    # ~300 MB as a dict of Python strings); checked for repeats once the file is read
    record_ids: list[pa.ChunkedArray] = field(default_factory=list)

    @property
    def traveller_count(self) -> int:
        return sum(t.num_rows for t in self.rows)

    @property
    def control_count(self) -> int:
        return sum(t.num_rows for t in self.controls)

    def tally(self) -> pa.Table:
        """The whole manifest's tally, one row per group, in locking order."""
        return sampling.tally_merge(self.tallies)

    def duplicates(self) -> tuple[list[Problem], int]:
        """A record id twice in one manifest is refused (which traveller would it be?): the
        first 50 repeats in file order, each naming the row it repeats, and how many there are."""
        if not self.record_ids:
            return [], 0
        ids = pa.chunked_array(
            [c for col in self.record_ids for c in col.chunks], type=pa.string()
        ).combine_chunks()
        codes = np.asarray(pc.index_in(ids, value_set=pc.unique(ids)))
        _, first_of_code = np.unique(codes, return_index=True)
        first = first_of_code[codes]
        repeats = np.flatnonzero(first != np.arange(len(ids)))
        problems = [
            duplicate_id_problem(self.source, int(i) + 1, int(first[i]) + 1, ids[int(i)].as_py())
            for i in repeats[:50]
        ]
        return problems, len(repeats)

    def add(self, batch: pa.Table, hits: list[EngineHit], screened_on: dt.date) -> None:
        """One validated batch and its hits: the rows to keep are taken as Arrow rows (Python
        objects only when they are stored, ``STORE_ROWS`` at a time)."""
        ids = batch.column("record_id")
        self.record_ids.append(ids)
        flagged = np.asarray(
            pc.fill_null(
                pc.is_in(ids, value_set=pa.array(sorted({h.record_id for h in hits}), pa.string())),
                False,
            ).to_numpy(zero_copy_only=False),
            dtype=np.bool_,
        )
        wanted = np.flatnonzero(flagged)
        if len(wanted):
            self.rows.append(batch.take(pa.array(wanted, pa.int64())))
        without_hit = np.flatnonzero(~flagged)
        drawn = without_hit[np.flatnonzero(sampling.control_draws(len(without_hit)))]
        if len(drawn):
            chosen = batch.take(pa.array(drawn, pa.int64()))
            self.controls.append(chosen)
            self.drawn_tally.update(sampling.group_of(r, screened_on) for r in chosen.to_pylist())
        self.tallies.append(sampling.tally_table(batch, screened_on))
        if len(self.tallies) > 1 and sum(t.num_rows for t in self.tallies) > TALLY_MERGE_ROWS:
            self.tallies = [self.tally()]
        self.hits.extend(hits)
        self.records += batch.num_rows


def _records(tables: list[pa.Table], rows: int) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``tables`` as Python dicts, ``rows`` at a time."""
    for table in tables:
        for start in range(0, table.num_rows, rows):
            yield table.slice(start, rows).to_pylist()


def _screen_manifest(path: Path, profile_set: ProfileSet, actor: User) -> _Screened:
    """Read, check and screen a manifest batch by batch (``WEB_BATCH_ROWS`` records at a time):
    memory is bounded by the batch and the travellers kept, not by the file. ``InputError``
    (after the last batch for bad values) names every problem; nothing has been stored."""
    screened = _Screened(source=str(path))
    # the same active, unexpired watchlists as the desk and the API (none in training: they
    # name real people)
    watchlists = None if in_training(actor) else current_watchlists()
    on = sampling.today()
    batches = read_record_batches(path, batch_rows=WEB_BATCH_ROWS, limits=manifest_limits())
    for batch in batches:
        hits = hits_from_table(screen_table(batch, profile_set, watchlists=watchlists))
        screened.add(batch, hits, on)
    duplicates, total = screened.duplicates()
    if duplicates:
        raise InputError(duplicates, total=total)
    return screened


def _store_batch(job: BatchJob, actor: User, screened: _Screened, profile_set: ProfileSet) -> None:
    """Store the job's travellers with hits; each hit's indicators come from ``profile_set``,
    the set that produced it, even if another was activated while the job ran.

    One transaction with the job's ``done`` status (a run cut short stores nothing, a run again
    replaces what an earlier run left), written ``STORE_ROWS`` travellers at a time: each chunk
    becomes Python dicts and model instances, is bulk-inserted (records encrypted by their
    field, name tokens, hits) and dropped before the next, so the worker's memory follows the
    chunk, not the file."""
    set_version = profile_set.version
    hits = screened.hits
    by_record: dict[str, list[EngineHit]] = {}
    for h in hits:
        by_record.setdefault(h.record_id, []).append(h)
    indicators = {
        rule: _profile_indicators(rule, profile_set) for rule in {h.rule_id for h in hits}
    }
    tally = screened.tally()
    with transaction.atomic():
        # delete-and-rewrite: whatever an earlier run of this job left is replaced, never doubled
        # (the unique constraints on travellers per batch and hits per traveller back this up)
        Hit.objects.filter(traveller__batch=job).delete()
        TravellerNameToken.objects.filter(traveller__batch=job).delete()
        Traveller.objects.filter(batch=job).delete()
        now = timezone.now()
        stored = 0
        for records in _records(screened.rows, STORE_ROWS):
            stored += _store_many(
                actor=actor,
                records=records,
                hits=by_record,
                batch=job,
                set_version=set_version,
                indicators=indicators,
                now=now,
            )
        controls = 0
        for records in _records(screened.controls, STORE_ROWS):
            controls += _store_many(
                actor=actor,
                records=records,
                hits=None,
                batch=job,
                set_version=set_version,
                indicators=indicators,
                now=now,
            )
        groups = sampling.tally_add_table(
            agency_id=actor.agency_id, screened=tally, control=screened.drawn_tally
        )
        del tally
        _finish(
            job,
            status=JobStatus.DONE.value,
            record_count=screened.records,
            traveller_count=stored,
            hit_count=len(hits),
            set_version=set_version,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=job,
            fields=list(PERSONAL_RECORD_FIELDS),
            purpose="batch screening",
            detail={
                "records": screened.records,
                "travellers": stored,
                "hits": len(hits),
                "control_sample": controls,
                "tally_groups": groups,
            },
        )
        analyze_after_bulk_load(
            Traveller, Hit, TravellerNameToken, rows=stored + controls + len(hits)
        )


def batch_uploads_sweep() -> int:
    """Delete upload files no queued or running job refers to (left by a crash between the
    upload and its commit, or by a job finished while its files could not be removed)."""
    folder = upload_dir()
    wanted = {
        Path(p).name
        for p in BatchJob.objects.filter(
            status__in=[JobStatus.QUEUED.value, JobStatus.RUNNING.value]
        ).values_list("stored_path", flat=True)
        if p
    }
    running = {
        Path(p).name.removesuffix(SEALED_SUFFIX)
        for p in BatchJob.objects.filter(status=JobStatus.RUNNING.value).values_list(
            "stored_path", flat=True
        )
        if p
    }
    removed = 0
    for path in folder.glob(f"*{SEALED_SUFFIX}"):
        if path.name not in wanted and _older_than_a_minute(path):
            path.unlink(missing_ok=True)
            removed += 1
    for path in work_dir().iterdir():
        if path.name not in running:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _older_than_a_minute(path: Path) -> bool:
    """An upload being written right now has no job row yet: leave it alone."""
    try:
        return time.time() - path.stat().st_mtime > 60
    except FileNotFoundError:
        return False
