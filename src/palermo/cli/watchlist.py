"""``palermo watchlist import|check|stats``: keep watchlists in a directory and screen against them.

The directory is ``--dir``, else ``PALERMO_WATCHLIST_DIR``, else ``<PALERMO_DATA_DIR>/watchlists``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from palermo.cli.app import app, console, reports_errors
from palermo.errors import InputError, Problem
from palermo.records import read_records
from palermo.records.hashing import data_dir
from palermo.screening.watchlists import (
    WatchlistIndex,
    load_directory,
    read_watchlist,
    save_watchlist,
)
from palermo.screening.watchlists.loading import local_today, read_stored_info, stored_lists
from palermo.screening.watchlists.model import KIND_LABELS, EntryKind

watchlist_app = typer.Typer(
    help=(
        "Watchlists: import a list, check travellers against the lists, list sizes and expiry. "
        "监控名单：导入名单，比对旅客，列出规模与有效期。"
    ),
    no_args_is_help=True,
)
app.add_typer(watchlist_app, name="watchlist")

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="Watchlist directory (default: $PALERMO_WATCHLIST_DIR). 监控名单目录。",
    ),
]


def watchlist_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("PALERMO_WATCHLIST_DIR")
    return Path(env) if env else data_dir() / "watchlists"


@watchlist_app.command("import")
@reports_errors
def import_list(
    path: Annotated[
        Path, typer.Argument(help="YAML, CSV or JSON Lines file of entries. 名单条目文件。")
    ],
    *,
    directory: DirOption = None,
    list_id: Annotated[
        str | None, typer.Option("--id", help="List id (a-z, 0-9, - and _). 名单编号。")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title of the list. 名单标题。")] = None,
    owner: Annotated[
        str | None, typer.Option(help="Who answers for the list. 名单负责人。")
    ] = None,
    purpose: Annotated[str | None, typer.Option(help="What the list is for. 名单用途。")] = None,
    legal_basis: Annotated[
        str | None,
        typer.Option("--legal-basis", help="The law or decision allowing it. 法律依据。"),
    ] = None,
    expires: Annotated[
        str | None, typer.Option(help="Last day the list may be used, YYYY-MM-DD. 有效期截止日。")
    ] = None,
    threshold: Annotated[
        int | None,
        typer.Option(help="Lowest score (0-100) that is a hit; default 88. 命中最低分。"),
    ] = None,
) -> None:
    """Validate a list and store it in the watchlist directory (replacing its older version).
    校验名单并存入监控名单目录（替换其旧版本）。

    A YAML file carries its description under 'list:'; for CSV and JSON Lines give --id,
    --owner, --purpose, --legal-basis and --expires. Every problem is listed (exit status 2) and
    nothing is stored unless the whole list is valid. Document numbers are stored only as keyed
    hashes.

    YAML 文件在 'list:' 下写明名单说明；CSV 和 JSON Lines 文件须给出 --id、--owner、--purpose、
    --legal-basis 和 --expires。列出每个问题（退出状态 2）；只有整个名单有效才会存储。
    证件号码只以带密钥的哈希值存储。
    """
    info: dict[str, Any] = {
        "id": list_id,
        "title": title,
        "owner": owner,
        "purpose": purpose,
        "legal_basis": legal_basis,
        "expires": expires,
        "threshold": threshold,
    }
    watchlist = read_watchlist(path, info=info)
    stored = save_watchlist(watchlist, watchlist_dir(directory))
    kinds = Counter(e.kind for e in watchlist.entries)
    parts = ", ".join(
        f"{kinds[k]} {KIND_LABELS[k][0]} / {KIND_LABELS[k][1]}" for k in EntryKind if kinds[k]
    )
    console.print(
        f"stored / 已保存: {watchlist.info.list_id} - {len(watchlist.entries)} entries / 条 "
        f"({parts}); expires / 有效期至 {watchlist.info.expires.isoformat()}; "
        f"threshold / 阈值 {watchlist.info.threshold}\n{stored}",
        highlight=False,
    )


@watchlist_app.command("check")
@reports_errors
def check(
    path: Annotated[
        Path | None,
        typer.Argument(help="Records file (CSV, Parquet, JSON Lines, PAXLST). 旅客记录文件。"),
    ] = None,
    *,
    name: Annotated[
        str | None, typer.Option(help="One name, in any script. 一个姓名，任何文字均可。")
    ] = None,
    dob: Annotated[
        str | None, typer.Option(help="Date of birth with --name, YYYY-MM-DD. 出生日期。")
    ] = None,
    nationality: Annotated[str | None, typer.Option(help="Nationality with --name. 国籍。")] = None,
    phone: Annotated[
        str | None, typer.Option(help="A phone number to check. 要比对的电话号码。")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="An e-mail address to check. 要比对的电子邮件地址。")
    ] = None,
    directory: DirOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per match. 每个匹配输出一个 JSON 对象。")
    ] = False,
) -> None:
    """Screen a records file, or one name (with --dob, --nationality), against the lists in
    force. Each match shows its score and why, in English and Chinese.
    将记录文件或单个姓名与有效名单比对；每个匹配以中英文显示得分和原因。
    """
    if (path is None) == (name is None and phone is None and email is None):
        raise InputError(
            [
                Problem(
                    where="arguments",
                    rule="give a records file, or --name/--phone/--email",
                    rule_zh="请给出记录文件，或使用 --name/--phone/--email",
                )
            ]
        )
    index = WatchlistIndex(load_directory(watchlist_dir(directory)))
    rows: list[dict[str, Any]] = []
    if path is not None:
        table = read_records(path)
        rows.extend(index.match_table(table).to_pylist())
        checked = table.num_rows
    else:
        born: dt.date | None = None
        if dob:
            try:
                born = dt.date.fromisoformat(dob)
            except ValueError:
                raise InputError(
                    [
                        Problem(
                            where="--dob",
                            value=dob,
                            rule="must be a date YYYY-MM-DD",
                            rule_zh="必须是 YYYY-MM-DD 格式的日期",
                        )
                    ]
                ) from None
        record = {
            "record_id": name or phone or email,
            "surname": name,
            "date_of_birth": born,
            "nationality": nationality.upper() if nationality else None,
            "contact_phone": phone,
            "contact_email": email,
        }
        checked = 1
        for m in index.match_record(record):
            rows.append(
                {
                    "record_id": record["record_id"],
                    "list_id": m.list_id,
                    "entry_id": m.entry_id,
                    "kind": m.kind.value,
                    "score": m.score,
                    "threshold": m.threshold,
                    "reason_en": m.reason_en,
                    "reason_zh": m.reason_zh,
                }
            )
    if as_json:
        for row in rows:
            row.pop("row", None)
            console.print(
                json.dumps(row, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True
            )
        return
    if rows:
        table_out = Table(
            "record / 记录", "list / 名单", "entry / 条目", "score / 分数", "why / 原因"
        )
        for row in rows:
            table_out.add_row(
                str(row["record_id"]),
                row["list_id"],
                f"{row['entry_id']} ({row['kind']})",
                f"{row['score']} (≥{row['threshold']})",
                f"{row['reason_en']}\n{row['reason_zh']}",
            )
        console.print(table_out)
    flagged = len({r["record_id"] for r in rows})
    console.print(
        f"checked / 已核查: {checked}   matches / 匹配: {len(rows)}   "
        f"records matched / 匹配记录: {flagged}   lists / 名单: {len(index.infos)}   "
        f"entries / 条目: {len(index)}",
        highlight=False,
    )
    console.print(
        "A match is an invitation to look closer, never a decision. / "
        "匹配只是提示进一步核查，而非决定。",
        highlight=False,
    )


@watchlist_app.command("stats")
@reports_errors
def stats(directory: DirOption = None) -> None:
    """List every stored list: entries by kind, owner, purpose, legal basis, expiry, threshold.
    列出所有已存储的名单：各类条目数、负责人、用途、法律依据、有效期、阈值。
    """
    folder = watchlist_dir(directory)
    today = local_today()
    table = Table(
        "list / 名单",
        "entries / 条目",
        "owner / 负责方",
        "purpose, legal basis / 目的、法律依据",
        "expires / 有效期至",
        "threshold / 阈值",
    )
    lists = load_directory(folder, include_expired=True)
    for path, watchlist in zip(stored_lists(folder), lists, strict=True):
        info = read_stored_info(path)
        kinds = Counter(e.kind for e in watchlist.entries)
        sizes = "\n".join(
            f"{kinds[k]} {KIND_LABELS[k][0]} / {KIND_LABELS[k][1]}" for k in EntryKind if kinds[k]
        )
        state = "expired, not used / 已过期，不使用" if info.expired(today) else ""
        days = (info.expires - today).days
        if not state and days <= 30:
            state = f"expires in {days} days / {days} 天后过期"
        table.add_row(
            f"{info.list_id}\n{info.title}",
            f"{len(watchlist.entries)}\n{sizes}",
            info.owner,
            f"{info.purpose}\n{info.legal_basis}",
            f"{info.expires.isoformat()}\n{state}".strip(),
            str(info.threshold),
        )
    console.print(table)
    console.print(f"{len(lists)} list(s) / 个名单 in {folder}", highlight=False)
