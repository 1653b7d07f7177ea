"""``palermo training``: scenario sets with their truth, offline course packages, imports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from palermo.cli.app import app, console, reports_errors
from palermo.errors import InputError, Problem

training_app = typer.Typer(
    help="The training academy: scenarios, offline courses. 培训学院：情景、离线课程。",
    no_args_is_help=True,
)
app.add_typer(training_app, name="training")


@training_app.command("scenarios")
@reports_errors
def scenarios(
    n: Annotated[int, typer.Option("--n", help="Number of scenarios. 情景数量。")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed. 随机种子。")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the set here (JSON); else print it. 写入文件（JSON）。"),
    ] = None,
    curated: Annotated[
        bool,
        typer.Option("--curated", help="Add the curated scenarios. 同时加入精选情景。"),
    ] = False,
) -> None:
    """Generate N scenarios from the synthetic population, each with its truth (the same seed
    gives the same set).
    由合成人群生成 N 个情景，每个附真实情况（相同种子得到相同情景集）。
    """
    from palermo.training.curated import curated_scenarios
    from palermo.training.generate import generate_scenarios
    from palermo.training.io import set_document, write_set

    made = generate_scenarios(n, seed)
    if curated:
        made = [*curated_scenarios(), *made]
    if out is None:
        typer.echo(json.dumps(set_document(made, seed=seed), ensure_ascii=False, indent=1))
        return
    write_set(out, made, seed=seed)
    cases = sum(s.truth.is_case for s in made)
    console.print(
        f"{len(made)} scenarios ({cases} cases) -> {out}\n"
        f"{len(made)} 个情景（{cases} 个个案）-> {out}",
        highlight=False,
    )


@training_app.command("export")
@reports_errors
def export(
    course: Annotated[
        str,
        typer.Argument(
            help="A built-in course (first-line, second-line, children) or a course file "
            "(.json). 内置课程或课程文件。"
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The package to write (.zip). 要写入的课程包（.zip）。")
    ],
) -> None:
    """Write a course as a self-contained offline package: course pages, scenarios and the
    knowledge test, no live data.
    将课程写成独立的离线课程包：课程页面、情景和知识测试，不含真实数据。
    """
    from palermo.training.package import (
        assemble,
        builtin_course,
        course_from_spec,
        export_course,
        read_course,
    )

    path = Path(course)
    if course.endswith((".zip", ".json")) or path.exists():
        got = read_course(path)
        built = assemble(
            key=got.key,
            title=got.title,
            summary=got.summary,
            modules=got.modules,
            scenarios=got.scenarios,
        )
    else:
        built = course_from_spec(builtin_course(course))
    size = export_course(built, out)
    console.print(
        f"{built.title.en}: {len(built.modules)} modules, {len(built.scenarios)} scenarios, "
        f"{len(built.questions)} questions -> {out} ({size:,} bytes)\n"
        f"{built.title.zh}：{len(built.modules)} 个单元，{len(built.scenarios)} 个情景，"
        f"{len(built.questions)} 道题 -> {out}",
        highlight=False,
    )


@training_app.command("import")
@reports_errors
def import_(
    source: Annotated[
        Path,
        typer.Argument(
            help="A course package (.zip) or a scenario set (.json, .yaml). "
            "课程包（.zip）或情景集（.json、.yaml）。"
        ),
    ],
    agency: Annotated[
        str | None,
        typer.Option(
            "--agency",
            help="For a course package: the code of the agency whose trainers get the course. "
            "课程包：获得该课程的培训师所属机构的代码。",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only check the file; write nothing. 只检查文件，不写入任何内容。",
        ),
    ] = False,
) -> None:
    """Import a course package (as a course of --agency, its scenarios into the scenario bank)
    or a scenario set (into the scenario bank) into the training academy, as the command line
    (audited). Every scenario's answers and truth are recomputed with this installation's tools;
    a problem anywhere exits 2 naming each one, and nothing is written.
    将课程包（作为 --agency 机构的课程，其情景存入情景库）或情景集（存入情景库）导入培训学院，
    以命令行身份记入审计日志。每个情景的回答和真实情况都用本机工具重新计算；
    任何问题都会逐一指出并以状态 2 退出，且不写入任何内容。
    """
    from palermo.training.io import read_set
    from palermo.training.package import Imported, import_package

    if not source.is_file():
        raise InputError([Problem(where=str(source), rule="file not found", rule_zh="找不到文件")])
    course: Imported | None = None
    if source.suffix.lower() == ".zip":
        if not check and not agency:
            raise InputError(
                [
                    Problem(
                        where="--agency",
                        rule="name the agency whose trainers get the course (or --check)",
                        rule_zh="请指明获得该课程的培训师所属机构（或使用 --check）",
                    )
                ]
            )
        course = import_package(source)
        found = course.scenarios
        console.print(f"{course.title.en} / {course.title.zh}", highlight=False)
    else:
        found = tuple(read_set(source))
    cases = sum(s.truth.is_case for s in found)
    if check:
        console.print(
            f"{len(found)} scenarios checked ({cases} cases), none with a problem\n"
            f"已检查 {len(found)} 个情景（{cases} 个个案），均无问题",
            highlight=False,
        )
        return
    from palermo.cli.web import setup_django

    setup_django()
    from palermo.web.commands import academy_import

    title, added, known = academy_import(
        source=source.name, agency=agency, course=course, scenarios=found
    )
    if title is not None:
        console.print(f"course {title} -> {agency}\n课程 {title} -> {agency}", highlight=False)
    console.print(
        f"{added} scenarios added to the scenario bank, {known} already there ({cases} cases)\n"
        f"{added} 个情景已加入情景库，{known} 个已存在（{cases} 个个案）",
        highlight=False,
    )


@training_app.command("simulate-cohort")
@reports_errors
def simulate_cohort_command(
    trainer: Annotated[
        str, typer.Option("--trainer", help="The trainer's user name. 培训师用户名。")
    ],
    course: Annotated[
        str,
        typer.Option(
            "--course",
            help="A course's number in the academy, or a built-in course (first-line, "
            "second-line, children). 课程编号或内置课程。",
        ),
    ],
    size: Annotated[int, typer.Option("--size", help="Trainees. 学员人数。")] = 12,
    exercises: Annotated[
        int, typer.Option("--exercises", help="Exercises per trainee. 每名学员的练习数。")
    ] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Random seed. 随机种子。")] = 0,
) -> None:
    """Add a simulated cohort to a course of the academy: trainees who spot each indicator
    more often with practice (the model's assumptions: palermo/training/simulate.py).
    为学院中的课程添加模拟学员班：学员识别各项指标的概率随练习提高
    （模型假设见 palermo/training/simulate.py）。
    """
    from palermo.cli.web import setup_django

    setup_django()
    from palermo.web.commands import academy_simulate

    cohort, trainees = academy_simulate(
        trainer=trainer, course=course, size=size, exercises=exercises, seed=seed
    )
    console.print(
        f"simulated cohort {cohort} with {trainees} trainees\n"
        f"模拟学员班 {cohort}，{trainees} 名学员",
        highlight=False,
    )
