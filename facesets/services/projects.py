"""Writes on projects, their members and credentials."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..exceptions import InvalidName
from ..models import Credential, DashboardPreference, Project, ProjectMembership
from .audit import audit_record

PROJECT_NAME_MAX = 64


@transaction.atomic
def project_get_or_create(*, name: str) -> Project:
    """The project with this name, created with default quotas if it does not exist."""
    name = (name or "").strip()
    if not name or len(name) > PROJECT_NAME_MAX:
        raise InvalidName(f"project name must be 1-{PROJECT_NAME_MAX} characters", field="name")
    project, _ = Project.objects.get_or_create(name=name)
    return project


@transaction.atomic
def credential_create(*, project: Project, description: str = "") -> tuple[Credential, str]:
    """A new access key / secret key pair for the project. The secret is returned once, then only stored encrypted."""
    secret = secrets.token_urlsafe(30)
    credential = Credential(project=project, description=description[:200])
    credential.set_secret(secret)
    credential.save()
    audit_record(project=project, action="credential.create", target=credential)  # its access key, never the secret
    return credential, secret


@transaction.atomic
def credential_revoke(*, credential: Credential) -> Credential:
    """Revoke a credential: it stops authenticating at once; the row stays for the audit trail."""
    if credential.revoked is None:
        credential.revoked = timezone.now()
        credential.save(update_fields=["revoked"])
        audit_record(project=credential.project, action="credential.revoke", target=credential)
    return credential


def credential_touch(*, credential: Credential) -> None:
    """Record use, at most once a minute per credential to keep writes off the hot path."""
    now = timezone.now()
    if credential.last_used is None or (now - credential.last_used).total_seconds() > 60:
        Credential.objects.filter(pk=credential.pk).update(last_used=now)
        credential.last_used = now


@transaction.atomic
def project_member_set(*, project: Project, user: AbstractBaseUser, role: str) -> ProjectMembership:
    """Give a user a role in a project (admin or viewer), replacing any earlier role."""
    if role not in ProjectMembership.Role.values:
        raise InvalidName(f"role must be one of {', '.join(ProjectMembership.Role.values)}", field="role")
    membership, _ = ProjectMembership.objects.update_or_create(project=project, user=user, defaults={"role": role})
    audit_record(project=project, action="member.set", user=user.get_username(), role=role)
    return membership


@transaction.atomic
def project_member_remove(*, project: Project, user: AbstractBaseUser) -> int:
    """Take a user's role in a project away; returns how many memberships were removed (0 or 1)."""
    removed, _ = ProjectMembership.objects.filter(project=project, user=user).delete()
    if removed:
        audit_record(project=project, action="member.remove", user=user.get_username())
    return removed


def last_project_remember(*, user: AbstractBaseUser, project: Project) -> None:
    """Remember the project a dashboard user chose, for their next sign-in."""
    DashboardPreference.objects.update_or_create(user=user, defaults={"last_project": project})
