"""One argument reader for the form-style dialects (SenseTime, Baidu, Face++): every argument may come from the query
string or from a JSON, application/x-www-form-urlencoded or multipart body, and the sources may be mixed (a body
value wins over the query string's). Id lists are a JSON array, a comma-separated string ("a,b"), repeated fields
(`id=a&id=b`) or any mix; flags are 1/0 (true/false also work); files come only from a multipart upload.

A bad argument raises a domain error naming it (InvalidArgument with `field` = the argument's name, MissingArgument,
RequestInvalid for a body that cannot be read), which each dialect renders through its own error table. Dialects
whose bodies are JSON documents (Huawei) use DRF serializers instead.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from rest_framework.exceptions import ParseError, UnsupportedMediaType

from facesets.exceptions import InvalidArgument, MissingArgument, RequestInvalid

TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off", "")


def invalid(argument: str, problem: str) -> InvalidArgument:
    return InvalidArgument(problem, field=argument)


def missing(*arguments: str) -> MissingArgument:
    """The error for a required argument that is absent: "must specify 'file' or 'url' argument"."""
    names = " or ".join(f"'{argument}'" for argument in arguments)
    return MissingArgument(f"must specify {names} argument", field=arguments[0], arguments=",".join(arguments))


class Arguments:
    """The arguments of one request (see the module docstring for the accepted forms)."""

    def __init__(self, request) -> None:
        self.query = request.query_params
        try:
            body = request.data
        except ParseError as error:
            raise RequestInvalid(f"the request body cannot be parsed: {error.detail}") from error
        except UnsupportedMediaType as error:
            raise RequestInvalid(
                "send arguments as a query string, JSON, application/x-www-form-urlencoded or multipart/form-data"
            ) from error
        if body is None:
            body = {}
        if not isinstance(body, dict | QueryDict):
            raise RequestInvalid("a JSON body must be an object of arguments")
        self.body = body
        self.files = getattr(request, "FILES", None) or {}

    def values(self, name: str) -> list[Any] | None:
        """Every value given for `name` (body first), or None when the argument is absent."""
        for source in (self.body, self.query):
            if isinstance(source, QueryDict):
                for key in (name, f"{name}[]"):
                    if key in source:
                        return source.getlist(key)
            elif name in source:
                value = source[name]
                return list(value) if isinstance(value, list) else [value]
        return None

    def _json_array(self, name: str) -> bool:
        """Whether the JSON body gives `name` as an array (repeated form fields are not that)."""
        return not isinstance(self.body, QueryDict) and isinstance(self.body.get(name), list)

    def has(self, name: str) -> bool:
        return self.values(name) is not None

    def first(self, *names: str) -> str | None:
        """The first of several names (a document's and a client's spelling of one argument) that is given."""
        return next((name for name in names if self.has(name)), None)

    @staticmethod
    def _scalar(name: str, value: Any) -> str:
        """Text as given: a JSON number, boolean, null, object or array where text belongs is refused, not
        converted (the documents type these arguments as strings)."""
        if isinstance(value, UploadedFile):
            raise invalid(name, "must be text, not a file")
        if not isinstance(value, str):
            raise invalid(name, "must be a string")
        return value

    def text(self, name: str, *, required: bool = False, non_empty: bool = False) -> str | None:
        """A string argument; None when absent and not required."""
        values = self.values(name)
        if not values:
            if required:
                raise missing(name)
            return None
        if self._json_array(name):
            raise invalid(name, "must be a string")
        value = self._scalar(name, values[0])
        if non_empty and not value.strip():
            raise invalid(name, "must not be empty")
        return value

    def ids(self, name: str, *, required: bool = False) -> list[str] | None:
        """An array of ids; None when absent (or a missing-argument error when required), [] when given empty."""
        values = self.values(name)
        if values is None:
            if required:
                raise missing(name)
            return None
        ids: list[str] = []
        for value in values:
            items = value if isinstance(value, list) else [value]
            for item in items:
                ids.extend(part.strip() for part in self._scalar(name, item).split(",") if part.strip())
        return list(dict.fromkeys(ids))

    def flag(self, name: str) -> bool:
        """A 0/1 argument, 0 when absent."""
        values = self.values(name)
        if not values:
            return False
        value = values[0]
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise invalid(name, "must be 0 or 1")

    def integer(self, name: str, *, default: int, low: int, high: int) -> int:
        """An integer argument within low..high, `default` when absent."""
        values = self.values(name)
        if not values:
            return default
        value = values[0]
        if isinstance(value, bool):
            raise invalid(name, "not an integer")
        try:
            number = int(value) if isinstance(value, int) else int(str(value).strip())
        except (TypeError, ValueError):
            raise invalid(name, "not an integer") from None
        if not low <= number <= high:
            raise invalid(name, f"not in range({low}..{high})")
        return number

    def upload(self, name: str) -> UploadedFile | None:
        """An uploaded file (multipart only); None when absent."""
        uploaded = self.files.get(name)
        if uploaded is None:
            if self.has(name):
                raise invalid(name, "must be the file's content, uploaded as multipart/form-data")
            return None
        return uploaded
