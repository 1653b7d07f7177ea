"""The lock files pin every dependency pyproject.toml names, with hashes, so that `make` installs
on a fresh machine take exactly them (run `make lock` after changing a dependency)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _pinned(lock: Path) -> dict[str, str]:
    """name -> the block of lines pinning it (version and hashes)."""
    blocks: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8")):
        first = block.split("\n", 1)[0]
        if "==" in first:
            blocks[_name(first)] = block
    return blocks


def test_every_dependency_is_pinned_with_hashes_in_the_lock_files() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [_name(r) for r in project["dependencies"] if "win32'" not in r.split(";")[-1]]
    dev = [_name(r) for r in project["optional-dependencies"]["dev"]]
    lock = _pinned(ROOT / "requirements" / "lock.txt")
    dev_lock = _pinned(ROOT / "requirements" / "dev-lock.txt")
    missing = [f"lock.txt: {n}" for n in runtime if n not in lock]
    missing += [f"dev-lock.txt: {n}" for n in runtime + dev if n not in dev_lock]
    assert missing == [], "run `make lock`: " + ", ".join(missing)
    for blocks in (lock, dev_lock):
        for name, block in blocks.items():
            assert "--hash=sha256:" in block, f"{name} is pinned without a hash"


def test_both_lock_files_pin_the_runtime_packages_alike() -> None:
    lock = _pinned(ROOT / "requirements" / "lock.txt")
    dev_lock = _pinned(ROOT / "requirements" / "dev-lock.txt")
    differ = [
        name
        for name, block in lock.items()
        if block.split("\n", 1)[0] != dev_lock.get(name, "").split("\n", 1)[0]
    ]
    assert differ == [], f"pinned differently in the two lock files: {differ}"
