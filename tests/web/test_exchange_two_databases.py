"""An HTCDS exchange between two installations: Northland on SQLite, Southland on PostgreSQL.

Each installation runs in its own processes with its own database, data directory and field
keys; packages travel as files, through ``palermo exchange export|import|verify``. Skipped
only when no PostgreSQL server answers at ``PALERMO_DATABASE_URL`` (or the local default).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
PG_URL = os.environ.get("PALERMO_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
FIELDS = "prs_FirstName,cco_CaseComment,cas_Status,plm_IndicatorOutcome"


def _pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)


@pytest.fixture(scope="module")
def south_database() -> Iterator[str]:
    if os.environ.get("PALERMO_DATABASE_URL") == "":
        # `make web-sqlite` sets the URL empty: the test brings its own two databases, so it
        # runs once, in `make web-postgres`, not twice (about 4.5 minutes each)
        pytest.skip("runs once, in the PostgreSQL suite: it starts its own SQLite and PostgreSQL")
    name = f"exchange_south_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        pytest.skip(f"no PostgreSQL server for the second installation: {exc}")
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Installation:
    def __init__(self, code: str, directory: Path, database_url: str) -> None:
        self.code = code
        self.env = {
            **os.environ,
            "PALERMO_DATA_DIR": str(directory),
            "PALERMO_DATABASE_URL": database_url,
            "PALERMO_SECRET_KEY": f"two-databases-{code}-" + "x" * 40,
            "PALERMO_FIELD_KEYS": "",
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            "DJANGO_SETTINGS_MODULE": "palermo.web.settings",
        }
        self.env.pop("PALERMO_TEST_DATABASE_NAME", None)

    def world(self, step: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(HERE / "exchange_world.py"), step, self.code, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    def palermo(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "palermo.cli.main", "exchange", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def dump(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.world("dump").splitlines()[-1])
        return result


def test_a_case_travels_from_sqlite_to_postgresql_with_only_its_consented_fields(
    tmp_path: Path, south_database: str
) -> None:
    north = Installation("north", tmp_path / "north", "")
    south = Installation("south", tmp_path / "south", south_database)
    north.world("setup", "CN", str(tmp_path / "north-card.json"))
    south.world("setup", "TH", str(tmp_path / "south-card.json"))
    north.world("partner", str(tmp_path / "south-card.json"))
    south.world("partner", str(tmp_path / "north-card.json"))
    reference = north.world("case", "south", FIELDS).splitlines()[-1]
    package = tmp_path / "package.json"
    sent = north.palermo(
        "export",
        reference,
        "--partner",
        "south",
        "--details",
        "shelter and return",
        "-o",
        str(package),
        "--as",
        "north-caseworker",
    )
    assert sent.returncode == 0, sent.stderr
    assert b"EA7654321" not in package.read_bytes()

    # a changed byte, and the package under another key: refused whole, nothing created
    tampered = bytearray(package.read_bytes())
    middle = tampered.index(b'"ciphertext": "') + 200
    tampered[middle] = ord("A") if tampered[middle] != ord("A") else ord("B")
    (tmp_path / "tampered.json").write_bytes(bytes(tampered))
    refused = south.palermo("import", str(tmp_path / "tampered.json"), "--as", "south-caseworker")
    assert refused.returncode == 2
    assert "signature" in refused.stderr
    assert south.dump() == {"cases": [], "received": []}

    checked = south.palermo("verify", str(package), "--as", "south-caseworker")
    assert checked.returncode == 0, checked.stderr
    received = south.palermo("import", str(package), "--as", "south-caseworker")
    assert received.returncode == 0, received.stderr
    state = south.dump()
    (note,) = state["cases"][0].pop("notes")
    assert state["cases"] == [
        {
            "full_name": "王芳 Wang Fang",
            "document_number": "",
            "contact": "",
            "outcome": "presumed",
        }
    ]
    # the north's dated note arrives as one note, with its time and the writing agency
    stamp, text = note.split("\n", 1)
    assert stamp.startswith("[20")
    assert stamp.endswith("]")
    assert text == "Recruited for factory work; documents held by the broker."
    (provenance,) = state["received"]
    assert provenance["sender"] == "north"
    assert provenance["fields"] == FIELDS.split(",")

    replay = south.palermo("import", str(package), "--as", "south-caseworker")
    assert replay.returncode == 2
    assert "already received" in replay.stderr
    assert len(south.dump()["cases"]) == 1

    # the north agency sends to a key south no longer holds
    second = north.world("case", "south", "cas_Status").splitlines()[-1]
    old_key = tmp_path / "old-key.json"
    assert (
        north.palermo(
            "export",
            second,
            "--partner",
            "south",
            "--details",
            "x",
            "-o",
            str(old_key),
            "--as",
            "north-caseworker",
        ).returncode
        == 0
    )
    rotated = south.palermo("generate-keys", "--agency", "south", "--country", "TH")
    assert rotated.returncode == 0, rotated.stderr
    wrong_key = south.palermo("import", str(old_key), "--as", "south-caseworker")
    assert wrong_key.returncode == 2
    assert "key this agency does not hold" in wrong_key.stderr
    assert len(south.dump()["cases"]) == 1
