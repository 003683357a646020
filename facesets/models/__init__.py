from .audit import AuditEvent
from .library import Face, FaceSet, FaceSetMember, Group, Image, Person
from .projects import Credential, DashboardPreference, Project, ProjectMembership
from .tasks import Task, TaskItem

__all__ = [
    "AuditEvent",
    "Credential",
    "DashboardPreference",
    "Face",
    "FaceSet",
    "FaceSetMember",
    "Group",
    "Image",
    "Person",
    "Project",
    "ProjectMembership",
    "Task",
    "TaskItem",
]
