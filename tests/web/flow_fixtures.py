"""Shared set-up for the screening, interview and profile flows (and their permission-matrix
examples): example profiles made active through the real workflow, a traveller with hits, an
interview of each kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from palermo.profiles import EXAMPLES_DIR
from palermo.web.interviews.models import Interview
from palermo.web.interviews.services import interview_start
from palermo.web.lib.roles import Role
from palermo.web.profiles.models import ProfileVersion
from palermo.web.profiles.services import (
    profile_activate,
    profile_approve,
    profile_submit,
    profile_upload,
)
from palermo.web.screening.models import BatchJob, Hit, Traveller
from palermo.web.screening.services import batch_job_create, desk_screen

TODAY = dt.datetime.now(tz=dt.UTC).date()

# A traveller whose documents are held by a companion who also answers for them.
FLAGGED_RECORD: dict[str, Any] = {
    "record_id": "desk-test-1",
    "event_kind": "exit",
    "port": "PEK",
    "event_date": TODAY,
    "surname": "WANG",
    "given_names": "FANG",
    "obs_document_held_by_other": True,
    "obs_companion_answers": True,
}


def example_text(name: str) -> str:
    return (EXAMPLES_DIR / f"{name}.yaml").read_text(encoding="utf-8")


def activate_example(test: Any, name: str) -> ProfileVersion:
    """Upload an example profile as an analyst; a supervisor approves and activates it."""
    analyst = test.user_with_role(Role.RISK_ANALYST)
    version = profile_upload(actor=analyst, source_name=f"{name}.yaml", text=example_text(name))
    profile_submit(actor=analyst, version=version)
    profile_approve(actor=test.supervisor, version=version)
    return profile_activate(actor=test.supervisor, version=version)


def flagged_traveller(test: Any) -> Traveller:
    if not hasattr(test, "_flagged_traveller"):
        activate_example(test, "documents-held-and-companion-answers")
        traveller, hits = desk_screen(actor=test.officer, record=FLAGGED_RECORD)
        assert traveller is not None
        assert hits
        test._flagged_traveller = traveller
    traveller: Traveller = test._flagged_traveller
    return traveller


def a_hit(test: Any) -> Hit:
    hit: Hit = flagged_traveller(test).hits.first()
    return hit


def a_profile_version(test: Any) -> ProfileVersion:
    if not hasattr(test, "_profile_version"):
        test._profile_version = activate_example(test, "visible-injuries")
    version: ProfileVersion = test._profile_version
    return version


def a_batch(test: Any) -> BatchJob:
    if not hasattr(test, "_batch"):
        test._batch = batch_job_create(
            actor=test.user_with_role(Role.RISK_ANALYST),
            file_name="manifest.csv",
            chunks=[b"record_id,event_kind,port,event_date\nr1,exit,PEK,2026-03-01\n"],
        )
    batch: BatchJob = test._batch
    return batch


def an_interview(test: Any, instrument: str) -> Interview:
    key = f"_interview_{instrument}"
    if not hasattr(test, key):
        setattr(
            test,
            key,
            interview_start(
                actor=test.user_with_role(Role.SECOND_LINE_INTERVIEWER), instrument_id=instrument
            ),
        )
    interview: Interview = getattr(test, key)
    return interview


FLOW_URL_EXAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "screening:traveller": lambda t: {"pk": flagged_traveller(t).pk},
    "screening:traveller_dispose": lambda t: {"pk": flagged_traveller(t).pk},
    "screening:dispose": lambda t: {"pk": a_hit(t).pk},
    "screening:correct": lambda t: {"pk": a_hit(t).pk},
    "screening:batch": lambda t: {"pk": a_batch(t).pk},
    "profiles:detail": lambda t: {"pk": a_profile_version(t).pk},
    "outcomes:backtest": lambda t: {"pk": a_profile_version(t).pk},
    "outcomes:review": lambda t: {"pk": a_profile_version(t).pk},
    "profiles:diff": lambda t: {"pk": a_profile_version(t).pk, "other": a_profile_version(t).pk},
    "profiles:submit": lambda t: {"pk": a_profile_version(t).pk},
    "profiles:approve": lambda t: {"pk": a_profile_version(t).pk},
    "profiles:activate": lambda t: {"pk": a_profile_version(t).pk},
    "profiles:retire": lambda t: {"pk": a_profile_version(t).pk},
    "interviews:screen_step": lambda t: {"pk": an_interview(t, "first-line").pk, "step": 0},
    "interviews:screen_result": lambda t: {"pk": an_interview(t, "first-line").pk},
    "interviews:screen_refer": lambda t: {"pk": an_interview(t, "first-line").pk},
    "interviews:by_reference": lambda t: {"reference": an_interview(t, "first-line").reference},
    "interviews:interview_step": lambda t: {
        "pk": an_interview(t, "second-line-adult").pk,
        "step": 1,
    },
    "interviews:interview_result": lambda t: {"pk": an_interview(t, "second-line-adult").pk},
    "interviews:open_case": lambda t: {"pk": an_interview(t, "second-line-adult").pk},
}


#: a draft profile on one observation (BRD-08, the traveller appears fearful): the backtests and
#: the approval figures count who it flags
FEARFUL_DRAFT = """\
id: fearful-traveller
version: 1
title: {en: A fearful traveller, zh: 显得恐惧的旅客}
rationale: {en: Fear may show control by another person., zh: 恐惧可能表明受他人控制。}
owner: Analysis unit
valid_from: 2026-01-01
review_by: 2099-12-31
applies_to: [entry, exit]
weight: 1
indicators: [BRD-08]
criteria: obs_fearful
"""
