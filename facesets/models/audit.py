"""The audit log: who changed what in a project, when, and through which interface."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .projects import Credential, Project

# Every action the services record (facesets.services.audit.audit_record), for the log's filter.
ACTIONS = (
    "face_set.create",
    "face_set.update",
    "face_set.delete",
    "faces.enrol",
    "faces.add",
    "faces.remove",
    "faces.assign",
    "faces.unassign",
    "faces.delete",
    "faces.expire",
    "face.update",
    "face.delete",
    "person.create",
    "person.update",
    "person.merge",
    "person.delete",
    "person.erase",
    "group.create",
    "group.update",
    "group.add_persons",
    "group.remove_persons",
    "group.delete",
    "credential.create",
    "credential.revoke",
    "member.set",
    "member.remove",
)


class AuditEvent(models.Model):
    """One change to a project's library or access: its action (``person.merge``), what it was done to (the target's
    kind, its public id and its name at the time), who did it (a dashboard user, an API credential, a command or the
    system) and through which interface. Kept when the target or the actor is deleted: names are copied here."""

    class Interface(models.TextChoices):
        DASHBOARD = "dashboard", "Dashboard"
        HUAWEI = "huawei", "Huawei FRS API"
        SENSETIME = "sensetime", "SenseTime API"
        BAIDU = "baidu", "Baidu API"
        FACEPP = "facepp", "Face++ API"
        COMMAND = "command", "Command"
        SYSTEM = "system", "System"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="audit_events")
    at = models.DateTimeField(default=timezone.now)
    interface = models.CharField(max_length=16, choices=Interface.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    credential = models.ForeignKey(Credential, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor = models.CharField(max_length=200)  # the user's name, the credential's access key, the command's name
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32, blank=True, default="")
    target_id = models.CharField(max_length=128, blank=True, default="")
    target_label = models.CharField(max_length=300, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["project", "-at", "-id"], name="audit_project_time"),
            models.Index(fields=["project", "target_id"], name="audit_project_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} ({self.interface}) {self.action} {self.target_id}"
