"""OpenAPI entries for the form-style dialects (SenseTime, Face++): an endpoint's arguments declared once, as a
request body for POST (JSON, urlencoded or multipart as the dialect accepts; multipart only when a file is among
them) or as query parameters for GET, with the dialect's credentials, so the schema documents what each endpoint
reads and the fuzzer generates bodies from it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers

# An argument is (name, type, required, description); type one of str, int, bool (0/1), list (an array or
# comma-separated ids) and bytes (a multipart file).
_FIELD_TYPES = {
    str: lambda: drf_serializers.CharField(),
    int: lambda: drf_serializers.IntegerField(),
    bool: lambda: drf_serializers.IntegerField(min_value=0, max_value=1),
    list: lambda: drf_serializers.ListField(child=drf_serializers.CharField()),
    bytes: lambda: drf_serializers.FileField(),
}
_PARAMETER_TYPES = {str: OpenApiTypes.STR, int: OpenApiTypes.INT, bool: OpenApiTypes.INT, list: OpenApiTypes.STR}


def _with_optional(field):
    field.required = False
    return field


def form_endpoint(
    *,
    operation_id: str,
    tag: str,
    summary: str,
    description: str,
    arguments: tuple = (),
    credentials: tuple = (),
    credentials_in_body: bool = False,
    responses: dict[int, Any],
    method: str = "post",
    content_types: tuple[str, ...] = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data"),
    request_name: str | None = None,
):
    """extend_schema for one endpoint of a form-style dialect. `credentials` (arguments too) go in the query string
    or, with `credentials_in_body`, among the body's fields."""
    common = {"operation_id": operation_id, "summary": summary, "description": description, "tags": [tag]}
    if method == "get":
        parameters = [
            OpenApiParameter(arg, _PARAMETER_TYPES[kind], OpenApiParameter.QUERY, required=required, description=doc)
            for arg, kind, required, doc in (*credentials, *arguments)
        ]
        return extend_schema(**common, parameters=parameters, responses=responses)
    body_arguments = (*credentials, *arguments) if credentials_in_body else arguments
    parameters = [
        OpenApiParameter(arg, OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description=doc)
        for arg, _, _, doc in (() if credentials_in_body else credentials)
    ]
    fields = {
        arg: _FIELD_TYPES[kind]() if required else _with_optional(_FIELD_TYPES[kind]())
        for arg, kind, required, _ in body_arguments
    }
    for arg, _, _, doc in body_arguments:
        fields[arg].help_text = doc
    name = request_name or "".join(part.title() for part in operation_id.split("_")) + "Request"
    body = inline_serializer(name=name, fields=fields)
    upload = any(kind is bytes for _, kind, _, _ in body_arguments)
    request = {"multipart/form-data": body} if upload else dict.fromkeys(content_types, body)
    return extend_schema(**common, parameters=parameters, request=request, responses=responses)
