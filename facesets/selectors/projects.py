"""Reads of projects, their members and credentials."""

from __future__ import annotations

from functools import cache

from django.db.models import QuerySet

from ..exceptions import (
    NotFound,
    ProjectNotFound,
)
from ..models import Credential, Face, FaceSet, Group, Person, Project
from .rows import model_columns, row_instances, rows_fetch, select_list, table


def project_get(*, project_id: str) -> Project:
    """The project with this public id."""
    project = Project.objects.filter(project_id=project_id).first()
    if project is None:
        raise ProjectNotFound(f"project {project_id!r} does not exist", field="project_id")
    return project


def credential_get_active(*, access_key: str) -> Credential | None:
    """The active credential with this access key, or None."""
    if not access_key or "\x00" in access_key:
        return None
    return Credential.objects.select_related("project").filter(access_key=access_key, revoked__isnull=True).first()


def credential_get_any(*, access_key: str) -> Credential | None:
    """The credential with this access key, revoked or not (to tell a revoked key from a wrong one), or None."""
    if not access_key or "\x00" in access_key:
        return None
    # Read on every signed API call: its SQL is written once (selectors.rows), the same row select_related gives.
    sql, parts = _credential_sql()
    rows = rows_fetch(sql, [str(access_key)])
    if not rows:
        return None
    credential, project = row_instances(rows[0], parts)
    credential.project = project
    return credential


@cache
def _credential_sql():
    parts = (model_columns(Credential, "c"), model_columns(Project, "p"))
    sql = (
        f"SELECT {select_list(parts)} FROM {table(Credential)} c JOIN {table(Project)} p ON p.id = c.project_id "
        "WHERE c.access_key = %s"
    )
    return sql, parts


def project_usage(*, project: Project) -> dict[str, int]:
    """How much of each quota the project uses."""
    return {
        "face_sets": FaceSet.objects.filter(project=project).count(),
        "persons": Person.objects.filter(project=project).count(),
        "groups": Group.objects.filter(project=project).count(),
        "faces": Face.objects.filter(project=project).count(),
    }


def projects_for_user(*, user) -> QuerySet[Project]:
    """The projects a dashboard user may open: every project for a superuser, their memberships otherwise."""
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user).distinct()


def project_role(*, user, project: Project) -> str | None:
    """The user's role in the project ("admin" or "viewer"), None without one; superusers are admins everywhere."""
    from ..models import ProjectMembership

    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ProjectMembership.Role.ADMIN
    return ProjectMembership.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def project_memberships(*, project: Project):
    """The project's members with their users, by user name."""
    from ..models import ProjectMembership

    return ProjectMembership.objects.filter(project=project).select_related("user").order_by("user__username")


def credential_list(*, project: Project) -> QuerySet[Credential]:
    """The project's credentials, newest first (revoked ones included, for the audit trail)."""
    return Credential.objects.filter(project=project).order_by("-created", "-id")


def credential_get(*, project: Project, access_key: str) -> Credential:
    credential = Credential.objects.filter(project=project, access_key=access_key).first()
    if credential is None:
        raise NotFound(f"credential {access_key!r} does not exist", field="access_key")
    return credential


def last_project(*, user) -> Project | None:
    """The project a dashboard user chose last, if they may still open it."""
    from ..models import DashboardPreference

    preference = DashboardPreference.objects.filter(user=user).select_related("last_project").first()
    project = preference.last_project if preference is not None else None
    if project is not None and projects_for_user(user=user).filter(pk=project.pk).exists():
        return project
    return None


def project_holding(*, user, **ids: str) -> Project | None:
    """Which of the user's projects holds the object these dashboard URL ids name (face_id, face_set_id, person_id,
    group_id, task_id), for offering to switch to it; None when none of theirs does."""
    from ..models import Face, FaceSet, Group, Person, Task

    projects = projects_for_user(user=user)
    for model, field in (
        (Face, "face_id"),
        (FaceSet, "face_set_id"),
        (Person, "person_id"),
        (Group, "group_id"),
        (Task, "task_id"),
    ):
        value = ids.get(field)
        if value and "\x00" not in value:
            row = model.objects.filter(**{field: value}, project__in=projects).select_related("project").first()
            if row is not None:
                return row.project
    return None
