"""API tokens moved from DRF's authtoken (one unhashed, never-expiring token per account)
to django-rest-knox (docs/SECURITY.md). The old tokens are dropped, not carried over: they
were stored in clear and had no creation time to count a lifetime from. API clients ask
POST /api/auth/token/ for a new one."""

from django.db import migrations


def drop_authtoken_table(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name('authtoken_token')}")
    # Django ignores migration records of an app that is no longer installed; removing them
    # lets the app be installed again later from a clean start.
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(drop_authtoken_table, migrations.RunPython.noop)]
