"""What every dashboard page shares: sign-in, the current project, the role check, rendering and paging.

Every dashboard view is wrapped in :func:`dashboard_view`. It is the one place where roles are enforced: a request
that changes something (any method but GET/HEAD/OPTIONS) from a viewer is refused with 403 before the view runs, so
a viewer can never cause a half-done change, whatever the view does.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse, set_script_prefix

from .. import selectors
from ..exceptions import DomainError, NotFound
from ..forms import page_words
from ..middleware import PROJECT_PREFIX
from ..models import Project, ProjectMembership
from ..services.audit import Actor, acting

SESSION_PROJECT_KEY = "facelib_project"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PAGE_SIZE = 48
# Offset paging stays cheap up to here; past it the operator is asked to narrow the filter.
MAX_OFFSET = 10_000


def wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in request.headers.get("Accept", "")


def current_project(request: HttpRequest) -> Project | None:
    """The project the address names (/p/<project_id>/..., facesets.middleware), if the user may open it (else
    None); for an address without one, the project chosen in this session if the user may still open it, else the
    one they chose last (remembered across sign-ins), else their first project by name."""
    projects = selectors.projects_for_user(user=request.user)
    named = getattr(request, "url_project_id", None)
    if named:
        project = projects.filter(project_id=named).first()
        if project is not None and request.session.get(SESSION_PROJECT_KEY) != project.project_id:
            from ..services.projects import last_project_remember

            request.session[SESSION_PROJECT_KEY] = project.project_id  # the project last opened, for bare addresses
            last_project_remember(user=request.user, project=project)
        return project
    chosen = request.session.get(SESSION_PROJECT_KEY)
    project = projects.filter(project_id=chosen).first() if chosen else None
    if project is None:
        project = selectors.last_project(user=request.user) or projects.order_by("name").first()
        if project is not None:
            request.session[SESSION_PROJECT_KEY] = project.project_id
    return project


def refuse(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": "forbidden", "message": message}, status=status)
    return render(request, "dashboard/refused.html", page_context(request, {"message": message}), status=status)


def _holds_nul(request: HttpRequest) -> bool:
    """A NUL character in the path or the query string (forms refuse it in bodies: Django's CharField does)."""
    return "\x00" in request.path or any(
        "\x00" in name or any("\x00" in value for value in values) for name, values in request.GET.lists()
    )


def dashboard_view(
    view: Callable | None = None, *, needs_project: bool = True, viewer_may_post: bool = False
) -> Callable:
    """Sign-in, current project and role for a dashboard view; refuses changes by viewers (see module docstring).

    `viewer_may_post` is for the few POSTs that change no project data (switching the current project)."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if _holds_nul(request):  # no id or search holds one; PostgreSQL would refuse it
                raise Http404("no such page")
            if request.method == "POST" and any(
                "\x00" in value for values in request.POST.lists() for value in values[1]
            ):  # no form field may hold one either (the views read some fields raw: ids, a picked person's name)
                return refuse(request, "A field holds a NUL character. Nothing was changed.", status=400)
            if not request.user.is_authenticated:
                if wants_json(request):
                    return JsonResponse({"error": "unauthenticated", "message": "sign in first"}, status=401)
                return redirect_to_login(request.get_full_path())
            request.project = current_project(request)
            if request.project is None and getattr(request, "url_project_id", None):
                raise Http404("no such project, or not one of yours")
            if request.project is not None:
                if (
                    request.method == "GET"
                    and not getattr(request, "url_project_id", None)
                    and "text/html" in request.headers.get("Accept", "")
                ):  # a browser on a bare address: show it with its project, so it can be bookmarked and shared
                    return redirect(project_path(request.get_full_path(), request.project))
                project_addresses(request.project)
            request.role = (
                selectors.project_role(user=request.user, project=request.project) if request.project else None
            )
            if needs_project and request.project is None:
                return render(request, "dashboard/no_project.html", page_context(request, {}))
            if request.method not in SAFE_METHODS and not viewer_may_post and request.role != "admin":
                name = request.project.name if request.project else "this project"
                return refuse(
                    request,
                    f"Your role in {name} is viewer: you can look at everything but change nothing. "
                    "Ask an admin of the project for the admin role. Nothing was changed.",
                )
            try:
                with acting(Actor.from_user(request.user)):  # the audit log names the signed-in user
                    return function(request, *args, **kwargs)
            except NotFound as error:  # an unknown id in the URL (or another project's): one 404 for every page
                raise Http404(error.message) from error

        wrapper.dashboard_view = True  # the permission test checks every dashboard URL carries this
        return wrapper

    return decorate(view) if view is not None else decorate


def project_addresses(project: Project) -> None:
    """From here on in this request, every address Django generates (reverse, {% url %}, static files) carries the
    project: /p/<project_id>/... . Django sets the script prefix afresh at the start of every request."""
    base = get_script_prefix().split("/p/")[0].rstrip("/")
    set_script_prefix(f"{base}/p/{project.project_id}/")


def project_path(path: str, project: Project) -> str:
    """`path` (an address of this server, with or without a project) in `project`."""
    match = PROJECT_PREFIX.match(path)
    rest = match[2] if match else path
    base = get_script_prefix().split("/p/")[0].rstrip("/")
    return f"{base}/p/{project.project_id}{rest}"


def page_context(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    project = getattr(request, "project", None)
    projects = selectors.projects_for_user(user=request.user).order_by("name") if request.user.is_authenticated else []
    role = getattr(request, "role", None)
    return {
        "project": project,
        "projects": projects,
        "role": role,
        "is_admin": role == ProjectMembership.Role.ADMIN,
        **context,
    }


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    return render(request, template, page_context(request, context or {}), status=status)


def add_domain_error(
    form: forms.Form, error: DomainError, field_map: dict[str, str] | None = None, field: str | None = None
) -> None:
    """Show a domain error in the page's words next to the form field that caused it (`field`, else by the error's
    `field`), or above the form."""
    field = field or (field_map or {}).get(error.field or "", error.field)
    message = page_words(error.message, form)
    if field and field in form.fields:
        form.add_error(field, message)
    else:
        form.add_error(None, message)


class Pager:
    """Limited offset paging: `page` of `size` rows from a queryset, with the total when it is known cheaply."""

    def __init__(self, request: HttpRequest, queryset, *, total: int | None = None, size: int = PAGE_SIZE) -> None:
        try:
            number = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            number = 1
        self.size = size
        self.total = total
        self.max_pages = max(1, MAX_OFFSET // size)
        self.too_deep = number > self.max_pages
        number = min(number, self.max_pages)
        if total is not None:
            number = min(number, max(1, math.ceil(total / size)))
        self.number = number
        offset = (number - 1) * size
        shown = selectors.page(queryset, offset=offset, limit=size)
        self.has_next = shown.has_more and number < self.max_pages
        self.rows = shown.rows
        self.start = offset + 1 if self.rows else 0
        self.end = offset + len(self.rows)
        self.has_previous = number > 1
        self.query = request.GET.copy()
        self.query.pop("page", None)

    @property
    def pages(self) -> int | None:
        return math.ceil(self.total / self.size) if self.total is not None else None

    def url(self, number: int) -> str:
        query = self.query.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    @property
    def previous_url(self) -> str:
        return self.url(self.number - 1)

    @property
    def next_url(self) -> str:
        return self.url(self.number + 1)


# How many persons a "choose a person" field suggests; beyond that, type the name or paste the id.
PERSON_SUGGESTIONS = 500


def person_suggestions(request: HttpRequest, exclude=None):
    return selectors.person_choices(project=request.project, limit=PERSON_SUGGESTIONS, exclude=exclude)


def bulk_groups(request: HttpRequest):
    """The groups a grid's bulk bar offers (the first 200 by name)."""
    return selectors.group_list(project=request.project).order_by("name")[:200]


def person_picked(request: HttpRequest, text: str | None = None):
    """The person a person picker chose: a new one named `new_person` when the operator chose "create" (the picker,
    static/facelib/app.js), else the one whose id or name was typed or picked (selectors.person_find); None when
    nothing was chosen. DomainError (unknown, ambiguous, quota, bad name) as the services raise it."""
    from ..services.library import person_create

    new_name = request.POST.get("new_person", "").strip()
    if new_name:
        return person_create(project=request.project, name=new_name)
    text = (request.POST.get("person", "") if text is None else text).strip()
    return selectors.person_find(project=request.project, text=text) if text else None


def redirect_back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return reverse(fallback) if not fallback.startswith("/") else fallback
