"""The Simplified Chinese catalogue of palermo.web: complete, consistent, compiled, used.

Nothing a person reads may be left out of it: the scans at the end fail on template text and
Python strings that are not marked for translation, and on marked strings that are missing
from the catalogue. To bring the catalogue up to date (from ``src/palermo/web``)::

    ../../../.venv/bin/python -m django makemessages -l zh_Hans --add-location file
    # translate every new or fuzzy entry in locale/zh_Hans/LC_MESSAGES/django.po
    ../../../.venv/bin/python -m django compilemessages

and commit both ``django.po`` and ``django.mo``.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

WEB = Path(__file__).resolve().parents[2] / "src" / "palermo" / "web"
LOCALE = WEB / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LOCALE / "django.po"
MO_PATH = LOCALE / "django.mo"

# printf-style (%(name)s, %d, %%) and brace-style ({name}) placeholders
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]|\{[A-Za-z_]\w*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
# Words that are the same in both languages: the product's name and technical acronyms.
SAME_IN_BOTH = {"Palermo", "API"}


@cache
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def entries() -> list[polib.POEntry]:
    return [e for e in catalogue() if not e.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


# --- the catalogue itself -------------------------------------------------------------------


def test_the_catalogue_declares_simplified_chinese_with_one_plural_form() -> None:
    po = catalogue()
    assert po.metadata["Language"] == "zh_Hans"
    assert po.metadata["Plural-Forms"].startswith("nplurals=1;")
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert not po.metadata_is_fuzzy


def test_every_message_has_a_chinese_translation() -> None:
    assert len(entries()) > 100
    missing = [e.msgid for e in entries() if not all(t.strip() for t in translations(e))]
    assert missing == []
    plural_shapes = [e.msgid for e in entries() if e.msgid_plural and len(e.msgstr_plural) != 1]
    assert plural_shapes == []


def test_no_translation_is_marked_fuzzy() -> None:
    assert [e.msgid for e in entries() if "fuzzy" in e.flags] == []


def test_every_translation_is_written_in_chinese() -> None:
    """A msgstr copied from the msgid passes the emptiness check but helps nobody."""
    untranslated = [e.msgid for e in entries() if not all(CJK.search(t) for t in translations(e))]
    assert untranslated == []


def test_placeholders_are_the_same_in_english_and_chinese() -> None:
    mismatched = []
    for entry in entries():
        for source, target in zip(
            [entry.msgid_plural or entry.msgid] if entry.msgid_plural else [entry.msgid],
            translations(entry),
            strict=False,
        ):
            if placeholders(source) != placeholders(target):
                mismatched.append((entry.msgid, target))
        if entry.msgid_plural and placeholders(entry.msgid) - placeholders(entry.msgid_plural):
            mismatched.append((entry.msgid, entry.msgid_plural))
    assert mismatched == []


def test_the_placeholder_check_notices_a_renamed_or_lost_placeholder() -> None:
    assert placeholders("%(counter)s hits for %(traveller)s") != placeholders("%(counter)s 个命中")
    assert placeholders("Case %(ref)s opened.") != placeholders("个案 %(reference)s 已开立。")
    assert placeholders("{name} and %d") == placeholders("%d 和 {name}")


def compiled(entries_: list[polib.POEntry]) -> dict[tuple[str, str, int], str]:
    """The catalogue as msgfmt keeps it: translated, non-fuzzy entries, one key per form."""
    table: dict[tuple[str, str, int], str] = {}
    for e in entries_:
        if e.obsolete or "fuzzy" in e.flags or not e.msgid:
            continue
        for index, text in enumerate(translations(e)):
            if text:
                table[(e.msgctxt or "", e.msgid, index)] = text
    return table


def test_the_committed_mo_file_matches_the_po_file() -> None:
    """The .mo is what Django reads: it must be compiled from the .po as committed."""
    from_po = compiled(entries())
    from_committed_mo = compiled(list(polib.mofile(str(MO_PATH))))
    # compile in memory and read back, so the comparison does not rely on one parser only
    from_fresh_mo = compiled(list(polib.mofile(catalogue().to_binary())))
    assert from_fresh_mo == from_po
    assert from_committed_mo == from_po


def test_django_serves_the_compiled_translations() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"
        assert (
            translation.ngettext("%(counter)s case", "%(counter)s cases", 3) == "%(counter)s 个个案"
        )
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"


# --- pages as a person sees them ------------------------------------------------------------


class VisibleText(HTMLParser):
    """Text nodes and the attributes a screen reader or a browser shows."""

    SHOWN_ATTRIBUTES = frozenset({"aria-label", "title", "placeholder", "alt"})

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._hidden += 1
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        for name, value in attrs:
            if value and (
                name in self.SHOWN_ATTRIBUTES
                or (tag == "input" and name == "value" and values.get("type") == "submit")
            ):
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._hidden:
            self.texts.append(text)


def visible(html: bytes) -> VisibleText:
    parser = VisibleText()
    parser.feed(html.decode())
    return parser


# Language names are shown in their own language in the switch, by design.
SHOWN_IN_ENGLISH_ON_PURPOSE = {"English"}


class TestPagesInChinese(BaseTestCase):
    def page(self, url: str, language: str) -> VisibleText:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = self.client.get(url)
        assert response.status_code == 200, url
        return visible(response.content)

    def assert_translated(self, url: str) -> None:
        messages = {e.msgid for e in entries()} - SHOWN_IN_ENGLISH_ON_PURPOSE
        english = self.page(url, "en")
        chinese = self.page(url, "zh-hans")
        shown_messages = messages.intersection(english.texts)
        assert shown_messages, f"{url}: no catalogue message found on the English page"
        assert chinese.lang == "zh-hans"
        assert any(CJK.search(text) for text in chinese.texts)
        assert sorted(messages.intersection(chinese.texts)) == [], url

    def test_the_log_in_page_is_in_chinese(self) -> None:
        self.assert_translated("/accounts/login/")
        chinese = self.page("/accounts/login/", "zh-hans")
        for expected in ("登录", "用户名", "密码", "跳至正文", "语言"):
            assert expected in chinese.texts
        for english in ("Log in", "User name", "Password", "Skip to content", "Language"):
            assert english not in chinese.texts

    def test_the_start_page_is_in_chinese_for_every_persona(self) -> None:
        for user in (self.officer, self.caseworker, self.supervisor, self.outsider):
            self.login(user)
            self.assert_translated("/")
        chinese = self.page("/", "zh-hans")
        assert any(text.startswith("欢迎，") for text in chinese.texts)
        assert "退出登录" in chinese.texts

    def test_the_case_pages_are_in_chinese(self) -> None:
        case = self.open_case()
        self.login(self.caseworker)
        self.assert_translated("/cases/")
        self.assert_translated(f"/cases/{case.pk}/")
        chinese = self.page(f"/cases/{case.pk}/", "zh-hans")
        assert "化名编号" in chinese.texts
        assert "Pseudonymous id" not in chinese.texts

    def test_the_audit_log_search_is_in_chinese(self) -> None:
        self.login(self.user_with_role(Role.AUDITOR))
        self.assert_translated("/audit/")

    def test_the_screening_pages_are_in_chinese_down_to_the_coded_choices(self) -> None:
        self.login(self.user_with_role(Role.FIRST_LINE_OFFICER))
        self.assert_translated("/screening/desk/")
        desk = self.page("/screening/desk/", "zh-hans")
        assert "招聘中介" in desk.texts
        assert "recruitment agency" not in desk.texts
        self.login(self.user_with_role(Role.RISK_ANALYST))
        self.assert_translated("/screening/batches/")
        batches = self.page("/screening/batches/", "zh-hans")
        assert not [text for text in batches.texts if text.startswith("CSV, Parquet")]

    def test_the_profile_and_interview_pages_are_in_chinese(self) -> None:
        self.login(self.user_with_role(Role.RISK_ANALYST))
        self.assert_translated("/profiles/")
        self.assert_translated("/profiles/upload/")
        self.login(self.user_with_role(Role.SECOND_LINE_INTERVIEWER))
        self.assert_translated("/interviews/")

    def test_the_language_switch_turns_the_interface_chinese_and_back(self) -> None:
        self.login(self.officer)
        response = self.client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        assert response.status_code == 302
        page = visible(self.client.get("/").content)
        assert page.lang == "zh-hans"
        assert "退出登录" in page.texts
        self.client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        page = visible(self.client.get("/").content)
        assert page.lang == "en"
        assert "Log out" in page.texts


# --- nothing a person reads escapes the catalogue -------------------------------------------


def templates() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.html") if "templates" in p.parts)


def python_sources() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.py") if "migrations" not in p.parts)


def blank(match: re.Match[str]) -> str:
    """Remove a match but keep the line numbers of what follows."""
    return "\n" * match.group().count("\n") or " "


TEMPLATE_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
TEMPLATE_BLOCKTRANSLATE = re.compile(
    r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S
)
TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
HTML_TAG = re.compile(r"<[^>]*>", re.S)
HTML_ENTITY = re.compile(r"&#?\w+;")
SHOWN_ATTRIBUTE = re.compile(
    r"""\s(aria-label|title|placeholder|alt)\s*=\s*("[^"]*"|'[^']*')""", re.I
)


def english_words(text: str) -> list[str]:
    return [w for w in ASCII_WORD.findall(text) if w not in SAME_IN_BOTH]


def untranslated_template_text(source: str) -> Iterator[tuple[int, str]]:
    """Lines with English words outside translate tags, variables, comments and markup."""
    text = TEMPLATE_COMMENT.sub(blank, source)
    text = TEMPLATE_BLOCKTRANSLATE.sub(blank, text)
    text = SCRIPT_OR_STYLE.sub(blank, text)
    text = TEMPLATE_TAG.sub(blank, text)
    for match in SHOWN_ATTRIBUTE.finditer(text):
        if english_words(match.group(2)):
            yield text.count("\n", 0, match.start()) + 1, match.group().strip()
    text = HTML_TAG.sub(blank, text)
    text = HTML_ENTITY.sub(" ", text)
    for number, line in enumerate(text.splitlines(), 1):
        if english_words(line):
            yield number, line.strip()


def test_the_template_scan_finds_unmarked_text_and_accepts_marked_text() -> None:
    marked = (
        '{% load i18n %}<h1 title="{% translate "Cases" %}">{% translate "Cases" %}</h1>\n'
        "{# a note for developers #}<p>{% blocktranslate %}Hi {{ n }}{% endblocktranslate %}</p>"
        "\n<span>{{ case.reference }} · Palermo</span><script>let x = 1;</script>"
    )
    assert list(untranslated_template_text(marked)) == []
    unmarked = '<h1>Cases</h1>\n<p>{{ n }}</p>\n<button aria-label="Close">×</button>'
    assert sorted(number for number, _ in untranslated_template_text(unmarked)) == [1, 3]


def test_no_template_shows_text_that_is_not_marked_for_translation() -> None:
    found = [
        f"{path.relative_to(WEB)}:{number}: {line}"
        for path in templates()
        for number, line in untranslated_template_text(path.read_text(encoding="utf-8"))
    ]
    assert found == []


# Keyword arguments whose value a person reads (form labels, model names, problems, messages).
SHOWN_KEYWORDS = frozenset(
    {
        "label",
        "help_text",
        "verbose_name",
        "verbose_name_plural",
        "empty_label",
        "where",
        "rule",
        "message",
        "title",
        "summary",
        "description",
    }
)
MESSAGE_LEVELS = frozenset({"debug", "info", "success", "warning", "error", "add_message"})
SHOWN_EXCEPTIONS = frozenset(
    {"ValidationError", "PermissionDenied", "Http404", "PalermoError", "InputError"}
)
CHOICES_BASES = frozenset({"TextChoices", "IntegerChoices", "Choices"})


def is_unmarked_text(node: ast.expr) -> bool:
    """A literal with English words and no Chinese (bilingual literals are allowed)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(english_words(node.value)) and not CJK.search(node.value)
    if isinstance(node, ast.JoinedStr):
        literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        return bool(english_words(literal)) and not CJK.search(literal)
    return False


def called_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def shown_literals(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in SHOWN_KEYWORDS:
                    yield keyword.value
                if keyword.arg == "choices" and isinstance(keyword.value, ast.List | ast.Tuple):
                    for choice in keyword.value.elts:
                        if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                            yield choice.elts[1]
            function = called_name(node.func)
            is_message = (
                function in MESSAGE_LEVELS
                and isinstance(node.func, ast.Attribute)
                and called_name(node.func.value) == "messages"
            )
            if is_message or function in SHOWN_EXCEPTIONS:
                yield from node.args
        if isinstance(node, ast.ClassDef) and CHOICES_BASES & {called_name(b) for b in node.bases}:
            for statement in node.body:
                value = statement.value if isinstance(statement, ast.Assign) else None
                if isinstance(value, ast.Tuple) and len(value.elts) > 1:
                    yield value.elts[-1]


def unmarked_python_strings(source: str) -> list[int]:
    return sorted(
        node.lineno for node in shown_literals(ast.parse(source)) if is_unmarked_text(node)
    )


def test_the_python_scan_finds_unmarked_strings_and_accepts_marked_ones() -> None:
    source = (
        "from django.utils.translation import gettext_lazy as _\n"
        'name = forms.CharField(label=_("Name"))\n'
        'messages.success(request, "Saved.")\n'
        "class Status(models.TextChoices):\n"
        '    OPEN = "open", "Open"\n'
        '    SHUT = "shut", _("Shut")\n'
        'problem = Problem(where=path.name, field="status", rule="unknown")\n'
        'api = NinjaAPI(title="Palermo API", description="Cases. 个案。")\n'
        'kind = forms.ChoiceField(choices=[("", _("Any")), ("x", "Extra")])\n'
    )
    assert unmarked_python_strings(source) == [3, 5, 7, 9]


def test_no_python_source_shows_a_string_that_is_not_marked_for_translation() -> None:
    found = [
        f"{path.relative_to(WEB)}:{line}"
        for path in python_sources()
        for line in unmarked_python_strings(path.read_text(encoding="utf-8"))
    ]
    assert found == []


GETTEXT_FUNCTIONS = {
    "_": 1,
    "gettext": 1,
    "gettext_lazy": 1,
    "gettext_noop": 1,
    "ngettext": 2,
    "ngettext_lazy": 2,
    "pgettext": 2,
    "pgettext_lazy": 2,
    "npgettext": 3,
    "npgettext_lazy": 3,
}


def marked_messages(code: str) -> Iterator[tuple[str, str]]:
    """(context, msgid) of each gettext call with literal arguments, as xgettext reads them.

    Works on Python source and on Django's ``templatize`` output (which is not valid Python
    but tokenizes like it)."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(code).readline)
        if t.type not in {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT}
    ]
    for index, token in enumerate(tokens[:-1]):
        arity = GETTEXT_FUNCTIONS.get(token.string) if token.type == tokenize.NAME else None
        if arity is None or tokens[index + 1].string != "(":
            continue
        if index and tokens[index - 1].string in {".", "def"}:
            continue
        arguments: list[str] = []
        position = index + 2
        while len(arguments) < arity and position < len(tokens):
            parts = []
            while position < len(tokens) and tokens[position].type == tokenize.STRING:
                parts.append(ast.literal_eval(tokens[position].string))
                position += 1
            if not parts:
                break
            arguments.append("".join(parts))
            if tokens[position].string != ",":
                break
            position += 1
        if not arguments:
            continue
        if token.string.startswith(("pgettext", "npgettext")):
            if len(arguments) >= 2:
                yield arguments[0], arguments[1]
        else:
            yield "", arguments[0]


def test_the_message_reader_reads_calls_like_xgettext() -> None:
    code = (
        '_("One") + gettext_lazy("Two " "parts") + ngettext("%(n)s hit", "%(n)s hits", n)\n'
        'pgettext("month", "May") + self.gettext(x) + _(variable)\n'
    )
    assert list(marked_messages(code)) == [
        ("", "One"),
        ("", "Two parts"),
        ("", "%(n)s hit"),
        ("month", "May"),
    ]


def test_every_marked_string_is_in_the_catalogue() -> None:
    """A string marked in a template or in Python but not yet in the .po shows in English."""
    known = {(e.msgctxt or "", e.msgid) for e in entries()}
    missing: list[str] = []
    for path in python_sources():
        for context, message in marked_messages(path.read_text(encoding="utf-8")):
            if (context, message) not in known:
                missing.append(f"{path.relative_to(WEB)}: {message!r}")
    for path in templates():
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for context, message in marked_messages(code):
            if (context, message) not in known:
                missing.append(f"{path.relative_to(WEB)}: {message!r}")
    assert missing == [], "run makemessages and translate (see this module's docstring)"


def import_time_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes evaluated when the module is imported: module and class bodies, not functions."""
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from statement.decorator_list
            continue
        if isinstance(statement, ast.ClassDef):
            yield from statement.bases
            yield from import_time_nodes(statement.body)
            continue
        stack: list[ast.AST] = [statement]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            yield node
            stack.extend(ast.iter_child_nodes(node))


def formatted_at_import(source: str) -> list[int]:
    """Lines that fill a translation's placeholders at import time: the text is then frozen in
    the language of the import (English) instead of the language of the request."""
    found = []
    for node in import_time_nodes(ast.parse(source).body):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            target: ast.expr = node.left
        elif isinstance(node, ast.Call) and called_name(node.func) == "format":
            target = node.func.value if isinstance(node.func, ast.Attribute) else node.func
        else:
            continue
        if isinstance(target, ast.Call) and called_name(target.func) in GETTEXT_FUNCTIONS:
            found.append(node.lineno)
    return sorted(found)


def test_the_import_time_scan_finds_translations_formatted_too_early() -> None:
    source = (
        'HELP = _("Files (%(types)s).") % {"types": "csv"}\n'
        "class Form:\n"
        '    text = _("{n} files").format(n=2)\n'
        '    lazy_text = lazy(lambda: _("%(n)s") % {"n": 1}, str)()\n'
        "    def clean(self):\n"
        '        return _("%(n)s") % {"n": 1}\n'
    )
    assert formatted_at_import(source) == [1, 3]


def test_no_translation_is_formatted_at_import_time() -> None:
    found = [
        f"{path.relative_to(WEB)}:{line}"
        for path in python_sources()
        for line in formatted_at_import(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_every_coded_value_of_the_traveller_record_has_a_translated_label() -> None:
    from palermo.records.schema import INPUT_FIELDS, Kind
    from palermo.web.lib.choices import ENUM_LABELS, enum_label

    codes = {
        (spec.name, value)
        for spec in INPUT_FIELDS.values()
        if spec.kind is Kind.ENUM
        for value in spec.domain
    }
    assert sorted(codes - set(ENUM_LABELS)) == []
    with translation.override("zh-hans"):
        untranslated = [code for code in codes if not CJK.search(str(enum_label(*code)))]
        assert str(enum_label("visa_type", "family")) != str(enum_label("ticket_paid_by", "family"))
    assert untranslated == []
    with translation.override("en"):
        assert str(enum_label("ticket_paid_by", "recruitment_agency")) == "recruitment agency"


@pytest.mark.parametrize("term", ["个案", "风险画像", "化名编号", "审计日志", "转介", "二线面谈"])
def test_the_chosen_chinese_terms_are_used(term: str) -> None:
    """One term per concept: the glossary's words appear in the catalogue."""
    assert any(term in text for e in entries() for text in translations(e))


@pytest.mark.parametrize(
    ("avoided", "preferred"),
    [("案件", "个案"), ("风险档案", "风险画像"), ("假名", "化名编号"), ("第二道检查", "二线面谈")],
)
def test_no_competing_term_is_used_for_the_same_concept(avoided: str, preferred: str) -> None:
    offending = [e.msgid for e in entries() for t in translations(e) if avoided in t]
    assert offending == [], f"use {preferred}"
