"""Audit purposes in words (issue 9): every purpose the code writes is in the catalogue
(``audit.purposes``), the audit page and its export show it in the reader's language, the
fields of an export of the log by their column names, and the purpose search finds the words
the page shows. Old or typed purposes the catalogue does not know are shown as stored."""

from __future__ import annotations

import ast
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.audit.purposes import (
    PURPOSE_TEMPLATES,
    PURPOSES,
    purpose_label,
    purpose_text,
)
from palermo.web.audit.services import audit_record
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

SRC = Path(__file__).resolve().parents[2] / "src" / "palermo"
SCANNED = [SRC / "web", SRC / "cli"]
# calls whose ``purpose`` is not an audit purpose (a consent's purpose is a code of its own)
NOT_AUDIT = {"consent_record"}
# helpers that take the audit purpose as a positional argument: (name, index)
POSITIONAL = {"_save_audited": 3, "_with_reasons": 2}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _literals(node: ast.expr, constants: dict[str, str]) -> Iterator[str | ast.JoinedStr]:
    """The texts an expression can be: constants, both branches of ``a if c else b``, the
    literal of ``x or "text"``, module constants; an f-string as itself."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body, constants)
        yield from _literals(node.orelse, constants)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literals(value, constants)
    elif isinstance(node, ast.Name) and node.id in constants:
        yield constants[node.id]
    elif isinstance(node, ast.JoinedStr):
        yield node


def written_purposes(source: str) -> Iterator[tuple[int, str | ast.JoinedStr]]:
    """(line, text) of every audit purpose a module writes as a literal."""
    tree = ast.parse(source)
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) in NOT_AUDIT:
            continue
        if _name(node.func) == "purpose_text" and node.args:
            for text in _literals(node.args[0], constants):
                yield node.lineno, f"template:{text}" if isinstance(text, str) else text
            continue
        values = [k.value for k in node.keywords if k.arg == "purpose"]
        index = POSITIONAL.get(_name(node.func))
        if index is not None and len(node.args) > index:
            values.append(node.args[index])
        for value in values:
            for text in _literals(value, constants):
                yield node.lineno, text


def f_string_shape(node: ast.JoinedStr) -> str:
    return "".join(
        part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
        for part in node.values
    )


def uncatalogued(source: str) -> list[str]:
    missing = []
    for line, text in written_purposes(source):
        if isinstance(text, ast.JoinedStr):
            shape = f_string_shape(text)
            if shape not in ENUMERATED_SHAPES:
                missing.append(f"{line}: f-string {shape!r} (use purpose_text)")
        elif text.startswith("template:"):
            if text.removeprefix("template:") not in PURPOSE_TEMPLATES:
                missing.append(f"{line}: template {text!r}")
        elif text not in PURPOSES:
            missing.append(f"{line}: {text!r}")
    return missing


# f-strings whose every value is enumerated in the catalogue (checked below)
ENUMERATED_SHAPES = {"referral {step}", "{self.noun} {what}", "{self.noun} uploaded"}


def sources() -> Iterator[Path]:
    for root in SCANNED:
        for path in sorted(root.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_the_scan_finds_an_uncatalogued_purpose_in_every_form_a_call_takes() -> None:
    source = (
        '_P = "no such purpose"\n'
        'audit_record(actor=a, purpose="case note")\n'
        'audit_record(actor=a, purpose="made up")\n'
        'audit_record(actor=a, purpose="case list" if x else "nor this")\n'
        "audit_record(actor=a, purpose=_P)\n"
        'audit_record(actor=a, purpose=f"case {thing}")\n'
        '_save_audited(a, obj, ["name"], "agency changed", request)\n'
        '_save_audited(a, obj, ["name"], "not this either", request)\n'
        'x = purpose_text("referral {nothing}", nothing=1)\n'
        'consent_record(actor=a, purpose="sharing")\n'
        "audit_record(actor=a, purpose=typed)\n"
    )
    assert [m.split(":")[0] for m in uncatalogued(source)] == ["3", "4", "5", "6", "8", "9"]


def test_every_purpose_the_code_writes_is_in_the_catalogue() -> None:
    missing = [
        f"{path.relative_to(SRC)}:{problem}"
        for path in sources()
        for problem in uncatalogued(path.read_text(encoding="utf-8"))
    ]
    assert missing == [], "add them to src/palermo/web/audit/purposes.py (and the .po)"


def _strings(path: Path, keyword: str = "", call: str = "", position: int = -1) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and _name(node.func) == call:
            arguments = [k.value for k in node.keywords if k.arg == keyword] if keyword else []
            if 0 <= position < len(node.args):
                arguments.append(node.args[position])
            found |= {
                a.value
                for a in arguments
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            }
    return found


def test_the_purposes_built_from_a_step_are_each_in_the_catalogue() -> None:
    """``f"referral {step}"`` and the review workflow's ``f"{noun} {what}"``: every step the
    code passes, with every noun a workflow declares."""
    steps = _strings(SRC / "web/referrals/services.py", keyword="step", call="_record_step")
    assert steps >= {"accepted", "declined"}
    assert {f"referral {step}" for step in steps} <= set(PURPOSES)
    whats = _strings(SRC / "web/review/workflow.py", call="_step", position=3) | {"uploaded"}
    assert whats >= {"submitted", "approved", "activated", "retired"}
    nouns = {
        node.value.value
        for path in sources()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign)
        and [ast.unparse(t) for t in node.targets] == ["noun"]
        and isinstance(node.value, ast.Constant)
    }
    assert nouns == {"risk profile", "named list", "watchlist"}
    assert {f"{noun} {what}" for noun in nouns for what in whats} <= set(PURPOSES)


def test_a_purpose_reads_in_the_readers_language_and_unknown_text_as_stored() -> None:
    stored = purpose_text("referral: {service}", service="legal_aid")
    assert stored == "referral: legal_aid"
    with translation.override("zh-hans"):
        assert purpose_label("case note") == "个案记录"
        assert purpose_label("api case read") == "通过 API 读取个案"
        assert purpose_label("referral accepted") == "转介已接受"
        assert purpose_label(stored) == "转介：法律援助"
        assert purpose_label("referral R-2026-0001") == "转介 R-2026-0001"
        assert purpose_label("to the embassy, as agreed") == "to the embassy, as agreed"
    with translation.override("en"):
        assert purpose_label("case note") == "Case note"
        assert purpose_label(stored) == "Referral: Legal aid"
    with pytest.raises(KeyError):
        purpose_text("referral to {nowhere}", nowhere="x")


def test_every_purpose_has_chinese_text() -> None:
    with translation.override("zh-hans"):
        english = [
            k for k, text in {**PURPOSES, **PURPOSE_TEMPLATES}.items() if str(text).isascii()
        ]
    assert english == []


class TestPurposesOnTheAuditPage(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()
        self.auditor = self.user_with_role(Role.AUDITOR)
        audit_record(
            actor=self.caseworker,
            action=AuditAction.SHARE,
            object_type="referrals.referral",
            object_id="1",
            purpose=purpose_text("referral: {service}", service="legal_aid"),
        )
        audit_record(
            actor=self.caseworker,
            action=AuditAction.EXPORT,
            obj=self.case,
            purpose="for the prosecutor's file",  # typed by a person: shown as typed
        )
        self.login(self.auditor)

    def chinese(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    def search(self, **params: str) -> str:
        response = self.client.get("/audit/", params)
        assert response.status_code == 200
        return response.content.decode()

    def test_the_chinese_page_shows_chinese_purposes(self) -> None:
        self.chinese()
        page = self.search()
        assert "<td>个案记录</td>" in page  # the case's first note
        assert "转介：法律援助" in page
        assert "for the prosecutor&#x27;s file" in page
        assert "<td>case note</td>" not in page
        assert "<td>Case note</td>" not in page

    def test_the_english_page_shows_the_catalogues_words(self) -> None:
        page = self.search()
        assert "<td>Case note</td>" in page
        assert "<td>Referral: Legal aid</td>" in page

    def test_the_purpose_search_finds_the_words_the_page_shows(self) -> None:
        self.chinese()
        notes = AuditEntry.objects.filter(purpose="case note").count()
        assert notes >= 1
        found = self.search(purpose="个案记录")
        assert found.count("<td>个案记录</td>") == notes
        assert "转介：" in self.search(purpose="转介")
        assert "for the prosecutor" in self.search(purpose="prosecutor")

    def test_an_export_of_the_log_names_its_columns_on_the_page_and_in_the_file(self) -> None:
        self.chinese()
        response = self.client.get("/exports/audit/")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        header, body = rows[0], rows[1:]
        by_purpose = {row[header.index("目的")] for row in body}
        assert "个案记录" in by_purpose
        assert "case note" not in by_purpose
        page = self.search(action="export")
        # fields are stored sorted: action, actor, agency_id, at, ...
        assert "<td>操作, 人员, 机构编号, 时间（UTC）, " in page
        assert "agency id" not in page
        assert "seq" not in page


def test_an_exports_columns_are_named_as_its_header_names_them() -> None:
    """The hit queue export registers its columns (the audit app imports no exporter); the
    traveller's fields it names read as the record schema names them."""
    import palermo.web.exports.services  # noqa: F401  (registers the hit export's columns)
    from palermo.web.audit.templatetags.palermo_audit import field_label

    with translation.override("en"):
        assert field_label("screening.hit", "rule_id") == "profile or list"
        assert field_label("screening.hit", "given_names") == "given names"
        assert field_label("audit.auditentry", "agency_id") == "agency id"
        assert field_label("audit.auditentry", "ip") == "address"
    with translation.override("zh-hans"):
        assert field_label("screening.hit", "rule_id") == "风险画像或监控名单"
        assert field_label("screening.hit", "surname") == "姓"
        assert field_label("audit.auditentry", "seq") == "条目"
