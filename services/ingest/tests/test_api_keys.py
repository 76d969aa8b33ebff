"""API keys: their shape and the hash stored for them (pure)."""

from __future__ import annotations

import hashlib

import pytest

from ioc_storage.credentials import hash_api_key, key_prefix_of, new_api_key


def test_a_new_key_has_the_documented_shape() -> None:
    key = new_api_key()
    scheme, prefix, secret = key.split("_", 2)
    assert scheme == "ioc"
    assert len(prefix) == 8
    assert prefix.isalnum()
    assert prefix == prefix.lower()
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    assert key_prefix_of(key) == prefix


def test_keys_are_random() -> None:
    assert len({new_api_key() for _ in range(50)}) == 50


def test_the_stored_hash_is_sha256_of_the_whole_key() -> None:
    key = new_api_key()
    assert hash_api_key(key) == hashlib.sha256(key.encode()).hexdigest()
    assert hash_api_key(key) != hash_api_key(key[:-1] + ("A" if key[-1] != "A" else "B"))


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "ioc_short_" + "a" * 43,
        "ioc_ABCDEFGH_" + "a" * 43,
        "xyz_abcd1234_" + "a" * 43,
        "ioc_abcd1234_tooshort",
        "ioc_abcd1234_" + "a" * 42 + "!",
        "ioc_abcd1234_" + "a" * 43 + "\n",
    ],
)
def test_strings_not_shaped_like_a_key_are_recognised(presented: str) -> None:
    assert key_prefix_of(presented) is None
