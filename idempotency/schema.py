"""The Idempotency-Key header in the OpenAPI schema, on every POST operation."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter

from config.schema import AutoSchema as ErrorAnswersAutoSchema

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "1 to 255 printable characters. A repeat by the same account with the same key within 24 hours "
        "gets the first answer (status and body, with `Idempotent-Replayed: true`) and does nothing again; "
        'the same key with a different request gets 422 {"code": "idempotency_key_reused"}; a bad key 400. '
        "Requests made without an account (the token endpoint) are not kept."
    ),
)


class AutoSchema(ErrorAnswersAutoSchema):
    """The error answers of every operation (config.schema), plus the header on every POST."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters
