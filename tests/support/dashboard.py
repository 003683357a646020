"""Users, projects and memberships for dashboard tests."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from facesets.models import Project
from facesets.services.projects import project_get_or_create, project_member_set

PASSWORD = "correct horse battery staple"


@dataclass
class Team:
    project: Project
    admin: object
    viewer: object


def make_team(name: str = "acme") -> Team:
    """A project with an admin and a viewer (passwords: PASSWORD)."""
    users = get_user_model()
    project = project_get_or_create(name=name)
    admin = users.objects.create_user(f"{name}-admin", password=PASSWORD)
    viewer = users.objects.create_user(f"{name}-viewer", password=PASSWORD)
    project_member_set(project=project, user=admin, role="admin")
    project_member_set(project=project, user=viewer, role="viewer")
    return Team(project=project, admin=admin, viewer=viewer)
