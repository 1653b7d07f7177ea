"""``palermo profiles mine``: draft profiles from identified cases against baseline traffic."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from rich.table import Table

from palermo.cli.app import console, reports_errors
from palermo.cli.screen import profiles_app
from palermo.errors import InputError, Problem
from palermo.records import read_records


def _cases_from_truth(baseline: pa.Table, truth_path: Path) -> pa.Table:
    truth = pq.read_table(truth_path, columns=["record_id", "is_case"])
    case_ids = pc.filter(truth.column("record_id"), pc.fill_null(truth.column("is_case"), False))
    return baseline.filter(pc.is_in(baseline.column("record_id"), value_set=case_ids))


def _refuse(where: Path | str, en: str, zh: str) -> InputError:
    return InputError([Problem(where=str(where), rule=en, rule_zh=zh)])


def _read_cases(path: Path, fmt: str, from_year: int | None, to_year: int | None) -> pa.Table:
    from palermo.analytics.mining_sources import HTCDS_LIMITS, cases_from_ctdc, cases_from_htcds
    from palermo.interchange.ctdc import read_ctdc

    if fmt == "ctdc":
        return cases_from_ctdc(read_ctdc(path), since_year=from_year, until_year=to_year)
    if fmt == "htcds":
        if not path.is_file():
            raise _refuse(path, "file not found", "找不到文件")
        limit = HTCDS_LIMITS.max_bytes or 0
        if path.stat().st_size > limit:
            raise _refuse(path, f"is larger than {limit} bytes", f"大于 {limit} 字节")
        return cases_from_htcds(
            path.read_bytes(), str(path), since_year=from_year, until_year=to_year
        )
    return read_records(path)


def _check_choices(
    *,
    cases: Path | None,
    truth: Path | None,
    own_cases: bool,
    baseline: Path | None,
    as_user: str | None,
    cases_format: str,
    out: Path,
) -> None:
    """Refuse a combination of options that names no source, or two."""
    if sum(x for x in (cases is not None, truth is not None, own_cases)) != 1:
        raise _refuse("--cases/--truth/--own-cases",
                      "give exactly one of --cases, --truth and --own-cases",
                      "--cases、--truth 与 --own-cases 须且只能提供一个")  # fmt: skip
    if truth is not None and baseline is None:
        raise _refuse("--truth", "--truth marks the cases among a --baseline file",
                      "--truth 标注的是 --baseline 文件中的个案")  # fmt: skip
    if (own_cases or baseline is None) and not as_user:
        raise _refuse(
            "--as",
            "--own-cases and the stored screenings (no --baseline) need --as USER: they are "
            "read in a user's scope",
            "--own-cases 及已存筛查（未给 --baseline）需要 --as 用户：按用户的范围读取",
        )
    if cases_format not in {"records", "ctdc", "htcds"}:
        raise _refuse("--cases-format", f"'{cases_format}' is not records, ctdc or htcds",
                      f"“{cases_format}”不是 records、ctdc 或 htcds")  # fmt: skip
    if cases_format != "records" and cases is None:
        raise _refuse("--cases-format", "a CTDC or HTCDS source is a file given with --cases",
                      "CTDC 或 HTCDS 数据须以 --cases 提供文件")  # fmt: skip
    if out.exists() and not out.is_dir():
        raise _refuse(out, "is not a directory", "不是目录")


def _period(
    since: dt.datetime | None, until: dt.datetime | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    end = until.date() if until else today
    start = since.date() if since else end - dt.timedelta(days=364)
    if start > end:
        raise _refuse("--since/--until", "the period ends before it starts", "期间结束早于开始")
    return start, end


def _from_web(
    as_user: str, period: tuple[dt.date, dt.date], *, own_cases: bool, stored: bool
) -> dict[str, Any]:
    """Cases and stored screenings from the web application's database, in a user's scope."""
    from palermo.cli.web import setup_django

    setup_django()
    from palermo.web import commands

    return commands.mining_tables(
        username=as_user, since=period[0], until=period[1], own_cases=own_cases,
        stored_baseline=stored,
    )  # fmt: skip


@profiles_app.command("mine")
@reports_errors
def mine_command(
    out: Annotated[
        Path, typer.Option("--out", help="Directory for the draft profiles. 草案输出目录。")
    ],
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Screened traffic (traveller records); without it, the stored screenings of "
            "the period in the scope of --as. "
            "基准客流记录；省略时使用 --as 用户范围内该期间的已存筛查。",
        ),
    ] = None,
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases", help="Records of identified victims' journeys. 已识别受害人的出行记录。"
        ),
    ] = None,
    cases_format: Annotated[
        str,
        typer.Option(
            "--cases-format",
            help="records (traveller records), ctdc (CTDC Global Dataset CSV) or htcds (HTCDS "
            "case records, CSV or JSON Lines). 个案文件格式：records、ctdc 或 htcds。",
        ),
    ] = "records",
    from_year: Annotated[
        int | None,
        typer.Option(
            "--from-year",
            help="CTDC: first year of registration; HTCDS: of cas_IncomingReferralDate. "
            "CTDC 起始登记年份；HTCDS 按 cas_IncomingReferralDate 的年份。",
        ),
    ] = None,
    to_year: Annotated[
        int | None,
        typer.Option(
            "--to-year",
            help="CTDC: last year of registration; HTCDS: of cas_IncomingReferralDate. "
            "CTDC 截止登记年份；HTCDS 按 cas_IncomingReferralDate 的年份。",
        ),
    ] = None,
    own_cases: Annotated[
        bool,
        typer.Option(
            "--own-cases",
            help="This installation's identified cases in the period, in the scope of --as "
            "(needs PALERMO_* settings). 本系统中 --as 用户范围内该期间已识别的个案。",
        ),
    ] = False,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="Period start. 期间开始。"),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        typer.Option("--until", formats=["%Y-%m-%d"], help="Period end. 期间结束。"),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="Whose scope (user name). 以哪位用户的范围。"),
    ] = None,
    narrow_by_protected: Annotated[
        bool,
        typer.Option(
            "--narrow-by-protected",
            help="Let nationality, sex and age narrow a combination; the rights guard drops "
            "any that stands on them. 允许受保护属性缩小组合范围，由权利保护检查决定去留。",
        ),
    ] = False,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="Instead of --cases: ground truth marking the cases among the baseline (palermo "
            "synth). 以真实标注代替 --cases。",
        ),
    ] = None,
    min_cases: Annotated[
        int, typer.Option("--min-cases", min=1, help="Cases a combination needs. 最少案例数。")
    ] = 10,
    min_lift: Annotated[
        float,
        typer.Option("--min-lift", min=1.0, help="Lower 95% bound of the lift. 提升度下限。"),
    ] = 5.0,
    top: Annotated[
        int, typer.Option("--top", min=1, max=200, help="Candidates kept. 保留候选数。")
    ] = 10,
    owner: Annotated[
        str, typer.Option("--owner", help="Owner written in the drafts. 草案所有者。")
    ] = "Anti-trafficking analysis unit",
) -> None:
    """Combinations of circumstances far more common among identified cases than in the
    traffic, checked by the rights guard and written as draft profiles with their evidence; a
    person writes each rationale before the normal four-eyes approval.
    从已识别案例与基准客流中挖掘情形组合，经权利保护检查后写成附证据的风险画像草案；
    理由须由人撰写，然后按常规双人审批。
    """
    from palermo.analytics.mining import check_drafts, mine_candidates
    from palermo.analytics.mining_sources import (
        CTDC_MIN_CASES,
        CTDC_SOURCE,
        HTCDS_SOURCE,
        OWN_SOURCE,
    )

    _check_choices(cases=cases, truth=truth, own_cases=own_cases, baseline=baseline,
                   as_user=as_user, cases_format=cases_format, out=out)  # fmt: skip
    today = dt.date.today()  # noqa: DTZ011 - a calendar day for the period and the draft
    period = _period(since, until, today)
    web: dict[str, Any] = {}
    if own_cases or baseline is None:
        web = _from_web(str(as_user), period, own_cases=own_cases, stored=baseline is None)
    base = read_records(baseline) if baseline is not None else web["baseline"]
    weights = web.get("weights")
    source = ("", "")
    if own_cases:
        case_table, source = web["cases"], OWN_SOURCE
    elif cases is not None:
        case_table = _read_cases(cases, cases_format, from_year, to_year)
        if cases_format == "ctdc":
            source, min_cases = CTDC_SOURCE, max(min_cases, CTDC_MIN_CASES)
        elif cases_format == "htcds":
            source = HTCDS_SOURCE
    else:
        assert truth is not None
        case_table = _cases_from_truth(base, truth)
    if case_table.num_rows < min_cases:
        raise _refuse(
            cases or truth or "",
            f"{case_table.num_rows} case(s): fewer than --min-cases {min_cases}",
            f"案例 {case_table.num_rows} 个，少于 --min-cases {min_cases}",
        )
    found = mine_candidates(
        case_table,
        base,
        min_cases=min_cases,
        min_lift=min_lift,
        top=top,
        narrow_by_protected=narrow_by_protected,
        baseline_weights=weights,
    )
    result = check_drafts(
        found,
        owner=owner,
        valid_from=today,
        review_by=today + dt.timedelta(days=365),
        source=source,
    )
    out.mkdir(parents=True, exist_ok=True)
    table = Table("draft / 草案", "cases / 案例", "travellers / 旅客", "lift (95%) / 提升度")
    evidence = []
    for i, (candidate, text) in enumerate(result.drafts, start=1):
        name = f"mined-{i:02d}.yaml"
        (out / name).write_text(text, encoding="utf-8")
        words = " & ".join(it.words("en") for it in candidate.items)
        table.add_row(
            f"{name}\n{words}",
            f"{candidate.cases}/{candidate.case_total}",
            f"{candidate.baseline}/{candidate.baseline_total}",
            f"{candidate.lift:.1f} ({candidate.lift_low:.1f}-{candidate.lift_high:.1f})",
        )
        evidence.append({"file": name, "items": [it.criterion() for it in candidate.items],
                         "cases": candidate.cases, "baseline": candidate.baseline,
                         "lift": candidate.lift, "lift_low": candidate.lift_low,
                         "lift_high": candidate.lift_high})  # fmt: skip
    refused = [
        {"items": [it.criterion() for it in c.items], "reason": reason, "reason_zh": reason_zh}
        for (c, reason), reason_zh in zip(result.refused, result.refused_zh, strict=True)
    ]
    (out / "evidence.json").write_text(
        json.dumps(
            {"source": source[0], "drafts": evidence, "refused": refused},
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    for note in web.get("notes", []):
        console.print(note, highlight=False)
    console.print(table)
    for (candidate, reason), reason_zh in zip(result.refused, result.refused_zh, strict=True):
        words = " & ".join(it.words("en") for it in candidate.items)
        console.print(f"dropped / 已剔除: {words}\n  {reason}\n  {reason_zh}", highlight=False)
    if source[0]:
        console.print(f"{source[0]}\n{source[1]}", highlight=False)
    console.print(
        f"{len(result.drafts)} draft(s) in {out}, {len(result.refused)} refused by the rights "
        f"guard or the profile rules (evidence.json).\n{out} 中有 {len(result.drafts)} 份草案，"
        f"{len(result.refused)} 份被权利保护检查或画像规则拒绝（见 evidence.json）。\n"
        "Each draft's rationale must be written by an analyst before it can be submitted for "
        "approval.\n每份草案的理由须由分析员撰写后，方可提交审批。",
        highlight=False,
    )
