"""Strict readers for environment variables: a bad value stops start-up with a clear message.

Each helper names the variable, the value it found and what it expected, so that an operator
at a border post can fix the configuration without reading code.

>>> env_int("PALERMO_X_UNSET", 30, environ={})
30
>>> env_bool("FLAG", False, environ={"FLAG": "yes"})
True
>>> env_int("N", 1, environ={"N": "ten"})
Traceback (most recent call last):
...
palermo.web.lib.env.ConfigurationError: N='ten': expected a whole number
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigurationError(Exception):
    """A setting read from the environment is malformed; raised while settings load."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(f"{name}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name}={value!r}: expected a whole number") from None
    if minimum is not None and number < minimum:
        raise ConfigurationError(f"{name}={value!r}: must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise ConfigurationError(f"{name}={value!r}: must be at most {maximum}")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(item == "" for item in items):
        raise ConfigurationError(f"{name}={value!r}: empty item in comma-separated list")
    return items


def env_months(
    name: str, default: list[int], *, environ: Mapping[str, str] | None = None
) -> list[int]:
    """A comma-separated list of whole months, each 1 to 120, e.g. ``3,6,12``.

    >>> env_months("M", [3], environ={"M": "12, 3,6"})
    [3, 6, 12]
    >>> env_months("M", [3], environ={"M": "3,six"})
    Traceback (most recent call last):
    ...
    palermo.web.lib.env.ConfigurationError: M='3,six': expected months 1-120, comma-separated
    """
    items = env_list(name, [str(m) for m in default], environ=environ)
    try:
        months = sorted({int(item) for item in items})
    except ValueError:
        months = []
    if not months or any(not 1 <= m <= 120 for m in months):
        raw = _raw(name, environ)
        raise ConfigurationError(f"{name}={raw!r}: expected months 1-120, comma-separated")
    return months


def env_hours_by_key(
    name: str, *, environ: Mapping[str, str] | None = None, maximum: int = 720
) -> dict[str, int]:
    """``key=hours`` pairs, comma-separated, each 1 to ``maximum`` hours (the keys are checked
    where they are known: a system check of the app that reads them).

    >>> env_hours_by_key("H", environ={"H": "shelter=12, legal_aid=96"})
    {'shelter': 12, 'legal_aid': 96}
    >>> env_hours_by_key("H", environ={})
    {}
    >>> env_hours_by_key("H", environ={"H": "shelter=0"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    palermo.web.lib.env.ConfigurationError: H='shelter=0': expected key=hours (1-720), ...
    """
    raw = _raw(name, environ)
    if raw is None or not raw.strip():
        return {}
    found: dict[str, int] = {}
    for item in raw.split(","):
        key, _sep, hours = item.partition("=")
        try:
            value = int(hours)
        except ValueError:
            value = 0
        if not key.strip() or not 1 <= value <= maximum or key.strip() in found:
            raise ConfigurationError(
                f"{name}={raw!r}: expected key=hours (1-{maximum}), comma-separated"
            )
        found[key.strip()] = value
    return found


def env_secret(name: str, *, environ: Mapping[str, str] | None = None) -> str | None:
    """``NAME`` itself, or the contents of the file named by ``NAME_FILE`` (Docker secrets)."""
    value = _raw(name, environ)
    file_name = _raw(f"{name}_FILE", environ)
    if value is not None and file_name is not None:
        raise ConfigurationError(f"{name} and {name}_FILE are both set: choose one")
    if file_name is not None:
        path = Path(file_name)
        try:
            content = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"{name}_FILE={file_name!r}: cannot read ({exc})") from None
        if not content:
            raise ConfigurationError(f"{name}_FILE={file_name!r}: the file is empty")
        return content
    return value


def secret_from_file(path: Path) -> str:
    """Read a secret kept under the data directory, creating it (mode 0600) on first run."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    engine: str
    name: str
    user: str
    password: str
    host: str
    port: str
    options: dict[str, str]


def parse_database_url(name: str, value: str) -> DatabaseURL:
    """Parse ``postgres://user:password@host:port/dbname?sslmode=require``.

    >>> parse_database_url("DB", "postgres://postgres@127.0.0.1:5432/palermo").port
    '5432'
    >>> parse_database_url("DB", "mysql://x/y")
    Traceback (most recent call last):
    ...
    palermo.web.lib.env.ConfigurationError: DB='mysql://x/y': scheme must be postgres:// or postgresql://
    """
    parts = urlsplit(value)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ConfigurationError(f"{name}={value!r}: scheme must be postgres:// or postgresql://")
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name or "/" in db_name:
        raise ConfigurationError(f"{name}={value!r}: expected one database name after the host")
    if not parts.hostname:
        raise ConfigurationError(f"{name}={value!r}: the host is missing")
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"{name}={value!r}: the port is not a number") from None
    options: dict[str, str] = {}
    if parts.query:
        for pair in parts.query.split("&"):
            key, sep, val = pair.partition("=")
            if not sep or not key:
                raise ConfigurationError(f"{name}={value!r}: malformed option {pair!r}")
            options[unquote(key)] = unquote(val)
    return DatabaseURL(
        engine="django.db.backends.postgresql",
        name=db_name,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=parts.hostname,
        port=str(port or ""),
        options=options,
    )


def env_networks(
    name: str, *, environ: Mapping[str, str] | None = None
) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses or networks (``10.0.0.5,192.168.0.0/24``); empty: none.

    >>> env_networks("P", environ={"P": "10.0.0.5, 192.168.0.0/24"})
    (IPv4Network('10.0.0.5/32'), IPv4Network('192.168.0.0/24'))
    >>> env_networks("P", environ={"P": "proxy"})
    Traceback (most recent call last):
    ...
    palermo.web.lib.env.ConfigurationError: P='proxy': 'proxy' is not an IP address or network
    """
    networks: list[IPv4Network | IPv6Network] = []
    for item in env_list(name, [], environ=environ):
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"{name}={_raw(name, environ)!r}: {item!r} is not an IP address or network"
            ) from None
    return tuple(networks)
