"""API plumbing shared by every app: error shapes from API.md."""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import Blocked


def paginated(serializer: type[serializers.Serializer]) -> serializers.Serializer:
    """The OpenAPI shape of a PageNumberPagination page of `serializer` for a function view
    (drf-spectacular infers pagination only for generic views)."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(
        f"Paginated{serializer.__name__.removesuffix('Out')}List",
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


class ClientTimeField(serializers.DateTimeField):
    """A time a client sends as its own (a CAD's opened_at, submitted_at, closed_at).

    With an offset ("Z", "+01:00", ...) it is that instant, handed on in UTC. Without one
    it is Europe/London wall time, and refused when that wall time names no single instant:
    the hour the clocks go back happens twice, the hour they go forward not at all (DRF
    itself lets the skipped hour through, as the hour after it)."""

    default_error_messages = {
        "make_aware": (
            "This local time happens twice or not at all when the clocks change in {timezone}: "
            "send it with its UTC offset, like 2026-10-25T01:30:00+01:00."
        ),
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            zone = timezone.get_current_timezone()
            first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
            skipped = timezone.localtime(first.astimezone(UTC), zone).replace(tzinfo=None) != value
            if skipped or first.utcoffset() != second.utcoffset():
                self.fail("make_aware", timezone=zone)
            value = first
        try:
            return value.astimezone(UTC)
        except OverflowError:
            self.fail("overflow")
            raise  # unreachable: fail() raises; this keeps the type checker honest


class RuleBlocked(APIException):
    """A domain rule blocks the action: 409 {"code", "detail"}."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail=detail, code=code)
        self.rule_code = code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Blocked):
        return Response({"code": exc.code, "detail": exc.message}, status=409)
    if isinstance(exc, RuleBlocked):
        return Response({"code": exc.rule_code, "detail": str(exc.detail)}, status=409)
    if isinstance(exc, OperationalError | InterfaceError):
        # The database went away mid-request (a failover, a killed connection): the request's
        # transaction is rolled back; say so and invite a retry rather than answer a bare 500.
        return Response(
            {
                "code": "database_unavailable",
                "detail": "The database could not be reached and the request did not complete. Try again.",
            },
            status=503,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=400)
        return Response({"non_field_errors": exc.messages}, status=400)
    return drf_exception_handler(exc, context)
