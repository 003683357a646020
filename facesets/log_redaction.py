"""No secret reaches a log line. Credentials travel in query strings in some dialects (SenseTime's api_secret, the
OAuth-style token calls of others), and a web server's access log records query strings: every logged request line
has the values of secret-bearing parameters replaced by `[redacted]`, and secret-bearing headers are never logged.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Parameter names whose values are secrets (or bearer credentials) in any dialect.
SECRET_PARAMETERS = (
    "api_secret",
    "api_key",
    "secret_key",
    "client_secret",
    "client_id",
    "access_token",
    "token",
    "password",
    "signature",
    "sign",
)
SECRET_HEADERS = ("authorization", "x-auth-token", "x-subject-token", "cookie", "set-cookie")
REDACTED = "[redacted]"
_NAMES = "|".join(map(re.escape, SECRET_PARAMETERS))
_PARAMETER = re.compile(r"(?i)(?P<name>(?:^|[?&;])(?:" + _NAMES + r")(?:%5B%5D|\[\])?=)[^&;\s]*")


def redact_query(text: str) -> str:
    """A URI, request line or query string with the values of secret-bearing parameters replaced."""
    if not text:
        return text
    return _PARAMETER.sub(lambda match: match["name"] + REDACTED, text)


class RedactingGunicornLogger(Logger):
    """gunicorn's logger (`--logger-class`) with secrets taken out of the access log's atoms."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q"):
            if atoms.get(key):
                atoms[key] = redact_query(atoms[key])
        for header in SECRET_HEADERS:
            for key in (f"{{{header}}}i", f"{{{header}}}o"):
                if key in atoms:
                    atoms[key] = REDACTED
        return atoms
