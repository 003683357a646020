"""Background jobs as the product shows them: what was asked, how far it got, what came out."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .projects import Project, new_hex_id


class Task(models.Model):
    """An asynchronous job (enrolment, bulk import, a search that outlived its synchronous budget, ...).

    Its id is the one SenseTime's /info/task and the dashboard show; the Celery job that runs it uses the same id,
    so a redelivered message finds the row and carries on instead of starting over.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    task_id = models.CharField(max_length=32, unique=True, default=new_hex_id, editable=False)
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor = models.JSONField(null=True, blank=True)  # who queued it (services.audit.Actor), for the audit log
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            # A dashboard upload's parts (selectors.batch_tasks, polled while the upload runs): every enrolment
            # through the API writes a task too, so a project's tasks of a busy day are many.
            models.Index(
                models.F("project"),
                models.F("params__batch"),
                name="task_upload_batch",
                condition=models.Q(params__has_key="batch"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.task_id} ({self.status})"

    @property
    def state(self) -> tuple[str, str]:
        """The task's state for people, as (badge tone, label): a finished task whose every photo failed is not a
        green "Done", one with some failures says how many."""
        if self.status != self.Status.DONE or self.total <= 1 or not isinstance(self.result, dict):
            return self.status, self.get_status_display()
        outcomes = self.result.get("outcomes")
        if not outcomes:
            return self.status, self.get_status_display()
        failed = self.total - int(outcomes.get("done", 0))
        if failed >= self.total:
            return "failed", "All failed"
        if failed > 0:
            return "warn", f"Done, {failed} failed"
        return self.status, self.get_status_display()

    @property
    def progress(self) -> float:
        """Fraction done, 0..1."""
        if self.status == self.Status.DONE:
            return 1.0
        return self.done / self.total if self.total else 0.0


def outcome_key(status: str, error_code: str) -> str:
    """How a finished item is counted in outcome totals: "done", or its error code ("failed" without one)."""
    return "done" if status == Task.Status.DONE else (error_code or "failed")


class TaskItem(models.Model):
    """One unit of a bulk task — a photo to enrol — with its input kept until it is processed.

    Keeping the input in the database (not in the broker message) is what lets a killed worker's job be redone: the
    item stays `pending` until the transaction that stores its faces also marks it done. (`payload_cached`: the release
    before services.calls held the photo of a synchronous call in the cache instead; a worker still reads it there.)
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=512, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    payload = models.BinaryField(null=True, blank=True, editable=False)
    payload_cached = models.BooleanField(db_default=False, default=False, editable=False)
    status = models.CharField(max_length=16, choices=Task.Status.choices, default=Task.Status.PENDING)
    result = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["task", "position"]
        constraints = [models.UniqueConstraint(fields=["task", "position"], name="unique_task_item_position")]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.position} {self.name}"
