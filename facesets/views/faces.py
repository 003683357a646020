"""Faces on their own, wherever they are: a face's page (its person, every face set it is in, what keeps it), the
faces of no person (those in no face set either are not kept and expire: services.lifecycle), and deleting a face
everywhere. Every face of a project can be reached from here."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST, require_safe

from .. import selectors
from ..models import Face, Project
from ..services.library import faces_delete_everywhere
from .base import Pager, dashboard_view, page, person_suggestions, redirect_back


def whereabouts(project: Project, face_id: str) -> str:
    """One sentence on what became of a face after a change: what still keeps it, or when it will go."""
    face = Face.objects.filter(project=project, face_id=face_id).select_related("person").first()
    if face is None:
        return "It was in no other face set and of no person, so it was deleted with its vector and thumbnail."
    sets = [member.face_set.name for member in selectors.face_memberships(face=face)]
    in_sets = f"in face set{'s' if len(sets) > 1 else ''} {', '.join(sets)}"
    if face.person is not None:
        return f"It still belongs to {face.person}" + (f" and is {in_sets}." if sets else ".")
    if sets:
        return f"It is still {in_sets}."
    until = f"until {face.expires:%Y-%m-%d %H:%M} UTC" if face.expires else "for now"
    return (
        f"It is now in no face set and of no person: it is kept {until}, then deleted, unless you give it to a "
        "person or enrol it in a face set (see Unassigned faces)."
    )


@require_safe
@dashboard_view
def faces_unassigned(request: HttpRequest) -> HttpResponse:
    """Faces of no person: by default those in no face set either (not kept: they expire), else those in sets."""
    view = request.GET.get("view")
    view = view if view in selectors.UNASSIGNED_VIEWS else "detached"
    detached = selectors.faces_detached_count(project=request.project)
    faces = selectors.faces_unassigned(project=request.project, view=view)
    pager = Pager(request, faces, total=detached if view == "detached" else None)
    return page(
        request,
        "dashboard/faces_unassigned.html",
        {
            "view": view,
            "pager": pager,
            "detached": detached,
            "suggestions": person_suggestions(request),
            "nav": "unassigned",
        },
    )


@require_safe
@dashboard_view
def face_page(request: HttpRequest, face_id: str) -> HttpResponse:
    """A face wherever it is: its crop, its person, every face set it is in (with a link to its fields there) and
    what keeps it."""
    face = selectors.face_get(project=request.project, face_id=face_id)
    memberships = list(selectors.face_memberships(face=face))
    return page(
        request,
        "dashboard/face.html",
        {
            "face": face,
            "memberships": memberships,
            "suggestions": person_suggestions(request),
            "nav": "persons" if face.person_id else "unassigned",
        },
    )


@require_POST
@dashboard_view
def face_delete_everywhere(request: HttpRequest, face_id: str) -> HttpResponse:
    """Delete a face outright: from its person and every face set, with its vectors and thumbnail."""
    face = selectors.face_get(project=request.project, face_id=face_id)
    person = face.person
    deleted = faces_delete_everywhere(project=request.project, face_pks=[face.pk])
    entries = deleted.face_set_entries
    held = [f"{entries} face set{'s' if entries != 1 else ''}"] if entries else []
    if person is not None:
        held.append(f"person {person}")
    messages.success(
        request,
        f"Face {face_id} was deleted with its vector and thumbnail"
        + (f", from {' and '.join(held)}." if held else "."),
    )
    return redirect(redirect_back(request, "dashboard:faces_unassigned"))
