"""Where a webhook may point: the rule ``PUT /alerts/preferences`` checks a new webhook URL against.

Apart from the preferences themselves (``domain.preferences``), which every function that raises alerts reads:
only the route that changes them checks a URL, and the check's socket module (its legacy IPv4 spellings) would
cost the others ~4 ms of cold start."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from goalpost.domain.preferences import WEBHOOK_URL_LIMIT


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names by itself, in any spelling a client would connect to (``127.1``,
    ``0x7f000001``, ``[::ffff:10.0.0.1]``), else None (a DNS name)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the legacy IPv4 forms (shortened, hexadecimal, octal, one number) that resolvers accept
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _loopback(host: str) -> bool:
    address = _ip_literal(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def webhook_url_problem(url: str, *, deployed: bool) -> str | None:
    """Why ``url`` may not receive webhooks, or None. HTTPS with no credentials in it, at most 2,000 characters;
    deployed, no address that is not public (private, loopback, link-local, reserved) written as an IP literal
    nor ``localhost``. The local server also takes plain HTTP to a loopback address, so that tests can listen.
    Host names are not resolved: a name can be pointed elsewhere after any check, and it is SNS, from AWS's
    network, not this service, that connects to it."""
    if len(url) > WEBHOOK_URL_LIMIT:
        return f"webhook_url must be at most {WEBHOOK_URL_LIMIT} characters"
    if any(c.isspace() or not c.isprintable() or not c.isascii() for c in url):
        return "webhook_url must be printable ASCII without spaces (percent-encode the rest)"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError:
        return "webhook_url must be a URL"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "webhook_url must not carry credentials"
    if not host:
        return "webhook_url must name a host"
    local_http = not deployed and parts.scheme == "http" and _loopback(host)
    if parts.scheme != "https" and not local_http:
        return "webhook_url must be an https URL"
    if deployed:
        address = _ip_literal(host)
        if host == "localhost" or host.endswith(".localhost") or (address is not None and not address.is_global):
            return "webhook_url must not point at a private, loopback or link-local address"
    return None
