from .library import Face, FaceSet, FaceSetMember, Group, Image, Person
from .projects import Credential, Project, ProjectMembership
from .tasks import Task, TaskItem

__all__ = [
    "Credential",
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
