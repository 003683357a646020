"""Signed bearer tokens (django.core.signing: HMAC with SECRET_KEY, timestamped, no database row).

`token_sign` / `token_read` carry any small payload under a salt of the dialect's own (a token of one dialect is no
token of another). `credential_token_issue` / `credential_token_verify` bind a token to an API credential: it names
the access key and carries a digest of the secret, so it dies when the credential is revoked or its secret changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone
from django.utils.crypto import salted_hmac

from facesets.exceptions import AuthenticationFailed, CredentialRevoked, TokenExpired
from facesets.models import Credential
from facesets.selectors import credential_get_any


def token_sign(payload: dict, *, salt: str) -> str:
    """A URL-safe token carrying `payload` (keep it small: it travels with every request)."""
    return signing.dumps(payload, salt=salt, compress=True)


def token_read(token: str, *, salt: str, max_age: timedelta) -> dict:
    """The payload of a token signed with this salt at most `max_age` ago; TokenExpired when it is older,
    AuthenticationFailed when it is not such a token at all."""
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenExpired("the token has expired") from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise AuthenticationFailed("the token is not valid") from None
    if not isinstance(payload, dict):
        raise AuthenticationFailed("the token is not valid")
    return payload


def secret_digest(secret: str, *, salt: str) -> str:
    """A short digest of a secret (a password hash, a credential's secret): a token carrying it dies when it changes."""
    return salted_hmac(salt, secret).hexdigest()[:16]


def credential_token_issue(*, credential: Credential, salt: str, ttl: timedelta) -> tuple[str, datetime]:
    """A token that stands for `credential` for `ttl`, and when it expires."""
    token = token_sign({"k": credential.access_key, "s": secret_digest(credential.secret, salt=salt)}, salt=salt)
    return token, timezone.now() + ttl


def credential_token_verify(token: str, *, salt: str, ttl: timedelta) -> Credential:
    """The credential a token was issued to; TokenExpired, CredentialRevoked or AuthenticationFailed (unknown or
    rotated credential, not a token)."""
    payload = token_read(token, salt=salt, max_age=ttl)
    credential = credential_get_any(access_key=str(payload.get("k", "")))
    if credential is None or payload.get("s") != secret_digest(credential.secret, salt=salt):
        raise AuthenticationFailed("the token's credential no longer exists")
    if credential.revoked is not None:
        raise CredentialRevoked("the credential was revoked", revoked=credential.revoked.isoformat())
    return credential
