"""Face sets (4.5) and their faces (4.6)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from facesets import fields as field_rules
from facesets.selectors import (
    face_set_get,
    face_set_list,
    member_get,
    member_list,
    member_list_by_field,
    page,
)
from facesets.services.faces import face_set_member_update, face_set_remove_members
from facesets.services.library import face_set_create, face_set_delete
from facesets.services.lifecycle import Release
from facesets.services.runs import (
    face_set_enrol_run,
)

from .. import serializers as wire
from ..errors import ADD, DELETE_BY_FIELD, HuaweiError
from .base import ERRORS, FACE_SET_NAME, INFERENCE_ERRORS, TAG, HuaweiView, request_bodies


class FaceSetsView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_sets_list",
        summary="List all face sets (4.5.2)",
        responses={200: wire.HuaweiFaceSetsInfoResponseSerializer, **ERRORS},
    )
    def get(self, request, project_id: str) -> Response:
        face_sets = face_set_list(project=self.project)
        return Response(wire.HuaweiFaceSetsInfoResponseSerializer({"face_sets_info": face_sets}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_sets_create",
        summary="Create a face set (4.5.1)",
        description="Name 1-64 letters, digits, `-`, `_`; capacity a multiple of 10,000 (default 100,000, at most "
        "the project's maximum); up to 10 typed custom fields.",
        request=wire.HuaweiCreateFaceSetRequestSerializer,
        responses={200: wire.HuaweiFaceSetInfoResponseSerializer, **ERRORS},
    )
    def post(self, request, project_id: str) -> Response:
        values = self.validated(wire.HuaweiCreateFaceSetRequestSerializer, request.data)
        face_set = face_set_create(
            project=self.project,
            name=values["face_set_name"],
            capacity=values.get("face_set_capacity"),
            field_schema=values.get("external_fields"),
        )
        return Response(wire.HuaweiFaceSetInfoResponseSerializer({"face_set_info": face_set}).data)


class FaceSetView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_set_show",
        summary="Show a face set (4.5.3)",
        parameters=[FACE_SET_NAME],
        responses={200: wire.HuaweiFaceSetInfoResponseSerializer, **ERRORS},
    )
    def get(self, request, project_id: str, face_set_name: str) -> Response:
        face_set = face_set_get(project=self.project, name=face_set_name)
        return Response(wire.HuaweiFaceSetInfoResponseSerializer({"face_set_info": face_set}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_face_set_delete",
        summary="Delete a face set with its faces (4.5.4)",
        parameters=[FACE_SET_NAME],
        responses={200: wire.HuaweiDeleteFaceSetResponseSerializer, **ERRORS},
    )
    def delete(self, request, project_id: str, face_set_name: str) -> Response:
        face_set = face_set_get(project=self.project, name=face_set_name)
        face_set_delete(face_set=face_set, release=Release.DELETE)
        return Response({"face_set_name": face_set.name})


class FacesView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_show",
        summary="Show faces by offset/limit or by face_id (4.6.2)",
        parameters=[
            FACE_SET_NAME,
            OpenApiParameter("offset", int, description="first face to return (default 0)"),
            OpenApiParameter("limit", int, description="how many (default 5); offset + limit <= 10000"),
            OpenApiParameter("face_id", str, description="one face instead of a page"),
        ],
        responses={200: wire.HuaweiFacesResponseSerializer, **ERRORS},
    )
    def get(self, request, project_id: str, face_set_name: str) -> Response:
        values = self.validated(wire.HuaweiShowFacesQuerySerializer, request.query_params)
        face_set = face_set_get(project=self.project, name=face_set_name)
        if "face_id" in values:
            members = [member_get(face_set=face_set, face_id=values["face_id"])]
        else:
            members = page(member_list(face_set=face_set), offset=values["offset"], limit=values["limit"]).rows
        return Response(wire.HuaweiFacesResponseSerializer({"face_set": face_set, "members": members}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_add",
        summary="Add the faces of a photo (4.6.1)",
        description="Every face of the photo (only the largest with `single`), all with the same "
        "`external_image_id` (generated when absent) and `external_fields` values.",
        parameters=[FACE_SET_NAME],
        request=request_bodies(wire.HuaweiAddFacesRequestSerializer),
        responses={200: wire.HuaweiFacesResponseSerializer, **INFERENCE_ERRORS},
    )
    def post(self, request, project_id: str, face_set_name: str) -> Response:
        self.operation = ADD
        values = self.validated(wire.HuaweiAddFacesRequestSerializer, request.data)
        face_set = face_set_get(project=self.project, name=face_set_name)
        # Checked before any download or inference, so a bad value costs nothing.
        if "external_image_id" in values:
            field_rules.validate_external_image_id(values["external_image_id"])
        field_rules.validate_values(face_set.field_schema, values.get("external_fields"))
        members = face_set_enrol_run(
            face_set=face_set,
            image=self.image(values),
            external_image_id=values.get("external_image_id"),
            external_fields=values.get("external_fields"),
            single=values["single"],
        )
        return Response(wire.HuaweiFacesResponseSerializer({"face_set": face_set, "members": members}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_update",
        summary="Update a face's external_image_id and/or external_fields (4.6.3)",
        parameters=[FACE_SET_NAME],
        request=wire.HuaweiUpdateFaceRequestSerializer,
        responses={200: wire.HuaweiFaceNumberResponseSerializer, **ERRORS},
    )
    def put(self, request, project_id: str, face_set_name: str) -> Response:
        values = self.validated(wire.HuaweiUpdateFaceRequestSerializer, request.data)
        face_set = face_set_get(project=self.project, name=face_set_name)
        member = member_get(face_set=face_set, face_id=values["face_id"])
        face_set_member_update(
            member=member,
            external_image_id=values.get("external_image_id"),
            external_fields=values.get("external_fields"),
        )
        return Response(wire.HuaweiFaceNumberResponseSerializer({"face_number": 1, "face_set": face_set}).data)

    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_delete",
        summary="Delete faces by face_id, external_image_id or a custom field (4.6.4)",
        description="Exactly one query parameter: `face_id=...`, `external_image_id=...` or `<custom field>=<value>`.",
        parameters=[
            FACE_SET_NAME,
            OpenApiParameter("face_id", str),
            OpenApiParameter("external_image_id", str),
        ],
        responses={200: wire.HuaweiFaceNumberResponseSerializer, **ERRORS},
    )
    def delete(self, request, project_id: str, face_set_name: str) -> Response:
        self.operation = DELETE_BY_FIELD
        params = list(request.query_params.lists())
        if not params:
            raise HuaweiError("FRS.0011", "give the field to delete by: face_id, external_image_id or a custom field")
        if len(params) > 1 or len(params[0][1]) > 1:
            raise HuaweiError("FRS.0012", "give exactly one field to delete by")
        field, [value] = params[0]
        face_set = face_set_get(project=self.project, name=face_set_name)
        members = member_list_by_field(face_set=face_set, field=field, value=value)
        removed = face_set_remove_members(face_set=face_set, members=members, release=Release.DELETE)
        if not removed:
            if field == "face_id":
                raise HuaweiError("FRS.0403", f"face id {value!r} does not exist in the face set")
            if field == "external_image_id":
                raise HuaweiError("FRS.0402", f"external image id {value!r} does not exist, can not delete face")
            raise HuaweiError("FRS.0401", f"no face has {field} = {value!r}, can not delete")
        return Response(wire.HuaweiFaceNumberResponseSerializer({"face_number": removed, "face_set": face_set}).data)


class FacesBatchView(HuaweiView):
    @extend_schema(
        tags=[TAG],
        operation_id="huawei_faces_batch_delete",
        summary="Delete the faces matching a filter (4.6.5)",
        parameters=[FACE_SET_NAME],
        request=wire.HuaweiBatchDeleteRequestSerializer,
        responses={200: wire.HuaweiFaceNumberResponseSerializer, **ERRORS},
    )
    def delete(self, request, project_id: str, face_set_name: str) -> Response:
        values = self.validated(wire.HuaweiBatchDeleteRequestSerializer, request.data)
        face_set = face_set_get(project=self.project, name=face_set_name)
        members = member_list(face_set=face_set, filter_text=values["filter"])
        removed = face_set_remove_members(face_set=face_set, members=members, release=Release.DELETE)
        if not removed:
            raise HuaweiError("FRS.0407")
        return Response(wire.HuaweiFaceNumberResponseSerializer({"face_number": removed, "face_set": face_set}).data)
