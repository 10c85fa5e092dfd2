"""JSON request bodies with limits: size (``API_JSON_MAX_BYTES``) and nesting depth
(``API_JSON_MAX_DEPTH``). A body past either is a 400 with a code, not a RecursionError."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class BodyTooLarge(exceptions.ParseError):
    default_code = "body_too_large"


class BodyTooDeep(exceptions.ParseError):
    default_code = "json_too_deep"


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` outside strings: one pass, no recursion."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # too few brackets to nest that deep: no need to walk the bytes
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(f"The request body is larger than {limit} bytes.")
        if json_depth_exceeds(raw, settings.API_JSON_MAX_DEPTH):
            raise BodyTooDeep(f"The JSON is nested more than {settings.API_JSON_MAX_DEPTH} levels deep.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding))
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
