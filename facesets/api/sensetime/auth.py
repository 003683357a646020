"""SenseTime credentials: every call carries `api_id` and `api_secret` among its arguments (query string or body).
They are a project's credential pair (access key / secret key); a revoked credential answers KEY_EXPIRED."""

from __future__ import annotations

import hmac

from facesets.models import Credential
from facesets.selectors import credential_get_any
from facesets.services.projects import credential_touch

from .errors import SenseTimeError
from .serializers import Params


def credential_from(params: Params) -> Credential:
    """The credential the arguments name, or UNAUTHORIZED (missing or wrong pair) / KEY_EXPIRED (revoked)."""
    api_id = params.text("api_id") or ""
    api_secret = params.text("api_secret") or ""
    if not api_id or not api_secret:
        raise SenseTimeError("UNAUTHORIZED", "must specify 'api_id' and 'api_secret' arguments")
    credential = credential_get_any(access_key=api_id)
    if credential is None or not hmac.compare_digest(credential.secret.encode(), api_secret.encode()):
        raise SenseTimeError("UNAUTHORIZED", "api_id or api_secret is wrong")
    if credential.revoked is not None:
        raise SenseTimeError("KEY_EXPIRED", f"this api_id was revoked on {credential.revoked.isoformat()}")
    credential_touch(credential=credential)
    return credential
