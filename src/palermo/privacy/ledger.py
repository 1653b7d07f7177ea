"""The privacy-loss ledger: what each release of a dataset spent, and a refusal once the
dataset's budget would be passed.

One JSON Lines file per dataset (named by the dataset's SHA-256), each line one release: id,
time, what was released, ε and δ, the cumulative ε and the budget, and the hash of the line
before it, so a line changed or removed afterwards breaks the chain (``verify``). Budgets add
up under sequential composition (reference rights-and-data-protection.md §6.3): the ledger
refuses a release whose ε would take the cumulative total above the budget, before anything is
computed or written. A file is rewritten atomically (``palermo.lib.files``).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palermo.errors import InputError, Problem
from palermo.lib.files import atomic_path, private_dir

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    data: dict[str, Any]

    @property
    def epsilon(self) -> float:
        return float(self.data["epsilon"])

    @property
    def digest(self) -> str:
        return hashlib.sha256(_canonical(self.data)).hexdigest()


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _refused(field: str, value: object, rule: str, rule_zh: str, where: str) -> InputError:
    return InputError([Problem(where=where, field=field, value=value, rule=rule, rule_zh=rule_zh)])


class Ledger:
    """The ledger of one dataset in ``folder``."""

    def __init__(self, folder: Path, dataset_sha256: str) -> None:
        self.folder = folder
        self.dataset = dataset_sha256
        self.path = folder / f"{dataset_sha256}.jsonl"

    def entries(self) -> list[Entry]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [Entry(json.loads(line)) for line in lines if line.strip()]

    def spent(self) -> float:
        return math.fsum(e.epsilon for e in self.entries())

    def verify(self) -> list[str]:
        """Breaks in the chain (empty: intact)."""
        broken: list[str] = []
        previous = GENESIS
        for number, entry in enumerate(self.entries(), start=1):
            if entry.data.get("previous") != previous:
                broken.append(f"{self.path.name} line {number}: chain broken")
            if entry.data.get("dataset_sha256") != self.dataset:
                broken.append(f"{self.path.name} line {number}: another dataset")
            previous = entry.digest
        return broken

    def check(self, epsilon: float, budget: float) -> None:
        """Refuse (before any noise is drawn) a release that would pass the budget."""
        where = f"privacy ledger {self.path.name}"
        broken = self.verify()
        if broken:
            raise _refused(
                "ledger",
                broken[0],
                "the ledger has been altered: no release",
                "隐私账本已被改动：不予发布",
                where,
            )
        spent = self.spent()
        left = max(budget - spent, 0)
        if spent + epsilon > budget + 1e-12:
            raise _refused(
                "epsilon",
                epsilon,
                f"the dataset's privacy budget would be passed: {spent:g} of {budget:g} spent, "
                f"{left:g} left",
                f"将超出该数据集的隐私预算：已用 {spent:g}/{budget:g}，剩余 {left:g}",
                where,
            )

    def record(
        self,
        *,
        epsilon: float,
        delta: float,
        budget: float,
        release: dict[str, Any],
        now: dt.datetime | None = None,
    ) -> Entry:
        """Check the budget, then append the release's line (the whole file atomically), under
        an exclusive lock so two releases at once cannot both pass the check."""
        private_dir(self.folder)
        with (self.folder / f"{self.dataset}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return self._record(epsilon, delta, budget, release, now)

    def _record(
        self,
        epsilon: float,
        delta: float,
        budget: float,
        release: dict[str, Any],
        now: dt.datetime | None,
    ) -> Entry:
        self.check(epsilon, budget)
        existing = self.entries()
        entry = Entry(
            {
                "release_id": str(uuid.uuid4()),
                "at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
                "dataset_sha256": self.dataset,
                "epsilon": epsilon,
                "delta": delta,
                "cumulative_epsilon": math.fsum([*(e.epsilon for e in existing), epsilon]),
                "budget": budget,
                "release": release,
                "previous": existing[-1].digest if existing else GENESIS,
            }
        )
        text = "".join(_canonical(e.data).decode() + "\n" for e in [*existing, entry])
        with atomic_path(self.path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return entry
