"""What every SenseTime endpoint shares: arguments, auth, the rate limit, the envelope, the 202 path and its schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from facesets import selectors
from facesets.exceptions import Timeout
from facesets.models import Credential, Project, Task
from facesets.services.jobs import JobParams
from facesets.services.tasks import task_result, task_run

from ...common.arguments import Arguments
from ...common.parsers import BoundedJSONParser
from ...common.schema import form_endpoint
from ...common.views import DialectView
from ..auth import credential_from
from ..errors import ERRORS

TAG = "SenseTime v1"
OK = {"status": "OK"}


class SenseTimeView(DialectView):
    """Base of the SenseTime views: `api_id` + `api_secret` among the arguments, the per-credential rate limit with
    its X-RateLimit-* headers on every authenticated answer, SenseTime's envelope for every error (the shared part
    is facesets.api.common.views).

    Subclasses implement `get` (the info/ endpoints, which answer POST too) or `post`, reading `self.params` and
    `self.project`; another method answers NOT_FOUND."""

    interface = "sensetime"  # the audit log's name of this dialect

    errors = ERRORS
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    def authenticate_caller(self, request) -> Credential:
        self.params = Arguments(request)
        credential = credential_from(self.params)
        self.project: Project = credential.project
        return credential

    # --- the asynchronous path

    def run_or_accept(self, params: JobParams, render: Callable[[dict, dict], dict]) -> Response:
        """Run a comparison in a worker; its answer when it finishes within FACELIB_SENSETIME_SYNC_TIMEOUT, else
        202 with the task id that /info/task answers for."""
        budget = float(settings.FACELIB_SENSETIME_SYNC_TIMEOUT)
        try:
            result = task_run(project=self.project, kind=params.kind, params=params, timeout=budget, collectable=True)
        except Timeout as timeout:
            task = selectors.task_get(project=self.project, task_id=timeout.details["task_id"])
            if task.status not in (Task.Status.DONE, Task.Status.FAILED):
                return Response({"status": "OK", "task_id": task.task_id, "task_status": task.status}, status=202)
            result = task_result(task)  # finished just after the budget ran out
        return Response(render(params.to_json(), result))


# --- OpenAPI ------------------------------------------------------------------------------------------------------

CREDENTIALS = (
    ("api_id", str, True, "API account: the project credential's access key"),
    ("api_secret", str, True, "API secret: the credential's secret key"),
)


def documented(name: str, summary: str, arguments: tuple = (), *, method: str = "post", description: str = ""):
    """The schema of an endpoint (facesets.api.common.schema): `arguments` are (name, type, required, description)
    with type one of str, int, bool (0/1), list (an array or comma-separated ids) and bytes (a multipart file)."""
    text = (
        f"{description}\n\nArguments may be given in the query string or, for POST, in a JSON, "
        "application/x-www-form-urlencoded or multipart/form-data body (a file only in multipart). Errors answer "
        '`{"status": "<ERROR>", "reason": "..."}` with the status code the SenseTime document lists.'
    ).strip()
    responses: dict[int, Any] = {
        200: OpenApiResponse(OpenApiTypes.OBJECT, description='`{"status": "OK", ...}`'),
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="INVALID_ARGUMENT, INVALID_FACE, ... with `reason`"),
        401: OpenApiResponse(OpenApiTypes.OBJECT, description="UNAUTHORIZED or KEY_EXPIRED"),
        403: OpenApiResponse(OpenApiTypes.OBJECT, description="RATE_LIMIT_EXCEEDED"),
    }
    if method != "get":
        responses[202] = OpenApiResponse(OpenApiTypes.OBJECT, description="`task_id` and `task_status` (async path)")
    return form_endpoint(
        operation_id=f"sensetime_{name}",
        tag=TAG,
        summary=summary,
        description=text,
        arguments=arguments,
        credentials=CREDENTIALS,
        responses=responses,
        method=method,
        request_name=f"SenseTime{name.title().replace('_', '')}Request",
    )
