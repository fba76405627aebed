"""Which login-provider hosts production may call: public names and global addresses only.

Numeric hosts are read the way browsers (WHATWG URL) and libc's inet_aton read them, without
resolving anything: `127.1`, `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1. A name whose
last label is a number that does not parse is refused (a browser would refuse it too).
"""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_DIGITS = {16: re.compile(r"[0-9a-f]*"), 8: re.compile(r"[0-7]+"), 10: re.compile(r"[0-9]+")}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _ipv4_part(part: str) -> int | None:
    """One dotted part: decimal, 0-prefixed octal or 0x-prefixed hex (`0x` alone is 0)."""
    if part.startswith("0x"):
        base, digits = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        base, digits = 8, part[1:]
    else:
        base, digits = 10, part
    if not _DIGITS[base].fullmatch(digits):
        return None
    return int(digits, base) if digits else 0


def _looks_numeric(label: str) -> bool:
    return bool(_DIGITS[10].fullmatch(label) or re.fullmatch(r"0x[0-9a-f]*", label))


def ipv4_from_numeric(host: str) -> ipaddress.IPv4Address | None:
    """The address of a 1- to 4-part numeric IPv4 spelling, or None when it does not parse."""
    parts = host.split(".")
    values = [_ipv4_part(p) for p in parts]
    if not 1 <= len(parts) <= 4 or any(v is None for v in values):
        return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):  # type: ignore[operator]
        return None
    number = sum(v << (24 - 8 * i) for i, v in enumerate(head)) + last  # type: ignore[operator]
    return ipaddress.IPv4Address(number)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_internal_address(ip: IPAddress) -> bool:
    """Loopback, unspecified, private, link-local, shared, reserved or multicast (also inside IPv6)."""
    if isinstance(ip, ipaddress.IPv6Address) and _embedded_ipv4(ip) is not None:
        return is_internal_address(_embedded_ipv4(ip))  # type: ignore[arg-type]
    return (not ip.is_global or ip.is_loopback or ip.is_unspecified or ip.is_private or ip.is_link_local
            or ip.is_multicast or ip.is_reserved)


def is_internal_host(host: str | None) -> bool:
    """Whether `host` (as urlsplit's hostname gives it) may point inside the operator's network."""
    host = (host or "").lower().rstrip(".")
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    if ":" in host:  # urlsplit already took the brackets off an IPv6 literal
        try:
            return is_internal_address(ipaddress.IPv6Address(host))
        except ValueError:
            return True
    if _looks_numeric(host.rsplit(".", 1)[-1]):
        ip = ipv4_from_numeric(host)
        return ip is None or is_internal_address(ip)
    return "." not in host  # a single label resolves through the local search domains


def is_public_https(url: str) -> bool:
    """An https URL whose host is a public name or a global address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme == "https" and not is_internal_host(host)
