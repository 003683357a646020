"""The audit log's writes: every service that changes a project's library or its access records what it did
(`audit_record`), and whoever is acting is set once per request, command or worker job (`acting`), so services need
no extra argument.

The actor travels with asynchronous work: a task stores the actor that queued it (`actor_for_task`) and the worker
acts as them while it runs the task's items, so an enrolment from the dashboard is recorded as that user's, one from
the API as that credential's, even though a worker did it. Nothing secret is recorded: a credential is named by its
access key (its public half), never its secret; a photo by its ids.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from ..models import AuditEvent, Credential, Face, FaceSet, Group, Person, Project
from ..models.audit import ACTIONS

DETAIL_ITEMS_MAX = 100  # ids listed in one event's details (a bulk action over more names its first ones)


@dataclass(frozen=True)
class Actor:
    """Who is acting: the interface, and the dashboard or token user or the API credential (by pk), with a name to
    show."""

    interface: str
    label: str
    user_id: int | None = None
    credential_id: int | None = None
    request_id: str = ""  # the request that queued a task, for the events its worker records

    @classmethod
    def from_user(cls, user, interface: str = AuditEvent.Interface.DASHBOARD) -> Actor:
        return cls(interface=interface, label=user.get_username(), user_id=user.pk)

    @classmethod
    def from_credential(cls, credential: Credential, interface: str) -> Actor:
        return cls(interface=interface, label=credential.access_key, credential_id=credential.pk)

    def to_json(self) -> dict:
        return asdict(self)


SYSTEM = Actor(interface=AuditEvent.Interface.SYSTEM, label="FaceLib")
_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


@contextmanager
def acting(actor: Actor | None) -> Iterator[None]:
    """Record the changes made inside the block as `actor`'s."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def acting_set(actor: Actor | None) -> None:
    """Set the actor for the rest of the current request (the API's base view, once it knows the caller; the
    request's context ends with the request, see AuditMiddleware)."""
    _actor.set(actor)


def current_actor() -> Actor:
    return _actor.get() or SYSTEM


def actor_for_task() -> dict | None:
    """The current actor as a task stores it, with the request that queues it (None for the system)."""
    from ..middleware import current_request_id

    actor = _actor.get()
    if actor is None:
        return None
    request_id = current_request_id()
    return {**actor.to_json(), "request_id": "" if request_id == "-" else request_id}


def actor_from_task(data: dict | None) -> Actor | None:
    if not data:
        return None
    try:
        return Actor(**data)
    except TypeError:
        return None


def _target(target: Any) -> tuple[str, str, str]:
    if isinstance(target, FaceSet):
        return "face_set", target.face_set_id, target.name
    if isinstance(target, Person):
        return "person", target.person_id, target.name
    if isinstance(target, Face):
        return "face", target.face_id, target.external_image_id or ""
    if isinstance(target, Group):
        return "group", target.group_id, target.name
    if isinstance(target, Credential):
        return "credential", target.access_key, target.description
    if isinstance(target, Project):
        return "project", target.project_id, target.name
    if target is None:
        return "", "", ""
    raise TypeError(f"no audit target kind for {type(target).__name__}")


def audit_record(*, project: Project, action: str, target: Any = None, **details: Any) -> AuditEvent:
    """Record one change, as the current actor's (services call this inside their transaction, so a change that is
    rolled back leaves no event). `action` is one of models.audit.ACTIONS."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to facesets.models.audit.ACTIONS")
    from ..middleware import current_request_id

    actor = current_actor()
    target_type, target_id, target_label = _target(target)
    request_id = current_request_id()
    request_id = actor.request_id if request_id == "-" else request_id
    return AuditEvent.objects.create(
        project=project,
        interface=actor.interface,
        user_id=actor.user_id,
        credential_id=actor.credential_id,
        actor=actor.label[:200],
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:128],
        target_label=str(target_label)[:300],
        details={
            key: value[:DETAIL_ITEMS_MAX] if isinstance(value, list) else value
            for key, value in details.items()
            if value is not None
        },
        request_id=request_id[:128],
    )


class AuditMiddleware:
    """Each request starts with no actor and leaves none behind (a thread serves many requests)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with acting(None):
            return self.get_response(request)
