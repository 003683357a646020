"""Faces on their own, wherever they are: a face's page (its person, every face set it is in, what keeps it), the
faces of no person (those in no face set either are not kept and expire: services.lifecycle), and deleting a face
everywhere. Every face of a project can be reached from here."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_POST, require_safe

from .. import selectors
from ..exceptions import DomainError, NotFound
from ..models import Project
from ..services.faces import face_set_remove_members, faces_take_from_persons, person_add_faces
from ..services.library import faces_delete_everywhere, group_add_persons
from ..services.lifecycle import Release
from .base import Pager, bulk_groups, dashboard_view, page, person_picked, person_suggestions, redirect_back


def whereabouts(project: Project, face_id: str) -> str:
    """One sentence on what became of a face after a change: what still keeps it, or when it will go."""
    try:
        face = selectors.face_get(project=project, face_id=face_id)
    except NotFound:
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
            "bulk_groups": bulk_groups(request),
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


BULK_MAX = 500  # faces one bulk action takes (a page of the grid is 48)


@require_POST
@dashboard_view
def faces_bulk(request: HttpRequest) -> HttpResponse:
    """One action on the faces ticked in a grid: give them to a person (an existing one or a new one, from the
    person picker), take them from their persons, add their persons to a group, remove them from the face set shown,
    or delete them everywhere.
    All or nothing; the message says what was done to how many."""
    face_ids = list(dict.fromkeys(request.POST.getlist("face")))
    action = request.POST.get("action", "")
    back = redirect(redirect_back(request, "dashboard:faces_unassigned"))
    if not face_ids:
        messages.error(request, "Tick at least one face first. Nothing was changed.")
        return back
    if len(face_ids) > BULK_MAX:
        messages.error(request, f"At most {BULK_MAX} faces at once. Nothing was changed.")
        return back
    try:
        with transaction.atomic():
            faces = selectors.faces_get(project=request.project, face_ids=face_ids)
            count = len(faces)
            noun = f"{count} face{pluralize(count)}"
            if action == "assign":
                person = person_picked(request)
                if person is None:
                    messages.error(request, "Choose the person to give the faces to. Nothing was changed.")
                    return back
                person_add_faces(person=person, faces=faces)
                messages.success(request, f"{noun} now belong{pluralize(count, 's,')} to {person}.")
            elif action == "detach":
                taken = faces_take_from_persons(faces=faces)
                detached = (
                    selectors.faces_unassigned(project=request.project, view="detached")
                    .filter(pk__in=[face.pk for face in faces])
                    .count()
                )
                messages.success(
                    request,
                    f"{taken} face{pluralize(taken)} taken from their person. "
                    + (
                        f"{detached} of them are now in no face set and of no person: they expire (Unassigned faces)."
                        if detached
                        else "All of them are still in a face set."
                    ),
                )
            elif action == "remove":
                face_set = selectors.face_set_get(project=request.project, face_set_id=request.POST.get("face_set", ""))
                members = selectors.member_list(face_set=face_set).filter(face__in=faces)
                kept = selectors.member_count_kept_elsewhere(face_set=face_set, face_pks=[face.pk for face in faces])
                removed = face_set_remove_members(face_set=face_set, members=members, release=Release.DELETE)
                messages.success(
                    request,
                    f"Removed {removed} face{pluralize(removed)} from {face_set.name}: {removed - kept} deleted with "
                    f"their vectors and thumbnails, {kept} kept by their person or another face set.",
                )
            elif action == "group":
                group = selectors.group_get(project=request.project, group_id=request.POST.get("group", ""))
                persons = {face.person_id: face.person for face in faces if face.person_id is not None}
                if not persons:
                    messages.error(request, "None of these faces belongs to a person: give them to one first.")
                    return back
                added = group_add_persons(group=group, persons=persons.values())
                without = count - sum(1 for face in faces if face.person_id is not None)
                messages.success(
                    request,
                    f"{added} person{pluralize(added)} added to group {group}"
                    + (f" ({len(persons) - added} already in it)" if added < len(persons) else "")
                    + (f"; {without} face{pluralize(without)} without a person left out." if without else "."),
                )
            elif action == "delete":
                deleted = faces_delete_everywhere(project=request.project, face_pks=[face.pk for face in faces])
                entries = deleted.face_set_entries
                messages.success(
                    request,
                    f"Deleted {deleted.faces} face{pluralize(deleted.faces)} everywhere, with their vectors and "
                    f"thumbnails ({entries} face-set entr{pluralize(entries, 'y,ies')}).",
                )
            else:
                messages.error(request, "Choose what to do with the ticked faces. Nothing was changed.")
    except DomainError as error:
        messages.error(request, f"{error.message.rstrip('.')}. Nothing was changed.")
    return back
