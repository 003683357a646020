"""Overview, project switcher, project creation (superusers) and project members."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from .. import selectors
from ..exceptions import DomainError
from ..forms import MembershipForm, ProjectCreateForm
from ..services.enrolment import ENROL_KINDS
from ..services.projects import last_project_remember, project_get_or_create, project_member_remove, project_member_set
from .base import SESSION_PROJECT_KEY, add_domain_error, dashboard_view, page, project_path, redirect_back, refuse

# The checks of facesets.health (fetched from /healthz by the page, so a slow worker never delays it).
HEALTH_CHECKS = [
    ("database", "Database"),
    ("broker", "Broker"),
    ("worker", "Worker"),
    ("model", "Model"),
    ("liveness_worker", "Liveness worker"),
    ("reviews_worker", "Reviews worker"),
]


@dashboard_view
def overview(request: HttpRequest) -> HttpResponse:
    project = request.project
    usage = selectors.project_usage(project=project)
    face_sets = list(selectors.face_set_list(project=project).order_by("-created")[:5])
    recent = list(selectors.task_list(project=project, kinds=list(ENROL_KINDS))[:6])
    return page(
        request,
        "dashboard/overview.html",
        {
            "usage": usage,
            "detached": selectors.faces_detached_count(project=project),
            "face_sets": face_sets,
            "recent_tasks": recent,
            "health_checks": HEALTH_CHECKS,
            "keep_photos": settings.FACELIB_KEEP_PHOTOS,
            "nav": "overview",
        },
    )


@require_POST
@dashboard_view(needs_project=False, viewer_may_post=True)
def project_switch(request: HttpRequest) -> HttpResponse:
    project_id = request.POST.get("project", "")
    project = selectors.projects_for_user(user=request.user).filter(project_id=project_id).first()
    if project is None:
        return refuse(request, "You are not a member of that project.")
    request.session[SESSION_PROJECT_KEY] = project.project_id
    last_project_remember(user=request.user, project=project)
    messages.info(request, f"Switched to project {project.name}.")
    return redirect(project_path(redirect_back(request, "dashboard:overview"), project))


@require_http_methods(["GET", "POST"])
@dashboard_view(needs_project=False, viewer_may_post=True)
def project_create(request: HttpRequest) -> HttpResponse:
    # Creating a project is a superuser's act, whatever their roles in projects.
    if not request.user.is_superuser:
        return refuse(request, "Only a superuser can create projects. Nothing was changed.")
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_get_or_create(name=form.cleaned_data["name"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            request.session[SESSION_PROJECT_KEY] = project.project_id
            messages.success(request, f"Project {project.name} is ready.")
            return redirect("dashboard:overview")
    return page(request, "dashboard/project_create.html", {"form": form, "nav": "project"})


@require_http_methods(["GET", "POST"])
@dashboard_view
def members(request: HttpRequest) -> HttpResponse:
    project = request.project
    form = MembershipForm(request.POST or None)
    if request.method == "POST":
        user_model = get_user_model()
        if request.POST.get("action") == "remove":
            user = user_model.objects.filter(pk=request.POST.get("user")).first()
            if user is not None:
                if user == request.user and not request.user.is_superuser:
                    messages.error(request, "You cannot remove your own admin role.")
                else:
                    project_member_remove(project=project, user=user)
                    messages.success(request, f"{user.get_username()} no longer has a role in {project.name}.")
            return redirect("dashboard:members")
        if form.is_valid():
            user = user_model.objects.filter(username=form.cleaned_data["username"]).first()
            if user is None:
                form.add_error("username", "No user with this name. Create users in Django admin (/admin/).")
            else:
                try:
                    project_member_set(project=project, user=user, role=form.cleaned_data["role"])
                except DomainError as error:
                    add_domain_error(form, error)
                else:
                    messages.success(request, f"{user.get_username()} is now {form.cleaned_data['role']}.")
                    return redirect("dashboard:members")
    return page(
        request,
        "dashboard/members.html",
        {"form": form, "memberships": selectors.project_memberships(project=project), "nav": "members"},
    )
