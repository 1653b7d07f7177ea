"""Courses, and the self-contained offline package a course exports to (and is imported from).

A :class:`CourseSpec` is a title, a choice of modules (``palermo.training.modules``) and of
scenarios. :func:`export_course` writes it as one zip file that opens in any browser with no
network: an index in both languages, a page per module and per scenario (the trainer's key
folded away), the knowledge test of the course's modules, one stylesheet, and ``course.json``
holding the course, its scenario definitions and questions for :func:`import_package`. Nothing
live goes in: only the shipped material and the scenarios, which are invented people.

>>> spec = builtin_course("first-line")
>>> spec.modules[:2], len(spec.scenario_ids) >= 6
(('observables', 'indicators'), True)
"""

from __future__ import annotations

import html
import io as _io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palermo.errors import InputError, Problem
from palermo.indicators.catalogue import Text
from palermo.lib.files import atomic_path
from palermo.training.curated import curated_scenario, curated_scenarios
from palermo.training.io import definitions_from, set_document
from palermo.training.modules import MODULE_KEYS, Module, module
from palermo.training.questions import Question, questions_for
from palermo.training.scenario import Scenario

PACKAGE_FORMAT = "palermo-training-course"
PACKAGE_VERSION = 1
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
MAX_COURSE_JSON_BYTES = 20 * 1024 * 1024
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # fixed: the same course gives the same bytes


@dataclass(frozen=True, slots=True)
class CourseSpec:
    key: str
    title: Text
    summary: Text
    modules: tuple[str, ...]
    scenario_ids: tuple[str, ...]

    def scenarios(self) -> list[Scenario]:
        return [curated_scenario(i) for i in self.scenario_ids]


def _ids(*prefixes: str) -> tuple[str, ...]:
    return tuple(s.id for s in curated_scenarios() if s.id.startswith(prefixes))


def builtin_courses() -> dict[str, CourseSpec]:
    """The courses Palermo ships; trainers build their own in the academy."""
    return {
        "first-line": CourseSpec(
            "first-line",
            Text("First line: spotting the signs", "第一线：识别迹象"),
            Text(
                "What a booth or visa-desk officer can observe, when to offer a private "
                "interview, and when not to.",
                "查验台或签证柜台官员能观察到什么，何时提供私下面谈，何时不应提供。",
            ),
            ("observables", "indicators", "profiles", "rights", "referral"),
            _ids("lab-construction", "sex-boyfriend", "lab-domestic", "look-"),
        ),
        "second-line": CourseSpec(
            "second-line",
            Text("Second line: interviewing and referral", "第二线：面谈与转介"),
            Text(
                "The private interview, the assessment and the referral chain.",
                "私下面谈、评估与转介链。",
            ),
            ("indicators", "interviewing", "children", "rights", "referral"),
            _ids("lab-", "sex-", "fm-", "look-smuggled", "look-lawful-seasonal"),
        ),
        "children": CourseSpec(
            "children",
            Text("Children at the border", "边境上的儿童"),
            Text(
                "The child path: signs, the child interview and child protection.",
                "儿童路径：迹象、儿童面谈和儿童保护。",
            ),
            ("children", "interviewing", "rights", "referral"),
            _ids("child-", "look-oneway-child"),
        ),
    }


def builtin_course(key: str) -> CourseSpec:
    courses = builtin_courses()
    if key not in courses:
        raise InputError(
            [
                Problem(
                    where="COURSE",
                    value=key,
                    rule=f"unknown course (built in: {', '.join(courses)}; or a course file)",
                    rule_zh=f"未知的课程（内置：{'、'.join(courses)}；或课程文件）",
                )
            ]
        )
    return courses[key]


@dataclass(frozen=True, slots=True)
class Course:
    """A course with everything its package holds."""

    key: str
    title: Text
    summary: Text
    modules: tuple[Module, ...]
    scenarios: tuple[Scenario, ...]
    questions: tuple[Question, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PACKAGE_FORMAT,
            "version": PACKAGE_VERSION,
            "key": self.key,
            "title": self.title.to_dict(),
            "summary": self.summary.to_dict(),
            "modules": [m.key for m in self.modules],
            "scenario_set": set_document(self.scenarios),
            "questions": [q.to_dict() for q in self.questions],
        }


def assemble(
    *, key: str, title: Text, summary: Text, modules: Sequence[str], scenarios: Sequence[Scenario]
) -> Course:
    """A course from module keys and scenarios, with the questions of its modules."""
    mods = tuple(module(k) for k in modules)
    return Course(key, title, summary, mods, tuple(scenarios), tuple(questions_for(modules)))


def course_from_spec(spec: CourseSpec) -> Course:
    return assemble(
        key=spec.key,
        title=spec.title,
        summary=spec.summary,
        modules=spec.modules,
        scenarios=spec.scenarios(),
    )


def export_course(course: Course, out: Path) -> int:
    """Write the course's offline package to ``out`` (atomically); returns its size in bytes."""
    data = package_bytes(course)
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)
    return len(data)


def package_bytes(course: Course) -> bytes:
    buf = _io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:

        def put(name: str, text: str) -> None:
            z.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode("utf-8"))

        put("style.css", _CSS)
        put("index.html", _front(course))
        for lang in ("en", "zh"):
            put(f"{lang}/index.html", _course_page(course, lang))
            for m in course.modules:
                put(f"{lang}/module-{m.key}.html", _module_page(course, m, lang))
            for s in course.scenarios:
                put(f"{lang}/scenario-{s.id}.html", _scenario_page(course, s, lang))
            put(f"{lang}/test.html", _test_page(course, lang))
        put("course.json", json.dumps(course.to_dict(), ensure_ascii=False, indent=1))
    return buf.getvalue()


@dataclass(frozen=True, slots=True)
class Imported:
    key: str
    title: Text
    summary: Text
    modules: tuple[str, ...]
    scenarios: tuple[Scenario, ...]


def import_package(path: Path) -> Imported:
    """Read and check a package written by :func:`export_course`; every scenario is recomputed
    by this installation's tools. ``InputError`` names what is wrong and where."""
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(
            [Problem(where=where, rule=f"cannot be read: {exc.strerror}", rule_zh="无法读取")]
        ) from None
    if size > MAX_PACKAGE_BYTES:
        raise InputError(
            [
                Problem(
                    where=where,
                    value=size,
                    rule=f"larger than {MAX_PACKAGE_BYTES} bytes",
                    rule_zh=f"超过 {MAX_PACKAGE_BYTES} 字节",
                )
            ]
        )
    doc = _course_json(path, where)
    return _imported(doc, f"{path.name} course.json")


def read_course(path: Path) -> Imported:
    """A course from a package (.zip) or its ``course.json`` alone."""
    if path.suffix.lower() == ".zip":
        return import_package(path)
    where = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            [Problem(where=where, rule=f"cannot be read: {exc.strerror}", rule_zh="无法读取")]
        ) from None
    if len(raw) > MAX_COURSE_JSON_BYTES:
        raise InputError([Problem(where=where, value=len(raw), rule="too large", rule_zh="过大")])
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            [Problem(where=where, rule=f"not a course file: {exc}", rule_zh=f"不是课程文件：{exc}")]
        ) from None
    return _imported(doc, path.name)


def _course_json(path: Path, where: str) -> Any:
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("course.json")
            if info.file_size > MAX_COURSE_JSON_BYTES:
                raise InputError(
                    [
                        Problem(
                            where=f"{where} course.json",
                            value=info.file_size,
                            rule="too large",
                            rule_zh="过大",
                        )
                    ]
                )
            raw = z.read(info)
        return json.loads(raw.decode("utf-8"))
    except KeyError:
        raise InputError(
            [
                Problem(
                    where=where,
                    rule="not a course package: no course.json inside",
                    rule_zh="不是课程包：其中没有 course.json",
                )
            ]
        ) from None
    except (zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            [
                Problem(
                    where=where,
                    rule=f"not a course package: {exc}",
                    rule_zh=f"不是课程包：{exc}",
                )
            ]
        ) from None


def _imported(doc: Any, where: str) -> Imported:
    if not isinstance(doc, Mapping) or doc.get("format") != PACKAGE_FORMAT:
        raise InputError(
            [
                Problem(
                    where=where,
                    field="format",
                    rule=f"must be {PACKAGE_FORMAT}",
                    rule_zh=f"必须是 {PACKAGE_FORMAT}",
                )
            ]
        )
    problems: list[Problem] = []
    modules = doc.get("modules")
    if not isinstance(modules, list) or any(m not in MODULE_KEYS for m in modules):
        problems.append(
            Problem(
                where=where,
                field="modules",
                value=modules,
                rule=f"must be a list of modules ({', '.join(MODULE_KEYS)})",
                rule_zh=f"必须是单元列表（{'、'.join(MODULE_KEYS)}）",
            )
        )
    texts = {}
    for name in ("title", "summary"):
        t = doc.get(name)
        if not isinstance(t, Mapping) or not all(
            isinstance(t.get(k), str) and t.get(k) for k in ("en", "zh")
        ):
            problems.append(
                Problem(
                    where=where,
                    field=name,
                    rule="must give en and zh text",
                    rule_zh="必须提供 en 和 zh 文本",
                )
            )
        else:
            texts[name] = Text(str(t["en"]), str(t["zh"]))
    scenarios: list[Scenario] = []
    try:
        scenarios = definitions_from(
            doc.get("scenario_set"), f"{where} scenario_set", source="imported"
        )
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return Imported(
        key=str(doc.get("key") or "imported"),
        title=texts["title"],
        summary=texts["summary"],
        modules=tuple(str(m) for m in modules or ()),
        scenarios=tuple(scenarios),
    )


# --- the pages -----------------------------------------------------------------------------

_CSS = """body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1a1a1a}h1,h2,h3{line-height:1.2}nav a{margin-right:1rem}
.meta{color:#555;font-size:.9em}details{margin:.5rem 0;padding:.5rem;border:1px solid #ccc;
border-radius:4px}summary{cursor:pointer;font-weight:600}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
"""
_WORDS: Mapping[str, Text] = {
    "modules": Text("Modules", "单元"),
    "scenarios": Text("Practice scenarios", "练习情景"),
    "test": Text("Knowledge test", "知识测试"),
    "back": Text("Back to the course", "返回课程"),
    "offline": Text(
        "This package works without a network. It holds Palermo's course material and invented "
        "scenarios only, never live data.",
        "本课程包无需网络即可使用。其中只有 Palermo 的课程材料和虚构情景，绝无真实数据。",
    ),
    "record": Text("The traveller record", "旅客记录"),
    "replies": Text("How the person answers the interview", "当事人如何回答面谈问题"),
    "key": Text("Trainer's key: the truth", "培训师答案：真实情况"),
    "answer": Text("Answer", "答案"),
    "language": Text("中文", "English"),
}


def _w(key: str, lang: str) -> str:
    return html.escape(_WORDS[key].get(lang))


def _e(text: Text, lang: str) -> str:
    return html.escape(text.get(lang))


def _page(title: str, body: str, lang: str, *, depth: int = 1) -> str:
    up = "../" * depth
    other = "zh" if lang == "en" else "en"
    html_lang = "zh-Hans" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title}</title><link rel="stylesheet" href="{up}style.css"></head><body>'
        f'<nav><a href="index.html">{_w("back", lang)}</a>'
        f'<a href="{up}{other}/index.html" lang="{other}">{_w("language", lang)}</a></nav>'
        f"{body}</body></html>\n"
    )


def _front(course: Course) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(course.title, 'en')}</title>"
        '<link rel="stylesheet" href="style.css"></head><body>'
        f'<h1>{_e(course.title, "en")}</h1><p><a href="en/index.html">English</a></p>'
        f'<h1 lang="zh-Hans">{_e(course.title, "zh")}</h1>'
        '<p><a href="zh/index.html" lang="zh-Hans">中文</a></p></body></html>\n'
    )


def _course_page(course: Course, lang: str) -> str:
    mods = "".join(
        f'<li><a href="module-{m.key}.html">{_e(m.title, lang)}</a> — {_e(m.summary, lang)}</li>'
        for m in course.modules
    )
    scen = "".join(
        f'<li><a href="scenario-{html.escape(s.id)}.html">{_e(s.title, lang)}</a></li>'
        for s in course.scenarios
    )
    body = (
        f"<h1>{_e(course.title, lang)}</h1><p>{_e(course.summary, lang)}</p>"
        f'<p class="meta">{_w("offline", lang)}</p>'
        f"<h2>{_w('modules', lang)}</h2><ol>{mods}</ol>"
        f"<h2>{_w('scenarios', lang)}</h2><ol>{scen}</ol>"
        f'<h2><a href="test.html">{_w("test", lang)}</a></h2>'
    )
    return _page(_e(course.title, lang), body, lang)


def _module_page(course: Course, m: Module, lang: str) -> str:
    parts = [f"<h1>{_e(m.title, lang)}</h1><p>{_e(m.summary, lang)}</p>"]
    for s in m.sections:
        parts.append(f"<h2>{_e(s.heading, lang)}</h2>")
        if s.intro:
            parts.append(f"<p>{_e(s.intro, lang)}</p>")
        for i in s.items:
            meta = f'<p class="meta">{_e(i.meta, lang)}</p>' if i.meta else ""
            parts.append(f"<h3>{_e(i.title, lang)}</h3><p>{_e(i.body, lang)}</p>{meta}")
    return _page(_e(m.title, lang), "".join(parts), lang)


def _scenario_page(course: Course, s: Scenario, lang: str) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in s.record.items()
        if not str(k).startswith("obs_")
    )
    inst = s.instrument()
    replies = "".join(
        f"<li><strong>{_e(inst.question(q).text, lang)}</strong><br>"
        f"{html.escape(s.reply(q, lang))}</li>"
        for q in s.asked_questions()
    )
    t = s.truth
    truth = (
        f"<p>{_e(t.category.label, lang)}. {_e(t.explanation, lang)}</p><ul>"
        f"<li>{_e(t.disposition.label, lang)}</li><li>{_e(t.assessment.label, lang)}</li>"
        + "".join(f"<li>{_e(r.label, lang)}</li>" for r in sorted(t.referrals))
        + "</ul>"
    )
    body = (
        f"<h1>{_e(s.title, lang)}</h1><p>{_e(s.narrative, lang)}</p>"
        f"<details><summary>{_w('record', lang)}</summary><table>{rows}</table></details>"
        f"<details><summary>{_w('replies', lang)}</summary><ol>{replies}</ol></details>"
        f"<details><summary>{_w('key', lang)}</summary>{truth}</details>"
    )
    return _page(_e(s.title, lang), body, lang)


def _test_page(course: Course, lang: str) -> str:
    items = []
    for q in course.questions:
        opts = "".join(f"<li>{_e(o.text, lang)}</li>" for o in q.options)
        right = q.option(q.answer)
        items.append(
            f"<li><p>{_e(q.text, lang)}</p><ol type='a'>{opts}</ol><details><summary>"
            f"{_w('answer', lang)}</summary><p>{_e(right.text, lang)}. "
            f"{_e(q.explanation, lang)}</p></details></li>"
        )
    body = f"<h1>{_w('test', lang)}</h1><ol>{''.join(items)}</ol>"
    return _page(_w("test", lang), body, lang)
