"""Huawei credentials: AK/SK request signatures (`SDK-HMAC-SHA256`) and IAM-style project tokens (`X-Auth-Token`).

AK/SK is verified exactly as huaweicloudsdkcore's `Signer` builds it:

    canonical request = METHOD \\n canonical URI \\n canonical query \\n canonical headers \\n signed headers
                        \\n payload hash
    string to sign    = "SDK-HMAC-SHA256" \\n X-Sdk-Date \\n hex(sha256(canonical request))
    signature         = hex(hmac_sha256(secret key, string to sign))

with the canonical URI = each path segment percent-encoded (RFC 3986 unreserved characters kept) and a trailing
"/"; the canonical query = the parameters sorted, key and value percent-encoded the same way, joined with "&"; the
canonical headers = "name:value\\n" for each signed header (lower-case name, trimmed value) in the order of
SignedHeaders; the payload = hex(sha256(body)), the empty-string hash for an empty body, or the value of
X-Sdk-Content-Sha256 (the SDK sends "UNSIGNED-PAYLOAD" for multipart bodies; any other value must be the body's
hash). X-Sdk-Date must be within 15 minutes of the server's clock.

Tokens are the shared signed tokens (facesets.api.common.tokens: SECRET_KEY, timestamped, no row): they carry the user,
the project and a digest of the user's password hash, so they die after FACELIB_HUAWEI_TOKEN_TTL_HOURS (24 h), when
the password changes, when the user is deactivated or leaves the project. A viewer's token may only read (list,
show, search, detect, compare); changing the library needs an admin's token or an AK/SK credential.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth import get_user_model
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from facesets.exceptions import AuthenticationFailed, TokenExpired
from facesets.models import Credential, Project, ProjectMembership
from facesets.selectors import project_role
from facesets.services.projects import credential_touch

from ...views.accounts import lockout_minutes
from ..common.auth import credential_for_signature
from ..common.tokens import secret_digest, token_read, token_sign
from .errors import HuaweiError

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_CLOCK_SKEW = timedelta(minutes=15)
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# One message for an unknown, revoked or wrong key, and one for any wrong part of a token request, so that neither
# answer tells an attacker which part was right.
WRONG_SIGNATURE = "the access key or the signature is wrong"
WRONG_PASSWORD = "the user name, the password or the project is wrong"
_UNKNOWN_KEY_SECRET = "-" * 40
TOKEN_SALT = "facelib.api.huawei.token"
_AUTHORIZATION_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<access>[^,\s]+)\s*,\s*SignedHeaders=(?P<headers>[^,\s]+)\s*,"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]+)\s*$"
)


@dataclass(frozen=True)
class Caller:
    """Who made a request: the project, and either the credential (AK/SK) or the user and role (token)."""

    project: Project
    credential: Credential | None = None
    user: object | None = None
    role: str = ProjectMembership.Role.ADMIN

    @property
    def may_write(self) -> bool:
        return self.credential is not None or self.role == ProjectMembership.Role.ADMIN


def _encode(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    encoded = "/".join(_encode(segment) for segment in path.split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(query_string: str) -> str:
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in pairs)


def _header_text(value: str) -> str:
    """A header as the client wrote it: WSGI hands headers over as latin-1, the SDK signs their UTF-8 text."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _fail(message: str) -> HuaweiError:
    return HuaweiError("APIG.0301", f"Incorrect IAM authentication information: {message}")


def _payload_hash(request) -> str:
    declared = request.headers.get("X-Sdk-Content-Sha256", "").strip()
    content_length = request.META.get("CONTENT_LENGTH") or "0"
    if content_length in ("", "0") and not declared:
        return EMPTY_HASH
    if declared == UNSIGNED_PAYLOAD:
        # The SDK hashes an empty body as such even when it announces an unsigned payload.
        return EMPTY_HASH if content_length in ("", "0") else UNSIGNED_PAYLOAD
    body = request.body
    actual = hashlib.sha256(body).hexdigest() if body else EMPTY_HASH
    if declared and not hmac.compare_digest(declared.lower(), actual):
        raise _fail("X-Sdk-Content-Sha256 does not match the body")
    return actual


def verify_signature(request) -> Credential:
    """The credential that signed this request, or HuaweiError APIG.0301."""
    match = _AUTHORIZATION_RE.match(request.headers.get("Authorization", "").strip())
    if match is None:
        raise _fail("the Authorization header is not a valid SDK-HMAC-SHA256 signature")
    date_text = request.headers.get("X-Sdk-Date", "").strip()
    try:
        signed_at = datetime.strptime(date_text, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise _fail("X-Sdk-Date is missing or not in the form YYYYMMDDTHHMMSSZ") from None
    if abs(datetime.now(UTC) - signed_at) > MAX_CLOCK_SKEW:
        raise _fail("X-Sdk-Date is more than 15 minutes away from the server's time")
    try:
        credential = credential_for_signature(access_key=match["access"])
    except AuthenticationFailed:
        credential = None  # answered as a wrong signature, after the same work: neither says whether the key exists
    signed_headers = match["headers"].lower().split(";")
    canonical_headers = []
    for name in signed_headers:
        value = request.headers.get(name)
        if value is None:
            raise _fail(f"signed header {name!r} is missing")
        canonical_headers.append(f"{name}:{_header_text(value).strip()}\n")
    canonical_request = "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.path),
            canonical_query(request.META.get("QUERY_STRING", "")),
            "".join(canonical_headers),
            ";".join(signed_headers),
            _payload_hash(request),
        ]
    )
    string_to_sign = f"{ALGORITHM}\n{date_text}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    secret = credential.secret if credential is not None else _UNKNOWN_KEY_SECRET
    expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"].lower()) or credential is None:
        raise _fail(WRONG_SIGNATURE)
    credential_touch(credential=credential)
    return credential


# --- tokens ----------------------------------------------------------------------------------------------------


def _password_digest(user) -> str:
    return secret_digest(user.password, salt=TOKEN_SALT)


def token_ttl() -> timedelta:
    return timedelta(hours=int(getattr(settings, "FACELIB_HUAWEI_TOKEN_TTL_HOURS", 24)))


def token_issue(*, username: str, password: str, project_name: str | None, project_id: str | None, request=None):
    """A token for a FaceLib user who is a member of the project named (or with the id) given, with its user,
    project, role and expiry; HuaweiError APIG.0301 otherwise (the same error whichever part was wrong)."""
    if any("\x00" in (value or "") for value in (username, password, project_name, project_id)):
        raise _fail(WRONG_PASSWORD)
    user = django_authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):  # django-axes: too many wrong passwords for this name here
        raise HuaweiError(
            "APIG.0301",
            f"Incorrect IAM authentication information: too many failed attempts for this user name; "
            f"try again in {lockout_minutes()} minutes",
        )
    if user is None or not user.is_active:
        raise _fail(WRONG_PASSWORD)
    projects = Project.objects.all()
    project = (projects.filter(project_id=project_id) if project_id else projects.filter(name=project_name)).first()
    role = project_role(user=user, project=project) if project is not None else None
    if role is None:
        raise _fail(WRONG_PASSWORD)  # the same answer: a token call must not confirm a password
    token = token_sign({"u": user.pk, "p": project.project_id, "h": _password_digest(user)}, salt=TOKEN_SALT)
    return token, user, project, role


def verify_token(token: str, project_id: str) -> Caller:
    """The caller a token stands for; FRS.0002 for a bad token, APIG.0307 for an expired one, FRS.0028 for a token
    of another project."""
    try:
        data = token_read(token, salt=TOKEN_SALT, max_age=token_ttl())
    except TokenExpired:
        raise HuaweiError("APIG.0307", "The token has expired; get a new one from /v3/auth/tokens.") from None
    except AuthenticationFailed:
        raise HuaweiError("FRS.0002", "The authentication token is abnormal.") from None
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or not hmac.compare_digest(str(data.get("h", "")), _password_digest(user)):
        raise HuaweiError("FRS.0002", "The token's user no longer exists or changed their password.")
    if data.get("p") != project_id:
        raise HuaweiError("FRS.0028", "The project id in the URL does not match the project of the token.")
    project = Project.objects.filter(project_id=project_id).first()
    role = project_role(user=user, project=project) if project is not None else None
    if role is None:
        raise HuaweiError("FRS.0002", "The token's user is no longer a member of the project.")
    return Caller(project=project, user=user, role=role)


def authenticate_request(request, project_id: str) -> Caller:
    """Authenticate an FRS request by X-Auth-Token or AK/SK signature, for the project in its path."""
    token = request.headers.get("X-Auth-Token", "").strip()
    if token:
        return verify_token(token, project_id)
    if request.headers.get("Authorization"):
        credential = verify_signature(request)
        if credential.project.project_id != project_id:
            raise _fail("the project id in the URL is not the project of the access key")
        return Caller(project=credential.project, credential=credential)
    raise _fail("no X-Auth-Token and no AK/SK signature")


class HuaweiAuthentication(BaseAuthentication):
    """DRF authentication for the FRS views: sets `request.auth` to the Caller (and `request.user` to the token's
    user, None for AK/SK)."""

    def authenticate(self, request):
        project_id = request.parser_context["kwargs"].get("project_id", "")
        caller = authenticate_request(request._request, project_id)
        return caller.user, caller

    def authenticate_header(self, request) -> str:
        return ALGORITHM


class HuaweiAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "facesets.api.huawei.auth.HuaweiAuthentication"
    name = ["HuaweiToken", "HuaweiAKSK"]

    def get_security_requirement(self, auto_schema):
        return [{"HuaweiToken": []}, {"HuaweiAKSK": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-Auth-Token",
                "description": "A project token from POST /v3/auth/tokens (valid 24 h).",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<names>, Signature=<hex>` with an "
                "`X-Sdk-Date` header, as huaweicloudsdkcore signs requests with an access key / secret key pair.",
            },
        ]
