"""Charts drawn on the server (web/lib/charts.py): SVG with no network, every chart with its
table, labels and numbers in the reader's language."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from palermo.web.lib.charts import Column, bar_chart, chart_csv_response, line_chart, render_svg

ROWS = [
    {"port": "Shanghai Pudong", "hits": 1234},
    {"port": "首都机场", "hits": 5},
    {"port": "<script>alert(1)</script>", "hits": 7},
]
PORT = Column("port", "Port")
HITS = Column("hits", "Hits", numeric=True)


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_a_bar_chart_is_svg_with_every_label_and_its_axis_titles() -> None:
    chart = bar_chart(id="hits", title="Hits by port", rows=ROWS, category=PORT, value=HITS)
    assert chart.svg.startswith("<svg ")
    texts = _texts(chart.svg)
    assert {"Shanghai Pudong", "首都机场", "Port", "Hits"} <= set(texts)


def test_a_label_from_the_data_cannot_put_a_script_into_the_page() -> None:
    chart = bar_chart(id="hits", title="Hits", rows=ROWS, category=PORT, value=HITS)
    assert "<script" not in chart.svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart.svg


def test_the_chart_loads_nothing_from_anywhere() -> None:
    spec = {
        "data": {"url": "https://example.org/data.json"},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(ValueError, match=r"(?i)external|not allowed|access"):
        render_svg(spec)


def test_numbers_follow_the_reader_s_language() -> None:
    rows = [{"port": "A", "hits": 12000}]
    with translation.override("en"):
        english = _texts(bar_chart(id="h", title="t", rows=rows, category=PORT, value=HITS).svg)
    assert "12,000" in english
    with translation.override("zh-hans"):
        chinese = bar_chart(id="h", title="t", rows=rows, category=PORT, value=HITS)
    assert "12,000" in _texts(chinese.svg)  # zh-CN groups by thousands too


def test_every_chart_carries_its_table_in_the_order_of_its_columns() -> None:
    chart = bar_chart(
        id="by-outcome",
        title="Hits by outcome",
        rows=[{"port": "A", "kind": "referred", "hits": 3}],
        category=PORT,
        value=HITS,
        series=Column("kind", "Outcome"),
    )
    assert [c.label for c in chart.columns] == ["Port", "Outcome", "Hits"]
    assert chart.rows == (("A", "referred", 3),)


def test_the_csv_export_has_the_reader_s_headers_and_every_row() -> None:
    chart = bar_chart(id="hits", title="Hits", rows=ROWS, category=PORT, value=HITS)
    response = chart_csv_response(chart)
    assert response["Content-Disposition"] == 'attachment; filename="hits.csv"'
    body = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [
        ["Port", "Hits"],
        ["Shanghai Pudong", "1234"],
        ["首都机场", "5"],
        ["<script>alert(1)</script>", "7"],
    ]


def test_a_chart_without_rows_has_no_picture_and_the_page_says_so() -> None:
    chart = line_chart(id="empty", title="Nothing", rows=[], x=Column("m", "Month"), y=HITS)
    assert chart.empty
    assert not chart.svg
    with translation.override("zh-hans"):
        html = render_to_string("_chart.html", {"chart": chart})
    assert "<svg" not in html
    assert "没有可显示的内容" in html


def test_the_figure_shows_the_picture_and_the_table_and_the_csv_link() -> None:
    chart = line_chart(
        id="per-month",
        title="Screenings per month",
        rows=[{"m": "2026-10", "n": 4}, {"m": "2026-11", "n": 9}],
        x=Column("m", "Month"),
        y=Column("n", "Screenings", numeric=True),
    ).with_csv_url("?export=per-month")
    html = render_to_string("_chart.html", {"chart": chart})
    assert 'aria-hidden="true"' in html  # the picture; the table is what a screen reader reads
    assert '<th scope="col">Month</th>' in html
    assert "<td>2026-11</td>" in html
    assert 'href="?export=per-month"' in html


def test_a_chart_id_is_a_slug() -> None:
    with pytest.raises(ValueError, match="chart id"):
        bar_chart(id="Bad Id", title="t", rows=ROWS, category=PORT, value=HITS)
