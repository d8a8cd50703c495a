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
