"""The one argument reader of the form-style dialects (facesets.api.common.arguments), once for all of them."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from facesets.api.common.arguments import Arguments
from facesets.exceptions import InvalidArgument, MissingArgument, RequestInvalid

factory = APIRequestFactory()
PARSERS = [JSONParser(), FormParser(), MultiPartParser()]


def arguments(request) -> Arguments:
    return Arguments(Request(request, parsers=PARSERS))


def test_query_json_form_and_multipart_mix_and_the_body_wins():
    body = arguments(factory.post("/x?a=query&b=query", {"a": "json"}, format="json"))
    assert (body.text("a"), body.text("b")) == ("json", "query")
    form = arguments(factory.post("/x?a=query", "a=form&c=3", content_type="application/x-www-form-urlencoded"))
    assert (form.text("a"), form.integer("c", default=0, low=0, high=5)) == ("form", 3)
    multipart = arguments(factory.post("/x", {"a": "multi", "file": SimpleUploadedFile("p.jpg", b"jpeg")}))
    assert multipart.text("a") == "multi" and multipart.upload("file").read() == b"jpeg"


def test_id_lists_in_every_form_once_each():
    assert arguments(factory.post("/x", {"id": ["a", "b", "a"]}, format="json")).ids("id") == ["a", "b"]
    assert arguments(factory.get("/x?id=a,b&id=c")).ids("id") == ["a", "b", "c"]
    assert arguments(factory.get("/x?id[]=a&id[]=b")).ids("id") == ["a", "b"]
    assert arguments(factory.get("/x?id=")).ids("id") == []
    assert arguments(factory.get("/x")).ids("id") is None


def test_flags_and_integers():
    given = arguments(factory.get("/x?on=1&off=false&bad=maybe&n=12&big=99"))
    assert (given.flag("on"), given.flag("off"), given.flag("absent")) == (True, False, False)
    with pytest.raises(InvalidArgument) as bad_flag:
        given.flag("bad")
    assert (bad_flag.value.field, bad_flag.value.message) == ("bad", "must be 0 or 1")
    assert given.integer("n", default=1, low=1, high=20) == 12
    assert given.integer("absent", default=7, low=1, high=20) == 7
    with pytest.raises(InvalidArgument, match=r"not in range\(1..20\)"):
        given.integer("big", default=1, low=1, high=20)


def test_missing_wrong_type_and_unreadable_bodies_are_domain_errors():
    given = arguments(factory.post("/x", {"obj": {"a": 1}, "empty": " "}, format="json"))
    with pytest.raises(MissingArgument) as missing:
        given.text("name", required=True)
    assert missing.value.message == "must specify 'name' argument"
    with pytest.raises(InvalidArgument, match="must be a string"):
        given.text("obj")
    with pytest.raises(InvalidArgument, match="must not be empty"):
        given.text("empty", non_empty=True)
    with pytest.raises(InvalidArgument, match="multipart"):
        arguments(factory.get("/x?file=abc")).upload("file")
    with pytest.raises(RequestInvalid, match="cannot be parsed"):
        arguments(factory.post("/x", "{not json", content_type="application/json"))
    with pytest.raises(RequestInvalid, match="object of arguments"):
        arguments(factory.post("/x", json.dumps([1, 2]), content_type="application/json"))
    assert given.first("nope", "obj", "empty") == "obj"
