"""Audit a hashed lock file with pip-audit, counting what it could not check.

``python requirements/audit.py requirements/dev-lock.txt [--strict]``

pip-audit asks PyPI (or OSV) which pinned releases have known vulnerabilities. When that
service cannot be reached it skips the package and still reports "No known vulnerabilities
found", so its exit status alone would pass an audit that checked nothing. This reads its JSON
report instead: any known vulnerability not listed in ``audit-exceptions.txt`` (one id per
line, ``ID  # reason``) fails; packages it could not check are named and counted, and fail
too with ``--strict`` (or ``PALERMO_AUDIT_STRICT=1``), else the audit passes with a warning
that says how many packages were NOT audited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXCEPTIONS = HERE / "audit-exceptions.txt"


def exceptions() -> dict[str, str]:
    """Vulnerability id -> the reason it is accepted (each must have one)."""
    found: dict[str, str] = {}
    for number, line in enumerate(EXCEPTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        vuln, _, reason = line.partition("#")
        if not reason.strip():
            sys.exit(f"{EXCEPTIONS.name}:{number}: {vuln.strip()} has no reason after '#'")
        found[vuln.strip()] = reason.strip()
    return found


def main(argv: list[str]) -> int:
    strict = "--strict" in argv or os.environ.get("PALERMO_AUDIT_STRICT") == "1"
    locks = [arg for arg in argv if not arg.startswith("--")]
    if len(locks) != 1:
        sys.exit("usage: audit.py LOCK_FILE [--strict]")
    accepted = exceptions()
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes",
            "--progress-spinner", "off", "-r", locks[0], "-f", "json", "-o", str(report_path),
        ]  # fmt: skip
        for vuln in accepted:
            command += ["--ignore-vuln", vuln]
        # its own summary ("No known vulnerabilities found") also counts skipped packages: quiet
        run = subprocess.run(command, check=False, capture_output=True, text=True)
        if not report_path.exists():
            print(f"pip-audit wrote no report:\n{run.stderr}", file=sys.stderr)
            return 1
        report = json.loads(report_path.read_text(encoding="utf-8"))
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    for vuln, reason in accepted.items():
        print(f"accepted {vuln}: {reason}")
    print(f"pip-audit: {audited} of {len(dependencies)} pinned packages audited, "
          f"{len(vulnerable)} with known vulnerabilities")  # fmt: skip
    if skipped:
        print(f"NOT AUDITED: {len(skipped)} packages (first: {skipped[0]['skip_reason']})")
        print("  the vulnerability service could not be reached or does not know them;")
        print("  run `make audit` where PyPI's JSON API is reachable")
    if vulnerable:
        return 1
    return 1 if skipped and strict else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
