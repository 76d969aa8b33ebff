from __future__ import annotations

from ipaddress import ip_address

import pytest

from ioc_alerts.notify.ssrf import (
    AddressGuard,
    DestinationRefusedError,
    IPAddress,
    Resolver,
    refusal,
)


def resolver_for(table: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host in table:
            return [ip_address(entry) for entry in table[host]]
        return [ip_address(host)]  # IP literals resolve to themselves

    return resolve


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://10.20.30.40/hook", "private"),
        ("http://192.168.1.5/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback address 127.0.0.1 inside"),
        ("http://[::ffff:a9fe:a9fe]/hook", "link-local address 169.254.169.254 inside"),
        ("http://[64:ff9b::a00:1]/hook", "private address 10.0.0.1 inside"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://240.0.0.1/hook", "reserved"),
        ("http://100.64.0.1/hook", "not globally routable"),
    ],
)
async def test_internal_addresses_are_refused(url: str, reason: str) -> None:
    guard = AddressGuard(resolver=resolver_for({}))
    with pytest.raises(DestinationRefusedError, match=reason):
        await guard.check(url)


async def test_a_name_resolving_to_loopback_is_refused_with_the_real_resolver() -> None:
    with pytest.raises(DestinationRefusedError, match="loopback"):
        await AddressGuard().check("http://localhost:8080/hook")


async def test_one_internal_address_among_public_ones_is_enough_to_refuse() -> None:
    guard = AddressGuard(resolver=resolver_for({"mixed.example": ["93.184.216.34", "10.0.0.7"]}))
    with pytest.raises(DestinationRefusedError, match="private"):
        await guard.check("https://mixed.example/hook")


@pytest.mark.parametrize(
    "url", ["ftp://files.example/hook", "file:///etc/passwd", "gopher://x/", "//no-scheme/"]
)
async def test_only_http_and_https(url: str) -> None:
    with pytest.raises(DestinationRefusedError, match="scheme"):
        await AddressGuard(resolver=resolver_for({})).check(url)


async def test_a_public_address_is_pinned() -> None:
    guard = AddressGuard(resolver=resolver_for({"hooks.example.vn": ["93.184.216.34"]}))

    destination = await guard.check("https://hooks.example.vn/ioc?x=1#frag")

    assert destination.address == ip_address("93.184.216.34")
    assert destination.pinned_url == "https://93.184.216.34:443/ioc?x=1"
    assert destination.host_header == "hooks.example.vn"


async def test_the_allow_list_lets_named_hosts_and_networks_through() -> None:
    by_name = AddressGuard(["localhost"])
    assert (await by_name.check("http://localhost:9000/h")).address.is_loopback

    by_network = AddressGuard(["10.20.0.0/16", "127.0.0.1", "::1"], resolver_for({}))
    assert str((await by_network.check("http://10.20.3.4/h")).address) == "10.20.3.4"
    assert str((await by_network.check("http://127.0.0.1/h")).address) == "127.0.0.1"
    assert str((await by_network.check("http://[::1]/h")).address) == "::1"
    mapped = await by_network.check("http://[::ffff:127.0.0.1]/h")
    assert str(mapped.address) == "::ffff:7f00:1"  # allowed through its embedded 127.0.0.1
    with pytest.raises(DestinationRefusedError):
        await by_network.check("http://10.21.0.1/h")


async def test_an_unresolvable_host_is_refused() -> None:
    async def fail(host: str, port: int) -> list[IPAddress]:
        raise OSError("Name or service not known")

    with pytest.raises(DestinationRefusedError, match="cannot resolve"):
        await AddressGuard(resolver=fail).check("https://nowhere.invalid/")


def test_public_addresses_pass() -> None:
    assert refusal(ip_address("93.184.216.34")) is None
    assert refusal(ip_address("2606:2800:220:1:248:1893:25c8:1946")) is None
