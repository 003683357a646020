"""Persons (search, create, a person's faces, add photos, move a face, merge, rename, delete) and groups (list,
create, add and remove persons, delete)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .. import selectors
from ..exceptions import DomainError, NotFound
from ..forms import GroupCreateForm, PersonCreateForm, PersonTargetForm
from ..services.faces import person_add_faces, person_remove_faces
from ..services.library import (
    group_add_persons,
    group_create,
    group_delete,
    group_remove_persons,
    person_create,
    person_delete,
    person_erase,
    person_merge,
    person_update,
)
from ..services.lifecycle import Release
from .base import (
    Pager,
    add_domain_error,
    bulk_groups,
    dashboard_view,
    page,
    person_picked,
    person_suggestions,
    redirect_back,
)
from .faces import whereabouts


def _person(request: HttpRequest, person_id: str):
    return selectors.person_get(project=request.project, person_id=person_id)  # NotFound: 404 (dashboard_view)


def _confirm(request: HttpRequest, title: str, body: str, *, action: str, cancel: str, nav: str) -> HttpResponse:
    """The page that asks before a deletion: what goes, what stays, the button and the way back."""
    context = {"title": title, "body": body, "action": action, "cancel": cancel, "nav": nav}
    return page(request, "dashboard/confirm.html", context)


def _group(request: HttpRequest, group_id: str):
    return selectors.group_get(project=request.project, group_id=group_id)


@require_http_methods(["GET", "POST"])
@dashboard_view
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_create(project=request.project, name=form.cleaned_data["name"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Person {person} created. Add photos of them below.")
            return redirect("dashboard:person", person_id=person.person_id)
    search = request.GET.get("q", "").strip()
    persons = selectors.person_list(project=request.project, search=search or None).order_by("name", "id")
    pager = Pager(request, persons, size=50)
    return page(request, "dashboard/persons.html", {"pager": pager, "q": search, "form": form, "nav": "persons"})


@require_http_methods(["GET", "POST"])
@dashboard_view
def person_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    person = _person(request, person_id)
    rename = PersonCreateForm(request.POST or None, initial={"name": person.name})
    if request.method == "POST" and rename.is_valid():
        try:
            person_update(person=person, name=rename.cleaned_data["name"])
        except DomainError as error:
            add_domain_error(rename, error)
        else:
            messages.success(request, "Name saved.")
            return redirect("dashboard:person", person_id=person.person_id)
    faces = Pager(request, selectors.person_faces(person=person), total=person.faces.count(), size=60)
    return page(
        request,
        "dashboard/person_detail.html",
        {
            "person": person,
            "pager": faces,
            "rename": rename,
            "merge_form": PersonTargetForm(),
            "groups": person.groups.order_by("name"),
            "bulk_groups": bulk_groups(request),
            "suggestions": person_suggestions(request, exclude=person),
            "face_sets": selectors.face_set_list(project=request.project).order_by("name"),
            "nav": "persons",
        },
    )


@require_POST
@dashboard_view
def face_person_set(request: HttpRequest, face_id: str) -> HttpResponse:
    """Give a face to a person (moving it from any earlier one), or take it from its person with `detach=1`; an
    empty person is a mistake, not a way to detach, and changes nothing."""
    try:
        face = selectors.face_get(project=request.project, face_id=face_id)
        text = request.POST.get("person", "").strip()
        if request.POST.get("detach") == "1":
            if face.person is not None:
                person_remove_faces(person=face.person, faces=[face])
                messages.success(
                    request,
                    f"Face {face_id} no longer belongs to {face.person}. {whereabouts(request.project, face_id)}",
                )
        elif text or request.POST.get("new_person", "").strip():
            with transaction.atomic():  # a person created here exists only with the face
                target = person_picked(request, text)
                person_add_faces(person=target, faces=[face])
            messages.success(request, f"Face {face_id} now belongs to {target}.")
        else:
            messages.error(request, f"Choose the person to give face {face_id} to. Nothing was changed.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(redirect_back(request, "dashboard:persons"))


@require_http_methods(["GET", "POST"])
@dashboard_view
def person_merge_view(request: HttpRequest, person_id: str) -> HttpResponse:
    """Merge another person into this one: a confirmation that names both and counts the faces that move."""
    person = _person(request, person_id)
    form = PersonTargetForm(request.POST or request.GET or None)
    other = None
    if form.is_valid():
        try:
            other = selectors.person_find(project=request.project, text=form.cleaned_data["person"])
            if other.pk == person.pk:
                raise NotFound("choose another person than this one", field="person")
        except DomainError as error:
            form.add_error("person", error.message)
            other = None
    if other is not None and request.method == "POST" and request.POST.get("confirm") == "1":
        moved = other.faces.count()
        try:
            person_merge(target=person, source=other)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Merged {other} into {person}: {moved} faces moved.")
        return redirect(redirect_back(request, reverse("dashboard:person", args=[person.person_id])))
    if other is None and form.is_bound and not form.errors:
        form.add_error("person", "Choose a person.")
    return page(
        request,
        "dashboard/person_merge.html",
        {
            "person": person,
            "other": other,
            "other_faces": selectors.person_faces(person=other)[:12] if other else [],
            "other_face_count": other.faces.count() if other else 0,
            "form": form,
            "suggestions": person_suggestions(request, exclude=person),
            "nav": "persons",
        },
    )


@require_http_methods(["GET", "POST"])
@dashboard_view
def person_remove(request: HttpRequest, person_id: str) -> HttpResponse:
    person = _person(request, person_id)
    if request.method == "POST":
        person_delete(person=person, release=Release.DELETE)
        messages.success(request, f"Person {person} was deleted. Faces still in a face set stay there.")
        return redirect("dashboard:persons")
    return _confirm(
        request,
        f"Delete person {person}?",
        f"{person.faces.count()} faces belong to {person}. Faces that are also in a face set stay there without a "
        "person; the others are deleted. This cannot be undone.",
        action="Delete person",
        cancel=f"/persons/{person.person_id}/",
        nav="persons",
    )


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


@require_http_methods(["GET", "POST"])
@dashboard_view
def person_erase_view(request: HttpRequest, person_id: str) -> HttpResponse:
    """Erase a person everywhere (a right-to-erasure request): every face, vector, thumbnail and kept photo of
    theirs, in every face set; the report says what went."""
    person = _person(request, person_id)
    if request.method == "POST":
        erased = person_erase(person=person)
        report = (
            f"Erased {erased.person}: {_plural(erased.faces, 'face')} with their vectors and thumbnails, "
            f"{_plural(erased.face_set_entries, 'entry', 'entries')} in {_plural(erased.face_sets, 'face set')}, "
            f"{_plural(erased.photos, 'kept photo')}, {_plural(erased.groups, 'group membership')}."
        )
        if erased.graphs:
            report += f" The search graph of {_plural(erased.graphs, 'face set')} is being rebuilt without them."
        messages.success(request, report)
        return redirect("dashboard:persons")
    preview = selectors.person_erasure_preview(person=person)
    return _confirm(
        request,
        f"Erase {person} everywhere?",
        f"This removes {_plural(preview['faces'], 'face')} of {person} with their vectors and thumbnails, "
        f"{_plural(preview['face_set_entries'], 'entry', 'entries')} in {_plural(preview['face_sets'], 'face set')}, "
        f"{_plural(preview['photos'], 'kept photo')} showing them and {_plural(preview['groups'], 'group membership')}"
        f", then the person. Nothing of {person} stays in any face set. This cannot be undone.",
        action="Erase person",
        cancel=f"/persons/{person.person_id}/",
        nav="persons",
    )


# --- groups ----------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@dashboard_view
def group_list(request: HttpRequest) -> HttpResponse:
    form = GroupCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create(
                project=request.project,
                name=form.cleaned_data["name"],
                outer_id=form.cleaned_data["outer_id"] or None,
            )
        except DomainError as error:
            add_domain_error(form, error, {"group_id": "outer_id"})
        else:
            messages.success(request, f"Group {group} created. Add persons to it below.")
            return redirect("dashboard:group", group_id=group.group_id)
    pager = Pager(request, selectors.group_list(project=request.project).order_by("name", "id"), size=50)
    return page(request, "dashboard/groups.html", {"pager": pager, "form": form, "nav": "groups"})


@require_http_methods(["GET", "POST"])
@dashboard_view
def group_detail(request: HttpRequest, group_id: str) -> HttpResponse:
    group = _group(request, group_id)
    form = PersonTargetForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            try:
                person = selectors.person_get(project=request.project, person_id=request.POST.get("person_id", ""))
            except NotFound as error:
                messages.error(request, error.message)
            else:
                group_remove_persons(group=group, persons=[person])
                messages.success(request, f"{person} was removed from {group}.")
            return redirect("dashboard:group", group_id=group.group_id)
        if form.is_valid():
            try:
                person = selectors.person_find(project=request.project, text=form.cleaned_data["person"])
                added = group_add_persons(group=group, persons=[person])
            except DomainError as error:
                form.add_error("person", error.message)
            else:
                if added:
                    messages.success(request, f"{person} was added to {group}.")
                else:
                    messages.info(request, f"{person} is already in {group}.")
                return redirect("dashboard:group", group_id=group.group_id)
    persons = Pager(request, selectors.group_persons(group=group), size=100)
    return page(
        request,
        "dashboard/group_detail.html",
        {"group": group, "pager": persons, "form": form, "suggestions": person_suggestions(request), "nav": "groups"},
    )


@require_http_methods(["GET", "POST"])
@dashboard_view
def group_remove(request: HttpRequest, group_id: str) -> HttpResponse:
    group = _group(request, group_id)
    if request.method == "POST":
        group_delete(group=group)
        messages.success(request, f"Group {group} was deleted; its persons stay.")
        return redirect("dashboard:groups")
    return _confirm(
        request,
        f"Delete group {group}?",
        f"The group holds {group.persons.count()} persons. They and their faces stay; only the group goes.",
        action="Delete group",
        cancel=f"/groups/{group.group_id}/",
        nav="groups",
    )


@require_safe
@dashboard_view
def person_lookup(request: HttpRequest) -> JsonResponse:
    """The person picker's search as you type: persons whose name contains `q` (or with that id), each with its face
    count and a thumbnail."""
    rows = selectors.person_lookup(project=request.project, text=request.GET.get("q", ""))
    for row in rows:
        row["thumb"] = reverse("dashboard:face_thumbnail", args=[row["face_id"]]) if row["face_id"] else None
        row["url"] = reverse("dashboard:person", args=[row["person_id"]])
    return JsonResponse({"persons": rows})
