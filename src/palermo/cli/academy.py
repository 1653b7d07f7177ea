"""``palermo academy``: what the training academy answers at the command line (Django inside
the command bodies)."""

from __future__ import annotations

from typing import Annotated

import typer

from palermo.cli.app import app, console, reports_errors

academy_app = typer.Typer(
    help="The training academy's certificates. 培训学院的证书。",
    no_args_is_help=True,
)
app.add_typer(academy_app, name="academy")


@academy_app.command("verify-certificate")
@reports_errors
def verify_certificate(
    code: Annotated[
        str, typer.Argument(help="The verification code on the certificate. 证书上的核验码。")
    ],
) -> None:
    """Check a training certificate's verification code: holder, course, dates, and whether
    it is valid, expired or revoked (exit 0; 1 when genuine but not valid). A code that cannot
    be one or that no certificate of this installation has: exit status 2.
    核验培训证书的核验码：持有人、课程、日期，以及有效、过期或已撤销（退出码 0；真实但无效为 1）。
    格式不符或本系统无此证书的核验码：退出码 2。
    """
    from palermo.cli.web import setup_django

    setup_django()
    from palermo.web.certificates.codes import certificate_check, format_code, split_code

    found = certificate_check(code=code)
    words = {
        "valid": "valid 有效",
        "expired": "genuine, but expired 真实，但已过期",
        "revoked": "genuine, but revoked 真实，但已撤销",
    }
    serial, signature = split_code(code) or ("", "")
    console.print(f"code 核验码: {format_code(serial, signature)}", highlight=False)
    console.print(f"status 状态: {words[found.status]}", highlight=False)
    console.print(f"holder 持有人: {found.holder_name}", highlight=False)
    console.print(f"course 课程: {found.course_title} / {found.course_title_zh}", highlight=False)
    console.print(f"issued 颁发: {found.issued_on}", highlight=False)
    console.print(f"valid until 有效期至: {found.valid_until}", highlight=False)
    if not found.is_valid:
        raise typer.Exit(code=1)
