"""Addresses."""

from __future__ import annotations

import ipaddress


def network_of(address: str | None) -> str:
    """The sender's network, for spotting many requests from one range: the /24 of an IPv4
    address, the /48 of an IPv6 one; "" for no or a malformed address."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet: not loopback, private, link-local,
    reserved or multicast (where a server-side request must not be sent on a user's say)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
