"""Charts drawn on the server, each with the table of its data.

A chart is a Vega-Lite specification built with Altair and rendered to SVG by vl-convert (Vega
running in an embedded V8, inside this process): no network, no CDN, no script in the page, and
the same picture on screen, on paper and in a PDF. ``allowed_base_urls=[]`` forbids Vega to load
anything; the data are always inline.

Every chart carries its rows (``Chart.columns``, ``Chart.rows``): the page shows them as a
table beside the picture (what a screen reader reads, what a printout keeps exact) and offers
them as CSV (``chart_csv_response``). Titles and column labels are given by the caller in the
reader's language (``gettext``); numbers are formatted in the active language's locale.

    chart = bar_chart(
        id="hits-by-port", title=_("Hits by port"),
        rows=[{"port": "PVG", "hits": 12}, ...],
        category=Column("port", _("Port")), value=Column("hits", _("Hits"), numeric=True),
    )
    {% include "_chart.html" with chart=chart %}      # figure, SVG, table, CSV link

``bar_chart`` (horizontal bars; with ``series`` stacked and coloured, with a legend),
``line_chart`` (a value over time or an ordered axis, one line per series) and ``render_svg``
(any Vega-Lite dict) are the API. A chart with no rows has no picture: the partial says so.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import altair as alt
import vl_convert as vlc
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

Cell = str | int | float | None

# What the picture is drawn in: the page's own sans-serif first, then a CJK face that vl-convert
# finds on the machine to measure Chinese labels (Debian: fonts-noto-cjk).
FONT = 'system-ui, "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif'
# Colour-blind-safe categorical scheme (Okabe-Ito), also distinguishable in greyscale print.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
WIDTH = 520
BAR_STEP = 22
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Column:
    """One column of a chart's table: its key in the rows, its label in the reader's language."""

    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Chart:
    """A rendered chart: the SVG, and the table it was drawn from."""

    id: str
    title: str
    description: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    svg: SafeString = field(default_factory=lambda: mark_safe(""))
    note: str = ""
    csv_url: str = ""  # where the page offers the table as CSV (``with_csv_url``)

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def cells(self) -> list[list[tuple[Cell, bool]]]:
        """Each row's cells with whether the cell is a number (aligned right on the page)."""
        return [
            [(cell, column.numeric) for cell, column in zip(row, self.columns, strict=True)]
            for row in self.rows
        ]

    def as_csv(self) -> str:
        """The table as CSV, header in the reader's language (UTF-8; a spreadsheet opens it)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([column.label for column in self.columns])
        writer.writerows(["" if cell is None else cell for cell in row] for row in self.rows)
        return out.getvalue()

    def with_csv_url(self, url: str) -> Chart:
        """The same chart, offering its table as CSV at ``url``."""
        return replace(self, csv_url=url)

    def as_dict(self) -> dict[str, Any]:
        """The table as JSON-ready data (keys, labels, rows)."""
        return {
            "id": self.id,
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label} for c in self.columns],
            "rows": [list(row) for row in self.rows],
            "note": self.note,
        }


Locale = Literal["en-GB", "zh-CN"]


def _locale() -> Locale:
    return "zh-CN" if (get_language() or "en").lower().startswith("zh") else "en-GB"


@lru_cache(maxsize=256)
def _render(spec_json: str, locale: Locale) -> str:
    return vlc.vegalite_to_svg(
        spec_json,
        allowed_base_urls=[],
        format_locale=locale,
        time_format_locale=locale,
    )


def render_svg(spec: Mapping[str, Any]) -> SafeString:
    """A Vega-Lite specification as SVG markup, in the active language's number format.

    Safe to put in a page: Vega writes every label as escaped SVG text, the data are inline and
    loading anything else is forbidden. Rendered once per specification and language (cached).
    """
    config = {
        "font": FONT,
        "aria": False,  # the table beside the chart is what assistive technology reads
        "background": "white",
        "range": {"category": PALETTE},
        "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 220},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
        "view": {"stroke": None},
    }
    full = {**spec, "config": {**config, **spec.get("config", {})}}
    svg = _render(json.dumps(full, sort_keys=True, ensure_ascii=False, default=str), _locale())
    # the outer <svg> is decorative for assistive technology: the figure names it
    return mark_safe(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))  # noqa: S308


def _table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]
) -> tuple[tuple[Cell, ...], ...]:
    return tuple(tuple(row.get(c.key) for c in columns) for row in rows)


def _check_id(chart_id: str) -> None:
    if not _SLUG.match(chart_id):
        raise ValueError(f"chart id {chart_id!r}: lower-case letters, digits and '-' only")


def _describe(title: str, rows: Sequence[Mapping[str, Any]]) -> str:
    return _("%(title)s: %(count)d row(s) of data, in the table beside the chart.") % {
        "title": title,
        "count": len(rows),
    }


def _count_axis(rows: Sequence[Mapping[str, Any]], value: Column) -> Any:
    """Whole-number ticks for counts (no "0.5 hits"); other values keep Vega-Lite's."""
    counts = all(
        isinstance(r.get(value.key), int) and not isinstance(r.get(value.key), bool) for r in rows
    )
    return alt.Axis(tickMinStep=1, format=",d") if counts else alt.Undefined


def bar_chart(
    *,
    id: str,
    title: str,
    rows: Sequence[Mapping[str, Any]],
    category: Column,
    value: Column,
    series: Column | None = None,
    sort: bool = True,
    note: str = "",
    extra: Sequence[Column] = (),
) -> Chart:
    """Horizontal bars of ``value`` per ``category`` (largest first unless ``sort=False``);
    with ``series``, each bar stacked by series in colour with a legend. ``extra`` columns are
    shown in the table only (e.g. the count behind a median)."""
    _check_id(id)
    columns = (category, *([series] if series else []), value, *extra)
    chart = Chart(id, title, _describe(title, rows), columns, _table(rows, columns), note=note)
    if chart.empty:
        return chart
    y_sort: Any = "-x" if sort else None
    encoding: dict[str, Any] = {
        "y": alt.Y(f"{category.key}:N", title=category.label, sort=y_sort),
        "x": alt.X(f"sum({value.key}):Q", title=value.label, axis=_count_axis(rows, value)),
    }
    if series:
        encoding["color"] = alt.Color(f"{series.key}:N", title=series.label)
    spec = (
        alt.Chart({"values": [dict(r) for r in rows]})
        .mark_bar()
        .encode(**encoding)
        .properties(width=WIDTH, height=alt.Step(BAR_STEP))
    )
    return _with_svg(chart, spec)


def line_chart(
    *,
    id: str,
    title: str,
    rows: Sequence[Mapping[str, Any]],
    x: Column,
    y: Column,
    series: Column | None = None,
    temporal: bool = False,
    note: str = "",
) -> Chart:
    """``y`` along ``x`` (dates if ``temporal``, else ordered labels such as ``2026-11``), one
    line per ``series`` with a legend; points marked so a single period still shows."""
    _check_id(id)
    columns = (x, *([series] if series else []), y)
    chart = Chart(id, title, _describe(title, rows), columns, _table(rows, columns), note=note)
    if chart.empty:
        return chart
    encoding: dict[str, Any] = {
        "x": alt.X(f"{x.key}:{'T' if temporal else 'O'}", title=x.label),
        "y": alt.Y(f"{y.key}:Q", title=y.label, axis=_count_axis(rows, y)),
    }
    if series:
        encoding["color"] = alt.Color(f"{series.key}:N", title=series.label)
    spec = (
        alt.Chart({"values": [dict(r) for r in rows]})
        .mark_line(point=True)
        .encode(**encoding)
        .properties(width=WIDTH, height=220)
    )
    return _with_svg(chart, spec)


def _with_svg(chart: Chart, spec: alt.Chart) -> Chart:
    return replace(chart, svg=render_svg(spec.to_dict()))


def chart_csv_response(chart: Chart, *, filename: str | None = None) -> HttpResponse:
    """The chart's table as a CSV download (UTF-8 with a byte-order mark for spreadsheets)."""
    response = HttpResponse("\ufeff" + chart.as_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename or chart.id}.csv"'
    return response
