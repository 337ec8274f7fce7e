from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff and teams"

    def ready(self) -> None:
        from django.core.checks import register
        from django.db.models.signals import post_migrate

        import accounts.schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        from accounts.checks import check_group_roles
        from accounts.roles import sync_role_groups

        register(check_group_roles)

        # Groups carry the permissions; recreate them after every migrate so a new
        # permission reaches its roles without a hand-made data migration.
        # Connected for every app: the permissions of apps migrated after this one exist
        # only once their own post_migrate has run. The sync is idempotent and cheap.
        post_migrate.connect(sync_role_groups, dispatch_uid="accounts.sync_role_groups")
