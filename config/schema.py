"""The OpenAPI schema's error answers (REST_FRAMEWORK DEFAULT_SCHEMA_CLASS).

drf-spectacular documents only the success answer of each operation, so a client (or
schemathesis' status-code conformance check) could not know that a 400, 401, 403, 404 or 409
may come back, nor its shape. Every operation here adds the error answers this API gives
(API.md "Authentication and errors"), each with the one shared `ApiError` component, unless
the view documents that code itself."""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiError(serializers.Serializer):
    """An error answer. A rule or a refusal: `{"code", "detail"}`. Invalid input: the names
    of the fields at fault, each with its messages (`{"summary": ["Enter a summary"]}`),
    which the open object allows beside `code` and `detail`."""

    code = serializers.CharField(required=False, help_text="A stable, machine-readable reason.")
    detail = serializers.JSONField(required=False, help_text="What went wrong, for a person.")


ANY_OPERATION = {
    "400": "Invalid input: the fields at fault, or `detail`.",
    "401": "No credentials, or bad ones.",
    "403": "The caller's role may not do this.",
    "404": "No such object, or not one the caller may see.",
    "429": "Too many attempts: try again later.",
    "503": "The database could not be reached; nothing was done. Try again.",
}
WITH_BODY = {
    "409": "A rule blocks the action: `code` says which.",
    "413": "The request body is too large.",
    "415": "The body is not JSON (or a form).",
    "422": "The Idempotency-Key was used before with a different body.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = dict(ANY_OPERATION)
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            errors.update(WITH_BODY)
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ApiError, description=description), code, direction=direction
                )
        return responses
