"""Where a request comes from, and responses that no cache keeps.

``client_address`` is the address log-in limits and the audit log use. Behind a reverse
proxy every request arrives from the proxy, so ``X-Forwarded-For`` is read, but only when the
request comes from an address in ``PALERMO_TRUSTED_PROXIES``: anyone else could write that
header. The hops are read from the right (the nearest proxy first); the first address that is
not a trusted proxy is the client.

``NoStoreMiddleware`` marks every response Django builds ``Cache-Control: no-store``: pages
and API answers may hold a person's name or case, and none of them is worth caching in a
browser or a proxy at a shared desk. Static files are served (and cached) before it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

Network = IPv4Network | IPv6Network


def _parse(value: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(request: HttpRequest, *, proxies: Sequence[Network] | None = None) -> str | None:
    """The client's IP address, honouring ``X-Forwarded-For`` from trusted proxies only.

    >>> from django.test import RequestFactory
    >>> from ipaddress import ip_network
    >>> proxy = [ip_network("10.0.0.1")]
    >>> request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1",
    ...                                HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    >>> client_address(request, proxies=proxy)
    '203.0.113.9'
    >>> client_address(request, proxies=[])  # not trusted: the header is ignored
    '10.0.0.1'
    """
    trusted = settings.TRUSTED_PROXIES if proxies is None else proxies
    remote = request.META.get("REMOTE_ADDR")
    if not isinstance(remote, str) or not remote:
        return None
    remote_ip = _parse(remote)
    if remote_ip is None or not trusted or not _trusted(remote_ip, trusted):
        return remote
    client = remote_ip
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        hop_ip = _parse(hop)
        if hop_ip is None:  # a malformed hop: trust nothing to its left
            break
        client = hop_ip
        if not _trusted(hop_ip, trusted):
            break
    return str(client)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page and API response (other directives kept)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
