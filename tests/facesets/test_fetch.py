"""facesets.services.fetch: which addresses an image_url may reach, and URL checks that need no network."""

from __future__ import annotations

import pytest

from facesets.exceptions import ImageFetchFailed
from facesets.services.fetch import _address_allowed, image_fetch


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
    ],
)
def test_only_public_addresses_by_default(settings, address, allowed):
    settings.FACELIB_ALLOW_PRIVATE_URLS = False
    assert _address_allowed(address) is allowed
    settings.FACELIB_ALLOW_PRIVATE_URLS = True
    assert _address_allowed(address) is True


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "invalid_url"),
        ("/bucket/object.jpg", "object_store_url"),
        ("obs://bucket/object.jpg", "object_store_url"),
        ("file:///etc/passwd", "invalid_url"),
        ("http://", "invalid_url"),
        ("http://host:99999/x", "invalid_url"),
        ("http://127.0.0.1/x.jpg", "forbidden_address"),
    ],
)
def test_refused_before_connecting(settings, url, reason):
    settings.FACELIB_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ImageFetchFailed) as caught:
        image_fetch(url=url)
    assert caught.value.details["reason"] == reason
