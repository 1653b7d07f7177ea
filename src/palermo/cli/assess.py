"""``palermo assess`` and ``palermo indicators``: identification instruments and the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo.cli.app import app, console, reports_errors
from palermo.indicators.answers import read_answers
from palermo.indicators.assessment import Assessment, Variant, assess
from palermo.indicators.catalogue import UNVERIFIED, load_catalogue
from palermo.indicators.first_line import OfferDecision, decide_offer
from palermo.indicators.instruments import builtin_instruments, load_instrument
from palermo.indicators.simulate import render_report, simulate_identification, write_report

indicators_app = typer.Typer(
    help="Trafficking indicators: catalogue and screening report. 人口贩运指标：目录与筛查报告。",
    no_args_is_help=True,
)
app.add_typer(indicators_app, name="indicators")


@app.command("assess")
@reports_errors
def assess_command(
    answers: Annotated[Path, typer.Argument(help="Answer file (JSON). 回答文件（JSON）。")],
    instrument: Annotated[
        str,
        typer.Option(
            "--instrument",
            help=f"Instrument ({', '.join(builtin_instruments())}) or YAML path. 工具或路径。",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON. 输出 JSON。")] = False,
    variant: Annotated[
        Variant,
        typer.Option(
            "--variant",
            help="Adult combination rule: ilo (default) or moldova. 成人组合规则。",
        ),
    ] = Variant.ILO,
    age_in_doubt: Annotated[
        bool,
        typer.Option(
            "--age-in-doubt",
            help="The person may be under 18: presumed a child (child instrument only). "
            "年龄存疑：推定为儿童（仅限儿童问卷）。",
        ),
    ] = False,
) -> None:
    """Assess interview answers (or first-line observations); exit status 2 on bad input.
    评估面谈回答（或第一线观察）；输入有误时退出状态为 2。
    """
    inst = load_instrument(instrument)
    parsed = read_answers(answers, inst)
    result: Assessment | OfferDecision = (
        decide_offer(inst, parsed)
        if inst.kind == "first_line"
        else assess(inst, parsed, variant=variant, age_in_doubt=age_in_doubt)
    )
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))  # noqa: T201
        return
    if isinstance(result, OfferDecision):
        _print_offer(result)
    else:
        _print_assessment(result)


def _print_offer(r: OfferDecision) -> None:
    console.print(f"[bold]{r.decision.en}[/] / [bold]{r.decision.zh}[/]", highlight=False)
    console.print(
        f"instrument {r.instrument_id} v{r.instrument_version} ({r.language}); "
        f"cut-off 阈值: {r.cutoff.en}; catalogue 目录 {r.catalogue_stamp}",
        highlight=False,
    )
    for reason in r.reasons:
        console.print(f"- {reason.en}\n  {reason.zh}", highlight=False)


def _print_assessment(a: Assessment) -> None:
    console.print(f"[bold]{a.outcome.label.en}[/] / [bold]{a.outcome.label.zh}[/]", highlight=False)
    if a.child_protection_referral:
        console.print("[bold]Refer to child protection. / 转介儿童保护机构。[/]", highlight=False)
    console.print(
        f"instrument {a.instrument_id} v{a.instrument_version} ({a.language}); "
        f"rule 规则 {a.variant.value}; catalogue 目录 {a.catalogue_stamp}",
        highlight=False,
    )
    for s in a.sets:
        table = Table(
            "dim", "dimension / 维度", "positive / 阳性", "S/M/W", "indicators found / 发现的指标",
            title=f"{s.indicator_set.code}: {s.indicator_set.name.en} / {s.indicator_set.name.zh}",
        )  # fmt: skip
        for code, d in s.dimensions.items():
            found = "\n".join(
                f"{f.indicator.id} [{f.indicator.effective_strength.value}] "
                f"{f.indicator.label('en')} / {f.indicator.label('zh')} (via {', '.join(f.via)})"
                for f in d.found
            )
            table.add_row(
                code,
                f"{d.name.en}\n{d.name.zh}",
                f"{'yes 是' if d.positive else 'no 否'}\n{d.reason.en}\n{d.reason.zh}",
                f"{d.strong}/{d.medium}/{d.weak}",
                found,
            )
        console.print(table)
        elements = "; ".join(
            f"{e.element}: {'met' if e.met else 'not met'}"
            + ("" if e.required else " (not required)")
            for e in s.elements
        )
        console.print(f"Palermo elements 要素: {elements}", highlight=False)
    console.print("Reasoning / 理由:", highlight=False)
    for line in a.reasoning:
        console.print(f"- {line.en}\n  {line.zh}", highlight=False)


@indicators_app.command("list")
@reports_errors
def list_indicators(
    set_code: Annotated[
        str | None, typer.Option("--set", help="ADL, ADS, CHL, CHS or BRD. 指标集。")
    ] = None,
) -> None:
    """List the catalogue, with strengths and verification status. 列出指标目录。"""
    cat = load_catalogue()
    console.print(f"catalogue 目录 {cat.name} {cat.stamp}", highlight=False)
    table = Table("id", "dim", "strength 强度", "English", "中文", "verified 已核实")
    if set_code == "BRD":
        for o in cat.observations.values():
            table.add_row(
                o.id, o.line, "", o.text.en, o.text.zh,
                "yes 是" if o.verified else f"{UNVERIFIED['en']} {UNVERIFIED['zh']}",
            )  # fmt: skip
    else:
        for i in cat.indicators.values():
            if set_code and i.set_code != set_code:
                continue
            strength = i.effective_strength.value + (
                " (assumed 假设)" if i.strength_is_assumption else ""
            )
            table.add_row(
                i.id, i.dimension, strength, i.text.en, i.text.zh,
                "yes 是" if i.verified else f"{UNVERIFIED['en']} {UNVERIFIED['zh']}",
            )  # fmt: skip
    console.print(table)


@indicators_app.command("evaluate")
@reports_errors
def evaluate_command(
    n: Annotated[
        int, typer.Option("--n", min=1, help="Synthetic population size. 合成人群规模。")
    ] = 50_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed. 随机种子。")] = 0,
    ordinary: Annotated[
        int,
        typer.Option("--ordinary", min=1, help="Ordinary travellers interviewed. 普通旅客样本。"),
    ] = 2000,
    variant: Annotated[
        Variant, typer.Option("--variant", help="ilo or moldova. 成人组合规则。")
    ] = Variant.ILO,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the report as JSON. 另存为 JSON。")
    ] = None,
) -> None:
    """Sensitivity and false escalation on synthetic ground truth, beside published tools.
    在合成真实标注上的灵敏度与误升级率，并与已发表工具比较。
    """
    report = simulate_identification(n, seed, ordinary_sample=ordinary, variant=variant)
    console.print(render_report(report), highlight=False, soft_wrap=True)
    if out is not None:
        write_report(report, out)
