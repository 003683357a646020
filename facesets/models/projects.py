"""Tenants and who may use them: projects, their members and their API credentials."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import models


def new_hex_id() -> str:
    return uuid.uuid4().hex


class Project(models.Model):
    """A tenant. Every face set, person, group, image, face and task belongs to exactly one project.

    `project_id` is the id the dialects show (Huawei's path parameter). The quota columns bound what the project may
    hold; the defaults are the vendors' documented limits where one exists, generous self-hosted values otherwise.
    """

    project_id = models.CharField(max_length=32, unique=True, default=new_hex_id, editable=False)
    name = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    max_face_sets = models.PositiveIntegerField(default=10)
    max_face_set_capacity = models.PositiveIntegerField(default=100_000)
    max_persons = models.PositiveIntegerField(default=100_000)
    max_groups = models.PositiveIntegerField(default=1_000)
    max_persons_per_group = models.PositiveIntegerField(default=10_000)
    max_faces_per_person = models.PositiveIntegerField(default=100)
    # Requests a credential may make per rate window (SenseTime reports it as "Nq/Ws").
    rate_limit_requests = models.PositiveIntegerField(default=500)
    rate_limit_window_seconds = models.PositiveIntegerField(default=10)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProjectMembership(models.Model):
    """A dashboard user's role in a project: admins change things, viewers only look."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        VIEWER = "viewer", "Viewer"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="unique_project_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"


class DashboardPreference(models.Model):
    """What the dashboard remembers of a user across sessions: the project they last chose."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboard_preference")
    last_project = models.ForeignKey(Project, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.user}: last project {self.last_project}"


def _fernet() -> Fernet:
    digest = hashlib.sha256(settings.FACELIB_CREDENTIAL_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_access_key() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


class Credential(models.Model):
    """An access key / secret key pair of a project.

    Every dialect authenticates with it (Huawei AK/SK, Baidu API key + secret key, SenseTime api_id + api_secret,
    Face++ api_key + api_secret). HMAC signatures need the plain secret, so it is stored encrypted, not hashed.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="credentials")
    access_key = models.CharField(max_length=40, unique=True, default=new_access_key, editable=False)
    secret_encrypted = models.BinaryField(editable=False)
    description = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.access_key

    def __repr__(self) -> str:  # never let the secret reach a log line
        return f"<Credential {self.access_key} project={self.project_id}>"

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = _fernet().encrypt(secret.encode())

    @property
    def secret(self) -> str:
        return _fernet().decrypt(bytes(self.secret_encrypted)).decode()

    @property
    def is_active(self) -> bool:
        return self.revoked is None
