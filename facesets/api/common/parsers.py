"""Body parsers every dialect uses: DRF's, with the limits an attacker probes. A JSON document nested deeper than
MAX_JSON_DEPTH (the dialects' documents nest a few levels) is a parse error, answered as the dialect's "not valid
JSON" error, never a RecursionError."""

from __future__ import annotations

from django.conf import settings
from django.http import QueryDict
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser

MAX_JSON_DEPTH = 32


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests objects and arrays deeper than `limit` (checked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply") from None
        if json_depth_exceeds(data):
            raise ParseError(f"JSON parse error - the document nests more than {MAX_JSON_DEPTH} levels")
        return data


class LargeFormParser(BaseParser):
    """application/x-www-form-urlencoded read straight from the request stream, for the few endpoints whose
    documents allow bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (Baidu's match: 20 MB of images). DRF's FormParser reads
    `request.body`, which Django caps at that setting; the view's own `max_body_bytes` caps this one instead."""

    media_type = "application/x-www-form-urlencoded"

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(stream.read() if stream is not None else b"", encoding=encoding)
