"""Baidu credentials: the OAuth-style token call and the two ways an API call proves its credential.

- `GET|POST /oauth/2.0/token?grant_type=client_credentials&client_id=<API key>&client_secret=<secret key>` issues an
  `access_token` bound to the credential (facesets.api.common.tokens: signed, carries a digest of the secret; dies
  when the credential is revoked), valid 30 days, with a `scope` string holding `brain_all_scope` (the client
  checks for it). Calls then carry `?access_token=`: missing -> 100, unknown or revoked -> 110 (the client fetches a
  new token and retries once), expired -> 111 (after a few minutes' grace for clock skew).
- `bce-auth-v1` signatures (the client's other path): `authorization: bce-auth-v1/{AK}/{date}/1800/host;x-bce-date/
  {signature}` over `POST\\n{path}\\n{sorted query}\\nhost:{Host as received}\\nx-bce-date:{date}` with a signing key
  derived from the secret; a bad one -> 14 "IAM Certification failed".
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from facesets.exceptions import AuthenticationFailed, TokenExpired
from facesets.models import Credential
from facesets.services.projects import credential_touch

from ..common.auth import credential_for_signature
from ..common.tokens import credential_token_issue, credential_token_verify
from .errors import BaiduError

TOKEN_SALT = "facelib.api.baidu.access_token"
TOKEN_TTL = timedelta(days=30)
TOKEN_GRACE = timedelta(minutes=5)  # the client refreshes 30 s early; clocks differ
SCOPE = "public brain_all_scope vis-faceverify_faceverify"
SIGNATURE_MAX_AGE = timedelta(seconds=1800)


def token_for(credential: Credential) -> tuple[str, int]:
    token, _ = credential_token_issue(credential=credential, salt=TOKEN_SALT, ttl=TOKEN_TTL)
    return token, int(TOKEN_TTL.total_seconds())


def credential_from_token(token: str) -> Credential:
    if not token or "\x00" in token:
        raise BaiduError(100)
    try:
        credential = credential_token_verify(token, salt=TOKEN_SALT, ttl=TOKEN_TTL + TOKEN_GRACE)
    except TokenExpired:
        raise BaiduError(111) from None
    except AuthenticationFailed:
        raise BaiduError(110) from None
    credential_touch(credential=credential)
    return credential


def _quote(text: str) -> str:
    return quote(text, safe="")


def credential_from_signature(request) -> Credential:
    """The credential of a `bce-auth-v1` signed request, or 14."""
    header = request.headers.get("authorization", "")
    parts = header.split("/")
    if len(parts) != 6 or parts[0] != "bce-auth-v1":
        raise BaiduError(14)
    _, access_key, timestamp, expiry, signed_headers, signature = parts
    date = request.headers.get("x-bce-date", "")
    try:
        signed_at = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise BaiduError(14) from None
    if date != timestamp or abs(datetime.now(UTC) - signed_at) > SIGNATURE_MAX_AGE:
        raise BaiduError(14)
    try:
        credential = credential_for_signature(access_key=access_key)
        secret = credential.secret
    except AuthenticationFailed:
        credential, secret = None, "-" * 40  # the same work for an unknown key
    prefix = f"bce-auth-v1/{access_key}/{timestamp}/{expiry}"
    signing_key = hmac.new(secret.encode(), prefix.encode(), hashlib.sha256).hexdigest()
    query = "&".join(
        f"{_quote(key)}={_quote(value)}"
        for key, value in sorted(parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    )
    headers = "\n".join(
        sorted(
            f"{_quote(name.strip().lower())}:{_quote(request.headers.get(name, '').strip())}"
            for name in signed_headers.split(";")
        )
    )
    canonical = f"{request.method.upper()}\n{quote(request.path)}\n{query}\n{headers}"
    expected = hmac.new(signing_key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    if credential is None or not hmac.compare_digest(expected, signature.lower()):
        raise BaiduError(14)
    credential_touch(credential=credential)
    return credential
