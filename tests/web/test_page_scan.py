"""Every page of every role, in English and in Chinese: none fails (no 500), none shows a code
where a person reads words, and no Chinese page shows an interface sentence left in English.

The pages are those of the permission matrix (every URL, with its example objects from
``URL_EXAMPLES``: a case with a note's attachment, a flagged traveller and its hits, an
interview, profile and list versions, a watchlist, an agreement, ...), opened with GET by each
role the URL declares. What is checked is the text a person reads: text between tags, outside
``<script>`` and ``<style>``, plus the labels of options and buttons.

Text in ``<code>``, ``<pre>``, ``<kbd>`` and ``<samp>`` is code on purpose (the YAML of a
profile, a list's id as its analyst wrote it) and is left out; so are the operator names of the
profile language (``in_list``), the words analysts write profiles in.

What counts as a code:

- a snake_case identifier (``one_way``, ``recruitment_agency``, ``obs_fearful``,
  ``document_number_hash``): enumeration codes of the records schema, observation and field
  identifiers;
- an object type as Django names it (``cases.case``, ``screening.traveller``);
- an indicator id (``ADL-03``, ``BRD-04``) not followed by its words on the same line.

A Chinese page fails when a text node is, word for word, an English sentence of the
interface that the catalogue translates (so the page forgot to mark or translate it).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.urls import reverse
from test_permission_matrix import URL_EXAMPLES, iter_views

from palermo.profiles.operators import spellings
from palermo.web.lib.permissions import declared_roles, is_public
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]\b")
OBJECT_TYPE = re.compile(
    r"\b(accounts|administration|agreements|audit|cases|directory|interviews|notifications|nrm"
    r"|profiles|screening|watchlists)\.[a-z]+\b"
)
INDICATOR = re.compile(r"\b(ADL|ADS|CHL|CHS|BRD)-\d{2}\b")
# text a person reads that legitimately has an underscore: file names they uploaded
ALLOWED = re.compile(r"\S+\.(ya?ml|csv|jsonl|parquet|txt|pdf|edi)\b")

SKIPPED = frozenset({"script", "style", "code", "pre", "kbd", "samp"})
LANGUAGE_WORDS = frozenset(spellings())

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "src/palermo/web/locale/zh_Hans/LC_MESSAGES/django.po"
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def codes_in(chunks: list[str], names: frozenset[str] = frozenset()) -> list[str]:
    """The codes in the text, leaving out ``names`` (user names the test world made up)."""
    found: list[str] = []
    for chunk in chunks:
        text = ALLOWED.sub(" ", chunk)
        for name in names:
            text = text.replace(name, " ")
        found += [code for code in SNAKE.findall(text) if code not in LANGUAGE_WORDS]
        found += [m.group(0) for m in OBJECT_TYPE.finditer(text)]
        for match in INDICATOR.finditer(text):
            rest = text[match.end() :].strip(" :·-—")
            if not re.search(r"[A-Za-z\u4e00-\u9fff]{3,}", rest):
                found.append(match.group(0))
    return found


def english_sentences() -> frozenset[str]:
    """Interface sentences the catalogue translates (whole sentences, to avoid short words
    such as names of agencies)."""
    sentences = set()
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or not entry.msgstr or "%" in entry.msgid or "{" in entry.msgid:
            continue
        text = " ".join(entry.msgid.split())
        if len(text) >= 24 and " " in text and text != entry.msgstr:
            sentences.add(text)
    return frozenset(sentences)


class TestEveryPageOfEveryRole(BaseTestCase):
    def pages_for(self, role: Role) -> list[str]:
        urls = []
        for name, pattern in iter_views():
            if is_public(pattern.callback):
                continue
            roles = declared_roles(pattern.callback) or frozenset()
            if role not in roles:
                continue
            urls.append(reverse(name, kwargs=URL_EXAMPLES.get(name, lambda _t: {})(self)))
        return urls

    def test_no_page_fails_or_shows_codes_in_either_language(self) -> None:
        from palermo.web.accounts.models import User

        untranslated = english_sentences()
        problems: list[str] = []
        seen = 0
        for role in Role:
            user = self.user_with_role(role)
            self.login(user)
            for url in self.pages_for(role):
                for language in ("en", "zh-hans"):
                    self.client.cookies["django_language"] = language
                    response = self.client.get(url, HTTP_ACCEPT_LANGUAGE=language)
                    where = f"{role.value} {language} {url}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: {response.status_code}")
                        continue
                    if response.status_code != 200 or "text/html" not in response.get(
                        "Content-Type", ""
                    ):
                        continue  # a redirect, a POST-only step (405), a download
                    seen += 1
                    chunks = visible_text(response.content.decode())
                    names = frozenset(User.objects.values_list("username", flat=True))
                    problems += [f"{where}: code {code!r}" for code in codes_in(chunks, names)]
                    if language == "zh-hans":
                        problems += [
                            f"{where}: English left in {chunk!r}"
                            for chunk in chunks
                            if chunk in untranslated
                        ]
            self.client.logout()
        assert seen > 100  # the scan really opened pages
        summary = sorted({p.split(": ", 1)[1] + " @ " + p.split(" ")[2] for p in problems})
        assert summary == [], f"{len(problems)} problems:\n" + "\n".join(summary)


def test_the_scan_recognises_codes_and_leaves_words_alone() -> None:
    assert codes_in(["One-way or return is one_way"]) == ["one_way"]
    assert codes_in(["cases.case 12"]) == ["cases.case"]
    assert codes_in(["BRD-04"]) == ["BRD-04"]
    assert codes_in(["BRD-04 Documents held by someone else"]) == []
    assert codes_in(["Uploaded high_risk_routes.yaml", "Li Wei · 3 Dec 2026"]) == []
