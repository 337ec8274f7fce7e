"""Admin plumbing shared by every app."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest


class DateSafeChangeList(ChangeList):
    """Django's list answers a bad filter in the address with a redirect to `?e=1`, but a
    year or month outside Python's dates (`?at__year=999...`, `?month__year=0`) escapes as
    an OverflowError from the date drill-down, or a ValueError when the year lookup is
    turned into SQL, which happens only when the page renders: a 500. Both are treated as
    the bad filter they are, and the query is compiled here, where that is still caught."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        queryset = super().get_queryset(request, exclude_parameters)
        try:
            queryset.query.get_compiler(queryset.db).as_sql()
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        return queryset


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown and searchable, never added, changed or deleted here: these records change only
    through their services (the pages and the API call them), or never (the audit log)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DateSafeChangeList

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
