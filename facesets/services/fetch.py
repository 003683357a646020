"""Fetching a photo from an http(s) URL (the dialects' `image_url` inputs), safely.

There is no object store: FaceLib downloads the URL itself, within the same size limit as an upload
(FACELIB_MAX_IMAGE_BYTES) and a total time budget (FACELIB_URL_FETCH_TIMEOUT, 5 s). A server that fetches URLs
for its clients must not become their way into the operator's network, so addresses that are not globally routable
(loopback, private, link-local, shared, reserved, multicast) are refused unless FACELIB_ALLOW_PRIVATE_URLS is on. The
check runs twice: on every address the host name resolves to before connecting, and on the address the socket
actually connected to (a DNS answer that changes between the two cannot slip through). Redirects are followed by
hand, at most three, each target checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..exceptions import ImageFetchFailed

MAX_REDIRECTS = 3
CHUNK = 64 * 1024


def _refuse(reason: str, message: str) -> ImageFetchFailed:
    return ImageFetchFailed(message, field="image_url", reason=reason)


def _address_allowed(address: str) -> bool:
    if getattr(settings, "FACELIB_ALLOW_PRIVATE_URLS", False):
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _check_peer(sock: socket.socket) -> None:
    address = sock.getpeername()[0]
    if not _address_allowed(address):
        raise _refuse("forbidden_address", f"image_url resolves to a non-public address ({address})")


class _PeerChecked:
    """Checks the address a connection's socket reached before anything is sent on it."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        try:
            _check_peer(sock)
        except BaseException:
            sock.close()
            raise
        return sock


class _GuardedHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


def _check_url(url: str) -> tuple[str, int]:
    """The URL's host and port, or ImageFetchFailed (not http(s), no host, or a host that resolves to a refused
    address)."""
    if not isinstance(url, str) or not url.strip():
        raise _refuse("invalid_url", "image_url is empty")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _refuse("invalid_url", "image_url is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        if not parts.scheme or parts.scheme.lower() == "obs":
            # Huawei's "/bucket/object" and obs:// forms: there is no object store here.
            raise _refuse("object_store_url", "image_url must be an http(s) URL; object-store paths are not supported")
        raise _refuse("invalid_url", f"image_url scheme {parts.scheme!r} is not supported (http or https)")
    host = parts.hostname
    if not host:
        raise _refuse("invalid_url", "image_url has no host")
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError, OSError):
        raise _refuse("unreachable", f"the host of image_url ({host}) cannot be resolved") from None
    refused = sorted(address for address in addresses if not _address_allowed(address))
    if refused:
        raise _refuse("forbidden_address", f"image_url resolves to a non-public address ({refused[0]})")
    return host, port


def image_fetch(*, url: str) -> bytes:
    """The bytes at an http(s) URL (following up to three redirects), or ImageFetchFailed with `details["reason"]`:
    invalid_url, object_store_url, forbidden_address, unreachable, timeout, not_found, denied, http_error, too_large.
    """
    max_bytes = int(settings.FACELIB_MAX_IMAGE_BYTES)
    budget = float(getattr(settings, "FACELIB_URL_FETCH_TIMEOUT", 5.0))
    deadline = time.monotonic() + budget
    manager = urllib3.PoolManager(num_pools=2, maxsize=1)
    manager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}
    try:
        for _ in range(MAX_REDIRECTS + 1):
            _check_url(url)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _refuse("timeout", f"image_url did not answer within {budget:g} s")
            try:
                response = manager.request(
                    "GET",
                    url,
                    preload_content=False,
                    redirect=False,
                    retries=False,
                    timeout=urllib3.Timeout(connect=remaining, read=remaining),
                    headers={"User-Agent": "FaceLib image fetcher", "Accept": "image/*"},
                )
            except ImageFetchFailed:
                raise
            except (urllib3.exceptions.TimeoutError, TimeoutError):
                raise _refuse("timeout", f"image_url did not answer within {budget:g} s") from None
            except urllib3.exceptions.HTTPError as error:
                raise _refuse("unreachable", f"image_url could not be fetched: {type(error).__name__}") from None
            try:
                location = response.get_redirect_location()
                if location:
                    url = urljoin(url, location)
                    continue
                return _read_body(response, max_bytes, deadline, budget)
            finally:
                response.release_conn()
        raise _refuse("http_error", f"image_url redirected more than {MAX_REDIRECTS} times")
    finally:
        manager.clear()


def _read_body(response, max_bytes: int, deadline: float, budget: float) -> bytes:
    if response.status in (404, 410):
        raise _refuse("not_found", f"image_url answered HTTP {response.status}: the file does not exist")
    if response.status in (401, 403):
        raise _refuse("denied", f"image_url answered HTTP {response.status}: access denied")
    if response.status != 200:
        raise _refuse("http_error", f"image_url answered HTTP {response.status}")
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _refuse("too_large", f"the file at image_url is {declared} bytes; at most {max_bytes} are accepted")
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise _refuse("timeout", f"image_url did not finish within {budget:g} s")
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise _refuse("too_large", f"the file at image_url exceeds {max_bytes} bytes")
            chunks.append(chunk)
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        raise _refuse("timeout", f"image_url did not finish within {budget:g} s") from None
    except urllib3.exceptions.HTTPError as error:
        raise _refuse("unreachable", f"image_url broke off: {type(error).__name__}") from None
    return b"".join(chunks)
