"""``palermo exchange export|import|verify|card|generate-keys``: HTCDS case packages between
agencies in different countries, through the same services as the web pages.

The commands that touch cases act as a named user (``--as``): that user's role and agency
decide what is allowed, and the audit log names them. Django is imported inside the command
bodies only (``palermo --help`` loads none of it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from palermo.cli.app import app, console, fail, reports_errors
from palermo.cli.web import setup_django
from palermo.lib.files import atomic_path

exchange_app = typer.Typer(
    help=(
        "Cross-border exchange of cases in HTCDS v2.0: signed, encrypted packages. "
        "以 HTCDS v2.0 格式跨境交换个案：签名并加密的文件包。"
    ),
    no_args_is_help=True,
)
app.add_typer(exchange_app, name="exchange")

AsUser = Annotated[
    str,
    typer.Option(
        "--as", help="The user the command acts as (role and agency apply). 以该用户身份执行。"
    ),
]
PackageFile = Annotated[
    Path,
    typer.Argument(help="The package file (.json). 文件包（.json）。", dir_okay=False),
]


def _user(username: str) -> Any:
    from palermo.web.accounts.models import User

    user = User.objects.select_related("agency").filter(username=username).first()
    if user is None or not user.is_active:
        raise fail(f"--as: no active user {username!r} / 没有名为 {username!r} 的有效用户")
    return user


def _read(path: Path) -> bytes:
    from palermo.interchange.package import MAX_PACKAGE_BYTES

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise fail(f"{path}: cannot be read ({exc.strerror}) / 无法读取") from None
    if size > MAX_PACKAGE_BYTES:
        raise fail(
            f"{path}: {size} bytes; a package is at most {MAX_PACKAGE_BYTES} bytes / "
            f"文件包最多 {MAX_PACKAGE_BYTES} 字节"
        )
    return path.read_bytes()


def _write(path: Path, data: bytes) -> None:
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


@exchange_app.command("export")
@reports_errors
def export_command(
    case: Annotated[str, typer.Argument(help="Case reference, e.g. C-AB23-CD45. 个案编号。")],
    partner: Annotated[str, typer.Option(help="Partner agency code. 合作机构代码。")],
    details: Annotated[
        str, typer.Option(help="Purpose of the transfer (the partner reads it). 转交目的。")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Package file to write. 输出文件。")],
    as_user: AsUser,
    reason: Annotated[
        str,
        typer.Option(
            help="AdditionalServicesRequired, MigrationOrChangeOfLocation or Other. 转介原因。"
        ),
    ] = "AdditionalServicesRequired",
    legal_basis: Annotated[
        str,
        typer.Option(help="Without consent (supervisor): the legal basis. 无同意时的法律依据。"),
    ] = "",
    override_reason: Annotated[
        str, typer.Option(help="Without consent: the reason. 无同意时的理由。")
    ] = "",
    field: Annotated[
        list[str] | None,
        typer.Option(help="Without consent: a field to send (repeat). 无同意时发送的字段。"),
    ] = None,
) -> None:
    """Make the package of a case for a partner agency: only the consented fields, signed and
    encrypted. 为合作机构生成个案文件包：仅含当事人同意的字段，已签名并加密。
    """
    setup_django()
    from palermo.web.cases.models import Case
    from palermo.web.exchange import services
    from palermo.web.exchange.models import Partner

    user = _user(as_user)
    found = (
        Case.objects.select_related("agency", "person")
        .filter(reference=case, agency=user.agency)
        .first()
    )
    if found is None:
        raise fail(f"no case {case!r} at {user.agency.code} / 本机构没有个案 {case!r}")
    target = Partner.objects.select_related("agency").filter(
        owner=user.agency, agency__code=partner, retired_at__isnull=True
    )
    registered = target.first()
    if registered is None:
        raise fail(f"--partner: {partner!r} is not registered / 未登记合作机构 {partner!r}")
    record, package = services.package_export(
        actor=user,
        case=found,
        wanted=services.ExportRequest(
            partner=registered,
            reason=reason,
            details=details,
            legal_basis=legal_basis,
            override_reason=override_reason,
            override_fields=tuple(field or ()),
        ),
    )
    _write(out, package)
    console.print(
        f"package {record.package_id} for {registered.agency.code} written to {out}: "
        f"{len(record.fields)} field(s) ({', '.join(record.fields)})",
        highlight=False,
    )


@exchange_app.command("import")
@reports_errors
def import_command(package: PackageFile, as_user: AsUser) -> None:
    """Receive a package: signature, schema and consent checked, then the case opened with
    its provenance, all or nothing. 接收文件包：校验签名、格式和同意后创建个案（全部或全无）。
    """
    setup_django()
    from palermo.web.exchange import services

    user = _user(as_user)
    record = services.package_import(actor=user, data=_read(package))
    console.print(
        f"case {record.case.reference} opened from package {record.package_id} "
        f"sent by {record.partner.agency.code}: {len(record.fields)} field(s)",
        highlight=False,
    )


@exchange_app.command("verify")
@reports_errors
def verify_command(package: PackageFile, as_user: AsUser) -> None:
    """Check a package as on receipt without opening a case; exit 2 naming what is wrong.
    像接收时一样校验文件包但不创建个案；有问题时指出问题并以状态 2 退出。
    """
    setup_django()
    from palermo.web.exchange import services

    user = _user(as_user)
    checked = services.package_verify(actor=user, data=_read(package))
    document = checked.document
    console.print(
        f"package {document['package_id']} from {checked.partner.agency.code} is valid: "
        f"signature, schema and consent; fields: {', '.join(document['fields']) or '-'}"
        + (" (already received)" if checked.replayed else ""),
        highlight=False,
    )


@exchange_app.command("generate-keys")
@reports_errors
def generate_keys_command(
    agency: Annotated[str, typer.Option(help="Agency code. 机构代码。")],
    country: Annotated[str, typer.Option(help="ISO 3166 code of its country. 所在国家代码。")],
) -> None:
    """Make the agency's exchange key pair (the old one retired), audited as the command
    line. 生成本机构的交换密钥对（旧密钥停用），以命令行身份记入审计日志。
    """
    setup_django()
    from palermo.web.accounts.models import Agency
    from palermo.web.exchange import services
    from palermo.web.lib.actors import command_line_actor

    found = Agency.objects.filter(code=agency).first()
    if found is None:
        raise fail(f"--agency: no agency {agency!r} / 没有机构 {agency!r}")
    pair = services.key_pair_generate(
        actor=command_line_actor("palermo exchange generate-keys"), agency=found, country=country
    )
    console.print(f"key pair made for {agency}: fingerprint {pair.fingerprint}")


@exchange_app.command("card")
@reports_errors
def card_command(
    agency: Annotated[str, typer.Option(help="Agency code. 机构代码。")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write. 输出文件。")
    ] = None,
) -> None:
    """Print (or write) the agency's key card for its partners.
    输出本机构供合作机构登记的密钥卡。
    """
    setup_django()
    from palermo.web.exchange import services
    from palermo.web.exchange.models import AgencyKeyPair

    pair = (
        AgencyKeyPair.objects.select_related("agency")
        .filter(agency__code=agency, retired_at__isnull=True)
        .first()
    )
    if pair is None:
        raise fail(
            f"--agency: {agency!r} has no key pair (palermo exchange generate-keys) / "
            "该机构没有密钥对"
        )
    card = services.key_card(pair)
    if out is None:
        console.print(card, highlight=False)
    else:
        _write(out, card.encode())
        console.print(f"key card written to {out}: fingerprint {pair.fingerprint}")
