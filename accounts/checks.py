"""Start-up checks (`manage.py check`, runserver, gunicorn's first request): a setting that is
wrong is named at start-up, not at the first sign-in."""

from typing import Any

from django.core.checks import Error


def check_group_roles(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from accounts.sso import group_roles_problems

    return [Error(problem, id="accounts.E001") for problem in group_roles_problems()]
