"""Web commands: ``palermo audit verify|search``, ``palermo keys generate|status|rotate``,
``palermo web migrate|check|create-agency|create-user|create-token|retention``,
``palermo backup`` and ``palermo restore``.

The commands live in ``palermo.cli`` and import ``palermo.web`` only inside their bodies:
``palermo --help`` stays fast and never loads Django, and ``palermo.web`` never imports the CLI
(the import-linter layers in pyproject.toml). Each command calls ``setup_django()`` first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from palermo.cli.app import app, console, fail, reports_errors

audit_app = typer.Typer(
    help="The audit log: verify the hash chain. 审计日志：校验哈希链。", no_args_is_help=True
)
keys_app = typer.Typer(
    help="Field-encryption keys: generate, status, rotate. 字段加密密钥：生成、状态、轮换。",
    no_args_is_help=True,
)
web_app = typer.Typer(
    help="The web application: database, users, tokens. 网页应用：数据库、用户、令牌。",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(web_app, name="web")


def setup_django() -> None:
    """Load the settings (from ``PALERMO_*`` variables) and the apps; exit 2 on bad config."""
    from palermo.web import commands
    from palermo.web.lib.env import ConfigurationError

    try:
        commands.setup_django()
    except ConfigurationError as exc:
        raise fail(f"configuration: {exc}") from None


@audit_app.command("verify")
@reports_errors
def audit_verify_command() -> None:
    """Recompute every entry's hash and keyed signature and compare with the signed
    checkpoints; exit 2 naming the first entry or checkpoint that is wrong.
    重新计算每条记录的哈希值和密钥签名并与签名检查点比对；
    发现问题时指出第一条有问题的记录或检查点并以状态 2 退出。
    """
    setup_django()
    from palermo.web.audit.chain import audit_verify

    report = audit_verify()
    if not report.ok:
        if report.broken_seq == 0:
            raise fail(f"audit checkpoints broken: {report.reason}")
        raise fail(f"audit log broken at entry #{report.broken_seq}: {report.reason}")
    console.print(
        f"audit log intact: {report.checked} entries verified "
        f"against {report.checkpoints} checkpoint(s)"
    )


@audit_app.command("checkpoint")
@reports_errors
def audit_checkpoint_command() -> None:
    """Write a signed checkpoint of the chain's head to the checkpoint file (outside the
    database). 将哈希链头部的签名检查点写入检查点文件（数据库之外）。
    """
    setup_django()
    from palermo.web.audit.chain import audit_checkpoint

    seq, head = audit_checkpoint()
    console.print(f"checkpoint written: entry #{seq} {head[:16]}…")


@keys_app.command("generate")
def keys_generate() -> None:
    """Print a new key; put it FIRST in PALERMO_FIELD_KEYS (or the key file), then rotate.
    生成新密钥；将其放在 PALERMO_FIELD_KEYS（或密钥文件）的最前面，然后执行轮换。
    """
    from palermo.web.lib.crypto import new_key

    console.print(new_key(), highlight=False)


@keys_app.command("status")
@reports_errors
def keys_status() -> None:
    """Show the configured key ids and how many rows each table still has on older keys.
    显示已配置的密钥编号，以及每张表中仍使用旧密钥的行数。
    """
    setup_django()
    from palermo.web.lib.crypto import key_id, keyring
    from palermo.web.lib.rotation import encrypted_models, stale_count

    ring = keyring()
    console.print("keys (newest first): " + ", ".join(key_id(k) for k in ring.keys))
    from palermo.web.audit.keys import audit_keyring

    console.print("audit keys (newest first): " + ", ".join(audit_keyring().ids))
    for model, names in encrypted_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        console.print(f"{label}: {stale_count(model, names)} row(s) on an older key")


@keys_app.command("rotate")
@reports_errors
def keys_rotate_command(
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per batch. 每批行数。")] = 500,
) -> None:
    """Re-encrypt every encrypted column with the newest key (per table atomic, resumable).
    用最新密钥重新加密所有加密列（每张表原子执行，可续做）。
    """
    setup_django()
    from palermo.web.audit.keys import audit_key_rotate
    from palermo.web.audit.models import AuditAction
    from palermo.web.audit.services import audit_record
    from palermo.web.lib.crypto import keyring
    from palermo.web.lib.rotation import keys_rotate

    newest = keyring().newest_id

    def audit_table(label: str, rows: int) -> None:
        # inside the table's transaction: the rows and their entry commit together
        audit_record(
            actor=None,
            actor_label="palermo keys rotate",
            action=AuditAction.KEY_ROTATION,
            object_type=label,
            detail={"key": newest, "rows": rows},
        )

    report = keys_rotate(batch_size=batch_size, on_table=audit_table)
    for label, count in report.items():
        console.print(f"{label}: {count} row(s) re-encrypted")
    console.print(f"all rows now on key {newest}")
    from palermo.web.cases.services import case_name_reindex

    indexed = case_name_reindex(batch_size=batch_size)
    audit_table("cases.casenametoken", indexed)
    console.print(f"names of {indexed} case(s) indexed again under key {newest}")
    audit_key = audit_key_rotate()
    audit_record(
        actor=None,
        actor_label="palermo keys rotate",
        action=AuditAction.KEY_ROTATION,
        object_type="audit.key",
        detail={"audit_key": audit_key},
    )
    console.print(f"audit entries are now signed with audit key {audit_key}")


@web_app.command("migrate")
@reports_errors
def migrate() -> None:
    """Create or upgrade the database tables. 创建或升级数据库表。"""
    setup_django()
    from palermo.web.commands import migrate as run_migrations

    run_migrations()


@web_app.command("check")
@reports_errors
def check(
    deploy: Annotated[
        bool,
        typer.Option(
            "--deploy",
            help="Also the deployment checks (HTTPS, HSTS, cookies, proxies, CSP); any warning "
            "fails. 同时运行部署检查；任何警告均视为失败。",
        ),
    ] = False,
) -> None:
    """Run the configuration checks (palermo.E001 ...) and Django's own.
    运行配置检查（palermo.E001 等）和 Django 自身的检查。
    """
    setup_django()
    from palermo.web.commands import system_check_failures

    failures = system_check_failures(deploy=deploy)
    if failures is not None:
        raise fail(failures)


def _agency(code: str) -> Any:
    from palermo.web.accounts.models import Agency

    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise fail(f"no agency with code {code!r} (create it with `palermo web create-agency`)")
    return agency


@web_app.command("create-agency")
@reports_errors
def create_agency(
    code: Annotated[str, typer.Argument(help="Short code, e.g. northgate. 机构代码。")],
    name: Annotated[str, typer.Argument(help="Full name. 机构全称。")],
    kind: Annotated[
        str, typer.Option(help="border_post, consulate, anti_trafficking, ... 机构类型。")
    ],
    training: Annotated[
        bool,
        typer.Option(
            "--training",
            help="A training agency: the sandbox where trainees practise. 培训机构（练习沙盒）。",
        ),
    ] = False,
) -> None:
    """Create an agency (audited as the command line). 创建机构（以命令行身份记入审计日志）。"""
    setup_django()
    from palermo.web.administration.services import admin_agency_create
    from palermo.web.lib.actors import command_line_actor
    from palermo.web.lib.roles import AgencyKind

    if kind not in {k.value for k in AgencyKind}:
        raise fail(f"kind must be one of {', '.join(k.value for k in AgencyKind)}")
    admin_agency_create(
        actor=command_line_actor("palermo web create-agency"),
        name=name,
        kind=kind,
        code=code,
        is_training=training,
    )
    console.print(f"agency {code} created")


@web_app.command("create-user")
@reports_errors
def create_user(
    username: Annotated[str, typer.Argument(help="User name. 用户名。")],
    agency: Annotated[str, typer.Option(help="Agency code. 机构代码。")],
    role: Annotated[str, typer.Option(help="first_line_officer, case_worker, ... 角色。")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, help="Password (asked for). 密码（交互输入）。"),
    ],
    override_reason: Annotated[
        str,
        typer.Option(
            help="Why a role that needs a training certificate is given without one "
            "(PALERMO_CERTIFICATE_REQUIRED_FOR). 无培训证书而授予需证书角色的理由。"
        ),
    ] = "",
) -> None:
    """Create a user with one role at one agency. 在一个机构中创建具有一个角色的用户。"""
    setup_django()
    from palermo.web.administration.services import admin_user_create
    from palermo.web.lib.actors import command_line_actor
    from palermo.web.lib.roles import Role

    try:
        user_role = Role(role)
    except ValueError:
        raise fail(f"role must be one of {', '.join(r.value for r in Role)}") from None
    from palermo.web.commands import password_refusal

    refusal = password_refusal(password)
    if refusal is not None:
        raise fail(f"password: {refusal}")
    admin_user_create(
        actor=command_line_actor("palermo web create-user"),
        username=username,
        password=password,
        agency=_agency(agency),
        role=user_role,
        override_reason=override_reason,
    )
    console.print(f"user {username} created")


def _user(username: str) -> Any:
    from palermo.web.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise fail(f"no user named {username!r}")
    return user


@web_app.command("link-training-account")
@reports_errors
def link_training_account(
    training: Annotated[
        str, typer.Argument(help="User name at a training agency. 培训机构用户名。")
    ],
    live: Annotated[
        str, typer.Argument(help="The same person's live user name. 同一人的正式用户名。")
    ],
) -> None:
    """Link a training account to the same person's live account: certificates earned on it
    are issued to the live account. Once per training account; audited.
    将培训账户关联到同一人的正式账户：在其上取得的证书颁发给正式账户。每个培训账户仅一次；留审计记录。
    """
    setup_django()
    from palermo.web.administration.services import training_account_link
    from palermo.web.lib.actors import command_line_actor

    training_account_link(
        actor=command_line_actor("palermo web link-training-account"),
        training=_user(training),
        live=_user(live),
    )
    console.print(f"training account {training} linked to {live}")


@web_app.command("create-token")
@reports_errors
def create_token(
    name: Annotated[str, typer.Argument(help="The system that will use it. 使用该令牌的系统。")],
    agency: Annotated[str, typer.Option(help="Agency code. 机构代码。")],
    role: Annotated[str, typer.Option(help="Role the token acts with. 令牌代表的角色。")],
) -> None:
    """Create an API token; it is printed once and stored only as a hash.
    创建 API 令牌；令牌只显示一次，仅以哈希值存储。
    """
    setup_django()
    from palermo.web.administration.services import admin_token_create
    from palermo.web.lib.actors import command_line_actor
    from palermo.web.lib.roles import Role

    try:
        token_role = Role(role)
    except ValueError:
        raise fail(f"role must be one of {', '.join(r.value for r in Role)}") from None
    _record, token = admin_token_create(
        actor=command_line_actor("palermo web create-token"),
        name=name,
        agency=_agency(agency),
        role=token_role,
    )
    console.print(token, highlight=False)


@web_app.command("retention")
@reports_errors
def retention(
    apply: Annotated[
        bool,
        typer.Option(
            "--apply/--dry-run",
            help="Mask now, or only count (default). 立即遮蔽，或仅统计（默认）。",
        ),
    ] = False,
    days: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Retention period in days (default PALERMO_SCREENING_RETENTION_DAYS, 183). "
            "保留期（天）。",
        ),
    ] = None,
) -> None:
    """Mask screening records past the retention period without a referral or case (audited).
    遮蔽超过保留期且无转介或个案的筛查记录（记入审计日志）。
    """
    setup_django()
    from palermo.web.retention.services import retention_run

    report = retention_run(apply=apply, days=days, actor_label="palermo web retention")
    console.print(
        f"screened before {report.cutoff:%Y-%m-%d %H:%M} ({report.days} days): "
        f"{report.due} record(s) to mask, {report.kept_linked} kept (referral or case)"
    )
    console.print(
        f"{report.masked} record(s) masked" if apply else "dry run: nothing changed (use --apply)"
    )


@web_app.command("worker")
@reports_errors
def worker(
    processes: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes. 后台进程数。")
    ] = 1,
    interval: Annotated[
        float,
        typer.Option(
            min=0.1, max=60.0, help="Seconds between polls when idle. 空闲时轮询间隔（秒）。"
        ),
    ] = 1.0,
    batch: Annotated[
        bool,
        typer.Option("--batch", help="Run what is ready, then stop. 运行所有就绪任务后退出。"),
    ] = False,
) -> None:
    """Run background tasks (batch screening, watchlist index builds, the daily retention run)
    until stopped; resumes or fails what a killed worker left running.
    运行后台任务（批量筛查、观察名单索引构建、每日保留期处理），直到停止；恢复或终止被强制结束的进程遗留的任务。
    """
    setup_django()
    if processes == 1:
        from palermo.web.jobs.worker import run_worker

        run_worker(interval=interval, batch=batch)
        return
    import signal
    import subprocess
    import sys

    command = [
        sys.executable,
        "-m",
        "palermo.cli.main",
        "web",
        "worker",
        "--interval",
        str(interval),
    ]
    if batch:
        command.append("--batch")
    children = [subprocess.Popen(command) for _ in range(processes)]  # noqa: S603

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [child.wait() for child in children]
    if any(codes):
        raise typer.Exit(max(codes))


KeyFileOption = Annotated[
    Path | None,
    typer.Option(help="Key file (32 random bytes, base64). 密钥文件（32 个随机字节，base64）。"),
]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(help="File holding a passphrase (12+ characters). 存放口令的文件。"),
]


@app.command("backup")
@reports_errors
def backup_command(
    out: Annotated[Path, typer.Argument(help="The backup file to write. 要写入的备份文件。")],
    key_file: KeyFileOption = None,
    passphrase_file: PassphraseFileOption = None,
    new_key: Annotated[
        bool, typer.Option("--new-key", help="Make the key file first. 先生成密钥文件。")
    ] = False,
) -> None:
    """Encrypted backup of the web database (SQLite online backup or pg_dump); field keys are
    not included. 加密备份网页数据库（不含字段密钥）。
    """
    setup_django()
    from palermo.web.backup import BackupError, BackupSecret, backup_create, new_key_file

    if new_key:
        if key_file is None:
            raise BackupError("--new-key needs --key-file naming the file to make")
        new_key_file(key_file)
        console.print(f"new backup key written to {key_file} (keep it apart from the backups)")
    secret = BackupSecret.from_files(key_file=key_file, passphrase_file=passphrase_file)
    summary = backup_create(out=out, secret=secret)
    console.print(
        f"{summary.engine} database backed up to {out}: {summary.plain_bytes:,} bytes, "
        f"{summary.file_bytes:,} encrypted; field keys needed to restore: "
        + ", ".join(summary.meta["field_key_ids"])
    )


@app.command("restore")
@reports_errors
def restore_command(
    backup: Annotated[Path, typer.Argument(help="The backup file. 备份文件。")],
    key_file: KeyFileOption = None,
    passphrase_file: PassphraseFileOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace an existing database. 替换现有数据库。"),
    ] = False,
) -> None:
    """Restore a backup into the configured database and verify it (audit chain, every
    encrypted field); exit 2 on a wrong key or a damaged file, with nothing changed.
    恢复备份并校验（审计链、每个加密字段）；密钥错误或文件损坏时以状态 2 退出且不做任何更改。
    """
    setup_django()
    from palermo.web.backup import BackupSecret, backup_restore

    secret = BackupSecret.from_files(key_file=key_file, passphrase_file=passphrase_file)
    report = backup_restore(backup=backup, secret=secret, force=force)
    console.print(
        f"restored and verified: audit log intact ({report.audit_entries} entries), "
        f"{report.encrypted_values} encrypted values read"
    )
    if report.index_builds_queued:
        console.print(
            f"{report.index_builds_queued} watchlist index(es) queued for rebuilding: "
            "start the worker (palermo worker) before screening"
        )
