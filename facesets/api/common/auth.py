"""Credential lookup shared by the dialects: a key pair compared in constant time, a revoked key told apart."""

from __future__ import annotations

import hmac

from facesets.exceptions import AuthenticationFailed, CredentialRevoked
from facesets.models import Credential
from facesets.selectors import credential_get_any
from facesets.services.projects import credential_touch


def credential_authenticate(*, access_key: str, secret: str) -> Credential:
    """The credential of this key pair (its use recorded); AuthenticationFailed for an unknown key or a wrong secret,
    CredentialRevoked for a revoked key with the right secret."""
    credential = credential_get_any(access_key=access_key or "")
    # The comparison runs even for an unknown key, so timing does not tell a known key from an unknown one.
    expected = credential.secret if credential is not None else "-" * len(secret or "")
    if not hmac.compare_digest(expected.encode(), (secret or "").encode()) or credential is None:
        raise AuthenticationFailed("the access key or the secret is wrong")
    if credential.revoked is not None:
        raise CredentialRevoked("the credential was revoked", revoked=credential.revoked.isoformat())
    credential_touch(credential=credential)
    return credential


def credential_for_signature(*, access_key: str) -> Credential:
    """The active credential of this access key, for schemes that sign requests with its secret (the caller checks
    the signature with hmac.compare_digest, then calls credential_touch); AuthenticationFailed / CredentialRevoked."""
    credential = credential_get_any(access_key=access_key or "")
    if credential is None:
        raise AuthenticationFailed("unknown access key")
    if credential.revoked is not None:
        raise CredentialRevoked("the credential was revoked", revoked=credential.revoked.isoformat())
    return credential
