"""Typed custom fields: schema rules and value validation (Huawei FRS section 5.3)."""

from __future__ import annotations

import pytest

from facesets import fields
from facesets.exceptions import InvalidExternalImageId, InvalidFieldSchema, InvalidFieldValue

SCHEMA = {
    "age": "integer",
    "location": "long",
    "weight": "double",
    "score": "float",
    "male": "boolean",
    "title": "string",
}


def test_schema_accepts_both_definition_forms_and_normalises_type_case():
    assert fields.validate_schema({"age": {"type": "Integer"}, "title": "string"}) == {
        "age": "integer",
        "title": "string",
    }
    assert fields.schema_as_definitions({"age": "integer"}) == {"age": {"type": "integer"}}
    assert fields.validate_schema(None) == {}


@pytest.mark.parametrize(
    "definitions",
    [
        {f"f{i}": {"type": "string"} for i in range(11)},
        {"": {"type": "string"}},
        {"x" * 37: {"type": "string"}},
        {"bad key": {"type": "string"}},
        {"face_id": {"type": "string"}},
        {"_source": {"type": "long"}},
        {"age": {"type": "date"}},
        {"age": {}},
        ["age"],
    ],
)
def test_schema_refuses_bad_definitions(definitions):
    with pytest.raises(InvalidFieldSchema):
        fields.validate_schema(definitions)


def test_ten_fields_and_36_character_keys_are_allowed():
    definitions = {f"k{i:02d}" + "x" * 33: {"type": "long"} for i in range(10)}
    assert len(fields.validate_schema(definitions)) == 10


def test_values_are_coerced_to_their_types():
    values = fields.validate_values(
        SCHEMA,
        {"age": "42", "location": 2**40, "weight": 61, "score": "0.5", "male": "true", "title": "quick"},
    )
    assert values == {"age": 42, "location": 2**40, "weight": 61.0, "score": 0.5, "male": True, "title": "quick"}
    assert type(values["weight"]) is float


@pytest.mark.parametrize(
    "values",
    [
        {"unknown": 1},
        {"age": "1.0f"},
        {"age": "100L"},
        {"weight": "1.0d"},
        {"age": 2**31},
        {"location": 2**63},
        {"age": True},
        {"age": 1.5},
        {"male": "yes"},
        {"title": ""},
        {"title": "x" * 257},
        {"title": 5},
        {"weight": "nan"},
        {"weight": float("inf")},
        "not an object",
    ],
)
def test_values_refused(values):
    with pytest.raises(InvalidFieldValue):
        fields.validate_values(SCHEMA, values)


@pytest.mark.parametrize("value", ["", "x" * 37, "has space", "ümlaut", None, 5])
def test_external_image_id_rules(value):
    with pytest.raises(InvalidExternalImageId):
        fields.validate_external_image_id(value)


def test_external_image_id_accepts_36_characters():
    assert fields.validate_external_image_id("a-b_C" + "9" * 31) == "a-b_C" + "9" * 31
