"""Face++ v3 FaceSets: create, addface, removeface, update, getdetail, delete, getfacesets."""

from __future__ import annotations

from django.db import transaction
from rest_framework.response import Response

from facesets import selectors
from facesets.exceptions import FaceSetNotFound
from facesets.models import FaceSet
from facesets.services.faces import face_set_add_faces_fitting, face_set_remove_members
from facesets.services.library import face_set_create, face_set_delete, face_set_update
from facesets.services.lifecycle import Release

from ...common.arguments import missing
from .. import wire
from ..errors import FaceppError
from .base import (
    FACESET_ARGUMENTS,
    FACESET_CAPACITY,
    PAGE,
    REMOVE_ALL,
    TOKEN_TTL_HOURS,
    TOKENS_PER_ADD,
    TOKENS_PER_REMOVE,
    FaceppView,
    endpoint_schema,
)


def _failure(token: str, reason: str) -> dict:
    return {"face_token": token, "reason": reason}


class FaceSetWriteView(FaceppView):
    def add_tokens(self, face_set: FaceSet, tokens: list[str]) -> tuple[int, list[dict]]:
        """Add faces by token as far as they are valid and fit: (how many were added, failure_detail)."""
        current = selectors.faces_current_by_id(project=self.project, face_ids=tokens, by="face_token")
        failures = [_failure(token, "INVALID_FACE_TOKEN") for token in tokens if token not in current]
        faces = [current[token] for token in dict.fromkeys(tokens) if token in current]
        members, over = face_set_add_faces_fitting(face_set=face_set, faces=faces)
        failures += [_failure(face.face_token, "QUOTA_EXCEEDED") for face in over]
        return len(members), failures

    @staticmethod
    def counted(face_set: FaceSet) -> int:
        face_set.refresh_from_db(fields=["face_count"])
        return face_set.face_count


class FaceSetCreateView(FaceSetWriteView):
    operation = "create"

    @endpoint_schema(
        "faceset_create",
        "Create a FaceSet (a FaceLib face set), optionally with up to 5 face tokens",
        (
            ("display_name", str, False, "at most 256 characters, none of ^@,&=*'\""),
            ("outer_id", str, False, "the client's id of the set: unique, at most 255 characters"),
            ("tags", str, False, "comma-separated tags, at most 255 characters"),
            ("face_tokens", str, False, "up to 5 comma-separated face tokens"),
            ("user_data", str, False, "at most 16 KB"),
            ("force_merge", bool, False, "1: an existing outer_id gets the tokens"),
        ),
        "`outer_id` unique per project; with `force_merge=1` an existing outer_id gets the tokens instead. "
        "`failure_detail` lists each token not added (INVALID_FACE_TOKEN, QUOTA_EXCEEDED).",
    )
    def post(self, request):
        display_name = self.label("display_name", 256)
        outer_id = self.label("outer_id", 255)
        tags = self.tags()
        user_data = self.label("user_data", 16 * 1024, max_bytes=16 * 1024)
        force_merge = self.args.flag("force_merge")
        given = bool((self.args.text("face_tokens") or "").strip()) if self.args.has("face_tokens") else False
        tokens = self.tokens("face_tokens", limit=TOKENS_PER_ADD) if given else []
        with transaction.atomic():
            face_set = None
            if outer_id and force_merge:
                try:
                    face_set = selectors.face_set_get(project=self.project, outer_id=outer_id)
                except FaceSetNotFound:
                    pass
            if face_set is None:
                capacity = FACESET_CAPACITY if self.project.max_face_set_capacity >= FACESET_CAPACITY else None
                face_set = face_set_create(
                    project=self.project,
                    name=None,
                    auto_name=True,
                    capacity=capacity,
                    user_data=user_data,
                    outer_id=outer_id,
                    display_name=display_name,
                    tags=tags,
                )
            added, failures = self.add_tokens(face_set, tokens)
        return Response(
            {
                "faceset_token": face_set.faceset_token,
                "outer_id": face_set.outer_id or "",
                "face_added": added,
                "face_count": self.counted(face_set),
                "failure_detail": failures,
            }
        )


class FaceSetAddFaceView(FaceSetWriteView):
    @endpoint_schema(
        "faceset_addface",
        "Add up to 5 face tokens to a FaceSet (they no longer expire)",
        (*FACESET_ARGUMENTS, ("face_tokens", str, True, "up to 5 comma-separated face tokens")),
    )
    def post(self, request):
        face_set = self.face_set()
        tokens = self.tokens("face_tokens", limit=TOKENS_PER_ADD)
        with transaction.atomic():
            added, failures = self.add_tokens(face_set, tokens)
        return Response(
            {
                "faceset_token": face_set.faceset_token,
                "outer_id": face_set.outer_id or "",
                "face_added": added,
                "face_count": self.counted(face_set),
                "failure_detail": failures,
            }
        )


class FaceSetRemoveFaceView(FaceSetWriteView):
    @endpoint_schema(
        "faceset_removeface",
        "Remove face tokens (up to 1,000, or RemoveAllFaceTokens) from a FaceSet",
        (*FACESET_ARGUMENTS, ("face_tokens", str, True, "up to 1,000 comma-separated tokens, or RemoveAllFaceTokens")),
        "`face_token` is accepted for `face_tokens` (the client sends it). A face left in no FaceSet expires 72 h "
        "later.",
    )
    def post(self, request):
        face_set = self.face_set()
        given = self.args.first("face_tokens", "face_token")
        if given is not None and (self.args.text(given) or "").strip() == REMOVE_ALL:
            members, failures = face_set.members.all(), []
        else:
            tokens = self.tokens("face_tokens", limit=TOKENS_PER_REMOVE, aliases=("face_token",))
            members = face_set.members.filter(face__face_token__in=tokens)
            present = set(members.values_list("face__face_token", flat=True))
            failures = [_failure(token, "INVALID_FACE_TOKEN") for token in tokens if token not in present]
        removed = face_set_remove_members(
            face_set=face_set, members=members, release=Release.EXPIRE, ttl_hours=TOKEN_TTL_HOURS
        )
        return Response(
            {
                "faceset_token": face_set.faceset_token,
                "outer_id": face_set.outer_id or "",
                "face_removed": removed,
                "face_count": self.counted(face_set),
                "failure_detail": failures,
            }
        )


class FaceSetUpdateView(FaceppView):
    operation = "update"

    @endpoint_schema(
        "faceset_update",
        "Change a FaceSet's outer_id, display_name, user_data or tags",
        (
            *FACESET_ARGUMENTS,
            ("new_outer_id", str, False, "the new outer_id"),
            ("display_name", str, False, "at most 256 characters"),
            ("user_data", str, False, "at most 16 KB"),
            ("tags", str, False, "comma-separated tags"),
        ),
    )
    def post(self, request):
        face_set = self.face_set()
        changes = {
            "outer_id": self.label("new_outer_id", 255),
            "display_name": self.label("display_name", 256),
            "user_data": self.label("user_data", 16 * 1024, max_bytes=16 * 1024),
            "tags": self.tags(),
        }
        if all(value is None for value in changes.values()):
            raise missing("new_outer_id", "display_name", "user_data", "tags")
        face_set = face_set_update(face_set=face_set, **changes)
        return Response({"faceset_token": face_set.faceset_token, "outer_id": face_set.outer_id or ""})


class FaceSetDetailView(FaceppView):
    @endpoint_schema(
        "faceset_getdetail",
        "A FaceSet's fields and its face tokens, 100 at a time from `start` (oldest first)",
        (*FACESET_ARGUMENTS, ("start", int, False, "1-10000, default 1")),
        "`next` (a string, as the reference types it) only when more face tokens remain.",
    )
    def post(self, request):
        face_set = self.face_set()
        start = self.args.integer("start", default=1, low=1, high=10_000)
        tokens = selectors.member_list(face_set=face_set).values_list("face__face_token", flat=True)
        page = selectors.page(tokens, offset=start - 1, limit=PAGE)
        body = {
            "faceset_token": face_set.faceset_token,
            "outer_id": face_set.outer_id or "",
            "display_name": face_set.display_name or "",
            "user_data": face_set.user_data or "",
            "tags": wire.tags_text(face_set),
            "face_count": face_set.face_count,
            "face_tokens": page.rows,
        }
        if page.has_more:
            body["next"] = str(start + PAGE)
        return Response(body)


class FaceSetDeleteView(FaceppView):
    @endpoint_schema(
        "faceset_delete",
        "Delete a FaceSet (check_empty=1, the default, refuses a FaceSet that holds faces)",
        (*FACESET_ARGUMENTS, ("check_empty", bool, False, "1 (default): refuse a FaceSet that holds faces")),
        "Its faces stay usable by token for 72 h unless they are in another FaceSet or belong to a person.",
    )
    def post(self, request):
        face_set = self.face_set()
        check_empty = self.args.flag("check_empty") if self.args.has("check_empty") else True
        if check_empty and face_set.face_count > 0:
            raise FaceppError("FACESET_NOT_EMPTY")
        token, outer_id = face_set.faceset_token, face_set.outer_id or ""
        face_set_delete(face_set=face_set, release=Release.EXPIRE, ttl_hours=TOKEN_TTL_HOURS)
        return Response({"faceset_token": token, "outer_id": outer_id})


class FaceSetListView(FaceppView):
    @endpoint_schema(
        "faceset_getfacesets",
        "The project's FaceSets (all of its face sets), 100 at a time, optionally only those with all the given tags",
        (("tags", str, False, "comma-separated: only sets with all of them"), ("start", int, False, "default 1")),
        "`next` only when more remain.",
    )
    def post(self, request):
        start = self.args.integer("start", default=1, low=1, high=10**9)
        face_sets = selectors.face_set_list(project=self.project, tags=self.tags())
        page = selectors.page(face_sets, offset=start - 1, limit=PAGE)
        body: dict = {"facesets": [wire.face_set_item(face_set) for face_set in page.rows]}
        if page.has_more:
            body["next"] = str(start + PAGE)
        return Response(body)
