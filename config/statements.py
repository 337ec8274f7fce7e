"""A `values_list` query's SQL built once per process and database, then run with each
request's values (issue 18), as accounts/backends.py reads the signed-in user.

Building a queryset and compiling it cost several times running it: the home page's own
incidents took about 1 ms of CPU through the ORM and under 0.2 ms as its SQL. A `Statement`
builds its queryset once with marker values in place of the request's (an owner's id, a team's,
the time now), compiles it, and notes which parameter each marker became; a request's `rows`
puts its own values in those places and runs the same SQL. The rows are what `values_list`
gives on PostgreSQL for the columns read here (text, numbers and timestamps, which need no
converter); tests/accounts/test_home_statements.py holds each statement to the ORM's answer.
`count` counts them in the database, as `QuerySet.count` does. On any database but
PostgreSQL (the demo's SQLite) the queryset runs through the ORM as usual.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet


def marker_id(n: int) -> int:
    """An id no row has, standing for a request's id while the statement is built."""
    return -918_273_000 - n


MARKER_TIME = datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC)


class Statement:
    """`Statement(lambda owner: Incident.objects.filter(owner_id=owner).values_list(...),
    owner=marker_id(1))`, then `.rows(owner=user.pk)`."""

    def __init__(self, build: Callable[..., QuerySet], **markers: Any) -> None:
        self._build = build
        self._markers = markers
        self._prepared: dict[str, tuple[str, list[tuple[bool, Any]]]] = {}

    def prepare(self, alias: str) -> tuple[str, list[tuple[bool, Any]]]:
        """The SQL and, per parameter, (True, the argument's name) or (False, a fixed value)."""
        queryset = self._build(**self._markers).using(alias)
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
        slots: list[tuple[bool, Any]] = []
        found = set()
        for param in params:
            name = next((k for k, v in self._markers.items() if type(v) is type(param) and v == param), None)
            if name is None:
                slots.append((False, param))
            else:
                found.add(name)
                slots.append((True, name))
        missing = set(self._markers) - found
        if missing:
            raise ValueError(f"The statement's SQL has no parameter for {sorted(missing)}: {sql}")
        return sql, slots

    def _run(self, using: str, wrap: str, values: dict[str, Any]) -> list[tuple]:
        if connections[using].vendor != "postgresql":
            # SQLite (the demo) adapts parameters and converts results differently (times as
            # text both ways): there the ORM runs the queryset itself, at the ORM's cost.
            queryset = self._build(**values).using(using)
            return [(queryset.count(),)] if wrap != "{}" else list(queryset)
        prepared = self._prepared.get(using)
        if prepared is None:
            prepared = self._prepared[using] = self.prepare(using)
        sql, slots = prepared
        params = [values[v] if named else v for named, v in slots]
        with connections[using].cursor() as cursor:
            cursor.execute(wrap.format(sql), params)
            return cursor.fetchall()

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple]:
        return self._run(using, "{}", values)

    def count(self, *, using: str = "default", **values: Any) -> int:
        """How many rows the statement gives, counted by the database (as QuerySet.count)."""
        return self._run(using, "SELECT COUNT(*) FROM ({}) AS counted", values)[0][0]


class ModelStatement(Statement):
    """A queryset of model instances, `select_related` included, compiled once: `objects(**values)`
    gives what `list(queryset)` would, the related rows joined and cached on it and its
    annotations set, for the
    SQL's run alone. What Django's ModelIterable does with a compiler's select list (each row
    into the model and its related models, through the compiler's converters) is done here
    with the compiler kept from the first build. For the few-row reads of a hot page (an
    incident by its reference, its latest versions): the builder orders and slices the
    queryset. On any database but PostgreSQL the ORM runs it."""

    def __init__(self, build: Callable[..., QuerySet], **markers: Any) -> None:
        super().__init__(build, **markers)
        self._readers: dict[str, Callable[[tuple], Any]] = {}

    def _reader(self, alias: str) -> Callable[[tuple], Any]:
        from django.db.models.query import get_related_populators

        queryset = self._build(**self._markers).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        compiler.as_sql()  # fills select, klass_info and annotation_col_map
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("A ModelStatement reads a model, its select_related rows and its annotations only")
        select, klass_info, annotations = compiler.select, compiler.klass_info, compiler.annotation_col_map.items()
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        model = klass_info["model"]
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])

        converters_at = list(converters.items())

        def read(row: tuple) -> Any:
            if converters_at:
                # What the compiler's apply_converters does, with this thread's connection (the
                # compiler's is the connection of the thread that built the statement).
                row = list(row)
                connection = connections[alias]
                for position, (functions, expression) in converters_at:
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            obj = model.from_db(alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            return obj

        return read

    def objects(self, *, using: str = "default", **values: Any) -> list[Any]:
        """Every row as a model instance, as `list(queryset)` gives."""
        if connections[using].vendor != "postgresql":
            return list(self._build(**values).using(using))
        reader = self._readers.get(using)
        if reader is None:
            reader = self._readers[using] = self._reader(using)
        return [reader(row) for row in self.rows(using=using, **values)]

    def first(self, *, using: str = "default", **values: Any) -> Any:
        """The first row as a model instance, or None (the builder orders and slices it)."""
        found = self.objects(using=using, **values)
        return found[0] if found else None
