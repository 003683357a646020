"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ..models import AuditEvent, Project
from ..models.audit import ACTIONS


def audit_events(
    *,
    project: Project,
    action: str | None = None,
    interface: str | None = None,
    actor: str | None = None,
    target: str | None = None,
) -> QuerySet[AuditEvent]:
    """The project's audit events, newest first; `action` exact or a prefix ending in "." (``person.``), `interface`
    exact, `actor` and `target` as text found in the actor's name / the target's id or name (case-insensitive)."""
    events = AuditEvent.objects.filter(project=project)
    if action:
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if interface:
        events = events.filter(interface=interface)
    if actor:
        events = events.filter(actor__icontains=actor)
    if target:
        events = events.filter(Q(target_id__icontains=target) | Q(target_label__icontains=target))
    return events.order_by("-at", "-id")


def audit_actions() -> tuple[str, ...]:
    """The actions the log records, for a filter's choices (a fixed list: no scan of a long log to find them)."""
    return ACTIONS


def audit_event_json(event: AuditEvent) -> dict:
    """An audit event as the dashboard's JSON and FaceLib's API give it."""
    return {
        "at": event.at.isoformat(),
        "interface": event.interface,
        "actor": event.actor,
        "action": event.action,
        "target": {"type": event.target_type, "id": event.target_id, "name": event.target_label},
        "details": event.details,
        "request_id": event.request_id,
    }
