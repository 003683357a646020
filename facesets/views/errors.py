"""Error pages in the dashboard's frame, with a way back (config.urls' handler404/403/500). A request that does not
ask for HTML (an API client) keeps Django's plain answer; the 500 page reads nothing from the database, which may be
what failed."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.views import defaults

from .. import selectors
from .base import current_project, page

logger = logging.getLogger(__name__)

TEXTS = {
    404: ("Page not found", "There is no such page, or what it shows is not in your current project."),
    403: ("Not allowed", "Your role does not allow this here. Nothing was changed."),
}


def _wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def _holding_project(request: HttpRequest):
    """Another of the user's projects holding what the address names (a face, face set, person, group, task)."""
    try:
        match = resolve(request.path_info)  # without the /p/<project_id> prefix
    except Resolver404:
        return None
    if match.namespace != "dashboard" or not match.kwargs:
        return None
    holder = selectors.project_holding(user=request.user, **match.kwargs)
    current = getattr(request, "project", None)
    return holder if holder is not None and (current is None or holder.pk != current.pk) else None


def _error_page(request: HttpRequest, status: int) -> HttpResponse:
    title, text = TEXTS[status]
    context = {"status": status, "title": title, "text": text, "path": request.path}
    if request.user.is_authenticated:
        request.project = current_project(request)
        if status == 404 and (other := _holding_project(request)) is not None:
            context.update(title="In another project", other_project=other)
            context["text"] = f"What this address shows is in project {other.name}, not in {request.project.name}."
        return page(request, "dashboard/error.html", context, status=status)
    return HttpResponse(render_to_string("error_plain.html", context, request=request), status=status)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if not _wants_html(request):
        return defaults.page_not_found(request, exception)
    return _error_page(request, 404)


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    if not _wants_html(request):
        return defaults.permission_denied(request, exception)
    return _error_page(request, 403)


def server_error(request: HttpRequest) -> HttpResponse:
    if not _wants_html(request):
        return defaults.server_error(request)
    context = {"status": 500, "title": "Something went wrong", "path": request.path}
    context["text"] = "FaceLib could not answer this request; it was logged. Try again, or go back."
    return HttpResponse(render_to_string("error_plain.html", context), status=500)
