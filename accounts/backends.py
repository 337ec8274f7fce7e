from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.http import HttpRequest

# The role a CAD adapter's account holds (accounts.roles, issue 16): never a person, so it
# never signs in through single sign-on, and under SSO_ONLY keeps only its API password.
INTEGRATION_ROLE = "integration"


def password_sign_in_allowed(user: Any, *, api: bool) -> bool:
    """Whether `user` may sign in with a password: the sign-in page, the admin's and the API
    token endpoint all reach this through StaffBackend.

    Always, unless SSO_ONLY is set. Under SSO_ONLY: the accounts named in
    BREAK_GLASS_USERNAMES (anywhere), and integration accounts at the API only (a CAD adapter
    has no force account; it keeps getting its token with its password)."""
    if not settings.SSO_ONLY:
        return True
    if user.get_username() in settings.BREAK_GLASS_USERNAMES:
        return True
    return api and getattr(user, "role", None) == INTEGRATION_ROLE


class StaffBackend(ModelBackend):
    """Django's password backend, reading the signed-in member of staff with their team: the
    header shows the team on every page, so it comes in the same query as the user."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        # Checked after the password, so a refused account answers exactly as a wrong
        # password does (and is counted as a failure): no oracle for either.
        api = request is not None and request.path_info.startswith("/api/")
        return user if password_sign_in_allowed(user, api=api) else None

    def get_user(self, user_id: Any) -> Any:
        user = user_with_team(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_with_team(user_id: Any) -> Any:
    """The user with this id and their team, or None: what
    `User.objects.select_related("team").get(pk=user_id)` returns, from a statement built once
    per database. Every signed-in request asks for it, and building the queryset cost several
    times running it (issue 18, docs/BENCHMARKS.md)."""
    from accounts.models import User

    try:
        pk = User._meta.pk.to_python(user_id)
    except (ValidationError, ValueError, TypeError):
        return None
    alias = router.db_for_read(User)
    sql, user_fields, team_fields = _user_with_team_statement(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values = [convert(value, connection) for convert, value in zip(user_fields + team_fields, row, strict=True)]
    user = User.from_db(alias, [f.attname for f in User._meta.concrete_fields], values[: len(user_fields)])
    team_values = values[len(user_fields) :]
    team_field = User._meta.get_field("team")
    team_model = team_field.related_model
    team = (
        None
        if team_values[0] is None
        else team_model.from_db(alias, [f.attname for f in team_model._meta.concrete_fields], team_values)
    )
    team_field.set_cached_value(user, team)
    return user


@cache
def _user_with_team_statement(alias: str) -> tuple[str, list[Any], list[Any]]:
    """The SQL, and per column what the ORM would do to its value (the backend's and the
    field's converters), for user_with_team."""
    from accounts.models import User

    connection = connections[alias]
    quote = connection.ops.quote_name
    team_field = User._meta.get_field("team")
    team_model = team_field.related_model

    def converter(field: Any, table: str) -> Any:
        column = field.get_col(table)
        steps = connection.ops.get_db_converters(column) + field.get_db_converters(connection)

        def convert(value: Any, current: Any) -> Any:  # current: this thread's connection
            for step in steps:
                value = step(value, column, current)
            return value

        return convert

    user_table, team_table = User._meta.db_table, team_model._meta.db_table
    user_fields = list(User._meta.concrete_fields)
    team_fields = list(team_model._meta.concrete_fields)
    columns = [f"u.{quote(f.column)}" for f in user_fields] + [f"t.{quote(f.column)}" for f in team_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(user_table)} u "  # noqa: S608 - the models' own tables
        f"LEFT JOIN {quote(team_table)} t ON t.{quote(team_model._meta.pk.column)} = u.{quote(team_field.column)} "
        f"WHERE u.{quote(User._meta.pk.column)} = %s"
    )
    return (
        sql,
        [converter(f, user_table) for f in user_fields],
        [converter(f, team_table) for f in team_fields],
    )
