"""Signed release bundles: a folder of released files, a manifest of their SHA-256 hashes and
an Ed25519 signature of the manifest (``cryptography``).

``sign_bundle(folder, key)`` writes ``manifest.json`` (every file but the manifest and its
signature: name, size, SHA-256; the bundle's id and version; the signer's public key
fingerprint) and ``manifest.sig``. ``verify_bundle(folder, public_key)`` checks the signature,
then every file's size and hash, and that no file was added or removed; every discrepancy is
named. Keys are PEM files (``generate_keys``): the private key 0600, never in the bundle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from palermo.errors import InputError, Problem
from palermo.lib.files import atomic_path, make_private

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FORMAT = "palermo-release-bundle/1"


def _problem(where: str, rule: str, rule_zh: str, value: object = None) -> Problem:
    return Problem(where=where, rule=rule, rule_zh=rule_zh, value=value)


def generate_keys(private_path: Path, public_path: Path) -> str:
    """A new Ed25519 key pair as PEM files; returns the public key's fingerprint."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with atomic_path(private_path) as tmp:
        tmp.write_bytes(private)
        make_private(tmp)
    public = key.public_key()
    with atomic_path(public_path) as tmp:
        tmp.write_bytes(_public_pem(public))
    return fingerprint(public)


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(
            [
                _problem(
                    str(path),
                    "not a readable Ed25519 private key (PEM)",
                    "不是可读取的 Ed25519 私钥（PEM）",
                    type(exc).__name__,
                )
            ]
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError([_problem(str(path), "the key is not Ed25519", "该密钥不是 Ed25519")])
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(
            [
                _problem(
                    str(path),
                    "not a readable Ed25519 public key (PEM)",
                    "不是可读取的 Ed25519 公钥（PEM）",
                    type(exc).__name__,
                )
            ]
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InputError([_problem(str(path), "the key is not Ed25519", "该密钥不是 Ed25519")])
    return key


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.name not in {MANIFEST, SIGNATURE}
    )


def sign_bundle(
    folder: Path, key: Ed25519PrivateKey, *, version: int = 1, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Write the manifest of every file in ``folder`` and its signature; returns the manifest."""
    manifest = {
        "format": FORMAT,
        "bundle_id": str(uuid.uuid4()),
        "version": version,
        "created": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "signer": fingerprint(key.public_key()),
        "files": [
            {
                "name": p.relative_to(folder).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": _sha256(p),
            }
            for p in _files(folder)
        ],
    }
    body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_bytes(body)
    with atomic_path(folder / SIGNATURE) as tmp:
        tmp.write_bytes(key.sign(body).hex().encode() + b"\n")
    return manifest


def verify_bundle(folder: Path, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """The manifest, once the signature and every file check out; else every problem named."""
    where = str(folder)
    try:
        body = (folder / MANIFEST).read_bytes()
        signature = bytes.fromhex((folder / SIGNATURE).read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise InputError(
            [
                _problem(
                    where,
                    "no readable manifest.json and manifest.sig",
                    "缺少可读取的 manifest.json 和 manifest.sig",
                )
            ]
        ) from exc
    try:
        public_key.verify(signature, body)
    except InvalidSignature as exc:
        raise InputError(
            [
                _problem(
                    f"{where}/{SIGNATURE}",
                    "the signature does not match the manifest and this key",
                    "签名与清单及此密钥不符",
                )
            ]
        ) from exc
    manifest: dict[str, Any] = json.loads(body)
    problems: list[Problem] = []
    listed = {f["name"]: f for f in manifest.get("files", [])}
    present = {p.relative_to(folder).as_posix(): p for p in _files(folder)}
    for name in sorted(listed.keys() - present.keys()):
        problems.append(
            _problem(f"{where}/{name}", "listed in the manifest but missing", "清单中列出但缺失")
        )
    for name in sorted(present.keys() - listed.keys()):
        problems.append(
            _problem(
                f"{where}/{name}",
                "not in the manifest (added afterwards)",
                "不在清单中（事后添加）",
            )
        )
    for name in sorted(listed.keys() & present.keys()):
        if _sha256(present[name]) != listed[name]["sha256"]:
            problems.append(
                _problem(
                    f"{where}/{name}",
                    "changed since it was signed (SHA-256)",
                    "签名后已被更改（SHA-256 不符）",
                )
            )
    if problems:
        raise InputError(problems)
    return manifest
