"""The JSON parser every API endpoint uses (REST_FRAMEWORK DEFAULT_PARSER_CLASSES).

DRF's own JSONParser has neither of the two limits below: it reads the body straight from the
request stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (enforced only by `request.body` and
`request.POST`) never applies to a JSON body, and `json.load` recurses once per nesting level,
so 2 KB of `[[[[...` raised RecursionError, a 500."""

import json
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

# No request this API takes nests deeper than 4 (an assessment's prevention answers inside
# the body; a prompt set's prompts inside sections inside the body). 32 leaves room and is
# far from the interpreter's recursion limit.
MAX_JSON_DEPTH = 32


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this service accepts."
    default_code = "request_too_large"


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` nests lists and objects more than `limit` deep (iteratively: the
    check itself must not recurse)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from exc
        try:
            data = json.loads(text, parse_constant=drf_json.strict_constant if self.strict else None)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep.")
        return data
