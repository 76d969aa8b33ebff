"""Keep configured webhook URLs from reaching the internal network (design: Security).

A URL is accepted only if it is http(s) and every address its host resolves to is
public: not loopback, private, link-local (169.254.169.254, the cloud metadata
address), multicast, reserved, unspecified or otherwise not globally routable —
also when the address hides inside IPv6 (IPv4-mapped ::ffff:127.0.0.1, 6to4,
Teredo, NAT64). An allow-list of host names or networks is the one, explicit,
way to reach an internal receiver.

The check resolves the name once and the caller connects to that very address
(see `Destination.pinned_url`), so a name that resolves to a public address for the
check and to 127.0.0.1 for the connection (DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit, urlunsplit

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

_NAT64 = IPv6Network("64:ff9b::/96")
_FLAGS = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


class DestinationRefusedError(Exception):
    """The URL may not be called; the message says why, for the delivery record.

    `retryable` when the refusal may not hold later (the resolver timed out).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Destination:
    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return urlunsplit(
            (self.scheme, f"{literal}:{self.port}", parts.path or "/", parts.query, "")
        )

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def refusal(address: IPAddress) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = refusal(embedded)
            if inner is not None:
                return f"{inner} inside {address}"
    for flag, name in _FLAGS:
        if getattr(address, flag):
            return f"{name} address {address}"
    if not address.is_global:
        return f"address {address} is not globally routable"
    return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Scope ids ("fe80::1%eth0") are not part of the address being judged.
    return [ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


class AddressGuard:
    def __init__(self, allow: Iterable[str] = (), resolver: Resolver = system_resolver):
        self._names: set[str] = set()
        self._networks: list[IPv4Network | IPv6Network] = []
        for entry in allow:
            try:
                self._networks.append(ip_network(entry.strip().strip("[]"), strict=False))
            except ValueError:
                self._names.add(_normal_name(entry))
        self._resolve = resolver

    async def check(self, url: str) -> Destination:
        """The destination to connect to, or `DestinationRefusedError` with the reason."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in {"http", "https"}:
            raise DestinationRefusedError(f"scheme {scheme or '(none)'!r} is not http or https")
        host = parts.hostname
        if not host:
            raise DestinationRefusedError("the URL has no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as error:
            raise DestinationRefusedError(f"bad port: {error}") from error
        try:
            addresses = await self._resolve(host, port)
        except socket.gaierror as error:
            # EAI_AGAIN is the resolver saying "not now" (a DNS server timing out):
            # worth another attempt, unlike a name that does not exist.
            raise DestinationRefusedError(
                f"cannot resolve {host}: {error}", retryable=error.errno == socket.EAI_AGAIN
            ) from error
        except (OSError, UnicodeError) as error:
            raise DestinationRefusedError(f"cannot resolve {host}: {error}") from error
        if not addresses:
            raise DestinationRefusedError(f"{host} resolves to no address")
        if _normal_name(host) not in self._names:
            for address in addresses:
                reason = self._refusal(address)
                if reason is not None:
                    raise DestinationRefusedError(
                        f"{host} resolves to a {reason}; add it to the webhook allow-list "
                        "if this receiver is meant to be internal"
                    )
        return Destination(url=url, scheme=scheme, host=host, port=port, address=addresses[0])

    def _refusal(self, address: IPAddress) -> str | None:
        candidates: list[IPAddress] = [address]
        if isinstance(address, IPv6Address) and (inner := _embedded_ipv4(address)) is not None:
            candidates.append(inner)
        for candidate in candidates:
            if any(candidate.version == net.version and candidate in net for net in self._networks):
                return None
        return refusal(address)


def _normal_name(name: str) -> str:
    return name.strip().strip("[]").rstrip(".").lower()
