"""The session store (SESSION_ENGINE): Django's database sessions, read with one statement
written once instead of a queryset built on every request.

Every signed-in request reads its session. Through the ORM, building and compiling that
one-line query costs several times what running it costs (issue 18, docs/BENCHMARKS.md);
here the statement is the same (`session_data` of the row with this key that has not yet
expired) and so is everything else: where sessions live, how they are written, expired and
deleted, and the idle timeout (accounts.middleware.IdleSessionMiddleware)."""

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseStore):
    def load(self) -> dict[str, Any]:
        model = self.model
        table = model._meta.db_table
        connection = connections[router.db_for_read(model)]
        sql = (
            f"SELECT session_data FROM {connection.ops.quote_name(table)} "  # noqa: S608 - the model's own table
            "WHERE session_key = %s AND expire_date > %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())])
            row = cursor.fetchone()
        if row is None:
            # As Django's store does: an unknown or expired key is forgotten, so that saving
            # the session makes a new key instead of reviving this one.
            self._session_key = None
            return {}
        return self.decode(row[0])
