"""SenseTime credentials: every call carries `api_id` and `api_secret` among its arguments (query string or body).
They are a project's credential pair (access key / secret key); a revoked credential answers KEY_EXPIRED."""

from __future__ import annotations

from facesets.models import Credential

from ..common.arguments import Arguments
from ..common.auth import credential_authenticate
from .errors import SenseTimeError


def credential_from(arguments: Arguments) -> Credential:
    """The credential the arguments name, or UNAUTHORIZED (missing or wrong pair) / KEY_EXPIRED (revoked)."""
    api_id = arguments.text("api_id") or ""
    api_secret = arguments.text("api_secret") or ""
    if not api_id or not api_secret:
        raise SenseTimeError("UNAUTHORIZED", "must specify 'api_id' and 'api_secret' arguments")
    return credential_authenticate(access_key=api_id, secret=api_secret)
