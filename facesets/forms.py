"""Dashboard forms. They only parse what the browser sends; the rules (names, types, capacities, quotas) are the
services', and their DomainErrors are shown next to the field that caused them (views.base.add_domain_error)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from . import fields
from .exceptions import InvalidExternalImageId
from .fields import FIELD_TYPES
from .models import FaceSet, ProjectMembership

CAPACITY_CHOICES = [(value, f"{value:,}") for value in (10_000, 20_000, 50_000, 100_000)]


class ProjectCreateForm(forms.Form):
    name = forms.CharField(max_length=64, label="Project name")


class FaceSetCreateForm(forms.Form):
    """Name, capacity and the custom-field schema, which arrives as parallel lists `field_name` / `field_type`
    (rows of the schema editor, kept in the order typed). A problem with a row is shown under that row
    (`schema_error`)."""

    name = forms.CharField(max_length=64, help_text="1-64 letters, digits, '-' or '_'.")
    capacity = forms.TypedChoiceField(choices=CAPACITY_CHOICES, coerce=int, initial=100_000)
    field_schema = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, max_capacity: int = 100_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["capacity"].choices = [choice for choice in CAPACITY_CHOICES if choice[0] <= max_capacity]
        data = self.data if self.is_bound else {}
        names = data.getlist("field_name") if hasattr(data, "getlist") else []
        types = data.getlist("field_type") if hasattr(data, "getlist") else []
        self.schema_rows = [
            {"name": name.strip(), "type": field_type, "errors": []}
            for name, field_type in zip(names, types, strict=False)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        schema: dict[str, str] = {}
        for row in self.schema_rows:
            if not row["name"]:
                continue
            if row["name"] in schema:
                row["errors"].append(f"The field “{row['name']}” is defined twice.")
            schema[row["name"]] = row["type"]
        cleaned["schema"] = schema
        return cleaned

    def schema_error(self, message: str, key: str | None = None) -> None:
        """A problem with the schema: under the first row named `key`, else under the editor."""
        for row in self.schema_rows:
            if key is not None and row["name"] == key:
                row["errors"].append(message)
                return
        self.add_error("field_schema", message)

    def schema_valid(self) -> bool:
        return not any(row["errors"] for row in self.schema_rows) and "field_schema" not in self.errors


def page_words(message: str, form: forms.Form | None = None) -> str:
    """A service's message in the page's words: `external_fields.age` becomes the field "age", and a parameter named
    like one of the form's fields (`image1`) becomes that field's label ("First photo")."""
    message = re.sub(r"external_fields\.([\w-]+)", lambda match: f"the field “{match.group(1)}”", message)
    message = message.replace("external_fields", "the field values")
    if form is not None:
        for name, field in form.fields.items():
            if field.label and re.search(rf"\b{re.escape(name)}\b", message):
                message = re.sub(rf"\b{re.escape(name)}\b", str(field.label), message)
    return message[:1].upper() + message[1:]


FIELD_TYPE_CHOICES = [(name, name) for name in FIELD_TYPES]


def _value_field(field_type: str, *, required: bool = False) -> forms.Field:
    if field_type == "boolean":
        return forms.ChoiceField(choices=[("", "—"), ("true", "true"), ("false", "false")], required=required)
    attrs = {"inputmode": "numeric"} if field_type in ("integer", "long") else {}
    if field_type in ("float", "double"):
        attrs = {"inputmode": "decimal"}
    return forms.CharField(required=required, widget=forms.TextInput(attrs=attrs), help_text=field_type)


class FieldValuesForm(forms.Form):
    """Custom-field values typed by a face set's schema: one input per field, named `field__<name>`. Values go to the
    services as text; they convert and check them against the schema."""

    PREFIX = "field__"

    def __init__(self, *args: Any, face_set: FaceSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.face_set = face_set
        for name, field_type in face_set.field_schema.items():
            field = _value_field(field_type)
            field.label = name
            self.fields[self.PREFIX + name] = field

    def clean(self) -> dict[str, Any]:
        """Every typed value checked by its field's type at once (the rule is the services': fields.value_problems),
        each error under its own input."""
        cleaned = super().clean()
        typed = {
            key[len(self.PREFIX) :]: value
            for key, value in cleaned.items()
            if key.startswith(self.PREFIX) and value not in (None, "")
        }
        for problem in fields.value_problems(self.face_set.field_schema, typed)[1]:
            self.add_error(self.error_field_for(problem.details.get("key")), page_words(problem.message))
        return cleaned

    def field_values(self) -> dict[str, str]:
        return {
            key[len(self.PREFIX) :]: value
            for key, value in self.cleaned_data.items()
            if key.startswith(self.PREFIX) and value not in (None, "")
        }

    def value_fields(self):
        return [self[key] for key in self.fields if key.startswith(self.PREFIX)]

    def error_field_for(self, key: str | None) -> str | None:
        return self.PREFIX + key if key and self.PREFIX + key in self.fields else None


class FaceEditForm(FieldValuesForm):
    external_image_id = forms.CharField(max_length=36, help_text="1-36 letters, digits, '_' or '-'.")

    field_order = ["external_image_id"]

    def clean_external_image_id(self) -> str:
        try:
            return fields.validate_external_image_id(self.cleaned_data["external_image_id"])
        except InvalidExternalImageId as error:
            raise forms.ValidationError(page_words(error.message)) from None


class BoxField(forms.CharField):
    """A face chosen on the detect page: "x,y,w,h" in the photo's pixels, or nothing (the largest face)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)

    def clean(self, value: Any) -> list[int] | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            box = [int(float(part)) for part in text.split(",")]
        except ValueError:
            box = []
        if len(box) != 4 or min(box) < 0 or box[2] == 0 or box[3] == 0 or max(box) > 100_000:
            raise forms.ValidationError("The chosen face is not a box: choose the face again.")
        return box


class EnrolForm(FieldValuesForm):
    person = forms.CharField(
        required=False,
        help_text="Optional: type a name and pick the person, or create a new one; every face goes to this person.",
        widget=forms.TextInput(attrs={"data-person-picker": "", "data-allow-new": "", "autocomplete": "off"}),
    )
    single = forms.BooleanField(required=False, initial=True, label="Only the largest face of each photo")
    box = BoxField()  # from the detect page: enrol the face found there instead of the largest


class FilterForm(forms.Form):
    filter = forms.CharField(required=False, widget=forms.TextInput(attrs={"spellcheck": "false"}))
    sort = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, face_set: FaceSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Added, oldest first"), ("-added", "Added, newest first")]
        for name, field_type in face_set.field_schema.items():
            if field_type in ("integer", "long", "float", "double"):
                choices += [(f"{name}:asc", f"{name}, ascending"), (f"{name}:desc", f"{name}, descending")]
        self.fields["sort"].choices = choices

    def sort_value(self) -> list[dict[str, str]] | None:
        value = self.cleaned_data.get("sort") or ""
        if ":" in value:
            name, direction = value.rsplit(":", 1)
            return [{name: direction}]
        return None


class SearchForm(forms.Form):
    photo = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    scope = forms.ChoiceField(label="Search in")
    limit = forms.IntegerField(min_value=1, max_value=100, initial=10, label="Top N")
    threshold = forms.FloatField(min_value=0.0, max_value=1.0, initial=0.93, label="Minimum similarity")
    filter = forms.CharField(
        required=False,
        label="Filter (face sets only)",
        widget=forms.TextInput(attrs={"spellcheck": "false", "placeholder": 'e.g. age:[20 TO 40] && city:"Paris"'}),
    )

    box = BoxField()

    def __init__(self, *args: Any, face_sets, groups, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [
            ("Face sets", [(f"face_set:{fs.face_set_id}", f"{fs.name} ({fs.face_count:,} faces)") for fs in face_sets]),
            ("Groups", [(f"group:{group.group_id}", str(group)) for group in groups]),
        ]


class CompareForm(forms.Form):
    image1 = forms.FileField(label="First photo", widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    image2 = forms.FileField(label="Second photo", widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class DetectForm(forms.Form):
    image = forms.FileField(label="Photo", widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class LivenessForm(forms.Form):
    """A clip and the actions to look for (Huawei live-detect's arguments, checked the same way)."""

    ACTION_CHOICES = [("1", "1 turn left"), ("2", "2 turn right"), ("3", "3 nod"), ("4", "4 mouth"), ("5", "5 blink")]

    video = forms.FileField(
        label="Video",
        help_text="1-15 s, at most 8 MB: mp4, mov, avi, flv, webm or asf.",
        widget=forms.ClearableFileInput(attrs={"accept": "video/*"}),
    )
    actions = forms.CharField(
        initial="1,2",
        max_length=40,
        help_text="In the order they must happen, e.g. 1,3: 1 turn to the person's own left, 2 right, 3 nod, 4 open "
        "and close the mouth, 5 blink.",
    )
    action_time = forms.CharField(
        required=False,
        max_length=200,
        help_text='Optional: one "start-end" window in ms per action, e.g. 0-2000,2000-4000.',
    )
    nod_threshold = forms.FloatField(initial=10, min_value=1, max_value=90, help_text="Degrees a nod must reach.")

    def clean_actions(self):
        from .exceptions import InvalidArgument
        from .services.liveness import actions_parse

        try:
            return actions_parse(self.cleaned_data["actions"])
        except InvalidArgument as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        from .exceptions import InvalidArgument
        from .services.liveness import windows_parse

        cleaned = super().clean()
        cleaned["windows"] = None
        if "actions" in cleaned:
            try:
                cleaned["windows"] = windows_parse(cleaned.get("action_time"), len(cleaned["actions"]))
            except InvalidArgument as error:
                self.add_error("action_time", error.message)
        return cleaned

    def clean_video(self):
        video = self.cleaned_data["video"]
        if video.size > 8 * 1024 * 1024:
            raise forms.ValidationError("The video is larger than 8 MB.")
        return video


class PersonCreateForm(forms.Form):
    name = forms.CharField(max_length=256)


class PersonTargetForm(forms.Form):
    """Another person, by name or id (move a face to them, merge them)."""

    person = forms.CharField(label="Person", help_text="A name or a person id.")


class GroupCreateForm(forms.Form):
    name = forms.CharField(max_length=256)
    outer_id = forms.CharField(
        max_length=128, required=False, label="Group id", help_text="Optional id for API clients (SenseTime, Baidu)."
    )


class CredentialCreateForm(forms.Form):
    description = forms.CharField(
        max_length=200, required=False, help_text="What uses this key, so you can tell keys apart later."
    )


class MembershipForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=ProjectMembership.Role.choices)


class BatchDeleteForm(forms.Form):
    filter = forms.CharField(widget=forms.TextInput(attrs={"spellcheck": "false"}))
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput)
