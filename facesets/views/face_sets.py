"""Face sets: list, create (with the custom-field schema editor), the face grid with filter and sort, one face
(edit its fields, delete it), batch delete by filter, delete the set, and face thumbnails."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from .. import selectors
from ..exceptions import DomainError, FilterInvalid, InvalidFieldValue, SortInvalid
from ..fields import FIELD_TYPES
from ..forms import BatchDeleteForm, FaceEditForm, FaceSetCreateForm, FilterForm
from ..services.faces import face_set_member_update, face_set_remove_members
from ..services.library import face_set_create, face_set_create_problems, face_set_delete
from ..services.lifecycle import Release
from .base import Pager, add_domain_error, bulk_groups, dashboard_view, page, page_words, person_suggestions
from .faces import whereabouts

THUMB_MAX_AGE = 7 * 24 * 3600


def _face_set(request: HttpRequest, face_set_id: str):
    return selectors.face_set_get(project=request.project, face_set_id=face_set_id)  # NotFound: 404 (dashboard_view)


@require_safe
@dashboard_view
def face_set_list(request: HttpRequest) -> HttpResponse:
    face_sets = selectors.face_set_list(project=request.project).order_by("name")
    return page(request, "dashboard/face_sets.html", {"face_sets": face_sets, "nav": "face_sets"})


@require_http_methods(["GET", "POST"])
@dashboard_view
def face_set_new(request: HttpRequest) -> HttpResponse:
    project = request.project
    form = FaceSetCreateForm(request.POST or None, max_capacity=project.max_face_set_capacity)
    field_map = {"face_set_name": "name", "face_set_capacity": "capacity"}
    if request.method == "POST":
        valid = form.is_valid()
        # Every problem at once: the form's own and all the services would find, each under its field or row.
        problems = face_set_create_problems(
            project=project,
            name=form.cleaned_data.get("name"),
            capacity=form.cleaned_data.get("capacity"),
            field_schema=form.cleaned_data.get("schema"),
        )
        for problem in problems:
            if problem.field == "external_fields":
                form.schema_error(page_words(problem.message, form), problem.details.get("key"))
            else:
                add_domain_error(form, problem, field_map)
        if valid and not problems and form.schema_valid():
            try:
                face_set = face_set_create(
                    project=project,
                    name=form.cleaned_data["name"],
                    capacity=form.cleaned_data["capacity"],
                    field_schema=form.cleaned_data["schema"],
                )
            except DomainError as error:  # e.g. the quota, or a set of the same name created meanwhile
                add_domain_error(form, error, {**field_map, "external_fields": "field_schema"})
            else:
                messages.success(request, f"Face set {face_set.name} created. Enrol photos to fill it.")
                return redirect("dashboard:face_set", face_set_id=face_set.face_set_id)
    rows = form.schema_rows if form.is_bound else []
    return page(
        request,
        "dashboard/face_set_new.html",
        {
            "form": form,
            "schema_rows": rows or [{"name": "", "type": "string"}],
            "field_types": FIELD_TYPES,
            "nav": "face_sets",
        },
    )


@require_safe
@dashboard_view
def face_set_detail(request: HttpRequest, face_set_id: str) -> HttpResponse:
    face_set = _face_set(request, face_set_id)
    form = FilterForm(request.GET or None, face_set=face_set)
    filter_text, sort, newest = "", None, False
    if form.is_valid():
        filter_text = form.cleaned_data["filter"].strip()
        sort = form.sort_value()
        newest = form.cleaned_data.get("sort") == "-added"
    pager = None
    try:
        members = selectors.member_list_for_display(
            face_set=face_set, filter_text=filter_text or None, sort=sort, newest_first=newest
        )
        total = selectors.member_count(face_set=face_set, filter_text=filter_text or None)
        pager = Pager(request, members, total=total)
    except (FilterInvalid, SortInvalid) as error:
        add_domain_error(form, error)
    return page(
        request,
        "dashboard/face_set_detail.html",
        {
            "face_set": face_set,
            "form": form,
            "pager": pager,
            "filter_text": filter_text,
            "field_names": list(face_set.field_schema),
            "bulk_groups": bulk_groups(request),
            "search_state": selectors.face_set_search_state(face_set=face_set),
            "search_paths": selectors.SEARCH_PATHS,
            "nav": "face_sets",
        },
    )


@require_http_methods(["GET", "POST"])
@dashboard_view
def face_set_remove(request: HttpRequest, face_set_id: str) -> HttpResponse:
    face_set = _face_set(request, face_set_id)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm_name") != face_set.name:
            error = "Type the face set's name exactly to confirm."
        else:
            removed = face_set_delete(face_set=face_set, release=Release.DELETE)
            messages.success(request, f"Face set {face_set.name} and its {removed:,} faces were deleted.")
            return redirect("dashboard:face_sets")
    return page(request, "dashboard/face_set_delete.html", {"face_set": face_set, "error": error, "nav": "face_sets"})


@require_http_methods(["GET", "POST"])
@dashboard_view
def face_set_batch_delete(request: HttpRequest, face_set_id: str) -> HttpResponse:
    """Delete every face matching a filter, after a confirmation that shows how many that is."""
    face_set = _face_set(request, face_set_id)
    form = BatchDeleteForm(request.POST or request.GET or None)
    count = kept = None
    if form.is_valid():
        filter_text = form.cleaned_data["filter"].strip()
        try:
            count = selectors.member_count(face_set=face_set, filter_text=filter_text)
            kept = selectors.member_count_kept_elsewhere(face_set=face_set, filter_text=filter_text)
            if request.method == "POST" and count == form.cleaned_data.get("expected"):
                removed = face_set_remove_members(
                    face_set=face_set,
                    members=selectors.member_list(face_set=face_set, filter_text=filter_text),
                    release=Release.DELETE,
                )
                messages.success(
                    request,
                    f"Removed {removed:,} face{pluralize(removed)} matching {filter_text} from {face_set.name}: "
                    f"{removed - kept:,} deleted with their vectors and thumbnails, {kept:,} kept by their person "
                    "or another face set.",
                )
                return redirect("dashboard:face_set", face_set_id=face_set.face_set_id)
            if request.method == "POST":
                messages.warning(
                    request, f"The set changed meanwhile: {count:,} faces match now. Confirm again to delete them."
                )
        except FilterInvalid as error:
            add_domain_error(form, error)
            count = None
    return page(
        request,
        "dashboard/face_set_batch_delete.html",
        {
            "face_set": face_set,
            "form": form,
            "count": count,
            "kept": kept,
            "deleted": (count or 0) - (kept or 0),
            "nav": "face_sets",
        },
    )


def _member(request: HttpRequest, face_set, face_id: str):
    return selectors.member_get(face_set=face_set, face_id=face_id)


@require_http_methods(["GET", "POST"])
@dashboard_view
def face_detail(request: HttpRequest, face_set_id: str, face_id: str) -> HttpResponse:
    """One face of a set: its crop, where it was found, its person, and its editable id and field values."""
    face_set = _face_set(request, face_set_id)
    member = _member(request, face_set, face_id)
    face = member.face
    initial = {"external_image_id": face.external_image_id}
    initial.update({FaceEditForm.PREFIX + key: _as_text(value) for key, value in member.external_fields.items()})
    form = FaceEditForm(request.POST or None, face_set=face_set, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            face_set_member_update(
                member=member,
                external_image_id=form.cleaned_data["external_image_id"],
                external_fields=form.field_values(),
            )
        except InvalidFieldValue as error:
            add_domain_error(form, error, field=form.error_field_for(error.details.get("key")))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Face {face.face_id} saved.")
            return redirect("dashboard:face", face_set_id=face_set.face_set_id, face_id=face.face_id)
    face = selectors.face_get(project=request.project, face_id=face_id)
    return page(
        request,
        "dashboard/face_detail.html",
        {
            "face_set": face_set,
            "member": member,
            "face": face,
            "form": form,
            "memberships": selectors.face_memberships(face=face),
            "suggestions": person_suggestions(request),
            "nav": "face_sets",
        },
    )


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@require_POST
@dashboard_view
def face_delete(request: HttpRequest, face_set_id: str, face_id: str) -> HttpResponse:
    face_set = _face_set(request, face_set_id)
    member = _member(request, face_set, face_id)
    removed = face_set_remove_members(
        face_set=face_set, members=selectors.member_list(face_set=face_set).filter(pk=member.pk), release=Release.DELETE
    )
    if removed:
        fate = whereabouts(request.project, face_id)
        messages.success(request, f"Face {face_id} was removed from {face_set.name}. {fate}")
    return redirect(reverse("dashboard:face_set", kwargs={"face_set_id": face_set.face_set_id}))


@require_safe
@dashboard_view
def face_thumbnail(request: HttpRequest, face_id: str) -> HttpResponse:
    """A face's crop (JPEG). A face's crop never changes, so browsers may keep it a week (private: it needs a
    session)."""
    etag = '"' + hashlib.sha1(f"{request.project.project_id}/{face_id}".encode()).hexdigest()[:16] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        crop = selectors.face_crop_get(project=request.project, face_id=face_id)
        if crop is None:
            raise Http404("no such face")
        response = HttpResponse(crop, content_type="image/jpeg")
    response["Cache-Control"] = f"private, max-age={THUMB_MAX_AGE}, immutable"
    response["ETag"] = etag
    return response
